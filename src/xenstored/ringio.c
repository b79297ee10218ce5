/* Guest rings, attached by the VMM over ${XENSTORED_RUNDIR}/rings as
 * src/include/xeno/xs_ring.h describes: one struct xs_ring_attach plus
 * three fds (memfd with the ring page, kick eventfd, notify eventfd). */
#include "io.h"

#include "common/log.h"
#include "xeno/xs_ring.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define RING_PAGE 4096u
#define DOMID_FIRST_RESERVED_ 0x7ff0u

static struct ev ring_listener;

static void ring_mark_broken(struct io_conn *ioc, uint32_t why)
{
    if (!ioc->broken)
        log_warn("dom%u: ring broken (error %u), no longer served",
                 ioc->domid, why);
    ioc->broken = true;
    ioc->intf->error = why;
}

static int ring_fill(struct io_conn *ioc)
{
    size_t avail, take, got;
    const struct xs_framer *fr = &ioc->fr;

    if (ring_req_avail(ioc->intf, &avail)) {
        ring_mark_broken(ioc, XENSTORE_ERROR_RINGIDX);
        return -1;
    }
    take = ring_take(ioc->intf, avail, fr->have,
                     sizeof(fr->hdr) + (size_t)fr->hdr.len);
    if (take > sizeof(ioc->inbuf))
        take = sizeof(ioc->inbuf);
    if (!take)
        return 0;
    if (ring_read_req(ioc->intf, ioc->inbuf, take, &got)) {
        ring_mark_broken(ioc, XENSTORE_ERROR_RINGIDX);
        return -1;
    }
    ioc->in_len = got;
    ioc->consumed |= got > 0;
    return got ? 1 : 0;
}

static bool ring_flush(struct io_conn *ioc)
{
    const char *data;
    size_t len, put;
    bool moved = false;
    if (ioc->conn->out_head)
        xs_core_sync(&xsd.core); /* nothing leaves before it is durable */
    while (!ioc->broken && (len = conn_peek_out(ioc->conn, &data)) > 0) {
        io_trace_out(ioc);
        if (ring_write_rsp(ioc->intf, data, len, &put)) {
            ring_mark_broken(ioc, XENSTORE_ERROR_RINGIDX);
            break;
        }
        if (!put)
            break;
        moved = true;
        conn_consume_out(ioc->conn, put);
    }
    return moved;
}

/* The guest asked to reconnect (XENSTORE_SERVER_FEATURE_RECONNECTION):
 * forget its watches and transactions, reset the ring. */
static void ring_reconnect(struct io_conn *ioc)
{
    struct xenstore_domain_interface *intf = ioc->intf;
    conn_reset(ioc->conn);
    conn_drop_out(ioc->conn);
    framer_reset(&ioc->fr);
    ioc->in_off = ioc->in_len = 0;
    ioc->broken = false;
    intf->req_cons = intf->req_prod = 0;
    intf->rsp_cons = intf->rsp_prod = 0;
    intf->error = XENSTORE_ERROR_NONE;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    intf->connection = XENSTORE_CONNECTED;
}

static void ring_notify(struct io_conn *ioc)
{
    uint64_t one = 1;
    if (write(ioc->notify_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
        log_warn("dom%u: notify eventfd: %s", ioc->domid, strerror(errno));
}

/* Returns false when the ring is not to be served now. */
static bool ring_check(struct io_conn *ioc)
{
    struct xenstore_domain_interface *intf = ioc->intf;
    if (!intf || ioc->closing)
        return false;
    if (*(volatile uint32_t *)&intf->connection == XENSTORE_RECONNECT) {
        ring_reconnect(ioc);
        ring_notify(ioc);
        return false;
    }
    return !ioc->broken;
}

/* Linux's xenbus notifies only when we had consumed everything it wrote
 * before (xb_write: "prod <= req_cons"), so a message we leave in the ring
 * until it is complete (see ring_take) can complete without a kick: remember
 * that such a ring must be looked at again soon. */
static void ring_note_partial(struct io_conn *ioc)
{
    size_t avail = 0;

    ioc->partial = !ioc->broken && !ioc->closing &&
                   ring_req_avail(ioc->intf, &avail) == XS_RING_OK && avail > 0;
}

/* Whether a ring holds part of a message (the main loop then wakes within
 * 1 ms); with mark, queue those rings to be served again. */
bool ringio_poll_partial(bool mark)
{
    bool any = false;

    for (struct io_conn *c = xsd.conns; c; c = c->next)
        if (c->kind == IO_RING && c->partial && c->intf) {
            if (mark)
                io_mark_dirty(c);
            any = true;
        }
    return any;
}

void ringio_service(struct io_conn *ioc)
{
    bool moved;

    if (!ring_check(ioc))
        return;
    moved = ring_flush(ioc);
    io_process_input(ioc, ring_fill);
    moved |= ring_flush(ioc);
    if (moved || ioc->consumed)
        ring_notify(ioc);
    ioc->consumed = false;
    ring_note_partial(ioc);
}

void ringio_close(struct io_conn *ioc)
{
    ioc->closing = true;
}

/* Like sockets: run requests now, reply after the loop's journal sync. */
static void ring_kick(struct ev *ev, uint32_t events)
{
    struct io_conn *ioc = (struct io_conn *)ev;
    uint64_t v;
    (void)events;
    if (read(ev->fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
        ioc->closing = true;
    if (ring_check(ioc))
        io_process_input(ioc, ring_fill);
    ring_note_partial(ioc);
    io_mark_dirty(ioc);
}

static int ring_map(struct io_conn *ioc, int memfd, uint64_t off)
{
    struct stat st;
    long pg = sysconf(_SC_PAGESIZE);
    uint64_t base = off & ~((uint64_t)pg - 1);
    size_t len = (size_t)(off - base) + RING_PAGE;
    void *m;

    if (fstat(memfd, &st) || off > UINT64_MAX - RING_PAGE ||
        (uint64_t)st.st_size < off + RING_PAGE)
        return -EINVAL;
    m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, memfd,
             (off_t)base);
    if (m == MAP_FAILED)
        return -errno;
    ioc->map = m;
    ioc->maplen = len;
    ioc->intf = (void *)((char *)m + (off - base));
    return 0;
}

_Static_assert(XS_RING_TOKEN_LEN > XS_TOKEN_MAX, "ring token field too short");

/* A token names the one domain it may attach; no token: trusted peers. */
static int ring_authorise(struct io_conn *ioc, const struct xs_ring_attach *a,
                          const char *tok)
{
    uint32_t domid;
    if (tok[0])
        return ident_claim(&xsd.core, tok, XS_TOK_RING, a->domid, &domid);
    return ioc->peer_trusted ? 0 : -EACCES;
}

static int ring_attach(struct io_conn *ioc, const struct xs_ring_attach *a,
                       const char *tok, int fds[3])
{
    struct xs_domain *d;
    int rc;

    if (a->magic != XS_RING_ATTACH_MAGIC ||
        a->domid == 0 || a->domid >= DOMID_FIRST_RESERVED_)
        return -EINVAL;
    d = domain_find(&xsd.core, a->domid);
    if (d && d->conn)
        return -EBUSY;
    rc = ring_authorise(ioc, a, tok);
    if (rc)
        return rc;
    rc = ring_map(ioc, fds[0], a->page_offset);
    if (rc)
        return rc;
    ioc->conn = conn_new(&xsd.core, a->domid, false, &io_conn_ops, ioc);
    if (!ioc->conn)
        return -ENOMEM;
    ioc->domid = a->domid;
    ioc->ev.fd = fds[1];
    ioc->notify_fd = fds[2];
    fds[1] = fds[2] = -1;
    fcntl(ioc->ev.fd, F_SETFL, O_NONBLOCK);
    fcntl(ioc->notify_fd, F_SETFL, O_NONBLOCK);
    if (loop_add(&ioc->ev, EPOLLIN))
        return -errno;
    rc = domain_introduce(&xsd.core, a->domid, a->gfn, a->port);
    if (rc)
        return rc;
    xs_core_commit(&xsd.core);
    xs_core_sync(&xsd.core); /* the answer below acknowledges it */
    domain_find(&xsd.core, a->domid)->conn = ioc->conn;
    ioc->intf->server_features = XENSTORE_SERVER_FEATURE_RECONNECTION |
                                 XENSTORE_SERVER_FEATURE_ERROR;
    log_info("dom%u: ring attached (port %u, gfn %#llx)", a->domid, a->port,
             (unsigned long long)a->gfn);
    io_mark_dirty(ioc); /* serve whatever waited while we were away */
    return 0;
}

/* Version 1 (no token) or 2 (token): the size must match the version. */
static int ring_check_msg(struct xs_ring_attach_token *m, size_t n)
{
    if (n == sizeof(m->a) && m->a.version == XS_RING_ATTACH_VERSION) {
        m->token[0] = 0;
        return 0;
    }
    if (n == sizeof(*m) && m->a.version == XS_RING_ATTACH_VERSION_TOKEN &&
        memchr(m->token, 0, sizeof(m->token)))
        return 0;
    return -EINVAL;
}

static int ring_recv_attach(int fd, struct xs_ring_attach_token *a,
                            int fds[3])
{
    char cbuf[CMSG_SPACE(3 * sizeof(int))];
    struct iovec iov = { a, sizeof(*a) };
    struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
                         .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
    struct cmsghdr *cm;
    ssize_t n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);

    if (n == 0)
        return -EPIPE;
    if (n < 0)
        return errno == EAGAIN ? -EAGAIN : -errno;
    for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
        size_t nfd;
        if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
            continue;
        nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        memcpy(fds, CMSG_DATA(cm), (nfd < 3 ? nfd : 3) * sizeof(int));
        for (size_t i = 3; i < nfd; i++)
            close(((int *)CMSG_DATA(cm))[i]);
        if (nfd != 3 || (mh.msg_flags & (MSG_CTRUNC | MSG_TRUNC)))
            return -EINVAL;
        return ring_check_msg(a, (size_t)n);
    }
    return -EINVAL;
}

static void ring_ctl_event(struct ev *ev, uint32_t events)
{
    struct io_conn *ioc = (struct io_conn *)((char *)ev -
                                             offsetof(struct io_conn, ctl));
    struct xs_ring_attach_token a;
    int fds[3] = { -1, -1, -1 };
    int32_t rc;
    char drain[64];

    (void)events;
    if (ioc->intf) { /* attached: only EOF matters */
        ssize_t n = read(ev->fd, drain, sizeof(drain));
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            log_info("dom%u: VMM gone, ring detached", ioc->domid);
            ringio_close(ioc);
        }
        return;
    }
    rc = ring_recv_attach(ev->fd, &a, fds);
    if (rc == -EAGAIN)
        return;
    if (!rc)
        rc = ring_attach(ioc, &a.a, a.token, fds);
    for (int i = 0; i < 3; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    if (rc != -EPIPE && send(ev->fd, &rc, sizeof(rc), MSG_NOSIGNAL) < 0)
        rc = -EPIPE;
    if (rc && rc != -EPIPE)
        log_warn("ring attach refused: %s", strerror(-rc));
    if (rc)
        ioc->closing = true;
}

static void ring_accept(struct ev *ev, uint32_t events)
{
    struct io_conn *ioc = io_accept(ev->fd, IO_RING, ring_ctl_event);
    (void)events;
    if (ioc)
        ioc->ev.cb = ring_kick;
}

int ring_listen(const char *rundir)
{
    int fd = sock_bind(rundir, XS_RING_SOCKET_NAME, 0600);
    if (fd < 0) {
        log_err("cannot listen on %s/" XS_RING_SOCKET_NAME ": %s", rundir,
                strerror(-fd));
        return fd;
    }
    ring_listener.fd = fd;
    ring_listener.cb = ring_accept;
    return loop_add(&ring_listener, EPOLLIN);
}
