/* Handlers for node requests: READ, WRITE, MKDIR, RM, DIRECTORY(_PART),
 * GET_PERMS, SET_PERMS. */
#include "dispatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Handlers taking one path argument share this shape. */
static int one_path(struct xs_req *r, char **abs)
{
    const char *argv[1];
    int rc = req_args(r, argv, 1);
    return rc ? rc : req_path(r, argv[0], abs);
}

/* GET_PERMS and SET_PERMS also take the special @ nodes. */
static int perms_path(struct xs_req *r, const char *in, char **abs)
{
    size_t strip;
    int rc;
    if (in[0] != '@')
        return req_path(r, in, abs);
    rc = path_canon(r->conn, in, abs, &strip);
    return rc ? rc : req_gate(r, abs);
}

/* Read-permission access to one node, handed to emit() for the reply. */
static int with_node(struct xs_req *r,
                     int (*emit)(struct xs_req *r, const struct xs_node *n),
                     bool special_ok)
{
    const struct xs_node *n;
    const char *argv[1];
    char *path;
    int rc = req_args(r, argv, 1);
    if (rc)
        return rc;
    rc = special_ok ? perms_path(r, argv[0], &path)
                    : req_path(r, argv[0], &path);
    if (rc)
        return rc;
    rc = tree_read(&r->view, path, &n, XS_P_READ);
    if (!rc)
        rc = emit(r, n);
    xs_free(path);
    return rc;
}

static int emit_value(struct xs_req *r, const struct xs_node *n)
{
    return reply_buf(r, n->value, n->vlen);
}

static int emit_children(struct xs_req *r, const struct xs_node *n)
{
    return reply_buf(r, n->children, n->clen);
}

static int emit_perms(struct xs_req *r, const struct xs_node *n)
{
    size_t need = perms_format(n->perms, n->nperms, NULL, 0);
    char *buf = xs_malloc(need);
    int rc;
    if (!buf)
        return -ENOMEM;
    perms_format(n->perms, n->nperms, buf, need);
    rc = reply_buf(r, buf, need);
    xs_free(buf);
    return rc;
}

int op_read(struct xs_req *r)
{
    return with_node(r, emit_value, false);
}

int op_directory(struct xs_req *r)
{
    return with_node(r, emit_children, false);
}

int op_get_perms(struct xs_req *r)
{
    return with_node(r, emit_perms, true);
}

int op_write(struct xs_req *r)
{
    const char *end = memchr(r->body, 0, r->hdr->len);
    uint32_t plen;
    char *path;
    int rc;

    if (!end)
        return -EINVAL;
    plen = (uint32_t)(end - r->body) + 1;
    rc = req_path(r, r->body, &path);
    if (rc)
        return rc;
    rc = tree_write(&r->view, path, r->body + plen, r->hdr->len - plen,
                    false);
    xs_free(path);
    return rc;
}

int op_mkdir(struct xs_req *r)
{
    char *path;
    int rc = one_path(r, &path);
    if (rc)
        return rc;
    rc = tree_write(&r->view, path, NULL, 0, true);
    xs_free(path);
    return rc;
}

int op_rm(struct xs_req *r)
{
    char *path;
    int rc = one_path(r, &path);
    if (rc)
        return rc;
    rc = tree_rm(&r->view, path);
    xs_free(path);
    return rc;
}

/* Children from a byte offset, prefixed by the node generation; a trailing
 * empty name marks the end of the list. */
static int dir_part_reply(struct xs_req *r, const struct xs_node *n,
                          uint32_t off)
{
    char *buf = xs_malloc(XENSTORE_PAYLOAD_MAX);
    size_t len, end = off;
    int rc;

    if (!buf)
        return -ENOMEM;
    len = (size_t)snprintf(buf, 32, "%llu", (unsigned long long)n->gen) + 1;
    while (end < n->clen) {
        size_t l = strnlen(n->children + end, n->clen - end) + 1;
        if (len + (end - off) + l + 1 > XENSTORE_PAYLOAD_MAX)
            break;
        end += l;
    }
    memcpy(buf + len, n->children + off, end - off);
    len += end - off;
    if (end == n->clen)
        buf[len++] = 0;
    rc = reply_buf(r, buf, len);
    xs_free(buf);
    return rc;
}

int op_directory_part(struct xs_req *r)
{
    const struct xs_node *n;
    const char *argv[2];
    char *path, *endp;
    unsigned long off;
    int rc = req_args(r, argv, 2);

    if (rc)
        return rc;
    off = strtoul(argv[1], &endp, 10);
    if (*endp || argv[1][0] < '0' || argv[1][0] > '9')
        return -EINVAL;
    rc = req_path(r, argv[0], &path);
    if (rc)
        return rc;
    rc = tree_read(&r->view, path, &n, XS_P_READ);
    if (!rc && (off > n->clen || (off && n->children[off - 1] != 0)))
        rc = -EINVAL;
    if (!rc)
        rc = dir_part_reply(r, n, (uint32_t)off);
    xs_free(path);
    return rc;
}

int op_set_perms(struct xs_req *r)
{
    const char *argv[XS_MAX_ARGS];
    struct xs_perm *p;
    char *path = NULL;
    int n = wire_split(r->body, r->hdr->len, argv, XS_MAX_ARGS);
    int rc;

    if (n < 2)
        return -EINVAL;
    rc = perms_parse(argv + 1, (uint32_t)n - 1, &p);
    if (rc)
        return rc;
    rc = perms_path(r, argv[0], &path);
    if (!rc)
        rc = tree_set_perms(&r->view, path, p, (uint32_t)n - 1);
    xs_free(path);
    xs_free(p);
    return rc;
}
