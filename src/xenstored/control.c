/* XS_CONTROL: run-time quota inspection and change, backend tokens, help.
 * Every command is domain 0's except "identify", which a socket
 * connection sends to become a domain's backend (ident.c). */
#include "dispatch.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ctl_cmd {
    const char *name;
    int (*fn)(struct xs_req *r, const char **argv, int argc);
    const char *help;
    bool open; /* not only domain 0's */
};

struct strbuf {
    char buf[XENSTORE_PAYLOAD_MAX];
    size_t len;
};

static void sb_printf(struct strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    int n;
    if (sb->len >= sizeof(sb->buf) - 1)
        return;
    va_start(ap, fmt);
    n = vsnprintf(sb->buf + sb->len, sizeof(sb->buf) - sb->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        sb->len += (size_t)n;
    if (sb->len >= sizeof(sb->buf))
        sb->len = sizeof(sb->buf) - 1;
}

static int quota_list(struct xs_req *r)
{
    struct strbuf *sb = xs_calloc(1, sizeof(*sb));
    int rc;
    if (!sb)
        return -ENOMEM;
    for (int i = 0; i < XS_Q_COUNT; i++)
        sb_printf(sb, "%-18s %-32s %u\n", xs_quota_defs[i].name,
                  xs_quota_defs[i].descr, r->core->quota[i]);
    rc = reply_str(r, sb->buf);
    xs_free(sb);
    return rc;
}

static int quota_domain(struct xs_req *r, uint32_t domid)
{
    const struct xs_domain *d = domain_find(r->core, domid);
    uint32_t watches = 0, txns = 0;
    char buf[256];

    if (!d)
        return -ENOENT;
    for (const struct xs_conn *c = r->core->conns; c; c = c->next) {
        if (c->domid != domid)
            continue;
        watches += c->nwatches;
        txns += c->ntxns;
    }
    snprintf(buf, sizeof(buf),
             "Domain %u: nodes %u/%u watches %u/%u transactions %u/%u\n",
             domid, d->nodes, r->core->quota[XS_Q_NODES], watches,
             r->core->quota[XS_Q_WATCHES], txns,
             r->core->quota[XS_Q_TRANSACTIONS]);
    return reply_str(r, buf);
}

static int quota_set(struct xs_req *r, const char *name, const char *val)
{
    int q = quota_find(name);
    char *end;
    unsigned long v;

    if (q < 0 || val[0] < '0' || val[0] > '9')
        return -EINVAL;
    v = strtoul(val, &end, 10);
    if (*end || v == 0 || v > UINT32_MAX)
        return -EINVAL;
    r->core->quota[q] = (uint32_t)v;
    return 0;
}

static int ctl_quota(struct xs_req *r, const char **argv, int argc)
{
    uint32_t domid;
    if (argc == 0)
        return quota_list(r);
    if (argc == 1 && !req_domid(argv[0], &domid))
        return quota_domain(r, domid);
    if (argc == 2)
        return quota_set(r, argv[0], argv[1]);
    return -EINVAL;
}

static int ctl_quota_set(struct xs_req *r, const char **argv, int argc)
{
    return argc == 2 ? quota_set(r, argv[0], argv[1]) : -EINVAL;
}

static int ctl_stats(struct xs_req *r, const char **argv, int argc)
{
    char buf[160];
    size_t conns = 0;
    (void)argv;
    if (argc)
        return -EINVAL;
    for (const struct xs_conn *c = r->core->conns; c; c = c->next)
        conns++;
    snprintf(buf, sizeof(buf), "requests %llu\nnodes %zu\nconnections %zu\n",
             (unsigned long long)r->core->stats_requests, r->core->base.count,
             conns);
    return reply_str(r, buf);
}

static int ctl_authorise(struct xs_req *r, const char **argv, int argc)
{
    uint32_t domid;
    if (argc != 2 || req_domid(argv[0], &domid))
        return -EINVAL;
    if (r->conn->ro) /* socket_ro may be group-readable: no grants there */
        return -EROFS;
    return ident_authorise(r->core, domid, argv[1]);
}

static int ctl_identify(struct xs_req *r, const char **argv, int argc)
{
    return argc == 1 ? ident_identify(r->conn, argv[0]) : -EINVAL;
}

static int ctl_help(struct xs_req *r, const char **argv, int argc);

static const struct ctl_cmd ctl_cmds[] = {
    { "quota", ctl_quota,
      "[<domid>|<quota> <value>]: show quotas, a domain's usage, or set",
      false },
    { "quota-set", ctl_quota_set, "<quota> <value>: set a quota", false },
    { "stats", ctl_stats, ": requests served, nodes, connections", false },
    { "authorise", ctl_authorise,
      "<domid> <token>: the token's holder may become domid's backend",
      false },
    { "identify", ctl_identify,
      "<token>: this connection becomes the token's domain's backend",
      true },
    { "help", ctl_help, ": list commands", false },
};

static int ctl_help(struct xs_req *r, const char **argv, int argc)
{
    char buf[1024];
    size_t len = 0;
    (void)argv;
    (void)argc;
    for (size_t i = 0; i < sizeof(ctl_cmds) / sizeof(*ctl_cmds); i++) {
        int n = snprintf(buf + len, sizeof(buf) - len, "%s %s\n",
                         ctl_cmds[i].name, ctl_cmds[i].help);
        if (n > 0 && (size_t)n < sizeof(buf) - len)
            len += (size_t)n;
    }
    buf[len] = 0;
    return reply_str(r, buf);
}

int op_control(struct xs_req *r)
{
    const char *argv[8];
    int n = wire_split(r->body, r->hdr->len, argv, 8);

    if (n < 1)
        return conn_is_priv(r->conn) ? -EINVAL : -EACCES;
    for (size_t i = 0; i < sizeof(ctl_cmds) / sizeof(*ctl_cmds); i++) {
        if (strcmp(argv[0], ctl_cmds[i].name))
            continue;
        if (!ctl_cmds[i].open && !conn_is_priv(r->conn))
            return -EACCES;
        return ctl_cmds[i].fn(r, argv + 1, n - 1);
    }
    return conn_is_priv(r->conn) ? -EINVAL : -EACCES;
}
