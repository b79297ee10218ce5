/* The block backend's request path over a memfd guest and a real temp
 * file: every operation, every hostile input we know of, and a random
 * data-integrity run with both I/O engines. */
#include "blk_front.h"
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define DISK_SECTORS 8192u               /* 4 MiB */
#define DISK_BYTES (DISK_SECTORS * 512ull)

static struct blk_front f;

static int temp_disk(void)
{
    const char *dir = getenv("TMPDIR") ? getenv("TMPDIR") : "/var/tmp";
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);

    if (fd < 0) {
        char path[] = "/tmp/blkback-XXXXXX";
        fd = mkstemp(path);
        if (fd >= 0)
            unlink(path);
    }
    if (fd >= 0 && ftruncate(fd, DISK_BYTES) < 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

/* A disk over a temp file.  *fd_out keeps a second descriptor for
 * checking the file behind the backend's back. */
static int mk_status_flags;              /* F_SETFL'd on the disk fd, e.g. O_APPEND */

static struct blkback *mk(enum blkback_engine eng, bool ro, int *fd_out)
{
    char err[128];
    int fd = temp_disk(), fd2;
    struct blkback_params p = { .domid = 0, .readonly = ro, .engine = eng };

    if (fd < 0) {
        fprintf(stderr, "no temp file: %s\n", strerror(errno));
        return NULL;
    }
    /* A description of our own: the backend may set O_DIRECT on its fd. */
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    fd2 = open(path, O_RDWR | O_CLOEXEC);
    *fd_out = fd2;
    p.fd = fd;
    if (mk_status_flags)
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | mk_status_flags);
    struct blkback *b = blkback_create(&p, &bf_env_ops, &f, err, sizeof(err));
    if (!b)
        fprintf(stderr, "blkback_create: %s\n", err);
    return b;
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 9));
}

/* Direct READ/WRITE of nseg whole pages at sector; pages[] get the data. */
static struct blkif_request *rw_req(struct bf_ring *r, uint8_t op, uint64_t id,
                                    uint64_t sector, unsigned nseg, uint8_t **pages)
{
    struct blkif_request *q = bf_next(r);

    q->operation = op;
    q->nr_segments = (uint8_t)nseg;
    q->id = id;
    q->sector_number = sector;
    for (unsigned i = 0; i < nseg && i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++) {
        uint64_t pfn;
        pages[i] = bf_alloc(&f, 1, &pfn);
        q->seg[i] = (struct blkif_request_segment){
            .gref = bf_grant(&f, pfn, op == BLKIF_OP_WRITE || op == BLKIF_OP_FLUSH_DISKCACHE ||
                                          op == BLKIF_OP_WRITE_BARRIER),
            .first_sect = 0, .last_sect = 7 };
    }
    return q;
}

/* An INDIRECT request of nseg whole pages; one indirect page per 512. */
static struct blkif_request_indirect *ind_req(struct bf_ring *r, uint8_t op, uint64_t id,
                                              uint64_t sector, unsigned nseg,
                                              uint8_t **pages)
{
    struct blkif_request_indirect *q = (void *)bf_next(r);
    uint64_t ipfn;
    struct blkif_request_segment *segs = bf_alloc(&f, 1, &ipfn);

    q->operation = BLKIF_OP_INDIRECT;
    q->indirect_op = op;
    q->nr_segments = (uint16_t)nseg;
    q->id = id;
    q->sector_number = sector;
    q->indirect_grefs[0] = bf_grant(&f, ipfn, true);
    for (unsigned i = 0; i < nseg && i < 512; i++) {
        uint64_t pfn;
        pages[i] = bf_alloc(&f, 1, &pfn);
        segs[i] = (struct blkif_request_segment){
            .gref = bf_grant(&f, pfn, op == BLKIF_OP_WRITE), .first_sect = 0, .last_sect = 7 };
    }
    return q;
}

static void discard_req(struct bf_ring *r, uint64_t id, uint64_t sector, uint64_t n)
{
    struct blkif_request_discard *d = (void *)bf_next(r);

    d->operation = BLKIF_OP_DISCARD;
    d->id = id;
    d->sector_number = sector;
    d->nr_sectors = n;
}

/* Push, kick, and collect `expect` responses (waiting on the engine). */
static int serve(struct blkback *b, struct bf_ring *r, unsigned q, int expect,
                 struct blkif_response *rsp)
{
    int got = 0;

    bf_push(r);
    blkback_queue_event(b, q);
    for (int spins = 0; spins < 2000; spins++) {
        while (got < expect && bf_take(r, &rsp[got]))
            got++;
        if (got >= expect || blkback_io_fd(b) < 0)
            break;
        struct pollfd pfd = { .fd = blkback_io_fd(b), .events = POLLIN };
        if (poll(&pfd, 1, 10) > 0)
            blkback_io_event(b);
    }
    return got;
}

static int16_t one(struct blkback *b, struct bf_ring *r, uint64_t id, uint8_t op)
{
    struct blkif_response rsp[2];
    int n = serve(b, r, 0, 1, rsp);

    CHECK_EQ(n, 1);
    if (n != 1)
        return 99;
    CHECK_EQ(rsp[0].id, id);
    CHECK_EQ(rsp[0].operation, op);
    return rsp[0].status;
}

/* No grant of the guest is held by the backend (ring refs excepted). */
static unsigned held_grants(const struct bf_ring *r)
{
    unsigned held = 0;

    for (uint32_t ref = 8; ref < f.dom.gnttab_nr_frames * 512u; ref++) {
        bool ring = false;
        for (unsigned i = 0; r && i < (1u << r->order); i++)
            ring |= r->refs[i] == ref;
        if (!ring && (bf_entry(&f, ref)->flags & (GTF_reading | GTF_writing)))
            held++;
    }
    return held;
}

static bool file_is(int fd, uint64_t off, const uint8_t *want, size_t n)
{
    uint8_t *buf = malloc(n);
    bool same = buf && pread(fd, buf, n, (off_t)off) == (ssize_t)n && !memcmp(buf, want, n);
    free(buf);
    return same;
}

static bool file_zero(int fd, uint64_t off, size_t n)
{
    uint8_t *z = calloc(1, n);
    bool same = z && file_is(fd, off, z, n);
    free(z);
    return same;
}

/* Each response (or index) the backend writes while one request is in
 * flight: that request's grants must already be released. */
static const struct bf_ring *watched;
static unsigned held_at_write;

static void watch_writes(void *p, size_t len)
{
    (void)p; (void)len;
    held_at_write += held_grants(watched);
}

static void test_rw(enum blkback_engine eng)
{
    int fd2;
    struct blkback *b = mk(eng, false, &fd2);
    struct bf_ring r;
    uint8_t *pages[11], want[11 * 4096];
    struct blkback_stats st;

    if (!b)
        { CHECK(b); return; }
    bf_ring_init(&f, &r, 0, 1);
    CHECK_EQ(blkback_queue_connect(b, 0, r.refs, 0, 1, "x86_64-abi"), 0);
    watched = &r;
    held_at_write = 0;
    f.on_dirty = watch_writes;
    rw_req(&r, BLKIF_OP_WRITE, 77, 16, 11, pages);
    for (int i = 0; i < 11; i++)
        fill(pages[i], 4096, (unsigned)i);
    for (int i = 0; i < 11; i++)
        memcpy(want + i * 4096, pages[i], 4096);
    CHECK_EQ(one(b, &r, 77, BLKIF_OP_WRITE), BLKIF_RSP_OKAY);
    CHECK(file_is(fd2, 16 * 512, want, sizeof(want)));
    CHECK_EQ(held_grants(&r), 0);
    rw_req(&r, BLKIF_OP_READ, 78, 16, 11, pages);
    CHECK_EQ(one(b, &r, 78, BLKIF_OP_READ), BLKIF_RSP_OKAY);
    for (int i = 0; i < 11; i++)
        CHECK(!memcmp(pages[i], want + i * 4096, 4096));
    /* Partial segments: sectors 3..5 of a page land at sector 200. */
    struct blkif_request *q = rw_req(&r, BLKIF_OP_WRITE, 79, 200, 1, pages);
    q->seg[0].first_sect = 3;
    q->seg[0].last_sect = 5;
    fill(pages[0], 4096, 9);
    CHECK_EQ(one(b, &r, 79, BLKIF_OP_WRITE), BLKIF_RSP_OKAY);
    CHECK(file_is(fd2, 200 * 512, pages[0] + 3 * 512, 3 * 512));
    f.on_dirty = NULL;
    CHECK_EQ(held_at_write, 0);
    CHECK(f.gm.dirty_writes >= 6);       /* 3 responses, 3 index pushes */
    CHECK(file_zero(fd2, 203 * 512, 512));
    /* The file shrank under us: the short read continues, hits EOF, fails. */
    CHECK_EQ(ftruncate(fd2, DISK_BYTES - 2048), 0);
    rw_req(&r, BLKIF_OP_READ, 80, DISK_SECTORS - 8, 1, pages);
    CHECK_EQ(one(b, &r, 80, BLKIF_OP_READ), BLKIF_RSP_ERROR);
    CHECK_EQ(ftruncate(fd2, DISK_BYTES), 0);
    CHECK_EQ(held_grants(&r), 0);
    blkback_stats(b, &st);
    CHECK_EQ(st.errors, 1);
    st.errors = 0;
    st.rd_req--;
    CHECK_EQ(st.wr_req, 2);
    CHECK_EQ(st.rd_req, 1);
    CHECK_EQ(st.wr_bytes, 11 * 4096 + 3 * 512);
    CHECK_EQ(st.rd_bytes, 11 * 4096);
    CHECK_EQ(st.errors, 0);
    blkback_disconnect(b);
    CHECK_EQ(held_grants(NULL), 0);
    CHECK(!blkback_queue_connected(b, 0));
    blkback_destroy(b);
    close(fd2);
}

/* Requests a hostile or broken frontend may send: each gets an error
 * response with its id and operation, nothing reaches the file, no grant
 * stays mapped. */
static void test_hostile_requests(void)
{
    int fd2;
    struct blkback *b = mk(BLKBACK_ENGINE_SYNC, false, &fd2);
    struct bf_ring r;
    uint8_t *pages[512];
    struct blkif_request *q;
    struct blkif_request_indirect *iq;
    struct blkback_stats st;

    if (!b)
        { CHECK(b); return; }
    bf_ring_init(&f, &r, 0, 1);
    CHECK_EQ(blkback_queue_connect(b, 0, r.refs, 0, 1, NULL), 0);

    /* A good request's 11 grants: one map batch, one unmap batch. */
    unsigned batches = f.map_batches, unbatches = f.unmap_batches;
    rw_req(&r, BLKIF_OP_READ, 20, 0, 11, pages);
    CHECK_EQ(one(b, &r, 20, BLKIF_OP_READ), BLKIF_RSP_OKAY);
    CHECK_EQ(f.map_batches, batches + 1);
    CHECK_EQ(f.unmap_batches, unbatches + 1);
    q = rw_req(&r, BLKIF_OP_WRITE, 1, 0, 1, pages);
    q->seg[0].gref = 3;                                  /* reserved ref */
    CHECK_EQ(one(b, &r, 1, BLKIF_OP_WRITE), BLKIF_RSP_ERROR);
    q = rw_req(&r, BLKIF_OP_WRITE, 2, 0, 2, pages);
    q->seg[1].gref = 0x7fffffff;                         /* beyond the table */
    CHECK_EQ(one(b, &r, 2, BLKIF_OP_WRITE), BLKIF_RSP_ERROR);
    q = rw_req(&r, BLKIF_OP_WRITE, 3, 0, 1, pages);
    bf_entry(&f, q->seg[0].gref)->domid = 9;             /* granted to someone else */
    CHECK_EQ(one(b, &r, 3, BLKIF_OP_WRITE), BLKIF_RSP_ERROR);
    q = rw_req(&r, BLKIF_OP_READ, 4, 0, 1, pages);
    bf_entry(&f, q->seg[0].gref)->flags |= GTF_readonly; /* read needs write access */
    CHECK_EQ(one(b, &r, 4, BLKIF_OP_READ), BLKIF_RSP_ERROR);
    q = rw_req(&r, BLKIF_OP_WRITE, 5, 0, 3, pages);
    CHECK(bf_end_access(&f, q->seg[2].gref));            /* revoked before we looked */
    CHECK_EQ(one(b, &r, 5, BLKIF_OP_WRITE), BLKIF_RSP_ERROR);
    CHECK_EQ(f.unmap_batches, unbatches + 1);   /* the batch let seg 0-1 go itself */
    CHECK_EQ(held_grants(&r), 0);
    q = rw_req(&r, BLKIF_OP_WRITE, 6, 0, 0, pages);      /* no segments, not a flush */
    CHECK_EQ(one(b, &r, 6, BLKIF_OP_WRITE), BLKIF_RSP_ERROR);
    q = rw_req(&r, BLKIF_OP_READ, 7, 0, 11, pages);
    q->nr_segments = 12;                                 /* more than direct allows */
    CHECK_EQ(one(b, &r, 7, BLKIF_OP_READ), BLKIF_RSP_ERROR);
    q = rw_req(&r, BLKIF_OP_WRITE, 8, 0, 1, pages);
    q->seg[0].first_sect = 5, q->seg[0].last_sect = 4;   /* backwards */
    CHECK_EQ(one(b, &r, 8, BLKIF_OP_WRITE), BLKIF_RSP_ERROR);
    q = rw_req(&r, BLKIF_OP_WRITE, 9, 0, 1, pages);
    q->seg[0].last_sect = 8;                             /* past the page */
    CHECK_EQ(one(b, &r, 9, BLKIF_OP_WRITE), BLKIF_RSP_ERROR);
    q = rw_req(&r, BLKIF_OP_WRITE, 10, DISK_SECTORS - 7, 1, pages);  /* 1 sector too far */
    CHECK_EQ(one(b, &r, 10, BLKIF_OP_WRITE), BLKIF_RSP_ERROR);
    q = rw_req(&r, BLKIF_OP_READ, 11, ~0ull - 3, 1, pages);          /* wraps */
    CHECK_EQ(one(b, &r, 11, BLKIF_OP_READ), BLKIF_RSP_ERROR);
    q = rw_req(&r, BLKIF_OP_READ, 12, DISK_SECTORS - 8, 1, pages);   /* last page: fine */
    CHECK_EQ(one(b, &r, 12, BLKIF_OP_READ), BLKIF_RSP_OKAY);
    for (uint8_t op = 4; op != 0; op = op == 4 ? 7 : op == 7 ? 255 : 0) {
        q = rw_req(&r, op, 13, 0, 1, pages);                         /* unknown ops */
        CHECK_EQ(one(b, &r, 13, op), BLKIF_RSP_EOPNOTSUPP);
    }
    iq = ind_req(&r, BLKIF_OP_WRITE, 14, 0, 257, pages);            /* > advertised */
    CHECK_EQ(one(b, &r, 14, BLKIF_OP_WRITE), BLKIF_RSP_ERROR);
    iq = ind_req(&r, BLKIF_OP_READ, 15, 0, 0, pages);
    CHECK_EQ(one(b, &r, 15, BLKIF_OP_READ), BLKIF_RSP_ERROR);
    iq = ind_req(&r, BLKIF_OP_WRITE, 16, 0, 20, pages);
    iq->indirect_grefs[0] = 2;                                       /* bad indirect page */
    CHECK_EQ(one(b, &r, 16, BLKIF_OP_WRITE), BLKIF_RSP_ERROR);
    iq = ind_req(&r, BLKIF_OP_WRITE, 17, 0, 20, pages);
    bf_entry(&f, iq->indirect_grefs[0])->domid = 4;
    CHECK_EQ(one(b, &r, 17, BLKIF_OP_WRITE), BLKIF_RSP_ERROR);
    iq = ind_req(&r, BLKIF_OP_FLUSH_DISKCACHE, 18, 0, 20, pages);   /* only READ/WRITE */
    CHECK_EQ(one(b, &r, 18, BLKIF_OP_FLUSH_DISKCACHE), BLKIF_RSP_ERROR);
    iq = ind_req(&r, BLKIF_OP_WRITE, 19, DISK_SECTORS - 8 * 19, 20, pages);
    CHECK_EQ(one(b, &r, 19, BLKIF_OP_WRITE), BLKIF_RSP_ERROR);      /* runs off the end */
    discard_req(&r, 20, 8, DISK_SECTORS);                           /* past the end */
    CHECK_EQ(one(b, &r, 20, BLKIF_OP_DISCARD), BLKIF_RSP_ERROR);

    CHECK(file_zero(fd2, 0, DISK_BYTES));
    CHECK_EQ(held_grants(&r), 0);
    blkback_stats(b, &st);
    CHECK_EQ(st.errors, 21);
    CHECK_EQ(st.wr_bytes, 0);
    CHECK(!blkback_queue_broken(b, 0));
    blkback_destroy(b);
    close(fd2);
}

/* One writable grant named by several segments of one request: the maps
 * nest and all of them go; past the 255 maps a grant can hold at once the
 * request fails whole, and nothing stays mapped.  An INDIRECT inside an
 * INDIRECT and a discard whose sector count wraps are refused. */
static void test_same_grant_twice(void)
{
    int fd2;
    struct blkback *b = mk(BLKBACK_ENGINE_SYNC, false, &fd2);
    struct bf_ring r;
    static uint8_t *pages[256];
    struct blkif_request *q;
    struct blkif_request_indirect *iq;
    struct blkif_request_segment *segs;

    if (!b)
        { CHECK(b); return; }
    bf_ring_init(&f, &r, 0, 1);
    CHECK_EQ(blkback_queue_connect(b, 0, r.refs, 0, 1, NULL), 0);
    q = rw_req(&r, BLKIF_OP_READ, 1, 0, 11, pages);
    for (unsigned i = 1; i < 11; i++)
        q->seg[i].gref = q->seg[0].gref;
    CHECK_EQ(one(b, &r, 1, BLKIF_OP_READ), BLKIF_RSP_OKAY);
    CHECK_EQ(held_grants(&r), 0);
    CHECK(bf_end_access(&f, q->seg[0].gref));
    for (unsigned n = 255; n <= 256; n++) {
        iq = ind_req(&r, BLKIF_OP_READ, n, 0, n, pages);
        segs = bf_pfn_ptr(&f, bf_entry(&f, iq->indirect_grefs[0])->frame);
        for (unsigned i = 1; i < n; i++)
            segs[i].gref = segs[0].gref;
        CHECK_EQ(one(b, &r, n, BLKIF_OP_READ), n == 255 ? BLKIF_RSP_OKAY : BLKIF_RSP_ERROR);
        CHECK_EQ(held_grants(&r), 0);
        CHECK_EQ(hv_gnttab_map_count(&f.dom, segs[0].gref), 0);
    }
    iq = ind_req(&r, BLKIF_OP_INDIRECT, 300, 0, 4, pages);
    CHECK_EQ(one(b, &r, 300, BLKIF_OP_INDIRECT), BLKIF_RSP_ERROR);
    discard_req(&r, 301, 8, ~0ull - 4);
    CHECK_EQ(one(b, &r, 301, BLKIF_OP_DISCARD), BLKIF_RSP_ERROR);
    CHECK_EQ(held_grants(&r), 0);
    CHECK(!blkback_queue_broken(b, 0));
    blkback_destroy(b);
    close(fd2);
}

static void test_indirect(enum blkback_engine eng)
{
    int fd2;
    struct blkback *b = mk(eng, false, &fd2);
    struct bf_ring r;
    static uint8_t *pages[256], want[256 * 4096];
    struct blkif_response rsp[4];

    if (!b)
        { CHECK(b); return; }
    bf_ring_init(&f, &r, 0, 1);
    CHECK_EQ(blkback_queue_connect(b, 0, r.refs, 0, 1, NULL), 0);
    ind_req(&r, BLKIF_OP_WRITE, 500, 64, 256, pages);
    for (int i = 0; i < 256; i++) {
        fill(pages[i], 4096, 1000u + (unsigned)i);
        memcpy(want + i * 4096, pages[i], 4096);
    }
    /* Responses carry the indirect_op, as blkfront checks. */
    CHECK_EQ(one(b, &r, 500, BLKIF_OP_WRITE), BLKIF_RSP_OKAY);
    CHECK(file_is(fd2, 64 * 512, want, sizeof(want)));
    ind_req(&r, BLKIF_OP_READ, 501, 64, 256, pages);
    ind_req(&r, BLKIF_OP_READ, 502, 64 + 8, 12, pages + 200);
    CHECK_EQ(serve(b, &r, 0, 2, rsp), 2);
    CHECK_EQ(rsp[0].id, 501);
    CHECK_EQ(rsp[0].operation, BLKIF_OP_READ);
    CHECK_EQ(rsp[0].status + rsp[1].status, 0);
    for (int i = 0; i < 200; i++)
        CHECK(!memcmp(pages[i], want + i * 4096, 4096));
    for (int i = 0; i < 12; i++)
        CHECK(!memcmp(pages[200 + i], want + (i + 1) * 4096, 4096));
    CHECK_EQ(held_grants(&r), 0);
    blkback_destroy(b);
    CHECK_EQ(held_grants(NULL), 0);
    close(fd2);
}

static struct blkif_request *flush_req(struct bf_ring *r, uint8_t op, uint64_t id,
                                       unsigned nseg, uint8_t **pages, uint64_t sector)
{
    struct blkif_request *q = rw_req(r, op, id, sector, nseg, pages);
    for (unsigned i = 0; i < nseg; i++)
        fill(pages[i], 4096, 300 + (unsigned)id + i);
    return q;
}

static void test_flush_discard(enum blkback_engine eng)
{
    int fd2;
    struct blkback *b = mk(eng, false, &fd2);
    struct bf_ring r;
    uint8_t *pages[11];
    struct blkif_request *q;
    struct blkif_response rsp[8];
    struct blkback_stats st;
    struct blkback_info info;

    if (!b)
        { CHECK(b); return; }
    blkback_info(b, &info);
    CHECK_EQ(info.sectors, DISK_SECTORS);
    CHECK_EQ(info.sector_size, 512);
    CHECK(info.flush && info.discard);
    CHECK_EQ(info.info, 0);
    bf_ring_init(&f, &r, 0, 1);
    CHECK_EQ(blkback_queue_connect(b, 0, r.refs, 0, 1, NULL), 0);
    q = flush_req(&r, BLKIF_OP_FLUSH_DISKCACHE, 30, 0, pages, 0);
    q->sector_number = ~0ull;   /* meaningless for an empty flush */
    CHECK_EQ(one(b, &r, 30, BLKIF_OP_FLUSH_DISKCACHE), BLKIF_RSP_OKAY);
    flush_req(&r, BLKIF_OP_FLUSH_DISKCACHE, 31, 2, pages, 40);      /* FUA write */
    CHECK_EQ(one(b, &r, 31, BLKIF_OP_FLUSH_DISKCACHE), BLKIF_RSP_OKAY);
    CHECK(file_is(fd2, 40 * 512, pages[0], 4096));
    CHECK(file_is(fd2, 48 * 512, pages[1], 4096));
    /* A barrier after writes in flight waits for them (io_uring). */
    flush_req(&r, BLKIF_OP_WRITE, 32, 4, pages, 200);
    flush_req(&r, BLKIF_OP_WRITE_BARRIER, 33, 1, pages + 4, 300);
    flush_req(&r, BLKIF_OP_WRITE_BARRIER, 34, 0, pages, 0);
    CHECK_EQ(serve(b, &r, 0, 3, rsp), 3);
    CHECK_EQ(rsp[0].id, 32);
    CHECK_EQ(rsp[1].id, 33);
    CHECK_EQ(rsp[2].id, 34);
    CHECK_EQ(rsp[0].status | rsp[1].status | rsp[2].status, 0);
    CHECK(file_is(fd2, 300 * 512, pages[4], 4096));
    /* Discard: a hole that reads as zeros, size kept. */
    flush_req(&r, BLKIF_OP_WRITE, 35, 8, pages, 1024);
    CHECK_EQ(one(b, &r, 35, BLKIF_OP_WRITE), BLKIF_RSP_OKAY);
    discard_req(&r, 36, 1024 + 8, 16);
    CHECK_EQ(one(b, &r, 36, BLKIF_OP_DISCARD), BLKIF_RSP_OKAY);
    CHECK(file_is(fd2, 1024 * 512, pages[0], 4096));
    CHECK(file_zero(fd2, (1024 + 8) * 512, 16 * 512));
    CHECK(file_is(fd2, (1024 + 24) * 512, pages[3], 4096));
    CHECK_EQ(lseek(fd2, 0, SEEK_END), (off_t)DISK_BYTES);
    blkback_stats(b, &st);
    CHECK_EQ(st.flush_req, 4);   /* 30, 31 (FUA), 33, 34 */
    CHECK_EQ(st.discard_req, 1);
    CHECK_EQ(st.errors, 0);
    CHECK_EQ(held_grants(&r), 0);
    blkback_destroy(b);
    close(fd2);
}

/* A disk fd opened O_APPEND (disk-attach takes any fd): on Linux pwritev
 * and io_uring writes then ignore the offset and append, so every guest
 * write would land past the end of the disk. */
static void test_append_fd(enum blkback_engine eng)
{
    int fd2;
    struct blkback *b;
    struct bf_ring r;
    uint8_t *pages[1], want[4096];
    struct stat st;

    mk_status_flags = O_APPEND;
    b = mk(eng, false, &fd2);
    mk_status_flags = 0;
    if (!b)
        { CHECK(b); return; }
    bf_ring_init(&f, &r, 0, 1);
    CHECK_EQ(blkback_queue_connect(b, 0, r.refs, 0, 1, NULL), 0);
    rw_req(&r, BLKIF_OP_WRITE, 70, 16, 1, pages);
    fill(pages[0], 4096, 70);
    memcpy(want, pages[0], sizeof(want));
    CHECK_EQ(one(b, &r, 70, BLKIF_OP_WRITE), BLKIF_RSP_OKAY);
    CHECK(file_is(fd2, 16 * 512, want, sizeof(want)));
    CHECK(fstat(fd2, &st) == 0 && (uint64_t)st.st_size == DISK_BYTES);
    blkback_destroy(b);
    close(fd2);
}

static void test_readonly(void)
{
    int fd2;
    struct blkback *b = mk(BLKBACK_ENGINE_SYNC, true, &fd2);
    struct bf_ring r;
    uint8_t *pages[16];
    struct blkback_info info;
    static const uint8_t marker[4096] = { 'x', 'y', 'z' };

    if (!b)
        { CHECK(b); return; }
    CHECK_EQ(pwrite(fd2, marker, sizeof(marker), 0), (ssize_t)sizeof(marker));
    blkback_info(b, &info);
    CHECK_EQ(info.info, VDISK_READONLY);
    CHECK(!info.discard);
    bf_ring_init(&f, &r, 0, 1);
    CHECK_EQ(blkback_queue_connect(b, 0, r.refs, 0, 1, NULL), 0);
    flush_req(&r, BLKIF_OP_WRITE, 40, 1, pages, 0);
    CHECK_EQ(one(b, &r, 40, BLKIF_OP_WRITE), BLKIF_RSP_ERROR);
    flush_req(&r, BLKIF_OP_FLUSH_DISKCACHE, 41, 1, pages, 0);
    CHECK_EQ(one(b, &r, 41, BLKIF_OP_FLUSH_DISKCACHE), BLKIF_RSP_ERROR);
    flush_req(&r, BLKIF_OP_WRITE_BARRIER, 42, 1, pages, 0);
    CHECK_EQ(one(b, &r, 42, BLKIF_OP_WRITE_BARRIER), BLKIF_RSP_ERROR);
    ind_req(&r, BLKIF_OP_WRITE, 43, 0, 16, pages);
    CHECK_EQ(one(b, &r, 43, BLKIF_OP_WRITE), BLKIF_RSP_ERROR);
    discard_req(&r, 44, 0, 8);
    CHECK_EQ(one(b, &r, 44, BLKIF_OP_DISCARD), BLKIF_RSP_ERROR);
    flush_req(&r, BLKIF_OP_FLUSH_DISKCACHE, 45, 0, pages, 0);      /* empty flush */
    CHECK_EQ(one(b, &r, 45, BLKIF_OP_FLUSH_DISKCACHE), BLKIF_RSP_OKAY);
    rw_req(&r, BLKIF_OP_READ, 46, 0, 1, pages);
    CHECK_EQ(one(b, &r, 46, BLKIF_OP_READ), BLKIF_RSP_OKAY);
    CHECK(!memcmp(pages[0], marker, 4096));
    CHECK(file_is(fd2, 0, marker, sizeof(marker)));
    CHECK(file_zero(fd2, 4096, DISK_BYTES - 4096));
    CHECK_EQ(held_grants(&r), 0);
    blkback_destroy(b);
    close(fd2);
}

static void test_broken_ring(void)
{
    int fd2;
    struct blkback *b = mk(BLKBACK_ENGINE_SYNC, false, &fd2);
    struct bf_ring r;
    struct blkif_response rsp;
    uint8_t *pages[1];
    unsigned logs = f.logs;

    if (!b)
        { CHECK(b); return; }
    bf_ring_init(&f, &r, 0, 1);
    CHECK_EQ(blkback_queue_connect(b, 0, r.refs, 0, 1, NULL), 0);
    rw_req(&r, BLKIF_OP_WRITE, 50, 0, 1, pages);
    bf_push(&r);
    r.sring->req_prod += 32;                 /* 33 requests on a 32-slot ring */
    blkback_queue_event(b, 0);
    CHECK(blkback_queue_broken(b, 0));
    CHECK_EQ(f.logs, logs + 1);
    CHECK(strstr(f.last_log, "ring broken") != NULL);
    CHECK_EQ(bf_take(&r, &rsp), 0);
    blkback_queue_event(b, 0);               /* stays quiet */
    CHECK_EQ(f.logs, logs + 1);
    CHECK(file_zero(fd2, 0, 4096));
    blkback_disconnect(b);
    /* The frontend reconnects with a fresh ring: served again. */
    bf_ring_init(&f, &r, 0, 1);
    CHECK_EQ(blkback_queue_connect(b, 0, r.refs, 0, 1, NULL), 0);
    CHECK(!blkback_queue_broken(b, 0));
    rw_req(&r, BLKIF_OP_READ, 51, 0, 1, pages);
    CHECK_EQ(one(b, &r, 51, BLKIF_OP_READ), BLKIF_RSP_OKAY);
    blkback_destroy(b);
    CHECK_EQ(held_grants(NULL), 0);
    close(fd2);
}

/* A guest vCPU moving req_prod back while requests are in flight, to a
 * value still ahead of rsp_prod_pvt but behind req_cons: the pass must
 * call the ring broken, not consume 2^32 slots until req_cons wraps
 * around to it (the I/O thread would spin for minutes). */
static blkif_sring_t *rewind_sring;
static uint32_t rewind_ref;

static void rewind_on_map(uint32_t ref)
{
    if (ref == rewind_ref)
        __atomic_store_n(&rewind_sring->req_prod, 1, __ATOMIC_RELEASE);
}

static const char *spin_msg = "FAIL: blkback: the ring pass did not stop after req_prod "
                             "moved back behind req_cons\n";

static void spin_alarm(int sig)
{
    (void)sig;
    (void)!write(2, spin_msg, strlen(spin_msg));
    _exit(1);
}

static void test_req_prod_backwards(void)
{
    int fd2;
    struct blkback *b = mk(BLKBACK_ENGINE_SYNC, false, &fd2);
    struct bf_ring r;
    struct blkif_response rsp[4];
    uint8_t *pages[1];
    int got = 0;

    if (!b)
        { CHECK(b); return; }
    bf_ring_init(&f, &r, 0, 1);
    CHECK_EQ(blkback_queue_connect(b, 0, r.refs, 0, 1, NULL), 0);
    rw_req(&r, BLKIF_OP_READ, 60, 0, 1, pages);
    rewind_ref = rw_req(&r, BLKIF_OP_READ, 61, 8, 1, pages)->seg[0].gref;
    rewind_sring = r.sring;
    f.on_map = rewind_on_map;
    signal(SIGALRM, spin_alarm);
    alarm(20);
    bf_push(&r);
    blkback_queue_event(b, 0);
    alarm(0);
    f.on_map = NULL;
    CHECK(blkback_queue_broken(b, 0));
    CHECK(strstr(f.last_log, "ring broken") != NULL);
    while (got < 4 && bf_take(&r, &rsp[got]))
        got++;
    CHECK_EQ(got, 2);                        /* the two real reads, nothing else */
    CHECK_EQ(rsp[0].id, 60);
    CHECK_EQ(rsp[1].id, 61);
    CHECK_EQ(held_grants(&r), 0);
    blkback_destroy(b);
    CHECK_EQ(held_grants(NULL), 0);
    close(fd2);
}

/* A guest vCPU refilling the ring as fast as the backend answers, with
 * requests that fail at once (no I/O to wait for): one event must not
 * keep the I/O thread for ever.  The pass stops after its budget with
 * blkback_queue_more() set, and the next event goes on. */
static struct bf_ring *spam_ring;
static unsigned spam_refills;
#define SPAM_LIMIT 100000u

static void spam_on_dirty(void *p, size_t len)
{
    blkif_sring_t *s = spam_ring->sring;
    RING_IDX i = s->req_prod;

    (void)p;
    if (len != sizeof(struct blkif_response) || spam_refills >= SPAM_LIMIT)
        return;
    spam_refills++;
    struct blkif_request *q = RING_GET_REQUEST(&spam_ring->ring, i);
    memset(q, 0, sizeof(*q));
    q->operation = 0xee;                     /* unknown: EOPNOTSUPP at once */
    q->id = i;
    __atomic_store_n(&s->req_prod, i + 1, __ATOMIC_RELEASE);
}

static void test_pass_budget(void)
{
    int fd2;
    struct blkback *b = mk(BLKBACK_ENGINE_SYNC, false, &fd2);
    struct bf_ring r;
    struct blkif_request *q;
    unsigned events = 0, last = 0, most = 0;

    if (!b)
        { CHECK(b); return; }
    bf_ring_init(&f, &r, 0, 1);
    CHECK_EQ(blkback_queue_connect(b, 0, r.refs, 0, 1, NULL), 0);
    q = bf_next(&r);
    q->operation = 0xee;
    q->id = 0;
    bf_push(&r);
    spam_ring = &r;
    spam_refills = 0;
    f.on_dirty = spam_on_dirty;
    spin_msg = "FAIL: blkback: the ring pass did not stop while the guest kept refilling\n";
    signal(SIGALRM, spin_alarm);
    alarm(60);
    do {
        blkback_queue_event(b, 0);
        events++;
        if (spam_refills - last > most)
            most = spam_refills - last;
        last = spam_refills;
    } while (blkback_queue_more(b, 0) && events < 10000);
    alarm(0);
    f.on_dirty = NULL;
    CHECK(most <= BLKBACK_QUEUE_BUDGET);
    CHECK(events > SPAM_LIMIT / BLKBACK_QUEUE_BUDGET);
    CHECK_EQ(spam_refills, SPAM_LIMIT);
    CHECK(!blkback_queue_more(b, 0));
    CHECK(!blkback_queue_broken(b, 0));
    /* Every request answered, and the ring still serves. */
    CHECK_EQ(r.sring->rsp_prod, SPAM_LIMIT + 1);
    uint8_t *pages[1];
    r.ring.req_prod_pvt = r.sring->req_prod;
    r.ring.rsp_cons = r.sring->rsp_prod;
    rw_req(&r, BLKIF_OP_READ, 77, 0, 1, pages);
    CHECK_EQ(one(b, &r, 77, BLKIF_OP_READ), BLKIF_RSP_OKAY);
    blkback_destroy(b);
    CHECK_EQ(held_grants(NULL), 0);
    close(fd2);
}

static void test_connect_errors(void)
{
    int fd2;
    struct blkback *b = mk(BLKBACK_ENGINE_SYNC, false, &fd2);
    struct bf_ring r;

    if (!b)
        { CHECK(b); return; }
    bf_ring_init(&f, &r, 4, 2);
    unsigned logs = f.logs;
    CHECK_EQ(blkback_queue_connect(b, 0, r.refs, 5, 2, NULL), -EINVAL);
    CHECK_EQ(f.logs, logs + 1);
    CHECK(strstr(f.last_log, "ring-page-order 5") != NULL);
    CHECK_EQ(blkback_queue_connect(b, 0, r.refs, 200, 2, NULL), -EINVAL);
    CHECK_EQ(blkback_queue_connect(b, BLKBACK_MAX_QUEUES, r.refs, 0, 2, NULL), -EINVAL);
    CHECK_EQ(blkback_queue_connect(b, 0, r.refs, 0, 2, "x86_32-abi"), -EPROTONOSUPPORT);
    f.fail_ring_map = -EIO;
    CHECK_EQ(blkback_queue_connect(b, 0, r.refs, 4, 2, NULL), -EIO);
    f.fail_ring_map = 0;
    uint32_t bad[16];
    memcpy(bad, r.refs, sizeof(bad));
    bad[9] = 1;
    CHECK(blkback_queue_connect(b, 0, bad, 4, 2, NULL) < 0);
    CHECK(!blkback_queue_connected(b, 0));
    CHECK_EQ(held_grants(NULL), 0);
    CHECK_EQ(blkback_queue_connect(b, 0, r.refs, 4, 2, NULL), 0);
    CHECK_EQ(blkback_queue_connect(b, 0, r.refs, 4, 2, NULL), -EBUSY);
    CHECK_EQ(blkback_port_queue(b, 2), 0);
    CHECK_EQ(blkback_port_queue(b, 3), -1);
    blkback_destroy(b);
    CHECK_EQ(held_grants(NULL), 0);
    close(fd2);
    /* Not a disk. */
    char err[128];
    int pfd[2];
    CHECK_EQ(pipe(pfd), 0);
    struct blkback_params p = { .fd = pfd[0], .engine = BLKBACK_ENGINE_SYNC };
    CHECK(blkback_create(&p, &bf_env_ops, &f, err, sizeof(err)) == NULL);
    CHECK(strstr(err, "fd") != NULL);
    CHECK(fcntl(pfd[0], F_GETFD) < 0);       /* fd taken and closed */
    close(pfd[1]);
}

/* A multi-page ring wrapping several times, and one notification for a
 * batch of requests pushed together. */
static void test_big_ring(enum blkback_engine eng)
{
    int fd2;
    struct blkback *b = mk(eng, false, &fd2);
    struct bf_ring r;
    uint8_t *pages[1];
    static struct blkif_response rsp[128];
    unsigned done = 0, bad = 0;

    if (!b)
        { CHECK(b); return; }
    bf_ring_init(&f, &r, 2, 3);                /* 4 pages, 128 slots */
    CHECK_EQ(RING_SIZE(&r.ring), 128);
    CHECK_EQ(blkback_queue_connect(b, 0, r.refs, 2, 3, NULL), 0);
    for (int round = 0; round < 5; round++) {
        unsigned before = f.notifies[3];
        for (int i = 0; i < 100; i++)
            rw_req(&r, BLKIF_OP_READ, (uint64_t)round * 1000 + (uint64_t)i,
                   (uint64_t)i * 8, 1, pages);
        int n = serve(b, &r, 0, 100, rsp);
        CHECK_EQ(n, 100);
        for (int i = 0; i < n; i++) {
            done++;
            bad += rsp[i].status != 0 || rsp[i].operation != BLKIF_OP_READ;
        }
        if (eng == BLKBACK_ENGINE_SYNC)
            CHECK_EQ(f.notifies[3] - before, 1);
    }
    CHECK_EQ(done, 500);
    CHECK_EQ(bad, 0);
    CHECK_EQ(held_grants(&r), 0);
    blkback_destroy(b);
    CHECK_EQ(held_grants(NULL), 0);
    close(fd2);
}

/* The coalescing rule itself, driven directly: a small round is held while
 * many requests are in flight, and goes out on the timer or when forced. */
static void test_coalescing(void)
{
    int fd2;
    struct blkback *b = mk(BLKBACK_ENGINE_URING, false, &fd2);
    struct bf_ring r;
    struct blk_queue *q;

    if (!b) { CHECK(b); return; }
    CHECK(blkback_io_fd(b) >= 0);
    bf_ring_init(&f, &r, 0, 6);
    CHECK_EQ(blkback_queue_connect(b, 0, r.refs, 0, 6, NULL), 0);
    q = &b->q[0];
    unsigned notes = f.notifies[6];
    q->inflight = 10;                        /* pretend: 10 requests in flight */
    for (int i = 0; i < 3; i++)
        blk_queue_respond(q, 900 + (uint64_t)i, BLKIF_OP_READ, BLKIF_RSP_OKAY);
    blk_push_round(b, false);
    CHECK_EQ(r.sring->rsp_prod, 0);          /* held */
    CHECK(b->timer_armed);
    struct pollfd pfd = { .fd = blkback_io_fd(b), .events = POLLIN };
    CHECK_EQ(poll(&pfd, 1, 1000), 1);        /* the timer fires within 50 us */
    blkback_io_event(b);
    CHECK_EQ(r.sring->rsp_prod, 3);
    CHECK_EQ(f.notifies[6], notes + 1);
    CHECK(!b->timer_armed);
    for (int i = 0; i < 8; i++)              /* 8 waiting: out at once */
        blk_queue_respond(q, 910 + (uint64_t)i, BLKIF_OP_READ, BLKIF_RSP_OKAY);
    blk_push_round(b, false);
    CHECK_EQ(r.sring->rsp_prod, 11);
    q->inflight = 2;                          /* few in flight: never held */
    blk_queue_respond(q, 920, BLKIF_OP_READ, BLKIF_RSP_OKAY);
    blk_push_round(b, false);
    CHECK_EQ(r.sring->rsp_prod, 12);
    q->inflight = 0;
    blkback_destroy(b);
    close(fd2);
}

/* Random writes, FUA writes, flushes and reads (direct and indirect) over
 * two queues, checked against a model of the disk. */
static void test_integrity(enum blkback_engine eng, bool force_bounce)
{
    int fd2;
    struct blkback *b = mk(eng, false, &fd2);
    struct bf_ring r[2];
    static uint8_t model[DISK_BYTES];
    uint8_t *pages[64];
    struct blkif_response rsp[16];
    unsigned seed = 12345, mismatches = 0, errors = 0;
    struct blkback_stats st;

    if (!b)
        { CHECK(b); return; }
    printf("integrity: engine %s, O_DIRECT %s%s\n", eng == BLKBACK_ENGINE_SYNC ? "sync" : "io_uring",
           b->direct ? "on" : "off", force_bounce ? ", bounce forced" : "");
    if (force_bounce) {                       /* pretend O_DIRECT wants 4 KiB */
        b->direct = true;
        b->dio_mem_align = 4096;
        b->dio_off_align = 512;
    }
    memset(model, 0, sizeof(model));
    for (unsigned i = 0; i < 2; i++) {
        bf_ring_init(&f, &r[i], i, 4 + i);
        CHECK_EQ(blkback_queue_connect(b, i, r[i].refs, i, 4 + i, NULL), 0);
    }
    for (int it = 0; it < 300; it++) {
        unsigned qi = (unsigned)rand_r(&seed) % 2;
        bool indirect = rand_r(&seed) % 3 == 0;
        unsigned nseg = 1 + (unsigned)rand_r(&seed) % (indirect ? 64 : 11);
        unsigned kind = (unsigned)rand_r(&seed) % 4;   /* 0 read, 1 write, 2 FUA, 3 flush */
        uint8_t first = (uint8_t)(rand_r(&seed) % 8), last;
        last = (uint8_t)(first + (unsigned)rand_r(&seed) % (8u - first));
        if (indirect && kind >= 2)
            kind = 1;
        uint8_t op = kind == 0 ? BLKIF_OP_READ : kind == 1 ? BLKIF_OP_WRITE
                                                            : BLKIF_OP_FLUSH_DISKCACHE;
        uint64_t nsect = (uint64_t)nseg * (last - first + 1u);
        uint64_t sector = (uint64_t)rand_r(&seed) % (DISK_SECTORS - nsect);
        struct blkif_request_segment *segs;
        if (kind == 3)
            nseg = 0;
        if (indirect) {
            struct blkif_request_indirect *iq = ind_req(&r[qi], op, (uint64_t)it, sector, nseg, pages);
            segs = bf_pfn_ptr(&f, bf_entry(&f, iq->indirect_grefs[0])->frame);
        } else {
            struct blkif_request *q = rw_req(&r[qi], op, (uint64_t)it, sector, nseg, pages);
            segs = q->seg;
        }
        for (unsigned i = 0; i < nseg; i++) {
            segs[i].first_sect = first;
            segs[i].last_sect = last;
            size_t len = (last - first + 1u) * 512u;
            uint64_t off = (sector * 512) + i * len;
            if (kind == 1 || kind == 2) {
                fill(pages[i] + first * 512, len, (unsigned)it * 7 + i);
                memcpy(model + off, pages[i] + first * 512, len);
            } else {
                memset(pages[i], 0xee, 4096);
            }
        }
        if (serve(b, &r[qi], qi, 1, rsp) != 1 || rsp[0].status != 0 ||
            rsp[0].id != (uint64_t)it) {
            errors++;
            continue;
        }
        for (unsigned i = 0; kind == 0 && i < nseg; i++) {
            size_t len = (last - first + 1u) * 512u;
            mismatches += memcmp(pages[i] + first * 512, model + sector * 512 + i * len, len) != 0;
        }
    }
    CHECK_EQ(errors, 0);
    CHECK_EQ(mismatches, 0);
    CHECK(file_is(fd2, 0, model, sizeof(model)));
    blkback_stats(b, &st);
    CHECK(st.rd_req > 30 && st.wr_req > 30 && st.flush_req > 10);
    if (force_bounce)
        CHECK(st.bounced > 0);
    CHECK_EQ(held_grants(&r[1]) , 1u << r[0].order);   /* only queue 0's ring */
    blkback_destroy(b);
    CHECK_EQ(held_grants(NULL), 0);
    close(fd2);
}

/* A full host filesystem: the disk is a sparse 4 MiB file on a 64 KiB
 * tmpfs (in a mount namespace of our own; needs root).  Writes past
 * the space get BLKIF_RSP_ERROR, never OKAY; what was written before
 * still reads back; the backend goes on serving; no grant stays held. */
static void test_full_fs(enum blkback_engine eng)
{
    char dir[] = "/tmp/blkback-full-XXXXXX";
    const char *old = getenv("TMPDIR");
    struct blkback *b;
    struct bf_ring r;
    uint8_t *pages[BLKIF_MAX_SEGMENTS_PER_REQUEST], want[4096];
    int fd2, okays = 0, errors = 0;

    if (geteuid() != 0) {
        fprintf(stderr, "test_full_fs needs root (it mounts a 64 KiB tmpfs): run the unit "
                        "suite as root\n");
        CHECK(geteuid() == 0);
        return;
    }
    if (!mkdtemp(dir) || unshare(CLONE_NEWNS) ||
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
        mount("xeno-full", dir, "tmpfs", 0, "size=64k")) {
        fprintf(stderr, "test_full_fs: cannot mount a small tmpfs on %s: %s\n", dir,
                strerror(errno));
        CHECK(0);
        return;
    }
    setenv("TMPDIR", dir, 1);
    b = mk(eng, false, &fd2);
    old ? setenv("TMPDIR", old, 1) : unsetenv("TMPDIR");
    if (!b) {
        CHECK(b);
        goto out;
    }
    bf_ring_init(&f, &r, 0, 1);
    CHECK_EQ(blkback_queue_connect(b, 0, r.refs, 0, 1, NULL), 0);
    rw_req(&r, BLKIF_OP_WRITE, 1, 0, 1, pages);
    fill(pages[0], 4096, 81);
    memcpy(want, pages[0], sizeof(want));
    CHECK_EQ(one(b, &r, 1, BLKIF_OP_WRITE), BLKIF_RSP_OKAY);
    for (uint64_t id = 2; id < 12 && !errors; id++) {
        rw_req(&r, BLKIF_OP_WRITE, id, 8 + (id - 2) * 88, BLKIF_MAX_SEGMENTS_PER_REQUEST, pages);
        for (unsigned i = 0; i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++)
            fill(pages[i], 4096, (unsigned)(id * 16 + i));
        int16_t st = one(b, &r, id, BLKIF_OP_WRITE);
        CHECK(st == BLKIF_RSP_OKAY || st == BLKIF_RSP_ERROR);
        st == BLKIF_RSP_OKAY ? okays++ : errors++;
    }
    CHECK(errors == 1);          /* 10 x 44 KiB cannot fit in 64 KiB */
    CHECK(okays < 2);
    CHECK(strstr(f.last_log, "No space left on device") != NULL);
    struct blkback_stats st;
    blkback_stats(b, &st);
    CHECK_EQ(st.io_errors, 1);
    rw_req(&r, BLKIF_OP_READ, 20, 0, 1, pages);
    memset(pages[0], 0, 4096);
    CHECK_EQ(one(b, &r, 20, BLKIF_OP_READ), BLKIF_RSP_OKAY);
    CHECK(memcmp(pages[0], want, sizeof(want)) == 0);
    CHECK(file_is(fd2, 0, want, sizeof(want)));
    blkback_destroy(b);
    CHECK_EQ(held_grants(NULL), 0);
    close(fd2);
out:
    umount2(dir, MNT_DETACH);
    rmdir(dir);
}

int main(void)
{
    if (bf_init(&f, 64)) {
        fprintf(stderr, "cannot set up a memfd guest\n");
        return 1;
    }
    test_rw(BLKBACK_ENGINE_SYNC);
    test_rw(BLKBACK_ENGINE_URING);
    test_hostile_requests();
    test_same_grant_twice();
    test_indirect(BLKBACK_ENGINE_SYNC);
    test_indirect(BLKBACK_ENGINE_URING);
    test_flush_discard(BLKBACK_ENGINE_SYNC);
    test_flush_discard(BLKBACK_ENGINE_URING);
    test_readonly();
    test_full_fs(BLKBACK_ENGINE_SYNC);
    test_full_fs(BLKBACK_ENGINE_URING);
    test_append_fd(BLKBACK_ENGINE_SYNC);
    test_append_fd(BLKBACK_ENGINE_URING);
    test_broken_ring();
    test_req_prod_backwards();
    test_pass_budget();
    test_connect_errors();
    test_big_ring(BLKBACK_ENGINE_SYNC);
    test_big_ring(BLKBACK_ENGINE_URING);
    test_coalescing();
    test_integrity(BLKBACK_ENGINE_SYNC, false);
    test_integrity(BLKBACK_ENGINE_URING, false);
    test_integrity(BLKBACK_ENGINE_URING, true);
    bf_destroy(&f);
    return check_done("blkback");
}
