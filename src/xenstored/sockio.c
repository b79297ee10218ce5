/* Unix-socket clients: `socket` (read-write) and `socket_ro` (read-only),
 * domain 0 when the peer is trusted (io_peer_trusted), else nobody until
 * it identifies with a backend token (ident.c). */
#include "io.h"

#include "common/log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

struct listener {
    struct ev ev;
    bool ro;
};

static struct listener listeners[2];

static int sock_fill(struct io_conn *ioc);

/* Run the requests now, send the replies after the loop's single journal
 * sync (io_run_dirty): commits from all ready clients share one fsync. */
static void sock_event(struct ev *ev, uint32_t events)
{
    struct io_conn *ioc = (struct io_conn *)ev;
    if (events & (EPOLLERR | EPOLLHUP) && !(events & EPOLLIN)) {
        ioc->closing = true;
        return;
    }
    if (events & EPOLLIN)
        io_process_input(ioc, sock_fill);
    io_mark_dirty(ioc);
}

static void sock_accept(struct ev *ev, uint32_t events)
{
    struct listener *l = (struct listener *)ev;
    struct io_conn *ioc = io_accept(ev->fd, IO_SOCKET, sock_event);
    (void)events;
    if (!ioc)
        return;
    ioc->conn = conn_new(&xsd.core, 0, l->ro, &io_conn_ops, ioc);
    if (!ioc->conn) {
        ioc->closing = true;
        return;
    }
    if (!ioc->peer_trusted)
        ioc->conn->ident = XS_ID_NONE;
}

static int sock_fill(struct io_conn *ioc)
{
    ssize_t n = read(ioc->ev.fd, ioc->inbuf, sizeof(ioc->inbuf));
    if (n > 0) {
        ioc->in_len = (size_t)n;
        return 1;
    }
    if (n == 0 || (errno != EAGAIN && errno != EINTR))
        ioc->closing = true;
    return 0;
}

static void sock_flush(struct io_conn *ioc)
{
    const char *data;
    size_t len;
    if (ioc->conn->out_head)
        xs_core_sync(&xsd.core); /* nothing leaves before it is durable */
    while (!ioc->closing && (len = conn_peek_out(ioc->conn, &data)) > 0) {
        io_trace_out(ioc);
        ssize_t n = send(ioc->ev.fd, data, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno != EAGAIN && errno != EINTR)
                ioc->closing = true;
            return;
        }
        conn_consume_out(ioc->conn, (size_t)n);
    }
}

void sockio_service(struct io_conn *ioc)
{
    uint32_t mask = 0;
    sock_flush(ioc);
    io_process_input(ioc, sock_fill);
    sock_flush(ioc);
    if (ioc->closing)
        return;
    if (conn_may_read(ioc->conn))
        mask |= EPOLLIN;
    if (ioc->conn->out_head)
        mask |= EPOLLOUT;
    loop_mod(&ioc->ev, mask);
}

int sock_bind(const char *dir, const char *name, mode_t mode)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    int fd;

    if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", dir,
                         name) >= sizeof(sa.sun_path))
        return -ENAMETOOLONG;
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    unlink(sa.sun_path);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
        chmod(sa.sun_path, mode) || listen(fd, 64)) {
        int e = -errno;
        close(fd);
        return e;
    }
    return fd;
}

int sock_listen_all(const char *rundir)
{
    static const char *const names[2] = { "socket", "socket_ro" };
    for (int i = 0; i < 2; i++) {
        int fd = sock_bind(rundir, names[i], i ? 0660 : 0600);
        if (fd < 0) {
            log_err("cannot listen on %s/%s: %s", rundir, names[i],
                    strerror(-fd));
            return fd;
        }
        listeners[i].ev.fd = fd;
        listeners[i].ev.cb = sock_accept;
        listeners[i].ro = i == 1;
        if (loop_add(&listeners[i].ev, EPOLLIN))
            return -errno;
    }
    return 0;
}
