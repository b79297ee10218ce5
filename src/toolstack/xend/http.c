/* The HTTP side of the API: libmicrohttpd in external-epoll mode, driven
 * from xend's poll loop.  Bodies are capped at max-request; with
 * xend-privileged-port, clients whose source port is >= 1024 get 403. */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "xend.h"

struct upload {
    char *buf;
    size_t len;
    bool too_large;
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
    struct xreq rq = { .method = method, .path = url };
    if (x->s.privileged_port && (port < 0 || port >= 1024)) {
        xlog(x, LOG_WARN, "refused %s %s from unprivileged port %d", method,
             url, port);
        return rep_error(rp, 403, "EACCES", "xend-privileged-port is on: "
                         "requests must come from a port below 1024");
    }
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
    struct xrep rp = { 0 };
    handle(x, c, method, url, up, &rp);
    return send_reply(c, &rp);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)c, (void)toe;
    struct upload *up = *con_cls;
    if (up) {
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
    if (!is_loopback(&sa.sin_addr))
        xlog(x, LOG_WARN, "HTTP API on non-loopback address %s:%u, as "
             "xend-address asks: whoever reaches it controls the domains%s",
             x->s.address, x->s.port, x->s.privileged_port ? "" :
             " (and xend-privileged-port is off)");
    x->mhd = MHD_start_daemon(MHD_USE_EPOLL, (uint16_t)x->s.port, NULL, NULL,
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
