/* Connection identities beyond "domain 0": the toolstack registers a
 * random token per domain (XS_CONTROL authorise), the domain's VMM spends
 * it once on its socket connection (XS_CONTROL identify) and once on its
 * ring attach.  An identified connection is the backend of that domain:
 * domain 0 inside its own backend directories, a reader of the domain's
 * frontend directories, refused everywhere else. */
#include "xs_core.h"

#include <stdio.h>
#include <string.h>

static bool tok_char_ok(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
}

static bool tok_valid(const char *tok)
{
    size_t n = strlen(tok);
    if (n < XS_TOKEN_MIN || n > XS_TOKEN_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!tok_char_ok(tok[i]))
            return false;
    return true;
}

/* Same length (both validated), compared without an early exit. */
static bool tok_equal(const char *a, const char *b)
{
    size_t n = strlen(a);
    unsigned diff = 0;
    if (n != strlen(b))
        return false;
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)a[i] ^ (unsigned char)b[i];
    return diff == 0;
}

void ident_drop(struct xs_core *c, uint32_t domid)
{
    struct xs_token **pp = &c->tokens;
    while (*pp) {
        struct xs_token *t = *pp;
        if (t->domid == domid) {
            *pp = t->next;
            xs_free(t);
        } else {
            pp = &t->next;
        }
    }
}

/* The domain is gone: its token too, and its backends serve nobody (the
 * id may come back as another domain). */
void ident_release(struct xs_core *c, uint32_t domid)
{
    ident_drop(c, domid);
    for (struct xs_conn *conn = c->conns; conn; conn = conn->next) {
        if (conn->ident != XS_ID_BACKEND || conn->be_domid != domid)
            continue;
        conn_reset(conn);
        conn->ident = XS_ID_NONE;
    }
}

void ident_free_all(struct xs_core *c)
{
    while (c->tokens) {
        struct xs_token *t = c->tokens;
        c->tokens = t->next;
        xs_free(t);
    }
}

/* One live token per domain: a new one replaces (revokes) the old. */
int ident_authorise(struct xs_core *c, uint32_t domid, const char *tok)
{
    struct xs_token *t;
    if (domid == 0 || !tok_valid(tok))
        return -EINVAL;
    for (t = c->tokens; t; t = t->next)
        if (tok_equal(t->tok, tok))
            return -EEXIST;
    ident_drop(c, domid);
    t = xs_calloc(1, sizeof(*t));
    if (!t)
        return -ENOMEM;
    t->domid = domid;
    memcpy(t->tok, tok, strlen(tok) + 1);
    t->next = c->tokens;
    c->tokens = t;
    return 0;
}

/* Spend tok on use.  want_domid (unless XS_DOMID_NONE) must be the
 * token's domain; a refused claim spends nothing. */
int ident_claim(struct xs_core *c, const char *tok, enum xs_token_use use,
                uint32_t want_domid, uint32_t *domid)
{
    struct xs_token **pp;
    if (!tok_valid(tok))
        return -EACCES;
    for (pp = &c->tokens; *pp; pp = &(*pp)->next) {
        struct xs_token *t = *pp;
        if (!tok_equal(t->tok, tok))
            continue;
        if ((t->spent & use) ||
            (want_domid != XS_DOMID_NONE && want_domid != t->domid))
            return -EACCES;
        t->spent |= use;
        *domid = t->domid;
        if (t->spent == (XS_TOK_SOCKET | XS_TOK_RING)) {
            *pp = t->next;
            xs_free(t);
        }
        return 0;
    }
    return -EACCES;
}

/* Socket connections only (rings have their domain already), once. */
int ident_identify(struct xs_conn *conn, const char *tok)
{
    uint32_t domid;
    int rc;
    if (conn->domid != 0 || conn->ident == XS_ID_BACKEND)
        return -EACCES;
    rc = ident_claim(conn->core, tok, XS_TOK_SOCKET, XS_DOMID_NONE, &domid);
    if (rc)
        return rc;
    conn_reset(conn); /* watches set as domain 0 do not survive */
    conn->ident = XS_ID_BACKEND;
    conn->be_domid = domid;
    return 0;
}

/* path == base + "/<type>/<domid>" or below it. */
static bool under_typed(const char *path, const char *base, uint32_t domid)
{
    size_t bl = strlen(base);
    const char *type, *slash;
    char dom[16];
    size_t dl;

    if (strncmp(path, base, bl) || path[bl] != '/')
        return false;
    type = path + bl + 1;
    slash = strchr(type, '/');
    if (!slash || slash == type)
        return false;
    dl = (size_t)snprintf(dom, sizeof(dom), "%u", domid);
    return !strncmp(slash + 1, dom, dl) &&
           (slash[1 + dl] == 0 || slash[1 + dl] == '/');
}

static bool backend_may_write(const char *path, uint32_t domid)
{
    return under_typed(path, XS_DOMAIN_PATH "/0/backend", domid) ||
           under_typed(path, XS_DOMAIN_PATH "/0/error/backend", domid);
}

static bool backend_may_read(const char *path, uint32_t domid)
{
    char fe[48];
    snprintf(fe, sizeof(fe), XS_DOMAIN_PATH "/%u/device", domid);
    return backend_may_write(path, domid) || path_is_under(path, fe);
}

/* The path scope, checked before the node permissions (which a backend,
 * acting as domain 0, always passes).  abs is canonical; @ names are out
 * of a backend's scope. */
int ident_gate(const struct xs_conn *conn, const char *abs, uint32_t need)
{
    switch (conn->ident) {
    case XS_ID_DOM0:
        return 0;
    case XS_ID_BACKEND:
        if (need & XS_P_WRITE)
            return backend_may_write(abs, conn->be_domid) ? 0 : -EACCES;
        return backend_may_read(abs, conn->be_domid) ? 0 : -EACCES;
    case XS_ID_NONE:
        break;
    }
    return -EACCES;
}
