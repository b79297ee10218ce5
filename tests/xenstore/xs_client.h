/* A tiny xenstore client for tests: speaks the wire protocol over a unix
 * socket or over a guest ring attached through the `rings` socket exactly
 * as a VMM does (src/include/xeno/xs_ring.h). */
#ifndef XENO_TEST_XS_CLIENT_H
#define XENO_TEST_XS_CLIENT_H

#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <xen/io/xs_wire.h>

#include "xeno/xs_ring.h"

#define TC_PAGE_OFF 8192u

struct tc {
    int fd;                 /* socket transport, or -1 */
    int ctl, kick, notify;  /* ring transport */
    int memfd;
    struct xenstore_domain_interface *intf;
    uint32_t req_id;
    /* last reply */
    struct xsd_sockmsg hdr;
    char body[XENSTORE_PAYLOAD_MAX + 1];
    /* watch events received while waiting for replies */
    int events;
    char last_event[XENSTORE_PAYLOAD_MAX + 1];
};

static inline const char *tc_rundir(void)
{
    const char *d = getenv("XENSTORED_RUNDIR");
    return d ? d : "/run/xenstored";
}

static inline int tc_unix(const char *name)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", tc_rundir(), name);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static inline int tc_open_socket(struct tc *c, const char *name)
{
    memset(c, 0, sizeof(*c));
    c->ctl = c->kick = c->notify = c->memfd = -1;
    c->fd = tc_unix(name);
    return c->fd < 0 ? -1 : 0;
}

/* Create the ring page (memfd) and eventfds once; keep them across
 * daemon restarts like a VMM does. */
static inline int tc_ring_create(struct tc *c)
{
    void *m;
    memset(c, 0, sizeof(*c));
    c->fd = c->ctl = -1;
    c->memfd = memfd_create("xs-ring", MFD_CLOEXEC);
    if (c->memfd < 0 || ftruncate(c->memfd, TC_PAGE_OFF + 4096))
        return -1;
    m = mmap(NULL, TC_PAGE_OFF + 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
             c->memfd, 0);
    if (m == MAP_FAILED)
        return -1;
    c->intf = (void *)((char *)m + TC_PAGE_OFF);
    c->kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    c->notify = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    return c->kick < 0 || c->notify < 0 ? -1 : 0;
}

/* Returns the daemon's int32 answer, or -1000 on transport failure.
 * token NULL: version 1, else version 2 carrying it. */
static inline int tc_ring_attach_token(struct tc *c, uint32_t domid,
                                       const char *token)
{
    struct xs_ring_attach_token a = { { XS_RING_ATTACH_MAGIC,
                                        XS_RING_ATTACH_VERSION, domid, 7,
                                        TC_PAGE_OFF, 0x1234 }, { 0 } };
    int fds[3] = { c->memfd, c->kick, c->notify };
    char cbuf[CMSG_SPACE(sizeof(fds))];
    size_t len = token ? sizeof(a) : sizeof(a.a);
    struct iovec iov = { &a, len };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
                         .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    int32_t rc;

    if (token) {
        a.a.version = XS_RING_ATTACH_VERSION_TOKEN;
        snprintf(a.token, sizeof(a.token), "%s", token);
    }
    if (c->ctl >= 0)
        close(c->ctl);
    c->ctl = tc_unix(XS_RING_SOCKET_NAME);
    if (c->ctl < 0)
        return -1000;
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(fds));
    memcpy(CMSG_DATA(cm), fds, sizeof(fds));
    if (sendmsg(c->ctl, &mh, 0) != (ssize_t)len)
        return -1000;
    if (recv(c->ctl, &rc, sizeof(rc), MSG_WAITALL) != sizeof(rc))
        return -1000;
    return rc;
}

static inline int tc_ring_attach(struct tc *c, uint32_t domid)
{
    return tc_ring_attach_token(c, domid, NULL);
}

static inline void tc_kick(struct tc *c)
{
    uint64_t one = 1;
    if (write(c->kick, &one, sizeof(one)) < 0)
        perror("kick");
}

/* Guest side: copy k bytes (k <= free space) into the request ring and
 * publish them, without a kick. */
static inline void tc_ring_put(struct tc *c, const char *p, size_t k)
{
    struct xenstore_domain_interface *in = c->intf;
    XENSTORE_RING_IDX prod = in->req_prod;
    for (size_t i = 0; i < k; i++)
        in->req[MASK_XENSTORE_IDX(prod + i)] = p[i];
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    in->req_prod = prod + (XENSTORE_RING_IDX)k;
}

/* Guest side: push bytes into the request ring, waiting for space. */
static inline int tc_ring_send(struct tc *c, const char *p, size_t n)
{
    struct xenstore_domain_interface *in = c->intf;
    int spins = 0;
    while (n) {
        XENSTORE_RING_IDX prod = in->req_prod;
        size_t space = XENSTORE_RING_SIZE - (prod - in->req_cons);
        size_t k = n < space ? n : space;
        if (!k) {
            struct pollfd pf = { c->notify, POLLIN, 0 };
            uint64_t v;
            if (++spins > 200)
                return -1;
            poll(&pf, 1, 10);
            if (read(c->notify, &v, sizeof(v)) < 0) { /* nothing */ }
            continue;
        }
        tc_ring_put(c, p, k);
        tc_kick(c);
        p += k;
        n -= k;
    }
    return 0;
}

static inline int tc_ring_recv(struct tc *c, char *p, size_t n, int ms)
{
    struct xenstore_domain_interface *in = c->intf;
    while (n) {
        XENSTORE_RING_IDX cons = in->rsp_cons;
        size_t avail = in->rsp_prod - cons;
        size_t k = n < avail ? n : avail;
        if (!k) {
            struct pollfd pf = { c->notify, POLLIN, 0 };
            uint64_t v;
            if (ms <= 0 || poll(&pf, 1, 10) < 0)
                return -1;
            ms -= 10;
            if (read(c->notify, &v, sizeof(v)) < 0) { /* nothing */ }
            continue;
        }
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        for (size_t i = 0; i < k; i++)
            p[i] = in->rsp[MASK_XENSTORE_IDX(cons + i)];
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        in->rsp_cons = cons + (XENSTORE_RING_IDX)k;
        tc_kick(c);
        p += k;
        n -= k;
    }
    return 0;
}

static inline int tc_send(struct tc *c, const void *p, size_t n)
{
    if (c->fd < 0)
        return tc_ring_send(c, p, n);
    return send(c->fd, p, n, MSG_NOSIGNAL) == (ssize_t)n ? 0 : -1;
}

static inline int tc_recv(struct tc *c, void *p, size_t n, int ms)
{
    if (c->fd < 0)
        return tc_ring_recv(c, p, n, ms);
    struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    return recv(c->fd, p, n, MSG_WAITALL) == (ssize_t)n ? 0 : -1;
}

/* Read one message into c->hdr/c->body. */
static inline int tc_read_msg(struct tc *c, int ms)
{
    if (tc_recv(c, &c->hdr, sizeof(c->hdr), ms) ||
        c->hdr.len > XENSTORE_PAYLOAD_MAX ||
        tc_recv(c, c->body, c->hdr.len, ms))
        return -1;
    c->body[c->hdr.len] = 0;
    return 0;
}

static inline void tc_note_event(struct tc *c)
{
    c->events++;
    memcpy(c->last_event, c->body, c->hdr.len + 1);
}

/* Send a request and wait for its reply; watch events seen meanwhile are
 * counted.  Returns 0 with the reply in c->body, a positive errno for an
 * XS_ERROR reply, or -1 for a transport failure. */
static inline int tc_req(struct tc *c, uint32_t type, uint32_t tx,
                         const void *payload, uint32_t len)
{
    struct xsd_sockmsg h = { type, ++c->req_id, tx, len };
    char buf[sizeof(h) + XENSTORE_PAYLOAD_MAX];
    if (len > XENSTORE_PAYLOAD_MAX)
        return -1;
    memcpy(buf, &h, sizeof(h));
    memcpy(buf + sizeof(h), payload, len);
    if (tc_send(c, buf, sizeof(h) + len))
        return -1;
    for (;;) {
        if (tc_read_msg(c, 5000))
            return -1;
        if (c->hdr.type == XS_WATCH_EVENT) {
            tc_note_event(c);
            continue;
        }
        if (c->hdr.req_id != h.req_id)
            return -1;
        if (c->hdr.type == XS_ERROR) {
            for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(*xsd_errors); i++)
                if (!strcmp(c->body, xsd_errors[i].errstring))
                    return xsd_errors[i].errnum;
            return EIO;
        }
        return c->hdr.type == type ? 0 : -1;
    }
}

/* Wait for one watch event (already received or arriving). */
static inline int tc_wait_event(struct tc *c, int ms)
{
    if (c->events > 0) {
        c->events--;
        return 0;
    }
    if (tc_read_msg(c, ms) || c->hdr.type != XS_WATCH_EVENT)
        return -1;
    memcpy(c->last_event, c->body, c->hdr.len + 1);
    return 0;
}

static inline int tc_str(struct tc *c, uint32_t type, uint32_t tx,
                         const char *s)
{
    return tc_req(c, type, tx, s, (uint32_t)strlen(s) + 1);
}

static inline int tc_two(struct tc *c, uint32_t type, uint32_t tx,
                         const char *a, const char *b)
{
    char buf[XENSTORE_PAYLOAD_MAX];
    size_t la = strlen(a) + 1, lb = strlen(b) + 1;
    memcpy(buf, a, la);
    memcpy(buf + la, b, lb);
    return tc_req(c, type, tx, buf, (uint32_t)(la + lb));
}

static inline int tc_write(struct tc *c, uint32_t tx, const char *path,
                           const char *val)
{
    char buf[XENSTORE_PAYLOAD_MAX];
    size_t lp = strlen(path) + 1, lv = strlen(val);
    memcpy(buf, path, lp);
    memcpy(buf + lp, val, lv);
    return tc_req(c, XS_WRITE, tx, buf, (uint32_t)(lp + lv));
}

static inline int tc_read(struct tc *c, uint32_t tx, const char *path)
{
    return tc_str(c, XS_READ, tx, path);
}

static inline void tc_close(struct tc *c)
{
    if (c->fd >= 0)
        close(c->fd);
    if (c->ctl >= 0)
        close(c->ctl);
    c->fd = c->ctl = -1;
}

/* Start xenstored (path in $XSD) in the foreground on $XENSTORED_RUNDIR
 * with the given db dir (NULL: --internal-db); wait for its sockets. */
static inline pid_t tc_start_daemon(const char *dbdir)
{
    char sock[512];
    pid_t pid = fork();
    if (pid == 0) {
        if (dbdir)
            execl(getenv("XSD"), "xenstored", "-N", "-D", dbdir, (char *)NULL);
        else
            execl(getenv("XSD"), "xenstored", "-N", "--internal-db",
                  (char *)NULL);
        _exit(127);
    }
    snprintf(sock, sizeof(sock), "%s/" XS_RING_SOCKET_NAME, tc_rundir());
    for (int i = 0; i < 200; i++) {
        int fd = tc_unix(XS_RING_SOCKET_NAME);
        if (fd >= 0) {
            close(fd);
            return pid;
        }
        usleep(20000);
    }
    return -1;
}

#endif
