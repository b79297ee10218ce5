/* Named per-domain quotas with Xen 4.17 xenstored's defaults.  Quotas bind
 * unprivileged domains only; domain 0 may change them at run time
 * (XS_CONTROL "quota"). */
#include "xs_core.h"

#include <string.h>

const struct xs_quota_def xs_quota_defs[XS_Q_COUNT] = {
    [XS_Q_NODES] = { "nodes", "Nodes per domain", 1000 },
    [XS_Q_NODE_SIZE] = { "node-size", "Max size of a node (bytes)", 2048 },
    [XS_Q_WATCHES] = { "watches", "Watches per domain", 128 },
    [XS_Q_TRANSACTIONS] = { "transactions", "Transactions per domain", 10 },
    [XS_Q_TRANS_NODES] = { "transaction-nodes",
                           "Nodes accessed per transaction", 1024 },
    [XS_Q_OUTSTANDING] = { "outstanding",
                           "Outstanding requests per domain", 20 },
    [XS_Q_PATH_MAX] = { "path-max", "Max relative path length",
                        XENSTORE_REL_PATH_MAX },
    [XS_Q_PERMS] = { "permissions", "Permissions per node", 5 },
};

void quota_init(struct xs_core *c)
{
    for (int i = 0; i < XS_Q_COUNT; i++)
        c->quota[i] = xs_quota_defs[i].def;
}

int quota_find(const char *name)
{
    for (int i = 0; i < XS_Q_COUNT; i++)
        if (!strcmp(name, xs_quota_defs[i].name))
            return i;
    return -1;
}

void quota_node_acct(struct xs_core *c, uint32_t owner, int delta)
{
    struct xs_domain *d = delta > 0 ? domain_get(c, owner)
                                    : domain_find(c, owner);
    if (!d)
        return;
    if (delta < 0 && d->nodes < (uint32_t)-delta)
        d->nodes = 0;
    else
        d->nodes += (uint32_t)delta;
}

int quota_check_nodes(struct xs_view *v, int delta)
{
    const struct xs_domain *d;
    int64_t cur;

    if (conn_acts_dom0(v->conn)) /* the nodes are domain 0's */
        return 0;
    d = domain_find(v->core, v->conn->domid);
    cur = d ? d->nodes : 0;
    if (v->txn)
        cur += v->txn->node_delta;
    return cur + delta > (int64_t)v->core->quota[XS_Q_NODES] ? -ENOSPC : 0;
}

uint32_t quota_node_size(const struct xs_node *n)
{
    return n->vlen + n->clen + n->nperms * (uint32_t)sizeof(struct xs_perm);
}
