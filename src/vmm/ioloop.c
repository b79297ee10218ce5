/* The VMM's I/O thread: console input (stdin, `xm console` clients),
 * xend's control socket (with fds passed by SCM_RIGHTS), xenstored
 * notifications, signals, and the backends' fds (ioloop_add). */
#include "vmm/vm.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"
#include "vmm/control.h"
#include "vmm/vbd.h"
#include "vmm/vif.h"
#include "xeno/vmm_control.h"

enum { SRC_WAKE, SRC_SIGNAL, SRC_STDIN, SRC_CON_LISTEN, SRC_CON_CLIENT,
       SRC_CTL_LISTEN, SRC_CTL_CLIENT, SRC_STORE, SRC_BACKEND };

#define CTL_MAX_FDS 4

struct source {
    int kind;
    int fd;
    char buf[512];   /* control clients: partial line */
    size_t len;
    int fds[CTL_MAX_FDS]; /* control clients: fds received, not yet used */
    unsigned nfds;
    ioloop_fn fn;    /* SRC_BACKEND */
    void *opaque;
    struct source *next; /* every allocated source, freed at exit */
};

static int ep = -1;
static struct source *con_client; /* the attached `xm console`, if any */
static struct source *sources;    /* allocated ones (not backend_src) */

static void source_free(struct source *s)
{
    for (struct source **p = &sources; *p; p = &(*p)->next)
        if (*p == s) {
            *p = s->next;
            break;
        }
    free(s);
}

/* Backend sources are never freed, only emptied, so that an event already
 * fetched in the same epoll batch never touches freed memory. */
#define MAX_BACKEND_FDS 64
static struct source backend_src[MAX_BACKEND_FDS];

static int ioloop_init(void)
{
    if (ep < 0)
        ep = epoll_create1(EPOLL_CLOEXEC);
    return ep < 0 ? -errno : 0;
}

int ioloop_add(int fd, ioloop_fn fn, void *opaque)
{
    struct epoll_event ev = { .events = EPOLLIN };
    int rc = ioloop_init();

    if (rc)
        return rc;
    for (unsigned i = 0; i < MAX_BACKEND_FDS; i++) {
        struct source *s = &backend_src[i];
        if (s->fn)
            continue;
        *s = (struct source){ .kind = SRC_BACKEND, .fd = fd, .fn = fn, .opaque = opaque };
        ev.data.ptr = s;
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
            s->fn = NULL;
            return -errno;
        }
        return 0;
    }
    return -ENOSPC;
}

void ioloop_del(int fd)
{
    for (unsigned i = 0; i < MAX_BACKEND_FDS; i++)
        if (backend_src[i].fn && backend_src[i].fd == fd) {
            epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
            backend_src[i].fn = NULL;
        }
}

#define UPCALL_WATCHDOG_MS 20

static struct source *watch_source(int kind, int fd)
{
    struct source *s = calloc(1, sizeof(*s));
    struct epoll_event ev = { .events = EPOLLIN };

    if (!s)
        return NULL;
    s->kind = kind;
    s->fd = fd;
    ev.data.ptr = s;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
        free(s);
        return NULL;
    }
    s->next = sources;
    sources = s;
    return s;
}

static int watch(int kind, int fd)
{
    return watch_source(kind, fd) ? 0 : -errno;
}

/* Detach the console client: out of epoll first, then closed (by conout,
 * which owns the fd) so its number cannot be reused under a live source. */
static void drop_console_client(void)
{
    if (!con_client)
        return;
    epoll_ctl(ep, EPOLL_CTL_DEL, con_client->fd, NULL);
    source_free(con_client);
    con_client = NULL;
    conout_set_client(-1);
}

static void drop_fds(struct source *s)
{
    for (unsigned i = 0; i < s->nfds; i++)
        if (s->fds[i] >= 0)
            close(s->fds[i]);
    s->nfds = 0;
}

static void unwatch(struct source *s)
{
    epoll_ctl(ep, EPOLL_CTL_DEL, s->fd, NULL);
    drop_fds(s);
    close(s->fd);
    source_free(s);
}

static int listen_unix(const char *path)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    int fd;

    if (strlen(path) >= sizeof(a.sun_path))
        return -ENAMETOOLONG;
    strcpy(a.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -errno;
    unlink(path);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || chmod(path, 0600) < 0 ||
        listen(fd, 8) < 0) {
        int e = -errno;
        close(fd);
        return e;
    }
    return fd;
}

void vm_console_input(struct vm *vm, const char *buf, size_t len)
{
    if (vm->pvcon.page)
        console_backend_input(&vm->pvcon, buf, len);
    uart_input(buf, len);
}

static void on_store_notify(struct vm *vm, int fd)
{
    uint64_t n;
    if (read(fd, &n, sizeof(n)) == sizeof(n) && ++vm->store_notifies)
        hv_evtchn_set_pending(&vm->dom, vm->store_port);
}

/* Read what the client sent; file descriptors passed with it (SCM_RIGHTS)
 * queue up for the request line they came with.  Bytes read, or <= 0. */
static ssize_t recv_with_fds(struct source *s)
{
    char cbuf[CMSG_SPACE(CTL_MAX_FDS * sizeof(int))];
    struct iovec iov = { s->buf + s->len, sizeof(s->buf) - 1 - s->len };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
                          .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
    ssize_t n = recvmsg(s->fd, &msg, MSG_CMSG_CLOEXEC);

    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); n >= 0 && c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        unsigned nfd = (unsigned)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        for (unsigned i = 0; i < nfd; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
            if (s->nfds < CTL_MAX_FDS)
                s->fds[s->nfds++] = fd;
            else
                close(fd);
        }
    }
    return n;
}

static void on_control(struct vm *vm, struct source *s)
{
    ssize_t n = recv_with_fds(s);
    char *nl;

    if (n <= 0) {
        unwatch(s);
        return;
    }
    s->len += (size_t)n;
    s->buf[s->len] = '\0';
    while ((nl = strchr(s->buf, '\n'))) {
        char reply[8192];
        struct ctl_fds fds = { s->fds, s->nfds };
        *nl = '\0';
        control_handle(vm, s->buf, s->fd, &fds, reply, sizeof(reply));
        /* An empty reply is deferred: the command answers later. */
        if (reply[0] && write(s->fd, reply, strlen(reply)) < 0) {
            /* client gone; EOF will follow */
        }
        s->len -= (size_t)(nl + 1 - s->buf);
        memmove(s->buf, nl + 1, s->len + 1);
    }
    if (s->len == 0)
        drop_fds(s); /* fds no request took */
    if (s->len == sizeof(s->buf) - 1) /* a line that never ends */
        unwatch(s);
}

static void dispatch(struct vm *vm, struct source *s)
{
    char buf[512];
    ssize_t n;
    int fd;

    switch (s->kind) {
    case SRC_WAKE:
        if (read(s->fd, buf, 8) < 0) {
            /* only a wake-up: the loop re-checks the stop flag */
        }
        break;
    case SRC_STORE:
        on_store_notify(vm, s->fd);
        break;
    case SRC_SIGNAL: {
        struct signalfd_siginfo si;
        if (read(s->fd, &si, sizeof(si)) == sizeof(si)) {
            log_info("signal %u: destroying domain %u", si.ssi_signo, vm->cfg.domid);
            vm_request_stop(vm, XENO_EXIT_DESTROYED);
        }
        break;
    }
    case SRC_STDIN:
    case SRC_CON_CLIENT:
        n = read(s->fd, buf, sizeof(buf));
        if (n > 0)
            vm_console_input(vm, buf, (size_t)n);
        else if (s == con_client)
            drop_console_client();
        else
            unwatch(s);
        break;
    case SRC_CON_LISTEN:
        fd = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd >= 0) {
            drop_console_client(); /* a second client replaces the first */
            conout_set_client(fd);
            con_client = watch_source(SRC_CON_CLIENT, fd);
            if (!con_client)
                conout_set_client(-1);
        }
        break;
    case SRC_CTL_LISTEN:
        fd = accept4(s->fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd >= 0)
            watch(SRC_CTL_CLIENT, fd);
        break;
    case SRC_CTL_CLIENT:
        on_control(vm, s);
        break;
    case SRC_BACKEND:
        if (s->fn)
            s->fn(s->opaque);
        break;
    }
}

void ioloop_block_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, set, NULL);
}

static int setup_sources(struct vm *vm)
{
    sigset_t set;
    int fd;

    ioloop_block_signals(&set);
    fd = signalfd(-1, &set, SFD_CLOEXEC);
    if (fd < 0 || watch(SRC_SIGNAL, fd) || watch(SRC_WAKE, vm->wake_fd))
        return -errno;
    if (vm->cfg.stdio_console)
        watch(SRC_STDIN, STDIN_FILENO); /* fails harmlessly on /dev/null */
    if (vm->store_notify_fd >= 0)
        watch(SRC_STORE, vm->store_notify_fd);
    if (vm->cfg.console_socket) {
        fd = listen_unix(vm->cfg.console_socket);
        if (fd < 0 || watch(SRC_CON_LISTEN, fd)) {
            log_err("console socket %s: %s", vm->cfg.console_socket, strerror(-fd));
            return fd < 0 ? fd : -EIO;
        }
    }
    if (vm->cfg.control_path) {
        fd = listen_unix(vm->cfg.control_path);
        if (fd < 0 || watch(SRC_CTL_LISTEN, fd)) {
            log_err("control socket %s: %s", vm->cfg.control_path, strerror(-fd));
            return fd < 0 ? fd : -EIO;
        }
    }
    return 0;
}

int ioloop_prepare(struct vm *vm)
{
    static bool done;
    int rc = done ? 0 : ioloop_init();

    if (done || rc)
        return rc;
    rc = setup_sources(vm);
    done = rc == 0;
    return rc;
}

int ioloop_run(struct vm *vm)
{
    struct epoll_event evs[16];
    uint64_t last_watchdog = vm_now_ns();
    bool watchdog = !getenv("XENO_NO_UPCALL_WATCHDOG"); /* for bisecting */
    int rc;

    rc = ioloop_prepare(vm);
    if (rc)
        return rc;
    for (;;) {
        pthread_mutex_lock(&vm->state_lock);
        bool stop = vm->stopping, paused = vm->paused;
        pthread_mutex_unlock(&vm->state_lock);
        if (stop)
            break;
        int n = epoll_wait(ep, evs, 16, UPCALL_WATCHDOG_MS);
        for (int i = 0; i < n; i++)
            dispatch(vm, evs[i].data.ptr);
        vbd_tick(vm);
        vif_tick(vm);
        uint64_t now = vm_now_ns();
        vcpu_progress_tick(vm, now, paused);
        if (now - last_watchdog >= UPCALL_WATCHDOG_MS * 1000000ull && watchdog) {
            last_watchdog = now;
            vm->upcalls_reasserted += hv_upcall_watchdog(&vm->dom);
        }
    }
    while (sources) { /* the loop is over: nothing refers to them */
        drop_fds(sources);
        source_free(sources);
    }
    con_client = NULL;
    bool confined = vm->cfg.seccomp || vm->cfg.jail.on; /* xend removes them */
    if (vm->cfg.control_path && !confined)
        unlink(vm->cfg.control_path);
    if (vm->cfg.console_socket && !confined)
        unlink(vm->cfg.console_socket);
    return 0;
}
