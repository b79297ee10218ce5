/* Response coalescing.  Each round of completions is pushed to the guest
 * at once, but a round of only a few completions while many requests are
 * still in flight is held back: more completions are about to arrive, and
 * every push that crosses rsp_event costs the guest an interrupt.  Held
 * responses go out when BLK_COALESCE of them are waiting, when fewer than
 * BLK_COALESCE requests remain in flight (nothing much left to wait for:
 * QD1 latency is never touched), or when a BLK_COALESCE_US timer fires.
 *
 * The VMM watches one fd per disk: an epoll set holding the engine's
 * completion eventfd and that timer. */
#include "backends/blkback_int.h"

#include <errno.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define BLK_COALESCE 8
#define BLK_COALESCE_US 50

static int watch(int ep, int fd)
{
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

int blk_coalesce_init(struct blkback *b)
{
    int rc;

    b->io_fd = b->timer_fd = -1;
    if (b->engine->event_fd < 0)
        return 0;               /* the sync engine completes inline */
    b->io_fd = epoll_create1(EPOLL_CLOEXEC);
    b->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (b->io_fd < 0 || b->timer_fd < 0)
        return -errno;
    rc = watch(b->io_fd, b->engine->event_fd);
    return rc ? rc : watch(b->io_fd, b->timer_fd);
}

void blk_coalesce_fini(struct blkback *b)
{
    if (b->io_fd >= 0)
        close(b->io_fd);
    if (b->timer_fd >= 0)
        close(b->timer_fd);
    b->io_fd = b->timer_fd = -1;
}

/* The timer fired since we last looked (and is disarmed by reading). */
bool blk_coalesce_expired(struct blkback *b)
{
    uint64_t n;

    if (b->timer_fd < 0 || !b->timer_armed)
        return false;
    if (read(b->timer_fd, &n, sizeof(n)) != sizeof(n))
        return false;
    b->timer_armed = false;
    return true;
}

static void arm(struct blkback *b)
{
    struct itimerspec t = { .it_value = { .tv_nsec = BLK_COALESCE_US * 1000 } };

    if (b->timer_armed || b->timer_fd < 0)
        return;
    if (timerfd_settime(b->timer_fd, 0, &t, NULL) == 0)
        b->timer_armed = true;
}

static bool hold(const struct blkback *b, const struct blk_queue *q)
{
    return b->timer_fd >= 0 && q->unpushed < BLK_COALESCE &&
           q->inflight >= BLK_COALESCE;
}

void blk_push_round(struct blkback *b, bool force)
{
    bool held = false;

    for (unsigned i = 0; i < b->max_queues; i++) {
        struct blk_queue *q = &b->q[i];
        if (!q->connected || !q->unpushed)
            continue;
        if (!force && hold(b, q)) {
            held = true;
            continue;
        }
        blk_queue_push(q);
    }
    if (held)
        arm(b);
}
