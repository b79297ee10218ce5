/* Watches: recursive, fired on create/modify/delete of the node or any
 * descendant; removing an ancestor fires watches set below it.  Events go
 * only to connections that may read the node. */
#include "xs_core.h"

#include <string.h>

static void watch_free(struct xs_watch *w)
{
    xs_free(w->path);
    xs_free(w->token);
    xs_free(w);
}

static struct xs_watch *watch_find(struct xs_conn *conn, const char *abs,
                                   const char *token, struct xs_watch ***pp)
{
    for (*pp = &conn->watches; **pp; *pp = &(**pp)->next) {
        struct xs_watch *w = **pp;
        if (!strcmp(w->path, abs) && !strcmp(w->token, token))
            return w;
    }
    return NULL;
}

int watch_add(struct xs_conn *conn, const char *path, const char *token,
              struct xs_watch **out)
{
    struct xs_watch *w, **pp;
    char *abs;
    size_t strip;
    int rc = path_canon(conn, path, &abs, &strip);

    if (!rc && (rc = ident_gate(conn, abs, XS_P_READ)))
        xs_free(abs); /* only where the connection may read */
    if (rc)
        return rc;
    if (watch_find(conn, abs, token, &pp)) {
        xs_free(abs);
        return -EEXIST;
    }
    if (!conn_is_priv(conn) &&
        conn->nwatches >= conn->core->quota[XS_Q_WATCHES]) {
        xs_free(abs);
        return -E2BIG;
    }
    w = xs_calloc(1, sizeof(*w));
    if (!w || !(w->token = xs_strdup(token))) {
        xs_free(w);
        xs_free(abs);
        return -ENOMEM;
    }
    w->path = abs;
    w->strip = strip;
    w->conn = conn;
    w->next = conn->watches;
    conn->watches = w;
    conn->nwatches++;
    w->gnext = conn->core->gwatches;
    if (w->gnext)
        w->gnext->gprevp = &w->gnext;
    w->gprevp = &conn->core->gwatches;
    conn->core->gwatches = w;
    *out = w;
    return 0;
}

static void watch_unlink(struct xs_conn *conn, struct xs_watch **pp)
{
    struct xs_watch *w = *pp;
    *pp = w->next;
    *w->gprevp = w->gnext;
    if (w->gnext)
        w->gnext->gprevp = w->gprevp;
    conn->nwatches--;
    watch_free(w);
}

int watch_remove(struct xs_conn *conn, const char *path, const char *token)
{
    struct xs_watch **pp;
    char *abs;
    size_t strip;
    int rc = path_canon(conn, path, &abs, &strip);

    if (rc)
        return rc;
    rc = watch_find(conn, abs, token, &pp) ? 0 : -ENOENT;
    if (!rc)
        watch_unlink(conn, pp);
    xs_free(abs);
    return rc;
}

void watch_free_all(struct xs_conn *conn)
{
    while (conn->watches)
        watch_unlink(conn, &conn->watches);
}

void watch_send(struct xs_watch *w, const char *abs_path)
{
    const char *rep = abs_path;
    size_t pl, tl;
    char *body;

    if (w->strip && strlen(abs_path) > w->strip &&
        !strncmp(abs_path, w->path, w->strip))
        rep = abs_path + w->strip;
    pl = strlen(rep) + 1;
    tl = strlen(w->token) + 1;
    if (pl + tl > XENSTORE_PAYLOAD_MAX)
        return;
    body = xs_malloc(pl + tl);
    if (!body)
        return;
    memcpy(body, rep, pl);
    memcpy(body + pl, w->token, tl);
    conn_queue(w->conn, XS_WATCH_EVENT, 0, 0, body, (uint32_t)(pl + tl),
               true);
    xs_free(body);
}

static bool watch_may_see(struct xs_core *c, struct xs_watch *w,
                          const char *path, const struct xs_perm *p,
                          uint32_t np)
{
    if (path_is_special(path)) { /* the special node's perms decide */
        const struct xs_node *n = map_get(&c->base, path);
        return n ? perms_for(c, w->conn, n->perms, n->nperms) & XS_P_READ
                 : conn_is_priv(w->conn);
    }
    return perms_for(c, w->conn, p, np) & XS_P_READ;
}

void watch_fire(struct xs_core *c, const char *path, bool recurse,
                const struct xs_perm *p, uint32_t np)
{
    for (struct xs_watch *w = c->gwatches; w; w = w->gnext) {
        const char *rep = NULL;
        if (path_is_under(path, w->path))
            rep = path;
        else if (recurse && path_is_under(w->path, path))
            rep = w->path;
        if (rep && watch_may_see(c, w, path, p, np))
            watch_send(w, rep);
    }
}
