/* Block backend: disks and queues (create, connect, disconnect, events).
 * The ring protocol is in blkback_ring.c, requests in blkback_req.c. */
#include "backends/blkback_int.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xen/io/protocols.h>

#define URING_DEPTH 512

void blk_log(struct blkback *b, const char *fmt, ...)
{
    char buf[256];
    va_list ap;

    if (!b->ops->log)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    b->ops->log(b->env, buf);
}

void blk_guest_write(struct blkback *b, void *dst, const void *src, size_t len)
{
    memcpy(dst, src, len);
    if (b->ops->dirty)
        b->ops->dirty(b->env, dst, len);
}

static int disk_size(struct blkback *b, uint64_t *bytes)
{
    struct stat st;

    if (fstat(b->fd, &st) < 0)
        return -errno;
    if (S_ISREG(st.st_mode)) {
        *bytes = (uint64_t)st.st_size;
        return 0;
    }
    if (S_ISBLK(st.st_mode))
        return ioctl(b->fd, BLKGETSIZE64, bytes) < 0 ? -errno : 0;
    return -ENOTBLK;
}

/* O_DIRECT only where every guest request can use it as is: segments are
 * 512-byte multiples at 512-aligned addresses, so the file must accept
 * 512-byte offsets; a stricter buffer alignment means bouncing. */
static void try_direct(struct blkback *b)
{
    struct statx sx;
    unsigned mem = 0, off = 0;
    int fl = fcntl(b->fd, F_GETFL);

    if (fl < 0 || fcntl(b->fd, F_SETFL, fl | O_DIRECT) < 0)
        return;
    if (b->blockdev) {
        int lbs = 0;
        if (ioctl(b->fd, BLKSSZGET, &lbs) == 0 && lbs > 0)
            mem = off = (unsigned)lbs;
    } else if (statx(b->fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &sx) == 0 &&
               (sx.stx_mask & STATX_DIOALIGN)) {
        mem = sx.stx_dio_mem_align;
        off = sx.stx_dio_offset_align;
    }
    if (off == 0 || off > BLK_SECTOR || mem == 0 || mem > BLK_PAGE) {
        fcntl(b->fd, F_SETFL, fl);
        return;
    }
    b->direct = true;
    b->dio_mem_align = mem;
    b->dio_off_align = off;
}

static void probe_disk(struct blkback *b, const struct blkback_params *p)
{
    int pbs = 0;
    int fl = fcntl(b->fd, F_GETFL);

    if (fl >= 0 && (fl & O_ACCMODE) == O_RDONLY)
        b->readonly = true;
    /* With O_APPEND Linux's pwritev (and io_uring's writev) ignore the
     * offset: every guest write would go past the end of the disk. */
    if (fl >= 0 && (fl & O_APPEND)) {
        bool cleared = fcntl(b->fd, F_SETFL, fl & ~O_APPEND) == 0;
        b->readonly |= !cleared;   /* an append-only inode: never written */
        blk_log(b, "disk fd %d was O_APPEND: %s", b->fd,
                cleared ? "cleared" : "cannot clear it, the disk is read-only");
    }
    b->phys_sector = BLK_SECTOR;
    if (b->blockdev && ioctl(b->fd, BLKPBSZGET, &pbs) == 0 && pbs >= 512 &&
        pbs <= 4096)
        b->phys_sector = (unsigned)pbs;
    b->discard = !b->readonly && !b->cdrom;
    if (!p->no_direct)
        try_direct(b);
}

static int make_engine(struct blkback *b, enum blkback_engine kind)
{
    int err = 0;

    if (kind == BLKBACK_ENGINE_URING) {
        b->engine = blk_engine_uring_create(b->fd, b->blockdev, URING_DEPTH,
                                            blk_req_complete, &err);
        if (b->engine)
            return 0;
        blk_log(b, "io_uring unavailable (%s): serving I/O synchronously",
                strerror(-err));
    }
    b->engine = blk_engine_sync_create(b->fd, b->blockdev, blk_req_complete);
    return b->engine ? 0 : -ENOMEM;
}

struct blkback *blkback_create(const struct blkback_params *p,
                               const struct blkback_env_ops *ops, void *env,
                               char *err, size_t errlen)
{
    struct blkback *b = calloc(1, sizeof(*b));
    struct stat st;
    uint64_t bytes = 0;
    int rc = -ENOMEM;

    if (!b)
        goto fail;
    *b = (struct blkback){ .ops = ops, .env = env, .fd = p->fd, .domid = p->domid,
                           .readonly = p->readonly, .cdrom = p->cdrom };
    b->max_queues = p->max_queues && p->max_queues < BLKBACK_MAX_QUEUES
                    ? p->max_queues : BLKBACK_MAX_QUEUES;
    for (unsigned i = 0; i < BLKBACK_MAX_QUEUES; i++)
        b->q[i] = (struct blk_queue){ .b = b, .idx = i };
    rc = fstat(p->fd, &st) < 0 ? -errno : 0;
    if (rc)
        goto fail;
    b->blockdev = S_ISBLK(st.st_mode);
    rc = disk_size(b, &bytes);
    if (rc)
        goto fail;
    b->sectors = bytes / BLK_SECTOR;
    probe_disk(b, p);
    rc = make_engine(b, p->engine);
    if (rc)
        goto fail;
    rc = blk_coalesce_init(b);
    if (rc) {
        blk_coalesce_fini(b);
        b->engine->ops->destroy(b->engine);
        goto fail;
    }
    return b;
fail:
    snprintf(err, errlen, "disk fd %d: %s", p->fd, strerror(-rc));
    free(b);
    if (p->fd >= 0)
        close(p->fd);
    return NULL;
}

void blkback_destroy(struct blkback *b)
{
    if (!b)
        return;
    blkback_disconnect(b);
    blk_coalesce_fini(b);
    b->engine->ops->destroy(b->engine);
    close(b->fd);
    free(b);
}

void blkback_info(const struct blkback *b, struct blkback_info *info)
{
    *info = (struct blkback_info){
        .sectors = b->sectors,
        .info = (b->readonly ? VDISK_READONLY : 0) | (b->cdrom ? VDISK_CDROM : 0),
        .sector_size = BLK_SECTOR,
        .physical_sector_size = b->phys_sector,
        .flush = true,
        .discard = b->discard,
        .discard_granularity = b->blockdev ? b->phys_sector : BLK_PAGE,
        .max_indirect_segs = BLKBACK_MAX_INDIRECT_SEGS,
        .max_ring_order = BLKBACK_MAX_RING_ORDER,
        .max_queues = b->max_queues,
    };
}

int64_t blkback_refresh_size(struct blkback *b)
{
    uint64_t bytes;
    int rc = disk_size(b, &bytes);

    if (rc)
        return rc;
    b->sectors = bytes / BLK_SECTOR;
    return (int64_t)b->sectors;
}

static bool native_protocol(const char *protocol)
{
    return !protocol || !*protocol || !strcmp(protocol, XEN_IO_PROTO_ABI_NATIVE);
}

static int attach_ring(struct blk_queue *q, unsigned nr)
{
    blkif_sring_t *s = q->ring_va;
    RING_IDX start = __atomic_load_n(&s->rsp_prod, __ATOMIC_ACQUIRE);

    /* Attach only: the frontend initialised the shared ring (and may have
     * queued requests already).  Our indexes start at its rsp_prod. */
    BACK_RING_ATTACH(&q->ring, s, start, (size_t)nr * BLK_PAGE);
    q->pool = calloc(RING_SIZE(&q->ring), sizeof(*q->pool));
    if (!q->pool)
        return -ENOMEM;
    q->free = NULL;
    for (unsigned i = RING_SIZE(&q->ring); i-- > 0;) {
        q->pool[i].q = q;
        q->pool[i].next_free = q->free;
        q->free = &q->pool[i];
    }
    return 0;
}

int blkback_queue_connect(struct blkback *b, unsigned qi, const uint32_t *refs,
                          unsigned ring_order, unsigned port,
                          const char *protocol)
{
    struct blk_queue *q;
    unsigned nr;
    int rc;

    if (qi >= b->max_queues || ring_order > BLKBACK_MAX_RING_ORDER) {
        blk_log(b, "queue %u: refused: ring-page-order %u (max %u), queues %u",
                qi, ring_order, BLKBACK_MAX_RING_ORDER, b->max_queues);
        return -EINVAL;
    }
    if (!native_protocol(protocol)) {
        blk_log(b, "queue %u: refused: protocol %.32s (only %s)", qi, protocol,
                XEN_IO_PROTO_ABI_NATIVE);
        return -EPROTONOSUPPORT;
    }
    q = &b->q[qi];
    if (q->connected)
        return -EBUSY;
    nr = 1u << ring_order;
    rc = b->ops->ring_map(b->env, b->domid, refs, nr, &q->ring_va);
    if (rc) {
        blk_log(b, "queue %u: cannot map the ring (%u pages): %s", qi, nr,
                strerror(-rc));
        return rc;
    }
    memcpy(q->refs, refs, nr * sizeof(refs[0]));
    q->nr_pages = nr;
    q->port = port;
    rc = attach_ring(q, nr);
    if (rc) {
        b->ops->ring_unmap(b->env, b->domid, q->refs, nr, q->ring_va);
        return rc;
    }
    q->connected = true;
    blkback_queue_event(b, qi);
    return 0;
}

static void queue_reset(struct blkback *b, struct blk_queue *q)
{
    if (q->connected)
        b->ops->ring_unmap(b->env, b->domid, q->refs, q->nr_pages, q->ring_va);
    free(q->pool);
    *q = (struct blk_queue){ .b = b, .idx = q->idx };
}

void blkback_disconnect(struct blkback *b)
{
    b->engine->ops->drain(b->engine);
    for (unsigned i = 0; i < BLKBACK_MAX_QUEUES; i++) {
        if (b->q[i].connected)
            blk_queue_push(&b->q[i]);
        queue_reset(b, &b->q[i]);
    }
}

/* Submit what the passes queued (completions that are already there are
 * delivered now), serve queues that were waiting for room, until none is;
 * then push the responses of this round together (blkback_notify.c
 * decides whether a small round waits for more). */
static void settle(struct blkback *b, bool force)
{
    bool again;

    do {
        b->engine->ops->kick(b->engine);
        again = false;
        for (unsigned i = 0; i < b->max_queues; i++) {
            struct blk_queue *q = &b->q[i];
            if (q->connected && q->needs_pass) {
                q->needs_pass = false;
                blk_queue_pass(q);
                again = true;
            }
        }
    } while (again);
    blk_push_round(b, force);
}

void blkback_queue_event(struct blkback *b, unsigned qi)
{
    if (qi >= b->max_queues || !b->q[qi].connected)
        return;
    b->st.kicks++;
    b->q[qi].served = 0;
    blk_queue_pass(&b->q[qi]);
    settle(b, false);
}

int blkback_port_queue(const struct blkback *b, unsigned port)
{
    for (unsigned i = 0; i < b->max_queues; i++)
        if (b->q[i].connected && b->q[i].port == port)
            return (int)i;
    return -1;
}

int blkback_io_fd(const struct blkback *b)
{
    return b->io_fd;
}

void blkback_io_event(struct blkback *b)
{
    bool expired = blk_coalesce_expired(b);

    for (unsigned i = 0; i < BLKBACK_MAX_QUEUES; i++)
        b->q[i].served = 0;
    b->engine->ops->reap(b->engine);
    settle(b, expired);
}

bool blkback_queue_connected(const struct blkback *b, unsigned q)
{
    return q < BLKBACK_MAX_QUEUES && b->q[q].connected;
}

bool blkback_queue_more(const struct blkback *b, unsigned q)
{
    return q < BLKBACK_MAX_QUEUES && b->q[q].more;
}

bool blkback_queue_broken(const struct blkback *b, unsigned q)
{
    return q < BLKBACK_MAX_QUEUES && b->q[q].broken;
}

void blkback_stats(const struct blkback *b, struct blkback_stats *st)
{
    *st = b->st;
    st->broken_queues = 0;
    for (unsigned i = 0; i < BLKBACK_MAX_QUEUES; i++)
        st->broken_queues += b->q[i].broken;
}
