/* The VMM's I/O thread: console input (stdin, `xm console` clients),
 * xend's control socket, xenstored notifications, and signals. */
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
#include "xeno/vmm_control.h"

enum { SRC_WAKE, SRC_SIGNAL, SRC_STDIN, SRC_CON_LISTEN, SRC_CON_CLIENT,
       SRC_CTL_LISTEN, SRC_CTL_CLIENT, SRC_STORE };

struct source {
    int kind;
    int fd;
    char buf[512];   /* control clients: partial line */
    size_t len;
};

static int ep = -1;
static struct source *con_client; /* the attached `xm console`, if any */

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
    free(con_client);
    con_client = NULL;
    conout_set_client(-1);
}

static void unwatch(struct source *s)
{
    epoll_ctl(ep, EPOLL_CTL_DEL, s->fd, NULL);
    close(s->fd);
    free(s);
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

static void on_control(struct vm *vm, struct source *s)
{
    ssize_t n = read(s->fd, s->buf + s->len, sizeof(s->buf) - 1 - s->len);
    char *nl;

    if (n <= 0) {
        unwatch(s);
        return;
    }
    s->len += (size_t)n;
    s->buf[s->len] = '\0';
    while ((nl = strchr(s->buf, '\n'))) {
        char reply[1024];
        *nl = '\0';
        control_handle(vm, s->buf, reply, sizeof(reply));
        if (write(s->fd, reply, strlen(reply)) < 0) {
            /* client gone; EOF will follow */
        }
        s->len -= (size_t)(nl + 1 - s->buf);
        memmove(s->buf, nl + 1, s->len + 1);
    }
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
    }
}

static int setup_sources(struct vm *vm)
{
    sigset_t set;
    int fd;

    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
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

int ioloop_run(struct vm *vm)
{
    struct epoll_event evs[16];
    uint64_t last_watchdog = vm_now_ns();
    int rc;

    ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0)
        return -errno;
    rc = setup_sources(vm);
    if (rc)
        return rc;
    for (;;) {
        pthread_mutex_lock(&vm->state_lock);
        bool stop = vm->stopping;
        pthread_mutex_unlock(&vm->state_lock);
        if (stop)
            break;
        int n = epoll_wait(ep, evs, 16, UPCALL_WATCHDOG_MS);
        for (int i = 0; i < n; i++)
            dispatch(vm, evs[i].data.ptr);
        uint64_t now = vm_now_ns();
        if (now - last_watchdog >= UPCALL_WATCHDOG_MS * 1000000ull) {
            last_watchdog = now;
            vm->upcalls_reasserted += hv_upcall_watchdog(&vm->dom);
        }
    }
    if (vm->cfg.control_path)
        unlink(vm->cfg.control_path);
    if (vm->cfg.console_socket)
        unlink(vm->cfg.console_socket);
    return 0;
}
