/* Connection servicing shared by sockets and rings: framing input into
 * requests with a per-round budget (fairness), dirty lists, deferred close. */
#include "io.h"

#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define IO_MSG_BUDGET 32

struct xs_daemon xsd;

static void io_output_cb(struct xs_conn *conn)
{
    io_mark_dirty(conn->io);
}

static void io_release_cb(struct xs_conn *conn)
{
    struct io_conn *ioc = conn->io;
    if (ioc && ioc->kind == IO_RING)
        ringio_close(ioc);
}

const struct xs_conn_ops io_conn_ops = {
    .output = io_output_cb,
    .release = io_release_cb,
};

void io_mark_dirty(struct io_conn *ioc)
{
    if (!ioc || ioc->dirty || ioc->closing)
        return;
    ioc->dirty = true;
    ioc->next_dirty = xsd.dirty;
    xsd.dirty = ioc;
}

void io_service(struct io_conn *ioc)
{
    if (ioc->closing)
        return;
    if (ioc->kind == IO_SOCKET)
        sockio_service(ioc);
    else
        ringio_service(ioc);
}

/* Service what became dirty; marks made meanwhile wait for the next round
 * (the main loop then polls with a zero timeout). */
void io_run_dirty(void)
{
    struct io_conn *list = xsd.dirty;
    xsd.dirty = NULL;
    while (list) {
        struct io_conn *ioc = list;
        list = ioc->next_dirty;
        ioc->dirty = false;
        io_service(ioc);
    }
}

static const char *const type_names[XS_TYPE_COUNT] = {
    [XS_CONTROL] = "CONTROL", [XS_DIRECTORY] = "DIRECTORY",
    [XS_READ] = "READ", [XS_GET_PERMS] = "GET_PERMS", [XS_WATCH] = "WATCH",
    [XS_UNWATCH] = "UNWATCH", [XS_TRANSACTION_START] = "TRANSACTION_START",
    [XS_TRANSACTION_END] = "TRANSACTION_END", [XS_INTRODUCE] = "INTRODUCE",
    [XS_RELEASE] = "RELEASE", [XS_GET_DOMAIN_PATH] = "GET_DOMAIN_PATH",
    [XS_WRITE] = "WRITE", [XS_MKDIR] = "MKDIR", [XS_RM] = "RM",
    [XS_SET_PERMS] = "SET_PERMS", [XS_WATCH_EVENT] = "WATCH_EVENT",
    [XS_ERROR] = "ERROR", [XS_IS_DOMAIN_INTRODUCED] = "IS_DOMAIN_INTRODUCED",
    [XS_RESUME] = "RESUME", [XS_SET_TARGET] = "SET_TARGET",
    [XS_RESET_WATCHES] = "RESET_WATCHES",
    [XS_DIRECTORY_PART] = "DIRECTORY_PART",
};

void io_trace(struct io_conn *ioc, const char *dir,
              const struct xsd_sockmsg *h, const char *body)
{
    char text[81];
    size_t n = h->len < 80 ? h->len : 80;
    const char *name = h->type < XS_TYPE_COUNT && type_names[h->type]
                           ? type_names[h->type] : "?";
    if (!xsd.trace)
        return;
    for (size_t i = 0; i < n; i++)
        text[i] = body[i] >= 32 && body[i] < 127 ? body[i] : ' ';
    text[n] = 0;
    fprintf(xsd.trace, "%s dom%u %p %s (req %u tx %u len %u) %s\n", dir,
            ioc->conn ? ioc->conn->domid : 0, (void *)ioc, name, h->req_id,
            h->tx_id, h->len, text);
    fflush(xsd.trace);
}

/* Trace a reply or event when its first byte is about to leave. */
void io_trace_out(struct io_conn *ioc)
{
    struct xs_msgbuf *m = ioc->conn->out_head;
    struct xsd_sockmsg h;
    if (!xsd.trace || !m || m->off)
        return;
    memcpy(&h, m->data, sizeof(h));
    io_trace(ioc, "OUT", &h, m->data + sizeof(h));
}

static void io_protocol_error(struct io_conn *ioc)
{
    log_warn("dom%u: malformed message (length beyond the payload maximum)",
             ioc->conn->domid);
    if (ioc->kind == IO_RING) {
        ioc->broken = true;
        ioc->intf->error = XENSTORE_ERROR_PROTO;
    } else {
        ioc->closing = true;
    }
}

/* Pull bytes with fill() and run complete requests, at most IO_MSG_BUDGET
 * per round so one client cannot starve the others. */
void io_process_input(struct io_conn *ioc, int (*fill)(struct io_conn *))
{
    int budget = IO_MSG_BUDGET;

    while (!ioc->closing && !ioc->broken && conn_may_read(ioc->conn)) {
        size_t used;
        int rc;
        if (budget == 0) {
            io_mark_dirty(ioc);
            return;
        }
        if (ioc->in_off == ioc->in_len) {
            ioc->in_off = ioc->in_len = 0;
            if (fill(ioc) <= 0)
                return;
        }
        rc = framer_feed(&ioc->fr, ioc->inbuf + ioc->in_off,
                         ioc->in_len - ioc->in_off, &used);
        ioc->in_off += used;
        if (rc < 0) {
            io_protocol_error(ioc);
            return;
        }
        if (rc == XS_FRAME_DONE) {
            io_trace(ioc, "IN ", &ioc->fr.hdr, ioc->fr.body);
            log_debug("dom%u: request type %u len %u", ioc->conn->domid,
                      ioc->fr.hdr.type, ioc->fr.hdr.len);
            xs_core_request(&xsd.core, ioc->conn, &ioc->fr.hdr, ioc->fr.body);
            budget--;
        }
    }
}

static int spare_fd = -1;
static unsigned shed_logged;

/* Keep one descriptor in reserve for io_shed_connection. */
void io_reserve_fd(void)
{
    if (spare_fd < 0)
        spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

/* Out of file descriptors, a pending connection would keep the listener
 * readable forever: give up the spare fd to accept and drop it. */
static void io_shed_connection(int lfd)
{
    int fd;
    if (spare_fd >= 0)
        close(spare_fd);
    spare_fd = -1;
    fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (fd >= 0)
        close(fd);
    io_reserve_fd();
    if (!shed_logged++) /* once, not once per connection */
        log_warn("out of file descriptors: refusing connections");
}

/* Accept a connection on a listening socket and register it: `main`
 * becomes the socket (kind IO_SOCKET) or the ring's attach channel. */
struct io_conn *io_accept(int lfd, enum io_kind kind,
                          void (*cb)(struct ev *, uint32_t))
{
    struct io_conn *ioc;
    struct ev *main_ev;
    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

    if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE)
            io_shed_connection(lfd);
        return NULL;
    }
    shed_logged = 0;
    ioc = calloc(1, sizeof(*ioc));
    if (!ioc) {
        close(fd);
        return NULL;
    }
    ioc->kind = kind;
    ioc->ev.fd = ioc->ctl.fd = ioc->notify_fd = -1;
    main_ev = kind == IO_SOCKET ? &ioc->ev : &ioc->ctl;
    main_ev->fd = fd;
    main_ev->cb = cb;
    if (loop_add(main_ev, EPOLLIN))
        ioc->closing = true;
    ioc->peer_trusted = io_peer_trusted(fd);
    ioc->next = xsd.conns;
    xsd.conns = ioc;
    return ioc;
}

/* Root, or our own uid (which could replace this daemon anyway), is
 * domain 0; any other peer proves who it serves with a token. */
bool io_peer_trusted(int fd)
{
    struct ucred cr;
    socklen_t len = sizeof(cr);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) || len != sizeof(cr))
        return false;
    return cr.uid == 0 || cr.uid == geteuid();
}

void io_destroy(struct io_conn *ioc)
{
    loop_del(&ioc->ev);
    if (ioc->ev.fd >= 0)
        close(ioc->ev.fd);
    if (ioc->kind == IO_RING) {
        loop_del(&ioc->ctl);
        if (ioc->ctl.fd >= 0)
            close(ioc->ctl.fd);
        if (ioc->notify_fd >= 0)
            close(ioc->notify_fd);
        if (ioc->map)
            munmap(ioc->map, ioc->maplen);
    }
    conn_free(ioc->conn);
    free(ioc);
}

/* Free connections marked closing; never in the middle of a request. */
void io_reap(void)
{
    struct io_conn **pp = &xsd.conns;
    while (*pp) {
        struct io_conn *ioc = *pp;
        if (!ioc->closing) {
            pp = &ioc->next;
            continue;
        }
        *pp = ioc->next;
        for (struct io_conn **d = &xsd.dirty; *d; d = &(*d)->next_dirty) {
            if (*d == ioc) {
                *d = ioc->next_dirty;
                break;
            }
        }
        io_destroy(ioc);
    }
}
