/* The HTTP side of the API: libmicrohttpd in external-epoll mode, driven
 * from xend's poll loop.  Bodies are capped at max-request; with
 * xend-privileged-port, clients whose source port is >= 1024 get 403.
 *
 * Web pages must not drive xend through the user's browser: a POST needs
 * Content-Type: application/json (which a cross-site page can't send
 * without a CORS preflight, never granted here), an Origin other than the
 * API's own is refused, and on a loopback address the Host header must be
 * a loopback name (DNS rebinding). */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "xend.h"

struct upload {
    char *buf;
    size_t len;
    bool too_large;
    bool suspended;             /* its reply waits (create) */
    json_object *reply;         /* set by http_reply_later */
    int status;
};

static int client_port(struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr)
        return -1;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        return ntohs(((const struct sockaddr_in *)sa)->sin_port);
    if (sa->sa_family == AF_INET6)
        return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
    return -1;
}

static const char *header(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* "127.0.0.1:8000", "localhost", "[::1]:8000" ... */
static bool host_is_loopback(const char *host)
{
    char name[256];
    size_t n = host[0] == '[' ? strcspn(host + 1, "]") : strcspn(host, ":");
    const char *start = host[0] == '[' ? host + 1 : host;
    if (n >= sizeof(name))
        return false;
    memcpy(name, start, n);
    name[n] = '\0';
    return strcmp(name, "localhost") == 0 || strcmp(name, "::1") == 0 ||
           strncmp(name, "127.", 4) == 0;
}

static bool origin_is_host(const char *origin, const char *host)
{
    return host && strncmp(origin, "http://", 7) == 0 &&
           strcmp(origin + 7, host) == 0;
}

static bool browser_guard(struct xend *x, struct MHD_Connection *c,
                          const char *method, struct xrep *rp)
{
    const char *host = header(c, "Host"), *origin = header(c, "Origin");
    const char *type = header(c, "Content-Type");
    if (x->loopback && host && !host_is_loopback(host))
        rep_error(rp, 403, "EACCES", "Host '%.60s' refused: use 127.0.0.1 "
                  "or localhost", host);
    else if (origin && !origin_is_host(origin, host))
        rep_error(rp, 403, "EACCES", "cross-origin request from '%.60s' "
                  "refused", origin);
    else if (strcmp(method, "POST") == 0 &&
             (!type || strncasecmp(type, "application/json", 16) != 0))
        rep_error(rp, 415, "EINVAL", "POST needs Content-Type: "
                  "application/json");
    else
        return true;
    xlog(x, LOG_WARN, "refused %s request: %s", method,
         json_object_get_string(json_object_object_get(rp->body, "error")));
    return false;
}

static enum MHD_Result send_reply(struct MHD_Connection *c, struct xrep *rp)
{
    const char *text = json_object_to_json_string_ext(rp->body, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE);
    struct MHD_Response *res = MHD_create_response_from_buffer(
        strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(res, "Content-Type", "application/json");
    MHD_add_response_header(res, "Cache-Control", "no-store");
    enum MHD_Result r = MHD_queue_response(c, (unsigned)rp->status, res);
    MHD_destroy_response(res);
    json_object_put(rp->body);
    return r;
}

static void handle(struct xend *x, struct MHD_Connection *c,
                   const char *method, const char *url, struct upload *up,
                   struct xrep *rp)
{
    int port = client_port(c);
    struct caller who;
    const union MHD_ConnectionInfo *fdi =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    caller_of_socket(x, fdi ? fdi->connect_fd : -1, true, &who);
    struct xreq rq = { .method = method, .path = url,
                       .from = { .kind = W_HTTP, .conn = c, .upload = up },
                       .who = &who };
    if (x->s.privileged_port && (port < 0 || port >= 1024)) {
        xlog(x, LOG_WARN, "refused %s %s from unprivileged port %d", method,
             url, port);
        return rep_error(rp, 403, "EACCES", "xend-privileged-port is on: "
                         "requests must come from a port below 1024");
    }
    if (!browser_guard(x, c, method, rp))
        return;
    if (up->too_large)
        return rep_error(rp, 413, "E2BIG", "request body larger than %zu "
                         "bytes", x->s.max_request);
    if (up->len) {
        enum json_tokener_error jerr;
        rq.body = json_tokener_parse_verbose(up->buf, &jerr);
        if (!rq.body || !json_object_is_type(rq.body, json_type_object)) {
            json_object_put(rq.body);
            return rep_error(rp, 400, "EINVAL", "request body is not a JSON "
                             "object");
        }
    }
    route_dispatch(x, &rq, rp);
    json_object_put(rq.body);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *data,
                                  size_t *size, void **con_cls)
{
    struct xend *x = cls;
    struct upload *up = *con_cls;
    (void)version;
    if (!up) {
        if (!(up = calloc(1, sizeof(*up))))
            return MHD_NO;
        *con_cls = up;
        return MHD_YES;
    }
    if (*size) {
        if (!up->too_large && up->len + *size <= x->s.max_request) {
            char *nb = realloc(up->buf, up->len + *size + 1);
            if (!nb)
                return MHD_NO;
            memcpy(nb + up->len, data, *size);
            up->buf = nb;
            up->len += *size;
            up->buf[up->len] = '\0';
        } else {
            up->too_large = true;
        }
        *size = 0;
        return MHD_YES;
    }
    if (up->reply) {            /* resumed: the deferred answer */
        struct xrep rp = { up->status, up->reply };
        up->reply = NULL;
        return send_reply(c, &rp);
    }
    if (up->suspended)
        return MHD_YES;
    struct xrep rp = { 0 };
    handle(x, c, method, url, up, &rp);
    if (rp.status == 0) {
        up->suspended = true;
        MHD_suspend_connection(c);
        return MHD_YES;
    }
    return send_reply(c, &rp);
}

void http_reply_later(struct xend *x, const struct waiter *w, int status,
                      json_object *body)
{
    struct upload *up = w->upload;
    (void)x;
    up->status = status;
    up->reply = body;
    MHD_resume_connection(w->conn);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)c, (void)toe;
    struct upload *up = *con_cls;
    if (up) {
        json_object_put(up->reply);
        free(up->buf);
        free(up);
    }
    *con_cls = NULL;
}

static bool is_loopback(const struct in_addr *a)
{
    return (ntohl(a->s_addr) >> 24) == 127;
}

int http_start(struct xend *x)
{
    struct sockaddr_in sa = { .sin_family = AF_INET,
                              .sin_port = htons((uint16_t)x->s.port) };
    if (!x->s.http)
        return 0;
    if (inet_pton(AF_INET, x->s.address, &sa.sin_addr) != 1) {
        xlog(x, LOG_ERR, "xend-address '%s' is not an IPv4 address",
             x->s.address);
        return -EINVAL;
    }
    x->loopback = is_loopback(&sa.sin_addr);
    if (!x->loopback)
        xlog(x, LOG_WARN, "HTTP API on non-loopback address %s:%u, as "
             "xend-address asks: remote callers can not be identified and "
             "get what xend-others allows%s", x->s.address, x->s.port,
             x->s.privileged_port ? "" : " (and xend-privileged-port is off)");
    x->mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME,
                              (uint16_t)x->s.port, NULL, NULL,
                              on_request, x,
                              MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                              MHD_OPTION_NOTIFY_COMPLETED, on_completed, x,
                              MHD_OPTION_CONNECTION_LIMIT, (unsigned)XEND_MAX_CLIENTS,
                              MHD_OPTION_CONNECTION_TIMEOUT, 30u,
                              MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536,
                              MHD_OPTION_END);
    if (!x->mhd) {
        xlog(x, LOG_ERR, "can't listen on %s:%u: %s", x->s.address,
             x->s.port, strerror(errno));
        return -EADDRINUSE;
    }
    xlog(x, LOG_INFO, "HTTP API on http://%s:%u/xend/%s", x->s.address,
         x->s.port, x->s.privileged_port ? " (privileged ports only)" : "");
    return 0;
}

void http_stop(struct xend *x)
{
    if (x->mhd)
        MHD_stop_daemon(x->mhd);
    x->mhd = NULL;
}

int http_poll_fd(struct xend *x, int *timeout_ms)
{
    MHD_UNSIGNED_LONG_LONG t;
    if (!x->mhd)
        return -1;
    if (MHD_get_timeout(x->mhd, &t) == MHD_YES && (long long)t < *timeout_ms)
        *timeout_ms = (int)t;
    const union MHD_DaemonInfo *di =
        MHD_get_daemon_info(x->mhd, MHD_DAEMON_INFO_EPOLL_FD);
    return di ? di->epoll_fd : -1;
}

void http_run(struct xend *x)
{
    if (x->mhd)
        MHD_run(x->mhd);
}
