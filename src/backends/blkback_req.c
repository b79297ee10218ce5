/* One blkif request: validate the private copy, map its grants, hand the
 * I/O to the engine; on completion unmap (clearing GTF_reading/writing)
 * and only then answer.  Validation rules (512-byte sectors throughout):
 *   - READ/WRITE: 1..11 segments; INDIRECT (READ/WRITE only): 1..256
 *     segments from indirect pages that must be valid grants;
 *   - FLUSH_DISKCACHE, WRITE_BARRIER: 0 segments = flush, else write+flush;
 *   - each segment first_sect <= last_sect <= 7;
 *   - the sector range (and a discard's range) inside the disk;
 *   - read-only disks: no data written, no discard (BLKIF_RSP_ERROR);
 *   - unknown operations: BLKIF_RSP_EOPNOTSUPP. */
#include "backends/blkback_int.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define REQ_OF(io) ((struct blk_req *)((char *)(io) - offsetof(struct blk_req, io)))

static struct blk_req *req_alloc(struct blk_queue *q)
{
    struct blk_req *r = q->free;

    if (r) {
        q->free = r->next_free;
        q->inflight++;
    }
    return r;
}

/* Unmap everything, answer, recycle.  The flags are clear before the
 * response is written, so blkfront's end_foreign_access succeeds. */
static void req_finish(struct blk_req *r, int16_t status)
{
    struct blk_queue *q = r->q;
    struct blkback *b = q->b;

    /* map_segments maps all of them or none. */
    if (r->nseg && r->seg[0].page) {
        uint32_t refs[BLKBACK_MAX_INDIRECT_SEGS];
        for (unsigned i = 0; i < r->nseg; i++) {
            refs[i] = r->seg[i].ref;
            r->seg[i].page = NULL;
        }
        b->ops->gnt_unmap_many(b->env, b->domid, refs, r->nseg, !r->to_guest);
    }
    free(r->bounce);
    r->bounce = NULL;
    blk_queue_respond(q, r->id, r->rsp_op, status);
    r->nseg = 0;
    r->next_free = q->free;
    q->free = r;
    q->inflight--;
    if (q->waiting)
        q->needs_pass = true;
}

static int range_ok(const struct blkback *b, uint64_t sector, uint64_t count)
{
    return sector <= b->sectors && count <= b->sectors - sector;
}

/* Segments from the request copy (direct) into r->seg; checks sectors. */
static int take_segments(struct blk_req *r, const struct blkif_request_segment *s,
                         unsigned n, uint64_t *nsect)
{
    uint64_t total = 0;

    for (unsigned i = 0; i < n; i++) {
        uint8_t first = s[i].first_sect, last = s[i].last_sect;
        if (first > last || last >= BLK_SECTORS_PER_PAGE)
            return -EINVAL;
        r->seg[i] = (struct blk_seg){ .ref = s[i].gref, .off = first * BLK_SECTOR,
                                      .len = (last - first + 1) * BLK_SECTOR };
        total += last - first + 1u;
    }
    r->nseg = (uint16_t)n;
    *nsect = total;
    return 0;
}

/* Copy the segment descriptors out of the indirect pages, once each. */
static int take_indirect(struct blk_req *r, const struct blkif_request_indirect *ind,
                         unsigned n, uint64_t *nsect)
{
    struct blkback *b = r->q->b;
    struct blkif_request_segment segs[BLKBACK_MAX_INDIRECT_SEGS];
    unsigned pages = (n + BLK_SEGS_PER_INDIRECT_PAGE - 1) / BLK_SEGS_PER_INDIRECT_PAGE;

    for (unsigned p = 0; p < pages; p++) {
        unsigned first = p * BLK_SEGS_PER_INDIRECT_PAGE;
        unsigned cnt = n - first < BLK_SEGS_PER_INDIRECT_PAGE ? n - first
                                                              : BLK_SEGS_PER_INDIRECT_PAGE;
        uint32_t ref = ind->indirect_grefs[p];
        void *page;
        if (b->ops->gnt_map(b->env, b->domid, ref, true, &page))
            return -EFAULT;
        memcpy(&segs[first], page, cnt * sizeof(segs[0]));
        b->ops->gnt_unmap(b->env, b->domid, ref, true);
    }
    return take_segments(r, segs, n, nsect);
}

/* Parse a READ/WRITE/flush/INDIRECT copy into r.  0 or -errno. */
static int parse_rw(struct blk_req *r, const struct blkif_request *req)
{
    const struct blkif_request_indirect *ind = (const void *)req;
    uint64_t sector = req->sector_number, nsect = 0;
    unsigned n = req->nr_segments;
    int rc;

    if (req->operation == BLKIF_OP_INDIRECT) {
        n = ind->nr_segments;
        sector = ind->sector_number;
        if (n == 0 || n > BLKBACK_MAX_INDIRECT_SEGS)
            return -EINVAL;
        rc = take_indirect(r, ind, n, &nsect);
    } else {
        if (n > BLKIF_MAX_SEGMENTS_PER_REQUEST ||
            (n == 0 && r->kind != BLK_FLUSH))
            return -EINVAL;
        rc = take_segments(r, req->seg, n, &nsect);
    }
    if (rc)
        return rc;
    if (n == 0)  /* an empty flush: sector_number means nothing */
        sector = 0;
    if (!range_ok(r->q->b, sector, nsect))
        return -ERANGE;
    r->offset = sector * BLK_SECTOR;
    r->len = nsect * BLK_SECTOR;
    return 0;
}

static int parse_discard(struct blk_req *r, const struct blkif_request *req)
{
    const struct blkif_request_discard *d = (const void *)req;

    if (!r->q->b->discard)
        return -EOPNOTSUPP;
    if (!range_ok(r->q->b, d->sector_number, d->nr_sectors))
        return -ERANGE;
    r->offset = d->sector_number * BLK_SECTOR;
    r->len = d->nr_sectors * BLK_SECTOR;
    return 0;
}

/* Sort the operation into a kind; the echoed op for INDIRECT is its
 * indirect_op (blkfront compares it with what it sent). */
static int classify(struct blk_req *r, const struct blkif_request *req)
{
    const struct blkif_request_indirect *ind = (const void *)req;
    uint8_t op = req->operation;

    r->rsp_op = op;
    if (op == BLKIF_OP_INDIRECT) {
        op = ind->indirect_op;
        r->rsp_op = op;
        if (op != BLKIF_OP_READ && op != BLKIF_OP_WRITE)
            return -EINVAL;
    }
    switch (op) {
    case BLKIF_OP_READ:
        r->kind = BLK_READ;
        return 0;
    case BLKIF_OP_WRITE:
        r->kind = BLK_WRITE;
        return 0;
    case BLKIF_OP_WRITE_BARRIER:
    case BLKIF_OP_FLUSH_DISKCACHE:
        r->kind = req->nr_segments ? BLK_WRITE_FLUSH : BLK_FLUSH;
        return 0;
    case BLKIF_OP_DISCARD:
        r->kind = BLK_DISCARD;
        return 0;
    }
    return -EOPNOTSUPP;
}

static void count_request(struct blkback *b, unsigned kind)
{
    switch (kind) {
    case BLK_READ: b->st.rd_req++; break;
    case BLK_WRITE: b->st.wr_req++; break;
    case BLK_WRITE_FLUSH: b->st.wr_req++; b->st.flush_req++; break;
    case BLK_FLUSH: b->st.flush_req++; break;
    case BLK_DISCARD: b->st.discard_req++; break;
    }
}

/* All of the request's grants in one batch, or none. */
static int map_segments(struct blk_req *r)
{
    struct blkback *b = r->q->b;
    uint32_t refs[BLKBACK_MAX_INDIRECT_SEGS];
    void *pages[BLKBACK_MAX_INDIRECT_SEGS];
    unsigned failed;
    int rc;

    if (r->nseg == 0)
        return 0;
    for (unsigned i = 0; i < r->nseg; i++)
        refs[i] = r->seg[i].ref;
    rc = b->ops->gnt_map_many(b->env, b->domid, refs, r->nseg, !r->to_guest, pages, &failed);
    if (rc)
        return rc;
    for (unsigned i = 0; i < r->nseg; i++) {
        struct blk_seg *s = &r->seg[i];
        s->page = pages[i];
        r->iov[i] = (struct iovec){ (uint8_t *)pages[i] + s->off, s->len };
    }
    return 0;
}

static bool dio_aligned(const struct blkback *b, const struct blk_req *r)
{
    if (!b->direct)
        return true;
    if ((r->offset | r->len) % b->dio_off_align)
        return false;
    for (unsigned i = 0; i < r->nseg; i++)
        if ((uintptr_t)r->iov[i].iov_base % b->dio_mem_align ||
            r->iov[i].iov_len % b->dio_off_align)
            return false;
    return true;
}

/* Stage the data in an aligned buffer when O_DIRECT would refuse it. */
static int bounce_setup(struct blk_req *r)
{
    struct blkback *b = r->q->b;
    uint8_t *p;

    if (dio_aligned(b, r))
        return 0;
    if (posix_memalign(&r->bounce, BLK_PAGE, r->len))
        return -ENOMEM;
    b->st.bounced++;
    r->biov = (struct iovec){ r->bounce, r->len };
    if (r->to_guest)
        return 0;
    p = r->bounce;
    for (unsigned i = 0; i < r->nseg; i++) {
        memcpy(p, r->iov[i].iov_base, r->iov[i].iov_len);
        p += r->iov[i].iov_len;
    }
    return 0;
}

static void bounce_to_guest(struct blk_req *r)
{
    const uint8_t *p = r->bounce;

    for (unsigned i = 0; i < r->nseg; i++) {
        blk_guest_write(r->q->b, r->iov[i].iov_base, p, r->iov[i].iov_len);
        p += r->iov[i].iov_len;
    }
}

static int submit(struct blk_req *r, uint8_t op)
{
    struct blkback *b = r->q->b;

    r->io = (struct blk_io){ .op = op, .offset = r->offset, .len = r->len };
    if (op == BLK_IO_READV || op == BLK_IO_WRITEV) {
        r->io.iov = r->bounce ? &r->biov : r->iov;
        r->io.iovcnt = r->bounce ? 1 : r->nseg;
    }
    return b->engine->ops->submit(b->engine, &r->io);
}

static uint8_t first_io(const struct blk_req *r)
{
    switch (r->kind) {
    case BLK_READ: return BLK_IO_READV;
    case BLK_FLUSH: return BLK_IO_FDATASYNC;
    case BLK_DISCARD: return BLK_IO_DISCARD;
    default: return BLK_IO_WRITEV;
    }
}

static int16_t status_of(int rc)
{
    return rc == -EOPNOTSUPP ? BLKIF_RSP_EOPNOTSUPP : BLKIF_RSP_ERROR;
}

static bool writes_disk(unsigned kind)
{
    return kind == BLK_WRITE || kind == BLK_WRITE_FLUSH || kind == BLK_DISCARD;
}

int blk_req_start(struct blk_queue *q, const struct blkif_request *req)
{
    struct blkback *b = q->b;
    struct blk_req *r = req_alloc(q);
    int rc;

    if (!r)
        return -EBUSY;  /* the ring pass checks for room first */
    r->id = req->id;
    r->nseg = 0;
    r->stage = 0;
    rc = classify(r, req);
    if (!rc) {
        count_request(b, r->kind);
        r->to_guest = r->kind == BLK_READ;
        if (b->readonly && writes_disk(r->kind))
            rc = -EROFS;
    }
    if (!rc)
        rc = r->kind == BLK_DISCARD ? parse_discard(r, req) : parse_rw(r, req);
    if (!rc && r->kind == BLK_DISCARD && r->len == 0) {
        req_finish(r, BLKIF_RSP_OKAY);
        return 0;
    }
    if (!rc)
        rc = map_segments(r);
    if (!rc)
        rc = bounce_setup(r);
    if (!rc)
        rc = submit(r, first_io(r));
    if (rc)
        req_finish(r, status_of(rc));
    return rc;
}

static bool is_rw(const struct blk_io *io)
{
    return io->op == BLK_IO_READV || io->op == BLK_IO_WRITEV;
}

static bool io_ok(const struct blk_req *r, int res)
{
    if (is_rw(&r->io))
        return res >= 0 && (uint64_t)res == r->io.len;
    return res == 0;
}

/* A short transfer (buffered files may stop early): submit the rest.
 * The iovecs are ours (r->iov or r->biov), so they are advanced in place;
 * the bounce scatter uses r->iov only when the I/O ran on r->biov. */
static bool io_continue(struct blk_req *r, int res)
{
    struct iovec *iov = r->io.iov;
    unsigned cnt = r->io.iovcnt;
    size_t done = (size_t)res;
    struct blkback *b = r->q->b;

    if (!is_rw(&r->io) || res <= 0 || (uint64_t)res >= r->io.len)
        return false;
    while (cnt && done >= iov->iov_len) {
        done -= iov->iov_len;
        iov++;
        cnt--;
    }
    iov->iov_base = (uint8_t *)iov->iov_base + done;
    iov->iov_len -= done;
    r->io.iov = iov;
    r->io.iovcnt = cnt;
    r->io.offset += (uint64_t)res;
    r->io.len -= (uint64_t)res;
    return b->engine->ops->submit(b->engine, &r->io) == 0;
}

static void count_bytes(struct blkback *b, const struct blk_req *r)
{
    if (r->kind == BLK_READ)
        b->st.rd_bytes += r->len;
    else if (r->kind == BLK_WRITE || r->kind == BLK_WRITE_FLUSH)
        b->st.wr_bytes += r->len;
}

/* The host refused an I/O (a full filesystem, a failing device): the
 * guest gets BLKIF_RSP_ERROR; the log says why, for the 1st, 2nd, 4th,
 * 8th... error of this disk, so a guest retrying in a loop cannot flood it. */
static void host_io_error(struct blk_req *r, int rc)
{
    struct blkback *b = r->q->b;
    uint64_t n = ++b->st.io_errors;

    static const char *const what[] = {
        [BLK_IO_READV] = "read", [BLK_IO_WRITEV] = "write",
        [BLK_IO_FDATASYNC] = "flush", [BLK_IO_DISCARD] = "discard",
    };

    if (rc == -EOPNOTSUPP || (n & (n - 1)))
        return;
    blk_log(b, "host I/O error on %s at byte %llu (%llu bytes): %s; the guest gets an I/O "
               "error (%llu so far)",
            r->io.op < sizeof(what) / sizeof(what[0]) ? what[r->io.op] : "I/O",
            (unsigned long long)r->io.offset, (unsigned long long)r->io.len, strerror(-rc),
            (unsigned long long)n);
}

void blk_req_complete(struct blk_io *io, int res)
{
    struct blk_req *r = REQ_OF(io);

    if (!io_ok(r, res) && io_continue(r, res))
        return;
    if (!io_ok(r, res)) {
        host_io_error(r, res < 0 ? res : -EIO);
        req_finish(r, status_of(res < 0 ? res : -EIO));
        return;
    }
    if (r->kind == BLK_WRITE_FLUSH && r->stage == 0) {
        r->stage = 1;
        if (submit(r, BLK_IO_FDATASYNC))
            req_finish(r, BLKIF_RSP_ERROR);
        return;
    }
    if (r->bounce && r->to_guest)
        bounce_to_guest(r);
    count_bytes(r->q->b, r);
    req_finish(r, BLKIF_RSP_OKAY);
}
