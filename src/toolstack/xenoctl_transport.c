/* libxenoctl's two ways to xend: a unix socket (one JSON line each way)
 * and HTTP/1.1 over TCP (one request per connection). */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "xenoctl_int.h"

#define IO_TIMEOUT_S 600 /* longer than any xend-side timeout (create-timeout, detach): xend always answers */

static void set_timeouts(int fd)
{
    struct timeval tv = { .tv_sec = IO_TIMEOUT_S };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -errno;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads until EOF (or a newline when stop_at_nl); NUL-terminated. */
static int read_all(struct xenoctl *h, int fd, bool stop_at_nl, char **out,
                    size_t *len)
{
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 >= cap) {
            if (cap >= XENOCTL_MAX_REPLY)
                break;
            char *nb = realloc(buf, cap * 2);
            if (!nb)
                break;
            buf = nb;
            cap *= 2;
        }
        ssize_t r = recv(fd, buf + n, cap - n - 1, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            free(buf);
            return xenoctl_set_error(h, -errno, "reading from xend at %s: %s",
                                     h->target, strerror(errno));
        }
        if (r == 0 || (stop_at_nl && memchr(buf + n, '\n', (size_t)r))) {
            n += (size_t)r;
            buf[n] = '\0';
            *out = buf;
            *len = n;
            return 0;
        }
        n += (size_t)r;
    }
    free(buf);
    return xenoctl_set_error(h, -E2BIG, "reply from xend too large");
}

static int not_running(struct xenoctl *h, int err)
{
    bool absent = err == -ENOENT || err == -ECONNREFUSED;
    return xenoctl_set_error(h, err, "can't reach xend at %s: %s%s",
                             h->target, strerror(-err),
                             absent ? " (is xend running?)" :
                             err == -EACCES ? " (the socket or its directory "
                                              "is not open to this user)" : "");
}

int xt_unix_exchange(struct xenoctl *h, const char *req, size_t len,
                     char **reply, size_t *rlen)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return xenoctl_set_error(h, -errno, "socket: %s", strerror(errno));
    memcpy(sa.sun_path, h->path, strlen(h->path) + 1);
    set_timeouts(fd);
    int r = 0;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        r = not_running(h, -errno);
    if (r == 0 && ((r = write_all(fd, req, len)) < 0 ||
                   (r = write_all(fd, "\n", 1)) < 0))
        xenoctl_set_error(h, r, "writing to xend: %s", strerror(-r));
    if (r == 0)
        r = read_all(h, fd, true, reply, rlen);
    close(fd);
    return r;
}

static int tcp_connect(struct xenoctl *h, int *out)
{
    struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai, *p;
    int g = getaddrinfo(h->host, h->port, &hints, &ai);
    if (g != 0)
        return xenoctl_set_error(h, -EHOSTUNREACH, "%s: %s", h->host,
                                 gai_strerror(g));
    int r = -ECONNREFUSED;
    for (p = ai; p; p = p->ai_next) {
        int fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC,
                        p->ai_protocol);
        if (fd < 0)
            continue;
        set_timeouts(fd);
        if (connect(fd, p->ai_addr, p->ai_addrlen) == 0) {
            *out = fd;
            r = 0;
            break;
        }
        r = -errno;
        close(fd);
    }
    freeaddrinfo(ai);
    return r < 0 ? not_running(h, r) : 0;
}

static int parse_response(struct xenoctl *h, char *raw, int *status,
                          char **reply)
{
    int maj, min;
    char *body = strstr(raw, "\r\n\r\n");
    if (sscanf(raw, "HTTP/%d.%d %d", &maj, &min, status) != 3 || !body)
        return xenoctl_set_error(h, -EPROTO, "malformed HTTP reply from %s",
                                 h->target);
    if (reply && !(*reply = strdup(body + 4)))
        return -ENOMEM;
    return 0;
}

int xt_http_exchange(struct xenoctl *h, const char *method, const char *path,
                     const char *body, int *status, char **reply)
{
    int fd = -1, r = tcp_connect(h, &fd);
    if (r < 0)
        return r;
    char *req = NULL, *raw = NULL;
    size_t blen = body ? strlen(body) : 0, rlen;
    int n = asprintf(&req, "%s %s HTTP/1.1\r\nHost: %s:%s\r\n"
                     "Content-Type: application/json\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n\r\n%s", method, path, h->host,
                     h->port, blen, body ? body : "");
    if (n < 0)
        r = -ENOMEM;
    else if ((r = write_all(fd, req, (size_t)n)) < 0)
        xenoctl_set_error(h, r, "writing to xend: %s", strerror(-r));
    if (r == 0)
        r = read_all(h, fd, false, &raw, &rlen);
    if (r == 0)
        r = parse_response(h, raw, status, reply);
    if (n >= 0)
        free(req);
    free(raw);
    close(fd);
    return r;
}
