/* A small epoll loop: each registered fd carries its callback. */
#include "io.h"

#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

static int epfd = -1;

int loop_init(void)
{
    epfd = epoll_create1(EPOLL_CLOEXEC);
    return epfd < 0 ? -errno : 0;
}

int loop_add(struct ev *ev, uint32_t events)
{
    struct epoll_event e = { .events = events, .data.ptr = ev };
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, ev->fd, &e))
        return -errno;
    ev->mask = events;
    return 0;
}

int loop_mod(struct ev *ev, uint32_t events)
{
    struct epoll_event e = { .events = events, .data.ptr = ev };
    if (ev->mask == events)
        return 0;
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, ev->fd, &e))
        return -errno;
    ev->mask = events;
    return 0;
}

void loop_del(struct ev *ev)
{
    if (ev->fd >= 0)
        epoll_ctl(epfd, EPOLL_CTL_DEL, ev->fd, NULL);
}

int loop_wait(int timeout_ms)
{
    struct epoll_event evs[64];
    int n = epoll_wait(epfd, evs, 64, timeout_ms);
    if (n < 0)
        return errno == EINTR ? 0 : -errno;
    for (int i = 0; i < n; i++) {
        struct ev *ev = evs[i].data.ptr;
        ev->cb(ev, evs[i].events);
    }
    return n;
}
