/* bench/blk: a synthetic blkif frontend driving the real block backend
 * (blkback core, io_uring engine, hv grant mapping, the VMM's gntmap) over
 * a memfd "guest", the way xen-blkfront does: one grant per data page per
 * request, RING_PUSH_REQUESTS_AND_CHECK_NOTIFY to decide whether to kick
 * the backend, RING_FINAL_CHECK_FOR_RESPONSES before waiting, and every
 * grant revoked on completion (a revoke that fails = a grant the backend
 * still held).  Prints one line per workload:
 *
 *   name MiB/s IOPS cpu-s-per-GiB guest-notifies/req backend-kicks/req
 *
 * Usage: blkbench FILE [-t seconds] [-w workload] [-n requests] [-e sync] [-i]
 *   -n: a fixed number of requests instead of a time (callgrind runs);
 *   -i: print whether the backend uses O_DIRECT on FILE ("direct=1") and exit.
 * FILE must exist and be at least 64 MiB; it is overwritten. */
#include "blk_front.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PORT 1
#define MAX_QD 32
#define MAX_PAGES 256          /* 1 MiB per request, indirect */

struct workload {
    const char *name;
    bool write, seq;
    unsigned bs, qd;
};

static const struct workload workloads[] = {
    { "seqread-1m-qd8", false, true, 1 << 20, 8 },
    { "seqwrite-1m-qd8", true, true, 1 << 20, 8 },
    { "randread-4k-qd1", false, false, 4096, 1 },
    { "randread-4k-qd32", false, false, 4096, 32 },
    { "randwrite-4k-qd1", true, false, 4096, 1 },
    { "randwrite-4k-qd32", true, false, 4096, 32 },
};

struct slot {
    uint64_t pfn;              /* first of MAX_PAGES data pages */
    uint64_t ind_pfn;          /* indirect page */
    uint32_t refs[MAX_PAGES + 1];
    unsigned nrefs;
    bool busy;
};

static struct blk_front f;
static struct slot slots[MAX_QD];
static uint64_t file_bytes, next_seq;
static unsigned revoke_failures;
static unsigned rng = 2463534242u;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static uint32_t xorshift(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static uint64_t next_offset(const struct workload *w)
{
    uint64_t blocks = file_bytes / w->bs, off;

    if (w->seq) {
        off = next_seq;
        next_seq = (next_seq + w->bs) % (blocks * w->bs);
        return off;
    }
    return ((uint64_t)xorshift() * 65536 + xorshift() % 65536) % blocks * w->bs;
}

static void issue(struct bf_ring *r, const struct workload *w, unsigned s)
{
    struct slot *sl = &slots[s];
    unsigned pages = w->bs / 4096;
    uint8_t op = w->write ? BLKIF_OP_WRITE : BLKIF_OP_READ;
    struct blkif_request *q = bf_next(r);
    struct blkif_request_segment *segs = q->seg;

    q->id = s;
    q->sector_number = next_offset(w) / 512;
    sl->nrefs = 0;
    if (pages > BLKIF_MAX_SEGMENTS_PER_REQUEST) {
        struct blkif_request_indirect *iq = (void *)q;
        iq->operation = BLKIF_OP_INDIRECT;
        iq->indirect_op = op;
        iq->nr_segments = (uint16_t)pages;
        iq->indirect_grefs[0] = sl->refs[sl->nrefs++] = bf_grant(&f, sl->ind_pfn, true);
        segs = bf_pfn_ptr(&f, sl->ind_pfn);
    } else {
        q->operation = op;
        q->nr_segments = (uint8_t)pages;
    }
    for (unsigned i = 0; i < pages; i++) {
        uint32_t ref = bf_grant(&f, sl->pfn + i, w->write);
        sl->refs[sl->nrefs++] = ref;
        segs[i] = (struct blkif_request_segment){ .gref = ref, .first_sect = 0,
                                                  .last_sect = 7 };
    }
    sl->busy = true;
}

static unsigned complete_all(struct bf_ring *r, unsigned *errors)
{
    struct blkif_response rsp;
    unsigned n = 0;
    int more;

    do {
        while (r->ring.rsp_cons != __atomic_load_n(&r->sring->rsp_prod, __ATOMIC_ACQUIRE)) {
            RING_COPY_RESPONSE(&r->ring, r->ring.rsp_cons, &rsp);
            r->ring.rsp_cons++;
            if (rsp.id >= MAX_QD || !slots[rsp.id].busy) {
                (*errors)++;
                continue;
            }
            struct slot *sl = &slots[rsp.id];
            for (unsigned i = 0; i < sl->nrefs; i++)
                revoke_failures += !bf_end_access(&f, sl->refs[i]);
            sl->busy = false;
            *errors += rsp.status != BLKIF_RSP_OKAY;
            n++;
        }
        RING_FINAL_CHECK_FOR_RESPONSES(&r->ring, more);
    } while (more);
    return n;
}

struct result {
    double secs, cpu;
    uint64_t reqs, bytes, kicks, notifies;
    unsigned errors;
};

static void run(struct blkback *b, struct bf_ring *r, const struct workload *w,
                double seconds, uint64_t count, struct result *res)
{
    unsigned inflight = 0, notes0 = f.notifies[PORT];
    double t0 = now_s(), c0 = cpu_s(), deadline = t0 + seconds;
    uint64_t issued = 0;

    memset(res, 0, sizeof(*res));
    next_seq = 0;
    for (;;) {
        bool more_to_issue = count ? issued < count : now_s() < deadline;
        int notify = 0;
        if (!more_to_issue && inflight == 0)
            break;
        for (unsigned s = 0; more_to_issue && s < w->qd && inflight < w->qd; s++)
            if (!slots[s].busy) {
                issue(r, w, s);
                inflight++;
                issued++;
                more_to_issue = count ? issued < count : true;
            }
        RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&r->ring, notify);
        if (notify) {
            res->kicks++;
            blkback_queue_event(b, 0);
        }
        unsigned done = complete_all(r, &res->errors);
        if (!done && blkback_io_fd(b) >= 0) {
            struct pollfd pfd = { .fd = blkback_io_fd(b), .events = POLLIN };
            if (poll(&pfd, 1, 1000) > 0)
                blkback_io_event(b);
            done = complete_all(r, &res->errors);
        }
        inflight -= done;
        res->reqs += done;
    }
    res->secs = now_s() - t0;
    res->cpu = cpu_s() - c0;
    res->bytes = res->reqs * w->bs;
    res->notifies = f.notifies[PORT] - notes0;
}

static void report(const struct workload *w, const struct result *r)
{
    double gib = (double)r->bytes / (1u << 30);
    printf("%-18s %9.1f MiB/s %9.0f IOPS %7.3f cpu-s/GiB %6.3f notif/req %6.3f kicks/req%s\n",
           w->name, (double)r->bytes / (1 << 20) / r->secs, (double)r->reqs / r->secs,
           gib > 0 ? r->cpu / gib : 0, r->reqs ? (double)r->notifies / (double)r->reqs : 0,
           r->reqs ? (double)r->kicks / (double)r->reqs : 0,
           r->errors ? "  ERRORS" : "");
}

static int setup(const char *path, enum blkback_engine eng, struct blkback **bp,
                 struct bf_ring *r)
{
    char err[160];
    struct stat st;
    int fd = open(path, O_RDWR | O_CLOEXEC);

    if (fd < 0 || fstat(fd, &st) < 0 || st.st_size < (64 << 20)) {
        fprintf(stderr, "blkbench: %s: need an existing file of 64 MiB or more\n", path);
        return -1;
    }
    file_bytes = (uint64_t)st.st_size & ~((1ull << 20) - 1);
    if (bf_init(&f, 256) || hv_gnttab_grow(&f.dom, HV_GNTTAB_MAX_FRAMES)) {
        fprintf(stderr, "blkbench: cannot set up the memfd guest\n");
        return -1;
    }
    for (unsigned s = 0; s < MAX_QD; s++) {
        bf_alloc(&f, MAX_PAGES, &slots[s].pfn);
        bf_alloc(&f, 1, &slots[s].ind_pfn);
        memset(bf_pfn_ptr(&f, slots[s].pfn), 0x5a, MAX_PAGES * 4096);
    }
    struct blkback_params p = { .fd = fd, .engine = eng };
    *bp = blkback_create(&p, &bf_env_ops, &f, err, sizeof(err));
    if (!*bp) {
        fprintf(stderr, "blkbench: %s\n", err);
        return -1;
    }
    bf_ring_init(&f, r, 0, PORT);
    return blkback_queue_connect(*bp, 0, r->refs, 0, PORT, NULL);
}

int main(int argc, char **argv)
{
    double seconds = 5;
    uint64_t count = 0;
    const char *only = NULL;
    enum blkback_engine eng = BLKBACK_ENGINE_URING;
    struct blkback *b;
    struct bf_ring r;
    int c;

    bool info = false;

    while ((c = getopt(argc, argv, "t:w:n:e:i")) != -1) {
        switch (c) {
        case 't': seconds = atof(optarg); break;
        case 'w': only = optarg; break;
        case 'n': count = strtoull(optarg, NULL, 0); break;
        case 'e': eng = strcmp(optarg, "sync") ? BLKBACK_ENGINE_URING : BLKBACK_ENGINE_SYNC; break;
        case 'i': info = true; break;
        default: return 2;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "usage: blkbench FILE [-t s] [-w workload] [-n requests] [-e sync]\n");
        return 2;
    }
    if (setup(argv[optind], eng, &b, &r))
        return 1;
    if (info) {
        printf("direct=%d\n", b->direct);
        blkback_destroy(b);
        return 0;
    }
    for (size_t i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++) {
        struct result res;
        if (only && strcmp(only, workloads[i].name))
            continue;
        run(b, &r, &workloads[i], seconds, count, &res);
        report(&workloads[i], &res);
        if (res.errors)
            return 1;
    }
    struct blkback_stats st;
    blkback_stats(b, &st);
    blkback_destroy(b);
    if (revoke_failures) {
        fprintf(stderr, "blkbench: %u grants still mapped at completion\n", revoke_failures);
        return 1;
    }
    fprintf(stderr, "blkbench: backend %llu reads, %llu writes, %llu bounced, %llu errors\n",
            (unsigned long long)st.rd_req, (unsigned long long)st.wr_req,
            (unsigned long long)st.bounced, (unsigned long long)st.errors);
    return 0;
}
