/* libxenoctl: handles, errors, and the request/reply envelope shared by
 * the unix-socket and HTTP transports. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenoctl_int.h"

int xenoctl_set_error(struct xenoctl *h, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(h->error, sizeof(h->error), fmt, ap);
    va_end(ap);
    return err;
}

static int parse_http(struct xenoctl *h, const char *url, char *err,
                      size_t errlen)
{
    const char *hp = url + strlen("http://");
    const char *colon = strrchr(hp, ':'), *slash = strchr(hp, '/');
    size_t hlen = colon ? (size_t)(colon - hp) : strcspn(hp, "/");
    const char *port = colon ? colon + 1 : "8000";
    size_t plen = colon ? (slash ? (size_t)(slash - port) : strlen(port)) : 4;
    if (hlen == 0 || hlen >= sizeof(h->host) || plen == 0 ||
        plen >= sizeof(h->port) || strspn(port, "0123456789") < plen) {
        snprintf(err, errlen, "bad xend URL '%.100s' (http://HOST:PORT)", url);
        return -EINVAL;
    }
    memcpy(h->host, hp, hlen);
    memcpy(h->port, port, plen);
    h->transport = XT_HTTP;
    snprintf(h->target, sizeof(h->target), "http://%s:%s", h->host, h->port);
    return 0;
}

XENOCTL_API struct xenoctl *xenoctl_open(const char *where, char *err,
                                         size_t errlen)
{
    struct xenoctl *h = calloc(1, sizeof(*h));
    if (!h) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (!where || !*where)
        where = getenv(XENOCTL_ENV);
    if (!where || !*where)
        where = XENOCTL_DEFAULT_SOCKET;
    int r = 0;
    if (strncmp(where, "http://", 7) == 0) {
        r = parse_http(h, where, err, errlen);
    } else {
        const char *p = strncmp(where, "unix:", 5) == 0 ? where + 5 : where;
        if (strlen(p) >= sizeof(h->path) || !*p) {
            snprintf(err, errlen, "socket path too long or empty: %.100s", p);
            r = -EINVAL;
        }
        snprintf(h->path, sizeof(h->path), "%s", p);
        snprintf(h->target, sizeof(h->target), "%s", h->path);
        h->transport = XT_UNIX;
    }
    if (r < 0) {
        free(h);
        return NULL;
    }
    return h;
}

XENOCTL_API void xenoctl_close(struct xenoctl *h)
{
    free(h);
}

XENOCTL_API const char *xenoctl_error(const struct xenoctl *h)
{
    return h->error;
}

XENOCTL_API const char *xenoctl_target(const struct xenoctl *h)
{
    return h->target;
}

/* Unix socket: {"method","path","body"} -> {"status","body"}, one line. */
static int unix_request(struct xenoctl *h, const char *method,
                        const char *path, const char *body, int *status,
                        char **reply)
{
    json_object *req = json_object_new_object(), *rep = NULL, *st, *b;
    json_object_object_add(req, "method", json_object_new_string(method));
    json_object_object_add(req, "path", json_object_new_string(path));
    if (body) {
        json_object *bo = json_tokener_parse(body);
        if (!bo) {
            json_object_put(req);
            return xenoctl_set_error(h, -EINVAL, "request body is not JSON");
        }
        json_object_object_add(req, "body", bo);
    }
    size_t len;
    const char *text = json_object_to_json_string_length(req, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    char *raw = NULL;
    size_t rlen;
    int r = xt_unix_exchange(h, text, len, &raw, &rlen);
    json_object_put(req);
    if (r == 0 && (!(rep = json_tokener_parse(raw)) ||
                   !json_object_object_get_ex(rep, "status", &st)))
        r = xenoctl_set_error(h, -EPROTO, "malformed reply from xend");
    if (r == 0) {
        *status = json_object_get_int(st);
        if (reply && json_object_object_get_ex(rep, "body", &b))
            *reply = strdup(json_object_to_json_string_ext(b, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    }
    json_object_put(rep);
    free(raw);
    return r;
}

XENOCTL_API int xenoctl_request(struct xenoctl *h, const char *method,
                                const char *path, const char *body,
                                int *status, char **reply)
{
    if (reply)
        *reply = NULL;
    h->error[0] = '\0';
    if (h->transport == XT_HTTP)
        return xt_http_exchange(h, method, path, body, status, reply);
    return unix_request(h, method, path, body, status, reply);
}

static const struct { const char *code; int err; } codes[] = {
    { "ENOENT", ENOENT }, { "EEXIST", EEXIST }, { "EACCES", EACCES },
    { "ENOSPC", ENOSPC }, { "EINVAL", EINVAL }, { "EBUSY", EBUSY },
    { "E2BIG", E2BIG }, { "ETIMEDOUT", ETIMEDOUT }, { "EOPNOTSUPP", EOPNOTSUPP },
    { "EIO", EIO },
};

static int status_errno(int status, json_object *body)
{
    json_object *c;
    if (status >= 200 && status < 300)
        return 0;
    if (body && json_object_object_get_ex(body, "code", &c))
        for (size_t k = 0; k < sizeof(codes) / sizeof(codes[0]); k++)
            if (strcmp(json_object_get_string(c), codes[k].code) == 0)
                return -codes[k].err;
    switch (status) {
    case 400: return -EINVAL;
    case 403: return -EACCES;
    case 404: return -ENOENT;
    case 409: return -EEXIST;
    case 413: return -E2BIG;
    default: return -EIO;
    }
}

int xenoctl_call(struct xenoctl *h, const char *method, const char *path,
                 json_object *body, json_object **out)
{
    int status = 0;
    char *reply = NULL;
    const char *btext = body ? json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : NULL;
    int r = xenoctl_request(h, method, path, btext, &status, &reply);
    json_object *rep = reply ? json_tokener_parse(reply) : NULL, *e;
    free(reply);
    if (r == 0 && (r = status_errno(status, rep)) < 0) {
        if (rep && json_object_object_get_ex(rep, "error", &e))
            xenoctl_set_error(h, r, "%s", json_object_get_string(e));
        else
            xenoctl_set_error(h, r, "xend answered %d", status);
    }
    if (r == 0 && out)
        *out = rep;
    else
        json_object_put(rep);
    return r;
}

int xenoctl_call_array(struct xenoctl *h, const char *path, json_object *body,
                       const char *key, json_object **rep, json_object **arr)
{
    int r = xenoctl_call(h, body ? "POST" : "GET", path, body, rep);
    if (r < 0)
        return r;
    if (!json_object_object_get_ex(*rep, key, arr) ||
        !json_object_is_type(*arr, json_type_array)) {
        json_object_put(*rep);
        *rep = NULL;
        return xenoctl_set_error(h, -EPROTO, "malformed reply from xend "
                                 "(no '%s')", key);
    }
    return 0;
}

/* Names are [A-Za-z0-9_.-] (cfg_name_valid), so they need no escaping. */
int xenoctl_dom_path(struct xenoctl *h, const char *dom, const char *suffix,
                     char *buf, size_t len)
{
    size_t n = strlen(dom);
    if (n == 0 || n > 64 ||
        strspn(dom, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                    "0123456789_.-") != n)
        return xenoctl_set_error(h, -EINVAL, "invalid domain name or id '%.70s'",
                                 dom);
    snprintf(buf, len, "/xend/domain/%s%s", dom, suffix);
    return 0;
}
