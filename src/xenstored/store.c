/* Nodes and the path -> node map.  A node carries its value, its
 * permissions and the names of its children, so the whole tree (and each
 * transaction overlay) is just a map of full paths. */
#include "xs_core.h"

#include <stdlib.h>
#include <string.h>

long xs_live_allocs;

void *xs_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (p)
        xs_live_allocs++;
    return p;
}

void *xs_calloc(size_t n, size_t m)
{
    void *p = calloc(n ? n : 1, m ? m : 1);
    if (p)
        xs_live_allocs++;
    return p;
}

void *xs_memdup(const void *src, size_t n)
{
    void *p = xs_malloc(n);
    if (p && n)
        memcpy(p, src, n);
    return p;
}

char *xs_strdup(const char *s)
{
    return xs_memdup(s, strlen(s) + 1);
}

void xs_free(void *p)
{
    if (!p)
        return;
    xs_live_allocs--;
    free(p);
}

uint32_t path_hash(const char *path)
{
    uint32_t h = 2166136261u;
    for (; *path; path++)
        h = (h ^ (uint8_t)*path) * 16777619u;
    return h;
}

struct xs_node *node_new(const char *path)
{
    struct xs_node *n = xs_calloc(1, sizeof(*n));
    if (!n)
        return NULL;
    n->path = xs_strdup(path);
    if (!n->path) {
        xs_free(n);
        return NULL;
    }
    n->hash = path_hash(path);
    return n;
}

void node_free(struct xs_node *n)
{
    if (!n)
        return;
    xs_free(n->path);
    xs_free(n->perms);
    xs_free(n->value);
    xs_free(n->children);
    xs_free(n);
}

struct xs_node *node_copy(const struct xs_node *src)
{
    struct xs_node *n = node_new(src->path);
    if (!n)
        return NULL;
    n->flags = src->flags;
    n->gen = src->gen;
    n->base_gen = src->base_gen;
    if (node_set_value(n, src->value, src->vlen) ||
        node_set_perms(n, src->perms, src->nperms))
        goto fail;
    if (src->clen) {
        n->children = xs_memdup(src->children, src->clen);
        if (!n->children)
            goto fail;
        n->clen = src->clen;
    }
    return n;
fail:
    node_free(n);
    return NULL;
}

int node_set_value(struct xs_node *n, const char *val, uint32_t len)
{
    char *v = NULL;
    if (len) {
        v = xs_memdup(val, len);
        if (!v)
            return -ENOMEM;
    }
    xs_free(n->value);
    n->value = v;
    n->vlen = len;
    return 0;
}

int node_set_perms(struct xs_node *n, const struct xs_perm *p, uint32_t np)
{
    struct xs_perm *c = xs_memdup(p, np * sizeof(*p));
    if (!c)
        return -ENOMEM;
    xs_free(n->perms);
    n->perms = c;
    n->nperms = np;
    return 0;
}

/* Offset of child name in the children blob, or -1. */
static long child_offset(const struct xs_node *n, const char *name)
{
    size_t off = 0, nl = strlen(name);
    while (off < n->clen) {
        size_t l = strnlen(n->children + off, n->clen - off);
        if (l == nl && !memcmp(n->children + off, name, nl))
            return (long)off;
        off += l + 1;
    }
    return -1;
}

bool node_has_child(const struct xs_node *n, const char *name)
{
    return child_offset(n, name) >= 0;
}

int node_add_child(struct xs_node *n, const char *name)
{
    size_t nl = strlen(name) + 1;
    char *c;
    if (node_has_child(n, name))
        return 0;
    c = xs_malloc(n->clen + nl);
    if (!c)
        return -ENOMEM;
    if (n->clen)
        memcpy(c, n->children, n->clen);
    memcpy(c + n->clen, name, nl);
    xs_free(n->children);
    n->children = c;
    n->clen += (uint32_t)nl;
    return 0;
}

void node_del_child(struct xs_node *n, const char *name)
{
    long off = child_offset(n, name);
    size_t nl = strlen(name) + 1;
    if (off < 0)
        return;
    memmove(n->children + off, n->children + off + nl,
            n->clen - (size_t)off - nl);
    n->clen -= (uint32_t)nl;
}

int map_init(struct xs_map *m)
{
    m->nbuckets = 64;
    m->count = 0;
    m->buckets = xs_calloc(m->nbuckets, sizeof(*m->buckets));
    return m->buckets ? 0 : -ENOMEM;
}

void map_destroy(struct xs_map *m)
{
    for (size_t i = 0; i < m->nbuckets; i++) {
        struct xs_node *n = m->buckets[i], *next;
        for (; n; n = next) {
            next = n->hnext;
            node_free(n);
        }
    }
    xs_free(m->buckets);
    m->buckets = NULL;
    m->nbuckets = m->count = 0;
}

struct xs_node *map_get(const struct xs_map *m, const char *path)
{
    uint32_t h = path_hash(path);
    struct xs_node *n = m->buckets[h & (m->nbuckets - 1)];
    for (; n; n = n->hnext)
        if (n->hash == h && !strcmp(n->path, path))
            return n;
    return NULL;
}

static void map_grow(struct xs_map *m)
{
    size_t nb = m->nbuckets * 2;
    struct xs_node **b = xs_calloc(nb, sizeof(*b));
    if (!b)
        return; /* keep the old table: slower, still correct */
    for (size_t i = 0; i < m->nbuckets; i++) {
        struct xs_node *n = m->buckets[i], *next;
        for (; n; n = next) {
            next = n->hnext;
            n->hnext = b[n->hash & (nb - 1)];
            b[n->hash & (nb - 1)] = n;
        }
    }
    xs_free(m->buckets);
    m->buckets = b;
    m->nbuckets = nb;
}

int map_put(struct xs_map *m, struct xs_node *n)
{
    struct xs_node **pp = &m->buckets[n->hash & (m->nbuckets - 1)];
    for (; *pp; pp = &(*pp)->hnext) {
        if ((*pp)->hash == n->hash && !strcmp((*pp)->path, n->path)) {
            struct xs_node *old = *pp;
            n->hnext = old->hnext;
            *pp = n;
            node_free(old);
            return 0;
        }
    }
    n->hnext = NULL;
    *pp = n;
    if (++m->count > m->nbuckets)
        map_grow(m);
    return 0;
}

void map_del(struct xs_map *m, const char *path)
{
    uint32_t h = path_hash(path);
    struct xs_node **pp = &m->buckets[h & (m->nbuckets - 1)];
    for (; *pp; pp = &(*pp)->hnext) {
        if ((*pp)->hash == h && !strcmp((*pp)->path, path)) {
            struct xs_node *old = *pp;
            *pp = old->hnext;
            node_free(old);
            m->count--;
            return;
        }
    }
}

struct xs_node *map_first(const struct xs_map *m, size_t *it)
{
    for (*it = 0; *it < m->nbuckets; (*it)++)
        if (m->buckets[*it])
            return m->buckets[*it];
    return NULL;
}

struct xs_node *map_next(const struct xs_map *m, size_t *it,
                         const struct xs_node *cur)
{
    if (cur->hnext)
        return cur->hnext;
    for ((*it)++; *it < m->nbuckets; (*it)++)
        if (m->buckets[*it])
            return m->buckets[*it];
    return NULL;
}

static uint32_t node_owner(const struct xs_node *n)
{
    return n && n->nperms ? n->perms[0].id : 0;
}

/* Commit one node into the base tree: new generation, quota accounting,
 * persistence.  Takes ownership of n. */
int store_base_put(struct xs_core *c, struct xs_node *n)
{
    struct xs_node *old = map_get(&c->base, n->path);
    if (old)
        quota_node_acct(c, node_owner(old), -1);
    quota_node_acct(c, node_owner(n), 1);
    n->flags = 0;
    n->base_gen = 0;
    n->gen = ++c->gen;
    map_put(&c->base, n);
    c->dirty = true;
    if (c->persist && c->persist->node_put)
        c->persist->node_put(c->persist_opaque, n);
    return 0;
}

void store_base_del(struct xs_core *c, const char *path)
{
    struct xs_node *old = map_get(&c->base, path);
    if (!old)
        return;
    quota_node_acct(c, node_owner(old), -1);
    c->gen++;
    c->dirty = true;
    if (c->persist && c->persist->node_del)
        c->persist->node_del(c->persist_opaque, path);
    map_del(&c->base, path);
}
