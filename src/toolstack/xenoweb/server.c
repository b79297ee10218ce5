/* xenoweb's HTTP side: libmicrohttpd, one thread per connection (API
 * calls wait for xend; a console viewer lives in its connection's thread).
 *
 * Every request: the Host must be ours (DNS rebinding), an Origin, when
 * sent, must be ours.  Every POST: Content-Type application/json, an
 * Origin (browsers always send it on POST), a session cookie and the
 * session's X-CSRF-Token (except the login itself).  GET never changes
 * anything.  A WebSocket upgrade needs an Origin of ours and a session.
 * Every response carries a strict CSP and the usual hardening headers. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "guard.h"
#include "web.h"
#include "ws.h"

#define CSP "default-src 'none'; script-src 'self'; connect-src 'self'; " \
            "img-src 'self'; style-src 'self' 'unsafe-inline'; " \
            "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

struct upload {
    char *buf;
    size_t len;
    bool too_large;
};

struct ws_start {
    struct web *w;
    struct session sess;
    char dom[72];
};

static const char *header(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

void server_security_headers(struct MHD_Response *res)
{
    /* xterm.js's DOM renderer writes <style> elements, hence the one
     * 'unsafe-inline' (styles only); scripts come only from our files. */
    MHD_add_response_header(res, "Content-Security-Policy", CSP);
    MHD_add_response_header(res, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(res, "X-Frame-Options", "DENY");
    MHD_add_response_header(res, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(res, "Cross-Origin-Resource-Policy",
                            "same-origin");
    MHD_add_response_header(res, "Cross-Origin-Opener-Policy", "same-origin");
}

static enum MHD_Result send_json(struct MHD_Connection *c, struct wrep *rp)
{
    const char *text = json_object_to_json_string_ext(rp->body,
        JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    struct MHD_Response *res = MHD_create_response_from_buffer(
        strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
    server_security_headers(res);
    MHD_add_response_header(res, "Content-Type",
                            "application/json; charset=utf-8");
    MHD_add_response_header(res, "Cache-Control", "no-store");
    if (rp->status == 405)
        MHD_add_response_header(res, "Allow", "GET, POST");
    if (rp->cookie[0])
        MHD_add_response_header(res, "Set-Cookie", rp->cookie);
    enum MHD_Result r = MHD_queue_response(c, (unsigned)rp->status, res);
    MHD_destroy_response(res);
    json_object_put(rp->body);
    return r;
}

static void find_session(struct web *w, struct MHD_Connection *c,
                         struct session *s)
{
    char id[WEB_TOKEN_LEN + 1];
    const char *ck = header(c, "Cookie");
    memset(s, 0, sizeof(*s));
    if (!ck || !guard_cookie(ck, WEB_COOKIE, id, sizeof(id)) ||
        !web_session_find(w, id, s))
        memset(s, 0, sizeof(*s));
}

/* What every request must pass; false with rp filled when refused. */
static bool common_guard(struct web *w, struct MHD_Connection *c,
                         const char *method, struct wrep *rp)
{
    const char *host = header(c, "Host"), *origin = header(c, "Origin");
    if (!guard_host_ok(host, w->s.port))
        rep_error(rp, 403, "EACCES", "Host '%.60s' refused: use "
                  "http://127.0.0.1:%u/ or http://localhost:%u/",
                  host ? host : "", w->s.port, w->s.port);
    else if (origin && !guard_origin_ok(origin, w->s.port))
        rep_error(rp, 403, "EACCES", "cross-origin request from '%.60s' "
                  "refused", origin);
    else if (strcmp(method, "GET") && strcmp(method, "HEAD") &&
             strcmp(method, "POST"))
        rep_error(rp, 405, "EINVAL", "method %.10s not allowed", method);
    else
        return true;
    return false;
}

/* A POST changes state: JSON only, our Origin, a session and its CSRF
 * token (the login has no session yet). */
static bool post_guard(struct MHD_Connection *c, const char *path,
                       const struct session *s, struct wrep *rp)
{
    const char *csrf = header(c, "X-CSRF-Token");
    if (!guard_json_type(header(c, "Content-Type")))
        rep_error(rp, 415, "EINVAL", "POST needs Content-Type: "
                  "application/json");
    else if (!header(c, "Origin"))
        rep_error(rp, 403, "EACCES", "POST without Origin refused");
    else if (strcmp(path, "login") == 0)
        return true;
    else if (s->role == ROLE_NONE)
        rep_error(rp, 401, "EACCES", "not logged in");
    else if (!csrf || !guard_token_eq(csrf, s->csrf))
        rep_error(rp, 403, "EACCES", "missing or wrong X-CSRF-Token");
    else
        return true;
    return false;
}

static void api(struct web *w, struct MHD_Connection *c, const char *method,
                const char *url, struct upload *up, struct wrep *rp)
{
    struct wreq rq = { .w = w, .c = c, .method = method,
                       .path = url + strlen("/api/") };
    find_session(w, c, &rq.sess);
    if (strcmp(method, "POST") == 0) {
        if (!post_guard(c, rq.path, &rq.sess, rp))
            return;
        if (up->too_large)
            return rep_error(rp, 413, "E2BIG", "request body larger than "
                             "%d bytes", WEB_MAX_BODY);
        rq.body = up->len ? json_tokener_parse(up->buf) : NULL;
        if (!rq.body || !json_object_is_type(rq.body, json_type_object)) {
            json_object_put(rq.body);
            return rep_error(rp, 400, "EINVAL", "request body is not a "
                             "JSON object");
        }
    }
    api_dispatch(&rq, rp);
    json_object_put(rq.body);
}

static void on_upgraded(void *cls, struct MHD_Connection *c, void *con_cls,
                        const char *extra, size_t extra_len, MHD_socket sock,
                        struct MHD_UpgradeResponseHandle *urh)
{
    struct ws_start *st = cls;
    (void)c, (void)con_cls;
    console_serve(st->w, st->dom, &st->sess, sock, extra, extra_len);
    web_console_put(st->w, st->sess.id);
    MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
    free(st);
}

static bool header_has(struct MHD_Connection *c, const char *name,
                       const char *token)
{
    const char *v = header(c, name);
    if (!v)
        return false;
    for (const char *p = v; (p = strcasestr(p, token)); p++) {
        char after = p[strlen(token)];
        if ((p == v || p[-1] == ' ' || p[-1] == ',') &&
            (after == '\0' || after == ',' || after == ' '))
            return true;
    }
    return false;
}

/* GET /api/console/DOM with Upgrade: websocket. */
static enum MHD_Result websocket(struct web *w, struct MHD_Connection *c,
                                 const char *dom)
{
    struct wrep rp = { 0 };
    struct ws_start *st = calloc(1, sizeof(*st));
    char accept[29];
    if (!st)
        return MHD_NO;
    find_session(w, c, &st->sess);
    const char *ver = header(c, "Sec-WebSocket-Version");
    if (!guard_origin_ok(header(c, "Origin"), w->s.port))
        rep_error(&rp, 403, "EACCES", "WebSocket needs an Origin of ours");
    else if (st->sess.role == ROLE_NONE)
        rep_error(&rp, 401, "EACCES", "not logged in");
    else if (!api_dom_ok(dom))
        rep_error(&rp, 400, "EINVAL", "invalid domain name or id");
    else if (!ver || strcmp(ver, "13") ||
             ws_accept_key(header(c, "Sec-WebSocket-Key"), accept) < 0)
        rep_error(&rp, 400, "EINVAL", "bad WebSocket handshake");
    else if (web_console_get(w, st->sess.id) < 0)
        rep_error(&rp, 429, "EBUSY", "too many consoles open (at most %d "
                  "per login)", WEB_MAX_CONSOLES_PER_SESSION);
    if (rp.body) {
        free(st);
        return send_json(c, &rp);
    }
    st->w = w;
    snprintf(st->dom, sizeof(st->dom), "%s", dom);
    struct MHD_Response *res = MHD_create_response_for_upgrade(on_upgraded,
                                                               st);
    if (!res) {
        web_console_put(w, st->sess.id);
        free(st);
        return MHD_NO;
    }
    MHD_add_response_header(res, "Upgrade", "websocket");
    MHD_add_response_header(res, "Sec-WebSocket-Accept", accept);
    enum MHD_Result r = MHD_queue_response(c, MHD_HTTP_SWITCHING_PROTOCOLS,
                                           res);
    MHD_destroy_response(res);
    if (r != MHD_YES) {
        web_console_put(w, st->sess.id);
        free(st);
    }
    return r;
}

static enum MHD_Result static_file(struct web *w, struct MHD_Connection *c,
                                   const char *method, const char *url)
{
    struct wrep rp = { 0 };
    int status = 200;
    if (strcmp(method, "POST") == 0) {
        rep_error(&rp, 405, "EINVAL", "nothing to POST here");
        return send_json(c, &rp);
    }
    struct MHD_Response *res = files_response(w, url, &status);
    if (!res) {
        rep_error(&rp, 404, "ENOENT", "no such page");
        return send_json(c, &rp);
    }
    enum MHD_Result r = MHD_queue_response(c, (unsigned)status, res);
    MHD_destroy_response(res);
    return r;
}

/* The body, into one buffer of the largest size accepted (made at its
 * first byte); beyond that only "too large" is remembered. */
static bool collect(struct upload *up, const char *data, size_t *size)
{
    size_t n = *size;
    *size = 0;
    if (up->too_large || n > WEB_MAX_BODY - up->len) {
        up->too_large = true;
        return true;
    }
    if (!up->buf && !(up->buf = malloc(WEB_MAX_BODY + 1)))
        return false;
    memcpy(up->buf + up->len, data, n);
    up->len += n;
    up->buf[up->len] = '\0';
    return true;
}

/* libmicrohttpd calls on_request first with no upload (we make one), then
 * with each piece of the body, then with *size 0 to answer. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
                                  const char *url, const char *method,
                                  const char *version, const char *data,
                                  size_t *size, void **con_cls)
{
    struct web *w = cls;
    struct wrep rp = { 0 };
    (void)version;
    if (!*con_cls)
        return (*con_cls = calloc(1, sizeof(struct upload))) ? MHD_YES
                                                               : MHD_NO;
    if (*size)
        return collect(*con_cls, data, size) ? MHD_YES : MHD_NO;
    if (!common_guard(w, c, method, &rp))
        return send_json(c, &rp);
    if (strncmp(url, "/api/", 5) != 0)
        return static_file(w, c, method, url);
    if (strncmp(url, "/api/console/", 13) == 0 &&
        header_has(c, "Upgrade", "websocket") &&
        header_has(c, "Connection", "upgrade") && strcmp(method, "GET") == 0)
        return websocket(w, c, url + 13);
    api(w, c, method, url, *con_cls, &rp);
    return send_json(c, &rp);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct upload *up = *con_cls;
    (void)cls, (void)c, (void)toe;
    if (up) {
        free(up->buf);
        free(up);
    }
    *con_cls = NULL;
}

int server_start(struct web *w)
{
    struct sockaddr_in sa = { .sin_family = AF_INET,
                              .sin_port = htons((uint16_t)w->s.port) };
    if (inet_pton(AF_INET, w->s.address, &sa.sin_addr) != 1 ||
        (ntohl(sa.sin_addr.s_addr) >> 24) != 127) {
        fprintf(stderr, "xenoweb: error: address '%s' is not a loopback "
                "IPv4 address (a remote web console is not supported yet)\n",
                w->s.address);
        return -EINVAL;
    }
    w->mhd = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION |
                              MHD_USE_INTERNAL_POLLING_THREAD |
                              MHD_ALLOW_UPGRADE | MHD_USE_ERROR_LOG,
                              (uint16_t)w->s.port, NULL, NULL, on_request, w,
                              MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                              MHD_OPTION_NOTIFY_COMPLETED, on_completed, w,
                              MHD_OPTION_CONNECTION_LIMIT,
                              (unsigned)WEB_MAX_CONNECTIONS,
                              MHD_OPTION_CONNECTION_TIMEOUT, 60u,
                              MHD_OPTION_END);
    if (!w->mhd) {
        fprintf(stderr, "xenoweb: error: can't listen on %s:%u: %s\n",
                w->s.address, w->s.port, strerror(errno));
        return -EADDRINUSE;
    }
    return 0;
}

void server_stop(struct web *w)
{
    if (w->mhd)
        MHD_stop_daemon(w->mhd);
    w->mhd = NULL;
}
