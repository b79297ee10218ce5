/* The unix-socket side of the API: one JSON object per line,
 * {"method":"GET","path":"/xend/domain","body":{...}} in,
 * {"status":200,"body":{...}} out.  Mode 0666: every local user may
 * connect, and is then who SO_PEERCRED says (policy.h decides). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"
#include "xend.h"

struct unix_client {
    int fd;
    bool pending;               /* its reply waits (create): not polled */
    struct caller who;          /* SO_PEERCRED at accept */
    char *buf;
    size_t len, cap;
};

static int make_addr(const char *path, struct sockaddr_un *sa)
{
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sa->sun_path))
        return -ENAMETOOLONG;
    strcpy(sa->sun_path, path);
    return 0;
}

/* A live socket means another xend: refuse to steal it. */
static int check_stale(const struct sockaddr_un *sa)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
    close(fd);
    if (r == 0)
        return -EADDRINUSE;
    unlink(sa->sun_path);
    return 0;
}

int unix_start(struct xend *x)
{
    struct sockaddr_un sa;
    int r = make_addr(x->s.unix_path, &sa);
    if (r == 0)
        r = check_stale(&sa);
    if (r < 0) {
        xlog(x, LOG_ERR, "%s: %s", x->s.unix_path, r == -EADDRINUSE ?
             "another xend is running" : strerror(-r));
        return r;
    }
    x->unix_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    mode_t old = umask(0111);
    if (x->unix_fd < 0 || bind(x->unix_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        listen(x->unix_fd, 16) < 0) {
        r = -errno;
        umask(old);
        xlog(x, LOG_ERR, "listening on %s: %s", x->s.unix_path, strerror(-r));
        return r;
    }
    umask(old);
    xlog(x, LOG_INFO, "unix socket %s", x->s.unix_path);
    return 0;
}

static void client_close(struct xend *x, int slot)
{
    struct unix_client *c = x->clients[slot];
    close(c->fd);
    free(c->buf);
    free(c);
    x->clients[slot] = NULL;
}

void unix_stop(struct xend *x)
{
    for (int k = 0; k < XEND_MAX_CLIENTS; k++)
        if (x->clients[k])
            client_close(x, k);
    if (x->unix_fd >= 0) {
        close(x->unix_fd);
        unlink(x->s.unix_path);
    }
    x->unix_fd = -1;
}

void unix_accept(struct xend *x)
{
    int fd = accept4(x->unix_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0)
        return;
    for (int k = 0; k < XEND_MAX_CLIENTS; k++) {
        if (x->clients[k])
            continue;
        x->clients[k] = calloc(1, sizeof(struct unix_client));
        if (!x->clients[k])
            break;
        x->clients[k]->fd = fd;
        caller_of_socket(x, fd, false, &x->clients[k]->who);
        return;
    }
    close(fd);                  /* too many clients */
}

int unix_client_fd(struct xend *x, int slot)
{
    struct unix_client *c = x->clients[slot];
    return c && !c->pending ? c->fd : -1;
}

static json_object *envelope(int status, json_object *body)
{
    json_object *out = json_object_new_object();
    json_object_object_add(out, "status", json_object_new_int(status));
    json_object_object_add(out, "body", body);
    return out;
}

/* NULL: the reply is deferred (unix_reply_later). */
static json_object *handle_line(struct xend *x, int slot, const char *line)
{
    json_object *req = json_tokener_parse(line), *m, *p, *b = NULL;
    struct xrep rp = { 0 };
    if (!req || !json_object_object_get_ex(req, "method", &m) ||
        !json_object_object_get_ex(req, "path", &p) ||
        !json_object_is_type(m, json_type_string) ||
        !json_object_is_type(p, json_type_string) ||
        (json_object_object_get_ex(req, "body", &b) &&
         !json_object_is_type(b, json_type_object)))
        rep_error(&rp, 400, "EINVAL", "expected {\"method\":..,\"path\":..,"
                  "\"body\":{..}}");
    else {
        struct xreq rq = { json_object_get_string(m), json_object_get_string(p),
                           b, { .kind = W_UNIX, .slot = slot }, NULL,
                           &x->clients[slot]->who };
        route_dispatch(x, &rq, &rp);
    }
    json_object_put(req);
    return rp.status ? envelope(rp.status, rp.body) : NULL;
}

static void reply(struct unix_client *c, json_object *out)
{
    size_t n;
    const char *text = json_object_to_json_string_length(out, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
    struct timeval tv = { .tv_sec = 5 };
    int fl = fcntl(c->fd, F_GETFL);
    fcntl(c->fd, F_SETFL, fl & ~O_NONBLOCK);
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (send(c->fd, text, n, MSG_NOSIGNAL) == (ssize_t)n)
        send(c->fd, "\n", 1, MSG_NOSIGNAL);
    json_object_put(out);
}

/* Reads what is there; one request per connection, then it closes. */
void unix_client_io(struct xend *x, int slot)
{
    struct unix_client *c = x->clients[slot];
    if (c->len + 4096 + 1 > c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 8192;
        char *nb = cap <= x->s.max_request + 8192 ? realloc(c->buf, cap) : NULL;
        if (!nb) {
            struct xrep rp = { 0 };
            rep_error(&rp, 413, "E2BIG", "request larger than %zu bytes",
                      x->s.max_request);
            reply(c, envelope(413, rp.body));
            return client_close(x, slot);
        }
        c->buf = nb;
        c->cap = cap;
    }
    ssize_t n = read(c->fd, c->buf + c->len, c->cap - c->len - 1);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0)
        return client_close(x, slot);
    c->len += (size_t)n;
    c->buf[c->len] = '\0';
    char *nl = memchr(c->buf, '\n', c->len);
    if (!nl)
        return;
    *nl = '\0';
    json_object *out = handle_line(x, slot, c->buf);
    if (!out) {
        c->pending = true;
        return;
    }
    reply(c, out);
    client_close(x, slot);
}

void unix_reply_later(struct xend *x, int slot, int status, json_object *body)
{
    struct unix_client *c = slot >= 0 && slot < XEND_MAX_CLIENTS ?
                            x->clients[slot] : NULL;
    if (!c || !c->pending) {
        json_object_put(body);
        return;
    }
    reply(c, envelope(status, body));
    client_close(x, slot);
}
