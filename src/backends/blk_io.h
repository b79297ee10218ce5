/* The block backend's I/O engines: where validated requests meet the host
 * file.  io_uring in production (blk_io_uring.c), inline system calls for
 * the unit tests (blk_io_sync.c).  One engine per disk, used from one
 * thread.  Submissions are queued by submit() and go to the kernel in one
 * batch at kick(); completions come back through the complete callback,
 * from kick() (sync) or from reap() when the eventfd fires (io_uring). */
#ifndef XENO_BACKENDS_BLK_IO_H
#define XENO_BACKENDS_BLK_IO_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

enum blk_io_op {
    BLK_IO_READV,
    BLK_IO_WRITEV,
    BLK_IO_FDATASYNC,
    BLK_IO_DISCARD,   /* file: punch a hole (size kept); device: BLKDISCARD */
};

struct blk_io {
    uint8_t op;                 /* enum blk_io_op */
    uint64_t offset, len;       /* bytes; len also for READV/WRITEV totals */
    struct iovec *iov;
    unsigned iovcnt;
    struct blk_io *next;        /* engine's own list */
    int res;                    /* engine's own: result of inline work */
};

struct blk_engine;

struct blk_engine_ops {
    /* Queue io.  0, or -errno when it cannot be queued (then it is not
     * completed either: the caller answers the request). */
    int (*submit)(struct blk_engine *e, struct blk_io *io);
    /* Hand the queued batch to the kernel. */
    void (*kick)(struct blk_engine *e);
    /* Deliver finished I/O (after the eventfd fired). */
    void (*reap)(struct blk_engine *e);
    /* Wait for everything submitted and deliver it. */
    void (*drain)(struct blk_engine *e);
    void (*destroy)(struct blk_engine *e);
};

struct blk_engine {
    const struct blk_engine_ops *ops;
    int fd;                     /* the disk */
    bool blockdev;
    int event_fd;               /* completions pending (-1: none) */
    unsigned inflight;
    /* res: bytes done, or -errno. */
    void (*complete)(struct blk_io *io, int res);
    uint64_t submits, kicks;    /* system calls that submitted, stats */
};

struct blk_engine *blk_engine_sync_create(int fd, bool blockdev,
                                          void (*complete)(struct blk_io *, int));
/* NULL with -errno in *err when io_uring is unavailable. */
struct blk_engine *blk_engine_uring_create(int fd, bool blockdev, unsigned depth,
                                           void (*complete)(struct blk_io *, int),
                                           int *err);

/* Shared by the engines: BLKDISCARD or PUNCH_HOLE inline. */
int blk_io_discard_now(int fd, bool blockdev, uint64_t offset, uint64_t len);
/* Run one io with plain system calls (sync engine, fallbacks). */
int blk_io_run_sync(int fd, bool blockdev, const struct blk_io *io);

#endif
