/* The synchronous engine: queued I/O runs at kick() with preadv/pwritev/
 * fdatasync/fallocate and completes there.  For the unit tests and the
 * fuzzer (deterministic, no kernel ring); also the shared helpers. */
#include "backends/blk_io.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

struct sync_engine {
    struct blk_engine e;
    struct blk_io *head, **tail;
};

int blk_io_discard_now(int fd, bool blockdev, uint64_t offset, uint64_t len)
{
    if (blockdev) {
        uint64_t range[2] = { offset, len };
        return ioctl(fd, BLKDISCARD, range) < 0 ? -errno : 0;
    }
    if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                  (off_t)offset, (off_t)len) < 0)
        return -errno;
    return 0;
}

static int rw_all(int fd, const struct blk_io *io)
{
    ssize_t n;

    if (io->op == BLK_IO_READV)
        n = preadv(fd, io->iov, (int)io->iovcnt, (off_t)io->offset);
    else
        n = pwritev(fd, io->iov, (int)io->iovcnt, (off_t)io->offset);
    if (n < 0)
        return -errno;
    return (int)n;
}

int blk_io_run_sync(int fd, bool blockdev, const struct blk_io *io)
{
    switch (io->op) {
    case BLK_IO_READV:
    case BLK_IO_WRITEV:
        return rw_all(fd, io);
    case BLK_IO_FDATASYNC:
        return fdatasync(fd) < 0 ? -errno : 0;
    case BLK_IO_DISCARD:
        return blk_io_discard_now(fd, blockdev, io->offset, io->len);
    }
    return -EINVAL;
}

static int sync_submit(struct blk_engine *e, struct blk_io *io)
{
    struct sync_engine *s = (struct sync_engine *)e;

    io->next = NULL;
    *s->tail = io;
    s->tail = &io->next;
    e->inflight++;
    return 0;
}

/* Completions may submit more (a flush after a write): run until empty. */
static void sync_kick(struct blk_engine *e)
{
    struct sync_engine *s = (struct sync_engine *)e;

    while (s->head) {
        struct blk_io *io = s->head;
        s->head = io->next;
        if (!s->head)
            s->tail = &s->head;
        e->submits++;
        int res = blk_io_run_sync(e->fd, e->blockdev, io);
        e->inflight--;
        e->complete(io, res);
    }
    e->kicks++;
}

static void sync_reap(struct blk_engine *e)
{
    sync_kick(e);
}

static void sync_destroy(struct blk_engine *e)
{
    free(e);
}

static const struct blk_engine_ops sync_ops = {
    .submit = sync_submit,
    .kick = sync_kick,
    .reap = sync_reap,
    .drain = sync_kick,
    .destroy = sync_destroy,
};

struct blk_engine *blk_engine_sync_create(int fd, bool blockdev,
                                          void (*complete)(struct blk_io *, int))
{
    struct sync_engine *s = calloc(1, sizeof(*s));

    if (!s)
        return NULL;
    s->e = (struct blk_engine){ .ops = &sync_ops, .fd = fd, .blockdev = blockdev,
                                .event_fd = -1, .complete = complete };
    s->tail = &s->head;
    return &s->e;
}
