/* Internals of the block backend, shared by blkback*.c and the tests. */
#ifndef XENO_BACKENDS_BLKBACK_INT_H
#define XENO_BACKENDS_BLKBACK_INT_H

#include <stdint.h>
#include <sys/uio.h>

/* ring.h wants the barriers of its environment. */
#define xen_mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#include <xen/io/blkif.h>
#include <xen/io/ring.h>

#include "backends/blk_io.h"
#include "backends/blkback.h"

#define BLK_PAGE 4096u
#define BLK_SECTOR 512u
#define BLK_SECTORS_PER_PAGE 8u
#define BLK_SEGS_PER_INDIRECT_PAGE (BLK_PAGE / sizeof(struct blkif_request_segment))

/* What a request asks of the file once validated. */
enum blk_kind {
    BLK_READ,
    BLK_WRITE,
    BLK_FLUSH,        /* fdatasync only */
    BLK_WRITE_FLUSH,  /* write, then fdatasync (FUA write, barrier) */
    BLK_DISCARD,
};

/* One data segment: a granted page and the byte range of it. */
struct blk_seg {
    void *page;       /* host address while mapped, else NULL */
    uint32_t ref;
    uint16_t off, len;
};

/* A request in flight (or being answered).  One per ring slot. */
struct blk_req {
    struct blk_queue *q;
    struct blk_io io;             /* handed to the engine */
    uint64_t id;                  /* echoed */
    uint8_t rsp_op;               /* echoed operation (indirect_op for INDIRECT) */
    uint8_t kind;                 /* enum blk_kind */
    uint8_t stage;                /* BLK_WRITE_FLUSH: 0 write, 1 flush */
    bool to_guest;                /* data flows into guest pages (read) */
    uint16_t nseg;
    uint64_t offset, len;         /* bytes in the disk */
    void *bounce;                 /* aligned copy for O_DIRECT, or NULL */
    struct iovec biov;            /* the bounce buffer as one iovec */
    struct blk_req *next_free;
    struct blk_seg seg[BLKBACK_MAX_INDIRECT_SEGS];
    struct iovec iov[BLKBACK_MAX_INDIRECT_SEGS];
};

struct blk_queue {
    struct blkback *b;
    unsigned idx;
    bool connected, broken;
    bool waiting;                 /* stopped: pool or ring full, or barrier */
    unsigned port;
    unsigned nr_pages;
    uint32_t refs[BLKBACK_MAX_RING_PAGES];
    void *ring_va;
    blkif_back_ring_t ring;
    struct blk_req *pool, *free;
    unsigned inflight;
    bool rsp_pending;             /* responses written, not yet pushed */
    unsigned unpushed;            /* how many */
    bool needs_pass;              /* room again after waiting */
    unsigned served;              /* requests consumed this event */
    bool more;                    /* stopped on BLKBACK_QUEUE_BUDGET */
    bool held_valid;              /* a barrier waits for the queue to drain */
    struct blkif_request held;
};

struct blkback {
    const struct blkback_env_ops *ops;
    void *env;
    int fd;
    uint16_t domid;
    bool readonly, cdrom, blockdev;
    bool direct;                  /* O_DIRECT set on fd */
    unsigned dio_mem_align;       /* with direct: buffer alignment */
    unsigned dio_off_align;       /* with direct: offset/length alignment */
    unsigned phys_sector;
    bool discard;
    uint64_t sectors;
    unsigned max_queues;
    struct blk_engine *engine;
    int io_fd;                    /* epoll: engine eventfd + coalescing timer */
    int timer_fd;
    bool timer_armed;
    struct blk_queue q[BLKBACK_MAX_QUEUES];
    struct blkback_stats st;
};

/* blkback_ring.c */
void blk_queue_pass(struct blk_queue *q);
void blk_queue_respond(struct blk_queue *q, uint64_t id, uint8_t op, int16_t st);
void blk_queue_push(struct blk_queue *q);
void blk_queue_broken(struct blk_queue *q, const char *why);

/* blkback_notify.c: response coalescing (see there). */
int blk_coalesce_init(struct blkback *b);
void blk_coalesce_fini(struct blkback *b);
bool blk_coalesce_expired(struct blkback *b);
void blk_push_round(struct blkback *b, bool force);

/* blkback_req.c */
int blk_req_start(struct blk_queue *q, const struct blkif_request *req);
void blk_req_complete(struct blk_io *io, int res);

/* blkback.c */
void blk_log(struct blkback *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The one helper for CPU writes into guest memory. */
void blk_guest_write(struct blkback *b, void *dst, const void *src, size_t len);

#endif
