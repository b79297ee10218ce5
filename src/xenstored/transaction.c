/* Views and transactions.  A transaction keeps a private copy of every node
 * it touches (its overlay), remembering the base generation at first access.
 * Commit fails with EAGAIN if any of those nodes changed meanwhile;
 * otherwise the modified copies replace the base nodes. */
#include "xs_core.h"

#include <string.h>

static int overlay_entry(struct xs_view *v, const char *path,
                         struct xs_node **out)
{
    struct xs_node *e = map_get(&v->txn->overlay, path);
    const struct xs_node *b;

    if (e) {
        *out = e;
        return 0;
    }
    if (!conn_is_priv(v->conn) &&
        v->txn->overlay.count >= v->core->quota[XS_Q_TRANS_NODES])
        return -ENOSPC;
    b = map_get(&v->core->base, path);
    if (b) {
        e = node_copy(b);
        if (e)
            e->base_gen = b->gen;
    } else {
        e = node_new(path);
        if (e)
            e->flags = XS_NODE_ABSENT;
    }
    if (!e)
        return -ENOMEM;
    map_put(&v->txn->overlay, e);
    *out = e;
    return 0;
}

int view_get(struct xs_view *v, const char *path, const struct xs_node **out)
{
    struct xs_node *e;
    int rc;

    if (!v->txn) {
        *out = map_get(&v->core->base, path);
        return 0;
    }
    rc = overlay_entry(v, path, &e);
    if (rc)
        return rc;
    *out = (e->flags & XS_NODE_ABSENT) ? NULL : e;
    return 0;
}

/* Takes ownership of n in all cases. */
int view_put(struct xs_view *v, struct xs_node *n)
{
    struct xs_node *e;
    int rc;

    if (!v->txn)
        return store_base_put(v->core, n);
    rc = overlay_entry(v, n->path, &e);
    if (rc) {
        node_free(n);
        return rc;
    }
    n->base_gen = e->base_gen;
    n->flags = XS_NODE_MODIFIED;
    map_put(&v->txn->overlay, n);
    return 0;
}

int view_del(struct xs_view *v, const char *path)
{
    struct xs_node *e, *t;
    int rc;

    if (!v->txn) {
        store_base_del(v->core, path);
        return 0;
    }
    rc = overlay_entry(v, path, &e);
    if (rc)
        return rc;
    t = node_new(path);
    if (!t)
        return -ENOMEM;
    t->base_gen = e->base_gen;
    t->flags = XS_NODE_ABSENT | XS_NODE_MODIFIED;
    map_put(&v->txn->overlay, t);
    return 0;
}

struct xs_txn *txn_find(struct xs_conn *conn, uint32_t id)
{
    struct xs_txn *t = conn->txns;
    while (t && t->id != id)
        t = t->next;
    return t;
}

int txn_start(struct xs_conn *conn, uint32_t *id)
{
    struct xs_txn *t;

    if (!conn_is_priv(conn) &&
        conn->ntxns >= conn->core->quota[XS_Q_TRANSACTIONS])
        return -ENOSPC;
    t = xs_calloc(1, sizeof(*t));
    if (!t)
        return -ENOMEM;
    if (map_init(&t->overlay)) {
        xs_free(t);
        return -ENOMEM;
    }
    do {
        t->id = ++conn->next_txid;
    } while (t->id == 0 || txn_find(conn, t->id));
    t->next = conn->txns;
    conn->txns = t;
    conn->ntxns++;
    *id = t->id;
    return 0;
}

static void txn_free(struct xs_txn *t)
{
    map_destroy(&t->overlay);
    event_free_list(t->events);
    xs_free(t);
}

static void txn_unlink(struct xs_conn *conn, struct xs_txn *t)
{
    struct xs_txn **pp = &conn->txns;
    while (*pp != t)
        pp = &(*pp)->next;
    *pp = t->next;
    conn->ntxns--;
}

void txn_free_all(struct xs_conn *conn)
{
    while (conn->txns) {
        struct xs_txn *t = conn->txns;
        txn_unlink(conn, t);
        txn_free(t);
    }
}

static bool txn_conflicts(struct xs_core *c, struct xs_txn *t)
{
    size_t it;
    for (struct xs_node *e = map_first(&t->overlay, &it); e;
         e = map_next(&t->overlay, &it, e)) {
        const struct xs_node *b = map_get(&c->base, e->path);
        if ((b ? b->gen : 0) != e->base_gen)
            return true;
    }
    return false;
}

static int txn_apply(struct xs_core *c, struct xs_txn *t)
{
    size_t it;
    for (struct xs_node *e = map_first(&t->overlay, &it); e;
         e = map_next(&t->overlay, &it, e)) {
        struct xs_node *n;
        if (!(e->flags & XS_NODE_MODIFIED))
            continue;
        if (e->flags & XS_NODE_ABSENT) {
            store_base_del(c, e->path);
            continue;
        }
        n = node_copy(e);
        if (!n)
            return -ENOMEM;
        store_base_put(c, n);
    }
    return 0;
}

static void txn_fire(struct xs_core *c, struct xs_txn *t)
{
    struct xs_event *rev = NULL, *e, *next;
    for (e = t->events; e; e = next) { /* recorded newest first */
        next = e->next;
        e->next = rev;
        rev = e;
    }
    t->events = rev;
    for (e = rev; e; e = e->next)
        watch_fire(c, e->path, e->recurse, e->perms, e->nperms);
}

int txn_end(struct xs_conn *conn, uint32_t id, bool commit)
{
    struct xs_txn *t = txn_find(conn, id);
    int rc = 0;

    if (!t)
        return -ENOENT;
    txn_unlink(conn, t);
    if (commit) {
        if (txn_conflicts(conn->core, t))
            rc = -EAGAIN;
        else
            rc = txn_apply(conn->core, t);
        if (!rc)
            txn_fire(conn->core, t);
    }
    txn_free(t);
    return rc;
}
