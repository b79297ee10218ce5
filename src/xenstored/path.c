/* Node names: validation, relative -> absolute, parent/child helpers. */
#include "xs_core.h"

#include <stdio.h>
#include <string.h>

static const char *const special_paths[] = {
    "@introduceDomain",
    "@releaseDomain",
};

bool path_is_special(const char *p)
{
    for (size_t i = 0; i < sizeof(special_paths) / sizeof(*special_paths); i++)
        if (!strcmp(p, special_paths[i]))
            return true;
    return false;
}

static bool path_char_ok(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch >= '0' && ch <= '9') || ch == '-' || ch == '/' ||
           ch == '_' || ch == '@';
}

/* Xen's rules: absolute, no empty component, no trailing slash except for
 * the root, characters [A-Za-z0-9-/_@] only. */
bool path_valid_abs(const char *p, size_t maxlen)
{
    size_t len = strlen(p);
    if (len == 0 || len > maxlen || p[0] != '/')
        return false;
    if (len > 1 && p[len - 1] == '/')
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!path_char_ok(p[i]))
            return false;
        if (p[i] == '/' && p[i + 1] == '/')
            return false;
    }
    return true;
}

int path_canon(const struct xs_conn *conn, const char *in, char **out,
               size_t *strip)
{
    char prefix[48];
    size_t plen, max = XENSTORE_ABS_PATH_MAX;
    char *abs;

    *strip = 0;
    if (in[0] == '@') {
        if (!path_is_special(in))
            return -EINVAL;
        *out = xs_strdup(in);
        return *out ? 0 : -ENOMEM;
    }
    plen = (size_t)snprintf(prefix, sizeof(prefix), XS_DOMAIN_PATH "/%u/",
                            conn->domid);
    if (!conn_is_priv(conn)) {
        size_t q = conn->core->quota[XS_Q_PATH_MAX] + plen;
        if (q < max)
            max = q;
    }
    if (strlen(in) > XENSTORE_ABS_PATH_MAX)
        return -EINVAL;
    if (in[0] == '/') {
        abs = xs_strdup(in);
    } else {
        abs = xs_malloc(plen + strlen(in) + 1);
        if (abs) {
            memcpy(abs, prefix, plen);
            strcpy(abs + plen, in);
            *strip = plen;
        }
    }
    if (!abs)
        return -ENOMEM;
    if (!path_valid_abs(abs, max)) {
        xs_free(abs);
        return -EINVAL;
    }
    *out = abs;
    return 0;
}

char *path_parent(const char *p)
{
    const char *slash = strrchr(p, '/');
    size_t len;
    char *r;
    if (!slash)
        return NULL;
    len = slash == p ? 1 : (size_t)(slash - p);
    r = xs_malloc(len + 1);
    if (!r)
        return NULL;
    memcpy(r, p, len);
    r[len] = 0;
    return r;
}

const char *path_basename(const char *p)
{
    const char *slash = strrchr(p, '/');
    return slash ? slash + 1 : p;
}

/* True if child == parent or child lies below parent. */
bool path_is_under(const char *child, const char *parent)
{
    size_t pl = strlen(parent);
    if (!strcmp(parent, "/"))
        return child[0] == '/';
    if (strncmp(child, parent, pl))
        return false;
    return child[pl] == 0 || child[pl] == '/';
}

char *path_join(const char *dir, const char *name)
{
    size_t dl = strlen(dir), nl = strlen(name);
    bool root = !strcmp(dir, "/");
    char *r = xs_malloc(dl + nl + 2);
    if (!r)
        return NULL;
    memcpy(r, dir, dl);
    if (root) {
        memcpy(r + 1, name, nl + 1);
    } else {
        r[dl] = '/';
        memcpy(r + dl + 1, name, nl + 1);
    }
    return r;
}
