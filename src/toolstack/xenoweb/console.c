/* Domain consoles in the browser.  A hub per console socket (the one xm
 * console connects to) is that socket's only client while viewers are
 * attached: a reader thread copies what the domain prints into a 64 KiB
 * ring (replayed to each viewer that joins) and into each viewer's
 * queue; the hub stays connected after its last viewer leaves, until the
 * console closes.  The reader never waits for a viewer: a queue that is full (a
 * slow browser) loses the new output and its viewer is told how much, so
 * a guest is never stalled and a flood costs bounded memory.
 *
 * Several viewers, one writer: the first operator to join writes; another
 * operator takes over explicitly ({"type":"take"}); input from anyone
 * else is dropped.  Viewers (the read-only role) never write.
 *
 * On the WebSocket: binary frames are console bytes both ways; text
 * frames are JSON control messages (client: take, release; server:
 * status, error). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "unix_connect.h"
#include "web.h"
#include "ws.h"

#define RING_SIZE (64 * 1024)
#define QUEUE_MAX (256 * 1024)
#define MAX_VIEWERS 16
#define MSG_MAX 4096                /* one input message from a browser */
#define OUT_CHUNK 16384
#define INPUT_WAIT_MS 2000
#define SOCKET_SNDBUF (64 * 1024)

struct viewer {
    struct viewer *next;
    int evfd;                       /* the reader wakes the viewer */
    bool operator;
    uint8_t *q;                     /* output not yet sent */
    size_t qlen;
    uint64_t dropped;
    bool status_dirty;
};

struct hub {
    struct hub *next;
    char path[256];
    int fd;
    pthread_t reader;
    bool dead;
    uint8_t ring[RING_SIZE];
    size_t ring_head, ring_len;
    struct viewer *viewers;
    struct viewer *writer;
    unsigned n_viewers;
};

/* The viewer's connection: its socket and the frame being sent. */
struct vconn {
    struct web *w;
    struct hub *hub;
    struct viewer *v;
    int sock;
    uint8_t out[10 + OUT_CHUNK];
    size_t out_len, out_off;
    bool closing;
    struct ws_reader rd;
    uint8_t in[MSG_MAX + WS_MAX_HEADER + 64];
    uint8_t msg[MSG_MAX];
};

static void wake(struct viewer *v)
{
    uint64_t one = 1;
    if (write(v->evfd, &one, sizeof(one)) < 0) {
        /* the counter is already non-zero: it wakes anyway */
    }
}

static void all_dirty(struct hub *h)
{
    for (struct viewer *v = h->viewers; v; v = v->next) {
        v->status_dirty = true;
        wake(v);
    }
}

static void ring_add(struct hub *h, const uint8_t *p, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        h->ring[(h->ring_head + h->ring_len) % RING_SIZE] = p[k];
        if (h->ring_len == RING_SIZE)
            h->ring_head = (h->ring_head + 1) % RING_SIZE;
        else
            h->ring_len++;
    }
}

static void enqueue(struct viewer *v, const uint8_t *p, size_t n)
{
    if (v->qlen + n > QUEUE_MAX) {
        v->dropped += n;
        v->status_dirty = true;
    } else {
        memcpy(v->q + v->qlen, p, n);
        v->qlen += n;
    }
    wake(v);
}

static void *reader(void *arg)
{
    struct web *w = ((void **)arg)[0];
    struct hub *h = ((void **)arg)[1];
    uint8_t buf[4096];
    free(arg);
    for (;;) {
        ssize_t n = read(h->fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        pthread_mutex_lock(&w->lock);
        if (n <= 0) {
            h->dead = true;
            all_dirty(h);
            pthread_mutex_unlock(&w->lock);
            return NULL;
        }
        ring_add(h, buf, (size_t)n);
        for (struct viewer *v = h->viewers; v; v = v->next)
            enqueue(v, buf, (size_t)n);
        pthread_mutex_unlock(&w->lock);
    }
}

/* Under w->lock: the hub of path, connected and reading. */
static void reap(struct web *w);

static struct hub *hub_get(struct web *w, const char *path, int *err)
{
    reap(w);
    for (struct hub *h = w->hubs; h; h = h->next)
        if (!h->dead && strcmp(h->path, path) == 0)
            return h;
    struct hub *h = calloc(1, sizeof(*h));
    void **arg = malloc(2 * sizeof(void *));
    if (!h || !arg || (h->fd = unix_connect(path)) < 0) {
        *err = !h || !arg ? -ENOMEM : h->fd;
        free(h);
        free(arg);
        return NULL;
    }
    snprintf(h->path, sizeof(h->path), "%s", path);
    arg[0] = w;
    arg[1] = h;
    if (pthread_create(&h->reader, NULL, reader, arg) != 0) {
        close(h->fd);
        free(h);
        free(arg);
        *err = -EAGAIN;
        return NULL;
    }
    h->next = w->hubs;
    w->hubs = h;
    return h;
}

static int join(struct vconn *vc, const char *path, bool operator)
{
    struct viewer *v = calloc(1, sizeof(*v));
    int err = 0;
    if (!v || !(v->q = malloc(QUEUE_MAX)) ||
        (v->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
        if (v)
            free(v->q);
        free(v);
        return -ENOMEM;
    }
    pthread_mutex_lock(&vc->w->lock);
    struct hub *h = hub_get(vc->w, path, &err);
    if (h && h->n_viewers >= MAX_VIEWERS)
        err = -EMFILE;
    if (h && !err) {
        v->operator = operator;
        for (size_t k = 0; k < h->ring_len; k++)    /* the replay */
            v->q[k] = h->ring[(h->ring_head + k) % RING_SIZE];
        v->qlen = h->ring_len;
        v->next = h->viewers;
        h->viewers = v;
        h->n_viewers++;
        if (operator && !h->writer)
            h->writer = v;
        all_dirty(h);
    }
    pthread_mutex_unlock(&vc->w->lock);
    if (!h || err) {
        close(v->evfd);
        free(v->q);
        free(v);
        return err;
    }
    vc->hub = h;
    vc->v = v;
    return 0;
}

/* Under w->lock: hubs whose console closed and that nobody watches. */
static void reap(struct web *w)
{
    for (struct hub **p = &w->hubs; *p;) {
        struct hub *h = *p;
        if (!h->dead || h->n_viewers) {
            p = &h->next;
            continue;
        }
        *p = h->next;
        pthread_join(h->reader, NULL);  /* it has returned: dead is set */
        close(h->fd);
        free(h);
    }
}

/* A hub stays connected when its last viewer leaves, so the next one
 * still gets the recent output; it goes when the console closes. */
static void leave(struct vconn *vc)
{
    struct web *w = vc->w;
    struct hub *h = vc->hub;
    pthread_mutex_lock(&w->lock);
    for (struct viewer **p = &h->viewers; *p; p = &(*p)->next)
        if (*p == vc->v) {
            *p = vc->v->next;
            break;
        }
    if (h->writer == vc->v)
        h->writer = NULL;
    h->n_viewers--;
    all_dirty(h);
    reap(w);
    pthread_mutex_unlock(&w->lock);
    close(vc->v->evfd);
    free(vc->v->q);
    free(vc->v);
}

/* One whole small frame, written before anything else queued (pong,
 * close, error): waits for the socket. */
static int send_now(int sock, uint8_t op, const void *p, size_t n)
{
    uint8_t f[10 + 256];
    size_t hl = ws_server_header(f, op, n);
    if (n > 256)
        return -EINVAL;
    memcpy(f + hl, p, n);
    for (size_t off = 0; off < hl + n;) {
        ssize_t r = send(sock, f + off, hl + n - off, MSG_NOSIGNAL);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -EPIPE;
        off += (size_t)r;
    }
    return 0;
}

static int send_close(int sock, unsigned code, const char *reason)
{
    uint8_t p[2 + 120];
    size_t n = strnlen(reason, 120);
    p[0] = (uint8_t)(code >> 8);
    p[1] = (uint8_t)code;
    memcpy(p + 2, reason, n);
    return send_now(sock, WS_CLOSE, p, 2 + n);
}

static void send_error(int sock, const char *msg)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "type", json_object_new_string("error"));
    json_object_object_add(o, "error", json_object_new_string(msg));
    const char *t = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
    send_now(sock, WS_TEXT, t, strnlen(t, 256));
    json_object_put(o);
    send_close(sock, WS_CLOSE_POLICY, "console unavailable");
}

/* Under w->lock: the next frame to send, status first. */
static bool next_frame(struct vconn *vc)
{
    struct viewer *v = vc->v;
    struct hub *h = vc->hub;
    if (v->status_dirty) {
        char t[256];
        int n = snprintf(t, sizeof(t), "{\"type\":\"status\",\"role\":\"%s\","
                         "\"writer\":%s,\"has_writer\":%s,\"viewers\":%u,"
                         "\"dropped\":%llu,\"closed\":%s}",
                         v->operator ? "operator" : "viewer",
                         h->writer == v ? "true" : "false",
                         h->writer ? "true" : "false", h->n_viewers,
                         (unsigned long long)v->dropped,
                         h->dead ? "true" : "false");
        size_t hl = ws_server_header(vc->out, WS_TEXT, (size_t)n);
        memcpy(vc->out + hl, t, (size_t)n);
        vc->out_len = hl + (size_t)n;
        v->status_dirty = false;
    } else if (v->qlen) {
        size_t n = v->qlen < OUT_CHUNK ? v->qlen : OUT_CHUNK;
        size_t hl = ws_server_header(vc->out, WS_BINARY, n);
        memcpy(vc->out + hl, v->q, n);
        memmove(v->q, v->q + n, v->qlen - n);
        v->qlen -= n;
        vc->out_len = hl + n;
    } else {
        return false;
    }
    vc->out_off = 0;
    return true;
}

/* Sends what it can without waiting; -EPIPE when the browser is gone. */
static int flush(struct vconn *vc)
{
    for (;;) {
        if (vc->out_off == vc->out_len) {
            pthread_mutex_lock(&vc->w->lock);
            bool more = next_frame(vc);
            pthread_mutex_unlock(&vc->w->lock);
            if (!more)
                return 0;
        }
        ssize_t r = send(vc->sock, vc->out + vc->out_off,
                         vc->out_len - vc->out_off,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (r <= 0)
            return -EPIPE;
        vc->out_off += (size_t)r;
    }
}

/* The writer's input, to the domain's console.  Sent outside the lock
 * (the hub's reader must keep draining the guest's output meanwhile);
 * what the console does not take within INPUT_WAIT_MS is dropped. */
static void input(struct vconn *vc, const uint8_t *p, size_t n)
{
    pthread_mutex_lock(&vc->w->lock);
    bool writer = vc->hub->writer == vc->v && !vc->hub->dead;
    int fd = vc->hub->fd;       /* open while we are one of its viewers */
    if (!writer) {
        vc->v->status_dirty = true;     /* tell it it is not the writer */
        wake(vc->v);
    }
    pthread_mutex_unlock(&vc->w->lock);
    while (writer && n) {
        struct pollfd pf = { .fd = fd, .events = POLLOUT };
        if (poll(&pf, 1, INPUT_WAIT_MS) <= 0)
            return;
        ssize_t r = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (r < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (r <= 0)
            return;
        p += r;
        n -= (size_t)r;
    }
}

static void control(struct vconn *vc, const uint8_t *p, size_t n)
{
    char buf[128];
    json_object *o, *t;
    if (n >= sizeof(buf))
        return;
    memcpy(buf, p, n);
    buf[n] = '\0';
    o = json_tokener_parse(buf);
    const char *type = o && json_object_object_get_ex(o, "type", &t) ?
                       json_object_get_string(t) : "";
    bool take = strcmp(type, "take") == 0;
    bool release = strcmp(type, "release") == 0;
    json_object_put(o);
    pthread_mutex_lock(&vc->w->lock);
    struct hub *h = vc->hub;
    if (take && vc->v->operator)
        h->writer = vc->v;
    else if (release && h->writer == vc->v)
        h->writer = NULL;
    all_dirty(h);
    pthread_mutex_unlock(&vc->w->lock);
}

static int on_msg(void *ctx, uint8_t op, const uint8_t *p, size_t n)
{
    struct vconn *vc = ctx;
    switch (op) {
    case WS_BINARY:
        input(vc, p, n);
        return 0;
    case WS_TEXT:
        control(vc, p, n);
        return 0;
    case WS_PING:
        return send_now(vc->sock, WS_PONG, p, n) < 0 ? WS_CLOSE_GOING_AWAY : 0;
    case WS_CLOSE:
        return WS_CLOSE_NORMAL;
    default:
        return 0;
    }
}

static int from_browser(struct vconn *vc)
{
    struct ws_msg_cb cb = { on_msg, vc };
    size_t room = sizeof(vc->in) - vc->rd.in_len;
    ssize_t n = recv(vc->sock, vc->rd.in + vc->rd.in_len, room, MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return 0;
    if (n <= 0)
        return WS_CLOSE_GOING_AWAY;
    return ws_feed(&vc->rd, (size_t)n, &cb);
}

static void pump(struct vconn *vc)
{
    int code = 0;
    while (!code) {
        if (flush(vc) < 0)
            return;
        pthread_mutex_lock(&vc->w->lock);
        bool dead = vc->hub->dead && !vc->v->status_dirty && !vc->v->qlen;
        pthread_mutex_unlock(&vc->w->lock);
        if (dead && vc->out_off == vc->out_len) {
            code = WS_CLOSE_NORMAL;
            break;
        }
        struct pollfd p[2] = {
            { .fd = vc->sock, .events = POLLIN |
              (vc->out_off < vc->out_len ? POLLOUT : 0) },
            { .fd = vc->v->evfd, .events = POLLIN } };
        if (poll(p, 2, -1) < 0 && errno != EINTR)
            return;
        if (p[1].revents) {
            uint64_t c;
            if (read(vc->v->evfd, &c, sizeof(c)) < 0) {
                /* nothing to drain */
            }
        }
        if (p[0].revents & (POLLIN | POLLHUP | POLLERR))
            code = from_browser(vc);
    }
    if (code != WS_CLOSE_GOING_AWAY)
        send_close(vc->sock, (unsigned)code, code == WS_CLOSE_TOO_BIG ?
                   "message too big" : code == WS_CLOSE_PROTOCOL ?
                   "protocol error" : "bye");
}

void console_serve(struct web *w, const char *dom, const struct session *s,
                   int sock, const char *extra, size_t extra_len)
{
    char path[256], msg[300];
    struct vconn *vc = calloc(1, sizeof(*vc));
    struct wrep rp = { 0 };
    if (!vc)
        return;
    vc->w = w;
    vc->sock = sock;
    /* What the kernel holds for a slow browser is bounded too (else the
     * socket's buffer, up to tcp_wmem's megabytes, is the queue). */
    int sndbuf = SOCKET_SNDBUF;
    setsockopt(sock, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
    ws_reader_init(&vc->rd, vc->in, sizeof(vc->in), vc->msg, sizeof(vc->msg));
    struct xenoctl *h = api_xend(w, &rp);
    int r = h ? xenoctl_console_path(h, dom, path, sizeof(path)) : -EIO;
    snprintf(msg, sizeof(msg), "%s", h ? xenoctl_error(h) : "can't reach xend");
    xenoctl_close(h);
    json_object_put(rp.body);
    if (r == 0 && (r = join(vc, path, s->role == ROLE_OPERATOR)) < 0)
        snprintf(msg, sizeof(msg), "can't connect to the console of %s: %s",
                 dom, r == -EMFILE ? "too many viewers" : strerror(-r));
    if (r < 0) {
        send_error(sock, msg);
        free(vc);
        return;
    }
    if (extra_len) {                    /* bytes read with the handshake */
        struct ws_msg_cb cb = { on_msg, vc };
        size_t n = extra_len < sizeof(vc->in) ? extra_len : sizeof(vc->in);
        memcpy(vc->in, extra, n);
        if (ws_feed(&vc->rd, n, &cb) != 0)
            extra_len = 0, vc->closing = true;
    }
    if (!vc->closing)
        pump(vc);
    leave(vc);
    free(vc);
}
