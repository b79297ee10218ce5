/* Domains known to the store: introduced state, ring connection, device
 * model target, node accounting. */
#include "xs_core.h"

#include <stdio.h>
#include <string.h>

struct xs_domain *domain_find(struct xs_core *c, uint32_t domid)
{
    for (size_t i = 0; i < c->ndoms; i++)
        if (c->doms[i].domid == domid)
            return &c->doms[i];
    return NULL;
}

struct xs_domain *domain_get(struct xs_core *c, uint32_t domid)
{
    struct xs_domain *d = domain_find(c, domid);
    if (d)
        return d;
    if (c->ndoms == c->capdoms) {
        size_t cap = c->capdoms ? c->capdoms * 2 : 16;
        struct xs_domain *n = xs_calloc(cap, sizeof(*n));
        if (!n)
            return NULL;
        if (c->ndoms)
            memcpy(n, c->doms, c->ndoms * sizeof(*n));
        xs_free(c->doms);
        c->doms = n;
        c->capdoms = cap;
    }
    d = &c->doms[c->ndoms++];
    memset(d, 0, sizeof(*d));
    d->domid = domid;
    d->target = XS_DOMID_NONE;
    return d;
}

uint32_t conn_target(const struct xs_conn *conn)
{
    const struct xs_domain *d = domain_find(conn->core, conn->domid);
    return d ? d->target : XS_DOMID_NONE;
}

void domain_persist(struct xs_core *c, const struct xs_domain *d)
{
    c->dirty = true;
    if (c->persist && c->persist->dom_put)
        c->persist->dom_put(c->persist_opaque, d);
}

void domain_load(struct xs_core *c, const struct xs_domain *src)
{
    struct xs_domain *d = domain_get(c, src->domid);
    if (!d)
        return;
    d->introduced = src->introduced;
    d->mfn = src->mfn;
    d->port = src->port;
    d->target = src->target;
}

int domain_introduce(struct xs_core *c, uint32_t domid, uint64_t mfn,
                     uint32_t port)
{
    struct xs_domain *d = domain_get(c, domid);
    bool fresh;
    if (!d)
        return -ENOMEM;
    fresh = !d->introduced;
    d->introduced = true;
    d->mfn = mfn;
    d->port = port;
    domain_persist(c, d);
    if (fresh)
        watch_fire(c, "@introduceDomain", false, NULL, 0);
    return 0;
}

/* Drop every permission entry naming domid; nodes it owned pass to dom0,
 * so a later domain reusing the id inherits nothing (Xen's XSA-322 rule). */
static void domain_revoke(struct xs_core *c, uint32_t domid)
{
    size_t it, n = 0, cap = 64;
    char **paths = xs_calloc(cap, sizeof(*paths));

    for (struct xs_node *e = map_first(&c->base, &it); e && paths;
         e = map_next(&c->base, &it, e)) {
        bool hit = false;
        for (uint32_t i = 0; i < e->nperms; i++)
            hit |= e->perms[i].id == domid;
        if (!hit)
            continue;
        if (n == cap) {
            char **np = xs_calloc(cap * 2, sizeof(*np));
            if (!np)
                break;
            memcpy(np, paths, n * sizeof(*np));
            xs_free(paths);
            paths = np;
            cap *= 2;
        }
        paths[n++] = xs_strdup(e->path);
    }
    for (size_t i = 0; i < n; i++) {
        const struct xs_node *e = paths[i] ? map_get(&c->base, paths[i]) : NULL;
        struct xs_node *copy = e ? node_copy(e) : NULL;
        uint32_t k = 1;
        if (copy) {
            if (copy->perms[0].id == domid)
                copy->perms[0].id = 0;
            for (uint32_t j = 1; j < copy->nperms; j++)
                if (copy->perms[j].id != domid)
                    copy->perms[k++] = copy->perms[j];
            copy->nperms = k;
            store_base_put(c, copy);
        }
        xs_free(paths[i]);
    }
    xs_free(paths);
}

int domain_release(struct xs_core *c, uint32_t domid)
{
    struct xs_domain *d = domain_find(c, domid);
    struct xs_conn *conn;

    if (!d || !d->introduced)
        return -ENOENT;
    d->introduced = false;
    d->target = XS_DOMID_NONE;
    conn = d->conn;
    d->conn = NULL;
    if (conn) {
        conn_reset(conn);
        if (conn->ops && conn->ops->release)
            conn->ops->release(conn);
    }
    c->dirty = true;
    if (c->persist && c->persist->dom_del)
        c->persist->dom_del(c->persist_opaque, domid);
    domain_revoke(c, domid);
    ident_release(c, domid);
    watch_fire(c, "@releaseDomain", false, NULL, 0);
    return 0;
}
