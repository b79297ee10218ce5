/* Node operations on a view: read with permission check, write creating
 * parents, recursive remove, permission change. */
#include "xs_core.h"

#include <string.h>

static uint32_t node_perm(struct xs_view *v, const struct xs_node *n)
{
    return perms_for(v->core, v->conn, n->perms, n->nperms);
}

/* Which error a missing node gives: EACCES when the nearest existing
 * ancestor is unreadable (do not reveal what exists), else ENOENT. */
static int errno_from_parents(struct xs_view *v, const char *path)
{
    char *p = path_parent(path);
    int rc = -ENOENT;
    while (p) {
        const struct xs_node *n = map_get(&v->core->base, p);
        char *up;
        if (n) {
            if (!(node_perm(v, n) & XS_P_READ))
                rc = -EACCES;
            break;
        }
        up = strcmp(p, "/") ? path_parent(p) : NULL;
        xs_free(p);
        p = up;
    }
    xs_free(p);
    return rc;
}

int tree_read(struct xs_view *v, const char *path, const struct xs_node **out,
              uint32_t need)
{
    const struct xs_node *n;
    int rc = view_get(v, path, &n);
    if (rc)
        return rc;
    if (!n)
        return errno_from_parents(v, path);
    if ((node_perm(v, n) & need) != need)
        return -EACCES;
    *out = n;
    return 0;
}

int event_record(struct xs_view *v, const char *path, bool recurse,
                 const struct xs_node *n)
{
    struct xs_event *e;
    if (!v->txn) {
        watch_fire(v->core, path, recurse, n->perms, n->nperms);
        return 0;
    }
    e = xs_calloc(1, sizeof(*e));
    if (!e)
        return -ENOMEM;
    e->path = xs_strdup(path);
    e->perms = xs_memdup(n->perms, n->nperms * sizeof(*n->perms));
    if (!e->path || !e->perms) {
        event_free_list(e);
        return -ENOMEM;
    }
    e->nperms = n->nperms;
    e->recurse = recurse;
    e->next = v->txn->events;
    v->txn->events = e;
    return 0;
}

void event_free_list(struct xs_event *e)
{
    while (e) {
        struct xs_event *next = e->next;
        xs_free(e->path);
        xs_free(e->perms);
        xs_free(e);
        e = next;
    }
}

/* Count missing ancestors-or-self and find the nearest existing one. */
static int find_existing(struct xs_view *v, const char *path, int *missing,
                         const struct xs_node **anc)
{
    char *p = xs_strdup(path);
    int rc = 0;
    *missing = 0;
    while (p) {
        const struct xs_node *n;
        char *up;
        rc = view_get(v, p, &n);
        if (rc || n) {
            *anc = n;
            break;
        }
        if (!strcmp(p, "/")) { /* no root: nothing to create under */
            rc = -ENOENT;
            break;
        }
        (*missing)++;
        up = path_parent(p);
        xs_free(p);
        p = up;
        if (!p)
            rc = -ENOMEM;
    }
    xs_free(p);
    return rc;
}

static int add_to_parent(struct xs_view *v, const char *path)
{
    char *pp = path_parent(path);
    const struct xs_node *parent;
    struct xs_node *copy;
    int rc = -ENOMEM;

    if (!pp)
        return -ENOMEM;
    rc = view_get(v, pp, &parent);
    if (!rc && !parent)
        rc = -ENOENT;
    if (rc)
        goto out;
    if (node_has_child(parent, path_basename(path)))
        goto out;
    rc = -ENOMEM;
    copy = node_copy(parent);
    if (!copy || node_add_child(copy, path_basename(path))) {
        node_free(copy);
        goto out;
    }
    rc = view_put(v, copy);
out:
    xs_free(pp);
    return rc;
}

/* Create path and its missing parents; new nodes inherit the parent's
 * permissions, owned by the creating domain when it is unprivileged. */
static int create_chain(struct xs_view *v, const char *path)
{
    char *pp = path_parent(path);
    const struct xs_node *parent;
    struct xs_node *n = NULL;
    int rc = pp ? view_get(v, pp, &parent) : -ENOMEM;

    if (!rc && !parent) {
        rc = create_chain(v, pp);
        if (!rc)
            rc = view_get(v, pp, &parent);
        if (!rc && !parent)
            rc = -ENOENT;
    }
    if (rc)
        goto out;
    rc = -ENOMEM;
    n = node_new(path);
    if (!n || node_set_perms(n, parent->perms, parent->nperms))
        goto out;
    if (!conn_acts_dom0(v->conn)) /* a backend's nodes stay domain 0's */
        n->perms[0].id = v->conn->domid;
    rc = add_to_parent(v, path);
    if (rc)
        goto out;
    rc = view_put(v, n);
    n = NULL;
    if (!rc && v->txn)
        v->txn->node_delta++;
out:
    node_free(n);
    xs_free(pp);
    return rc;
}

static int write_existing(struct xs_view *v, const struct xs_node *cur,
                          const char *val, uint32_t len)
{
    struct xs_node *n;
    if (!(node_perm(v, cur) & XS_P_WRITE))
        return -EACCES;
    n = node_copy(cur);
    if (!n || node_set_value(n, val, len)) {
        node_free(n);
        return -ENOMEM;
    }
    if (!conn_is_priv(v->conn) &&
        quota_node_size(n) > v->core->quota[XS_Q_NODE_SIZE]) {
        node_free(n);
        return -ENOSPC;
    }
    return view_put(v, n);
}

int tree_write(struct xs_view *v, const char *path, const char *val,
               uint32_t len, bool only_create)
{
    const struct xs_node *n, *anc = NULL;
    int missing, rc;

    if (!conn_is_priv(v->conn) && len > v->core->quota[XS_Q_NODE_SIZE])
        return -ENOSPC;
    rc = find_existing(v, path, &missing, &anc);
    if (rc)
        return rc;
    if (!anc)
        return -ENOENT;
    if (missing) {
        if (!(node_perm(v, anc) & XS_P_WRITE))
            return -EACCES;
        rc = quota_check_nodes(v, missing);
        if (!rc)
            rc = create_chain(v, path);
        if (rc)
            return rc;
        if (only_create)
            goto fire;
    } else if (only_create) { /* MKDIR of an existing node: fine if ours */
        return node_perm(v, anc) & XS_P_WRITE ? 0 : -EACCES;
    }
    rc = view_get(v, path, &n);
    if (!rc && !n)
        rc = -ENOENT;
    if (!rc)
        rc = write_existing(v, n, val, len);
    if (rc)
        return rc;
fire:
    rc = view_get(v, path, &n);
    if (!rc && n)
        rc = event_record(v, path, false, n);
    return rc;
}

static int rm_subtree(struct xs_view *v, const char *path, int *count)
{
    const struct xs_node *n;
    char *kids;
    uint32_t klen;
    int rc = view_get(v, path, &n);

    if (rc || !n)
        return rc;
    klen = n->clen;
    kids = xs_memdup(n->children, klen);
    if (!kids)
        return -ENOMEM;
    for (uint32_t off = 0; off < klen && !rc;
         off += (uint32_t)strlen(kids + off) + 1) {
        char *child = path_join(path, kids + off);
        rc = child ? rm_subtree(v, child, count) : -ENOMEM;
        xs_free(child);
    }
    xs_free(kids);
    if (!rc)
        rc = view_del(v, path);
    (*count)++;
    return rc;
}

static int rm_from_parent(struct xs_view *v, const char *path)
{
    char *pp = path_parent(path);
    const struct xs_node *parent;
    struct xs_node *copy;
    int rc = pp ? view_get(v, pp, &parent) : -ENOMEM;

    if (!rc && parent) {
        copy = node_copy(parent);
        if (copy) {
            node_del_child(copy, path_basename(path));
            rc = view_put(v, copy);
        } else {
            rc = -ENOMEM;
        }
    }
    xs_free(pp);
    return rc;
}

int tree_rm(struct xs_view *v, const char *path)
{
    const struct xs_node *n;
    int rc, count = 0;

    if (!strcmp(path, "/"))
        return -EINVAL;
    rc = view_get(v, path, &n);
    if (rc)
        return rc;
    if (!n) {
        char *pp = path_parent(path);
        const struct xs_node *parent = NULL;
        rc = pp ? view_get(v, pp, &parent) : -ENOMEM;
        xs_free(pp);
        if (rc)
            return rc;
        return parent ? 0 : errno_from_parents(v, path);
    }
    if (!(node_perm(v, n) & XS_P_WRITE))
        return -EACCES;
    rc = event_record(v, path, true, n);
    if (!rc)
        rc = rm_subtree(v, path, &count);
    if (!rc)
        rc = rm_from_parent(v, path);
    if (v->txn)
        v->txn->node_delta -= count;
    return rc;
}

int tree_set_perms(struct xs_view *v, const char *path, struct xs_perm *p,
                   uint32_t np)
{
    const struct xs_node *n;
    struct xs_node *copy;
    int rc = tree_read(v, path, &n, XS_P_WRITE | XS_P_OWNER);

    if (rc)
        return rc;
    if (!conn_is_priv(v->conn)) {
        if (np > v->core->quota[XS_Q_PERMS])
            return -ENOSPC;
        if (p[0].id != n->perms[0].id)
            return -EPERM;
    }
    copy = node_copy(n);
    if (!copy || node_set_perms(copy, p, np)) {
        node_free(copy);
        return -ENOMEM;
    }
    rc = view_put(v, copy);
    if (rc || path[0] == '@') /* special nodes: perms only, no event */
        return rc;
    rc = view_get(v, path, &n);
    if (!rc && n)
        rc = event_record(v, path, false, n);
    return rc;
}

static void tree_mk(struct xs_core *c, const char *path)
{
    static const struct xs_perm none0 = { 0, XS_P_NONE };
    struct xs_node *n;
    if (map_get(&c->base, path))
        return;
    n = node_new(path);
    if (!n || node_set_perms(n, &none0, 1)) {
        node_free(n);
        return;
    }
    store_base_put(c, n);
    if (path[0] == '/' && strcmp(path, "/")) {
        struct xs_view v = { c, NULL, NULL };
        struct xs_conn dom0 = { .core = c, .domid = 0 };
        v.conn = &dom0;
        add_to_parent(&v, path);
    }
}

/* The skeleton every toolstack expects. */
void tree_init(struct xs_core *c)
{
    tree_mk(c, "/");
    tree_mk(c, "/local");
    tree_mk(c, "/local/domain");
    tree_mk(c, "/tool");
    /* special nodes: no parent, only permissions (who sees the events) */
    tree_mk(c, "@introduceDomain");
    tree_mk(c, "@releaseDomain");
}
