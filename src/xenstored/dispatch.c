/* One table from message type to handler, one function that validates,
 * runs the handler, persists and replies. */
#include "dispatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct xs_op xs_ops[] = {
    { XS_CONTROL, op_control, 0 }, /* per command: see control.c */
    { XS_DIRECTORY, op_directory, XS_F_TXN },
    { XS_READ, op_read, XS_F_TXN },
    { XS_GET_PERMS, op_get_perms, XS_F_TXN },
    { XS_WATCH, op_watch, 0 },
    { XS_UNWATCH, op_unwatch, 0 },
    { XS_TRANSACTION_START, op_txn_start, 0 },
    { XS_TRANSACTION_END, op_txn_end, 0 },
    { XS_INTRODUCE, op_introduce, XS_F_PRIV | XS_F_WRITE },
    { XS_RELEASE, op_release, XS_F_PRIV | XS_F_WRITE },
    { XS_GET_DOMAIN_PATH, op_get_domain_path, 0 },
    { XS_WRITE, op_write, XS_F_TXN | XS_F_WRITE },
    { XS_MKDIR, op_mkdir, XS_F_TXN | XS_F_WRITE },
    { XS_RM, op_rm, XS_F_TXN | XS_F_WRITE },
    { XS_SET_PERMS, op_set_perms, XS_F_TXN | XS_F_WRITE },
    { XS_IS_DOMAIN_INTRODUCED, op_is_domain_introduced, XS_F_PRIV },
    { XS_RESUME, op_resume, XS_F_PRIV | XS_F_WRITE },
    { XS_SET_TARGET, op_set_target, XS_F_PRIV | XS_F_WRITE },
    { XS_RESET_WATCHES, op_reset_watches, 0 },
    { XS_DIRECTORY_PART, op_directory_part, XS_F_TXN },
};

static const struct xs_op *op_lookup(uint32_t type)
{
    for (size_t i = 0; i < sizeof(xs_ops) / sizeof(*xs_ops); i++)
        if (xs_ops[i].type == type)
            return &xs_ops[i];
    return NULL;
}

int reply_buf(struct xs_req *r, const void *p, size_t len)
{
    if (len > XENSTORE_PAYLOAD_MAX)
        return -E2BIG;
    xs_free(r->reply);
    r->reply = xs_memdup(p, len);
    r->rlen = (uint32_t)len;
    return r->reply ? 0 : -ENOMEM;
}

int reply_str(struct xs_req *r, const char *s)
{
    return reply_buf(r, s, strlen(s) + 1);
}

/* Exactly `want` NUL-terminated strings. */
int req_args(struct xs_req *r, const char **argv, uint32_t want)
{
    int n = wire_split(r->body, r->hdr->len, argv, want);
    return n == (int)want ? 0 : -EINVAL;
}

/* The connection's path scope (ident_gate) for this op; when refused,
 * frees *abs and sets it NULL. */
int req_gate(struct xs_req *r, char **abs)
{
    int rc = ident_gate(r->conn, *abs,
                        r->flags & XS_F_WRITE ? XS_P_WRITE : XS_P_READ);
    if (rc) {
        xs_free(*abs);
        *abs = NULL;
    }
    return rc;
}

/* A node path (not a special @name), made absolute, validated and within
 * the connection's scope. */
int req_path(struct xs_req *r, const char *in, char **abs)
{
    size_t strip;
    int rc;
    if (in[0] == '@')
        return -EINVAL;
    rc = path_canon(r->conn, in, abs, &strip);
    return rc ? rc : req_gate(r, abs);
}

int req_domid(const char *s, uint32_t *domid)
{
    char *end;
    unsigned long v;
    if (s[0] < '0' || s[0] > '9')
        return -EINVAL;
    v = strtoul(s, &end, 10);
    if (*end || v > 0xffff)
        return -EINVAL;
    *domid = (uint32_t)v;
    return 0;
}

static int req_check(struct xs_req *r, const struct xs_op *op)
{
    if (!op)
        return -EINVAL;
    r->flags = op->flags;
    if (r->conn->ident == XS_ID_NONE && op->type != XS_CONTROL)
        return -EACCES;
    if ((op->flags & XS_F_PRIV) && !conn_is_priv(r->conn))
        return -EACCES;
    if ((op->flags & XS_F_WRITE) && r->conn->ro)
        return -EROFS;
    if ((op->flags & XS_F_TXN) && r->hdr->tx_id) {
        r->view.txn = txn_find(r->conn, r->hdr->tx_id);
        if (!r->view.txn)
            return -ENOENT;
    }
    return 0;
}

int xs_core_commit(struct xs_core *c)
{
    if (!c->dirty)
        return 0;
    c->dirty = false;
    if (c->persist && c->persist->commit)
        return c->persist->commit(c->persist_opaque);
    return 0;
}

int xs_core_sync(struct xs_core *c)
{
    if (c->persist && c->persist->sync)
        return c->persist->sync(c->persist_opaque);
    return 0;
}

static void req_reply(struct xs_req *r, int rc)
{
    const struct xsd_sockmsg *h = r->hdr;
    if (rc) {
        const char *e = wire_errname(rc);
        conn_queue(r->conn, XS_ERROR, h->req_id, h->tx_id, e,
                   (uint32_t)strlen(e) + 1, false);
    } else if (r->reply) {
        conn_queue(r->conn, h->type, h->req_id, h->tx_id, r->reply, r->rlen,
                   false);
    } else {
        conn_queue(r->conn, h->type, h->req_id, h->tx_id, "OK", 3, false);
    }
}

/* The one place that replies.  body has hdr->len bytes plus a NUL. */
void xs_core_request(struct xs_core *c, struct xs_conn *conn,
                     const struct xsd_sockmsg *hdr, char *body)
{
    const struct xs_op *op = op_lookup(hdr->type);
    struct xs_req r = {
        .core = c, .conn = conn, .hdr = hdr, .body = body,
        .view = { c, conn, NULL },
    };
    int rc = req_check(&r, op);

    c->stats_requests++;
    if (!rc)
        rc = op->fn(&r);
    if (xs_core_commit(c) && !rc)
        rc = -EIO;
    req_reply(&r, rc);
    if (!rc && r.fire_new)
        watch_send(r.fire_new, r.fire_new->path);
    xs_free(r.reply);
}

int xs_core_init(struct xs_core *c)
{
    memset(c, 0, sizeof(*c));
    quota_init(c);
    return map_init(&c->base);
}

void xs_core_destroy(struct xs_core *c)
{
    while (c->conns)
        conn_free(c->conns);
    ident_free_all(c);
    map_destroy(&c->base);
    xs_free(c->doms);
    c->doms = NULL;
    c->ndoms = c->capdoms = 0;
}
