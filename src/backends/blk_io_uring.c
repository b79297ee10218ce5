/* The io_uring engine (liburing): readv/writev/fsync/fallocate as SQEs,
 * queued during a ring pass and submitted with one io_uring_submit at
 * kick(); completions raise an eventfd the VMM's epoll loop watches.
 * BLKDISCARD has no io_uring opcode in the kernels we target, so discards
 * on block devices run inline (they are rare and bounded by the device). */
#include "backends/blk_io.h"

#include <errno.h>
#include <linux/falloc.h>
#include <liburing.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct uring_engine {
    struct blk_engine e;
    struct io_uring ring;
    unsigned queued;            /* SQEs not yet submitted */
    struct blk_io *done, **done_tail; /* finished inline, delivered at reap */
};

static void submit_queued(struct uring_engine *u)
{
    int n;

    while (u->queued) {
        n = io_uring_submit(&u->ring);
        if (n == -EINTR)
            continue;
        if (n <= 0)
            break;  /* -EBUSY: CQ overflow; reap frees room, kick again */
        u->queued -= (unsigned)n > u->queued ? u->queued : (unsigned)n;
        u->e.submits++;
    }
}

static struct io_uring_sqe *get_sqe(struct uring_engine *u)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

    if (!sqe) {                 /* SQ full: flush the batch so far */
        submit_queued(u);
        sqe = io_uring_get_sqe(&u->ring);
    }
    return sqe;
}

/* Inline work completes at the next reap, never inside submit. */
static void defer_done(struct uring_engine *u, struct blk_io *io, int res)
{
    io->next = NULL;
    io->res = res;
    *u->done_tail = io;
    u->done_tail = &io->next;
    u->e.inflight++;
    if (u->e.event_fd >= 0) {
        uint64_t one = 1;
        (void)!write(u->e.event_fd, &one, sizeof(one));
    }
}

static int uring_submit(struct blk_engine *e, struct blk_io *io)
{
    struct uring_engine *u = (struct uring_engine *)e;
    struct io_uring_sqe *sqe;

    if (io->op == BLK_IO_DISCARD && e->blockdev) {
        defer_done(u, io, blk_io_discard_now(e->fd, true, io->offset, io->len));
        return 0;
    }
    sqe = get_sqe(u);
    if (!sqe)
        return -EBUSY;
    switch (io->op) {
    case BLK_IO_READV:
        io_uring_prep_readv(sqe, e->fd, io->iov, io->iovcnt, io->offset);
        break;
    case BLK_IO_WRITEV:
        io_uring_prep_writev(sqe, e->fd, io->iov, io->iovcnt, io->offset);
        break;
    case BLK_IO_FDATASYNC:
        io_uring_prep_fsync(sqe, e->fd, IORING_FSYNC_DATASYNC);
        break;
    case BLK_IO_DISCARD:
        io_uring_prep_fallocate(sqe, e->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                                io->offset, io->len);
        break;
    default:
        return -EINVAL;
    }
    io_uring_sqe_set_data(sqe, io);
    u->queued++;
    e->inflight++;
    return 0;
}

static void reap_cqes(struct uring_engine *u)
{
    struct io_uring_cqe *cqe;

    while (io_uring_peek_cqe(&u->ring, &cqe) == 0) {
        struct blk_io *io = io_uring_cqe_get_data(cqe);
        int res = cqe->res;
        io_uring_cqe_seen(&u->ring, cqe);
        u->e.inflight--;
        u->e.complete(io, res);
    }
}

/* Submit the batch.  I/O served from the page cache is often complete by
 * the time io_uring_submit returns: deliver it now rather than after a
 * trip through the eventfd and the VMM's epoll loop.  (The eventfd still
 * fires; the reap it causes finds nothing.) */
static void uring_kick(struct blk_engine *e)
{
    struct uring_engine *u = (struct uring_engine *)e;

    submit_queued(u);
    e->kicks++;
    for (unsigned round = 0; round < 4 && e->inflight; round++) {
        unsigned before = e->inflight;
        reap_cqes(u);
        submit_queued(u);       /* follow-ups: a flush after a write */
        if (e->inflight == before)
            break;
    }
}

static void deliver_inline(struct uring_engine *u)
{
    while (u->done) {
        struct blk_io *io = u->done;
        int res = io->res;
        u->done = io->next;
        if (!u->done)
            u->done_tail = &u->done;
        u->e.inflight--;
        u->e.complete(io, res);
    }
}

static void uring_reap(struct blk_engine *e)
{
    struct uring_engine *u = (struct uring_engine *)e;
    uint64_t n;

    if (e->event_fd >= 0)
        (void)!read(e->event_fd, &n, sizeof(n));
    deliver_inline(u);
    reap_cqes(u);
    /* Completions may have queued follow-ups (a flush after a write). */
    submit_queued(u);
}

static void uring_drain(struct blk_engine *e)
{
    struct uring_engine *u = (struct uring_engine *)e;
    struct io_uring_cqe *cqe;

    while (e->inflight) {
        submit_queued(u);
        deliver_inline(u);
        if (!e->inflight)
            break;
        if (io_uring_wait_cqe(&u->ring, &cqe) < 0)
            continue;
        uring_reap(e);
    }
}

static void uring_destroy(struct blk_engine *e)
{
    struct uring_engine *u = (struct uring_engine *)e;

    io_uring_queue_exit(&u->ring);
    if (e->event_fd >= 0)
        close(e->event_fd);
    free(u);
}

static const struct blk_engine_ops uring_ops = {
    .submit = uring_submit,
    .kick = uring_kick,
    .reap = uring_reap,
    .drain = uring_drain,
    .destroy = uring_destroy,
};

struct blk_engine *blk_engine_uring_create(int fd, bool blockdev, unsigned depth,
                                           void (*complete)(struct blk_io *, int),
                                           int *err)
{
    struct uring_engine *u = calloc(1, sizeof(*u));
    int rc;

    if (!u) {
        *err = -ENOMEM;
        return NULL;
    }
    u->e = (struct blk_engine){ .ops = &uring_ops, .fd = fd, .blockdev = blockdev,
                                .complete = complete };
    u->done_tail = &u->done;
    /* Room in the CQ for every request that can be in flight (4 queues
     * of 512 slots), so completions never overflow. */
    struct io_uring_params prm = { .flags = IORING_SETUP_CQSIZE, .cq_entries = 4096 };
    rc = io_uring_queue_init_params(depth, &u->ring, &prm);
    if (rc < 0)
        goto fail;
    u->e.event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (u->e.event_fd < 0) {
        rc = -errno;
        io_uring_queue_exit(&u->ring);
        goto fail;
    }
    rc = io_uring_register_eventfd(&u->ring, u->e.event_fd);
    if (rc < 0) {
        uring_destroy(&u->e);
        *err = rc;
        return NULL;
    }
    return &u->e;
fail:
    free(u);
    *err = rc;
    return NULL;
}
