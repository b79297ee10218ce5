/* Permissions: the wire letters (n, r, w, b) and Xen's access rule. */
#include "xs_core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct perm_letter {
    char letter;
    uint32_t bits;
};

static const struct perm_letter perm_letters[] = {
    { 'n', XS_P_NONE },
    { 'r', XS_P_READ },
    { 'w', XS_P_WRITE },
    { 'b', XS_P_READ | XS_P_WRITE },
};

#define NLETTERS (sizeof(perm_letters) / sizeof(*perm_letters))

static int perm_parse_one(const char *s, struct xs_perm *out)
{
    char *end;
    unsigned long id;
    size_t i;

    for (i = 0; i < NLETTERS; i++)
        if (s[0] == perm_letters[i].letter)
            break;
    if (i == NLETTERS || s[1] < '0' || s[1] > '9')
        return -EINVAL;
    id = strtoul(s + 1, &end, 10);
    if (*end || id > 0xffff)
        return -EINVAL;
    out->id = (uint32_t)id;
    out->perms = perm_letters[i].bits;
    return 0;
}

int perms_parse(const char *const *strs, uint32_t n, struct xs_perm **out)
{
    struct xs_perm *p;
    if (n == 0)
        return -EINVAL;
    p = xs_calloc(n, sizeof(*p));
    if (!p)
        return -ENOMEM;
    for (uint32_t i = 0; i < n; i++) {
        if (perm_parse_one(strs[i], &p[i])) {
            xs_free(p);
            return -EINVAL;
        }
    }
    *out = p;
    return 0;
}

static char perm_letter(uint32_t bits)
{
    for (size_t i = 0; i < NLETTERS; i++)
        if (perm_letters[i].bits == (bits & (XS_P_READ | XS_P_WRITE)))
            return perm_letters[i].letter;
    return 'n';
}

/* Writes "<letter><id>\0" per entry; returns bytes needed. */
size_t perms_format(const struct xs_perm *p, uint32_t n, char *buf,
                    size_t cap)
{
    size_t off = 0;
    for (uint32_t i = 0; i < n; i++) {
        char one[16];
        int l = snprintf(one, sizeof(one), "%c%u", perm_letter(p[i].perms),
                         p[i].id);
        if (l < 0)
            continue;
        if (off + (size_t)l + 1 <= cap)
            memcpy(buf + off, one, (size_t)l + 1);
        off += (size_t)l + 1;
    }
    return off;
}

/* Full domain 0: privileged requests, no quotas, every node. */
bool conn_is_priv(const struct xs_conn *conn)
{
    return conn->domid == 0 && conn->ident == XS_ID_DOM0;
}

/* Domain 0 as node owner and permission holder: also a backend, whose
 * reach ident_gate limits by path. */
bool conn_acts_dom0(const struct xs_conn *conn)
{
    return conn->domid == 0 && conn->ident != XS_ID_NONE;
}

static bool perm_matches(uint32_t id, uint32_t domid, uint32_t target)
{
    return id == domid || (target != XS_DOMID_NONE && id == target);
}

/* Xen's rule: dom0 may do anything; the owner (first entry) too, and a
 * device model acts for its target; otherwise the first entry naming the
 * domain applies, else the default (the first entry's letter). */
uint32_t perms_for(const struct xs_core *c, const struct xs_conn *conn,
                   const struct xs_perm *p, uint32_t n)
{
    const uint32_t all = XS_P_READ | XS_P_WRITE | XS_P_OWNER;
    uint32_t target = conn_target(conn);
    (void)c;
    if (conn->ident == XS_ID_NONE)
        return XS_P_NONE;
    if (conn_acts_dom0(conn))
        return all;
    if (n == 0)
        return XS_P_NONE;
    if (perm_matches(p[0].id, conn->domid, target))
        return all;
    for (uint32_t i = 1; i < n; i++)
        if (perm_matches(p[i].id, conn->domid, target))
            return p[i].perms;
    return p[0].perms;
}
