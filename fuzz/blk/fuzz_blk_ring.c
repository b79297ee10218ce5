/* libFuzzer target: the block backend's request path under a hostile
 * frontend.  The input supplies the grant entries of 32 data pages (flags
 * and domid), an indirect page's segments, the ring's requests and a
 * req_prod perturbation, before the pass (forward only) or by a "guest
 * vCPU" in the middle of it, at the backend's first grant map (to any
 * value, behind req_cons too); the backend runs with the sync engine over a
 * memfd disk.  Invariants checked after every input (abort = finding):
 * no grant stays mapped after disconnect, no more responses than requests,
 * every response echoes a request's id (unless a segment names a page of
 * the ring itself: a read then writes disk data over the guest's ring,
 * its own business). */
#include "blk_front.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define NDATA 32
#define DATA_REF0 8u
#define IND_REF (DATA_REF0 + NDATA)
#define DISK_BYTES (1u << 20)

struct hdr {
    uint8_t order;          /* ring-page-order, taken modulo 3 */
    uint8_t flags;          /* bit 0 read-only disk, bit 1 perturb req_prod,
                             * bit 2 set req_prod = prod_delta mid-pass */
    uint8_t nreq;
    uint8_t prod_delta;
    struct { uint16_t flags, domid; } g[NDATA];
    struct blkif_request_segment ind[64];
};

static struct blk_front f;
static int disk_fd = -1;
static blkif_sring_t *midpass_sring;
static RING_IDX midpass_prod;

/* The first grant map of the pass: the guest rewrites req_prod once. */
static void midpass_map(uint32_t ref)
{
    (void)ref;
    if (midpass_sring)
        __atomic_store_n(&midpass_sring->req_prod, midpass_prod, __ATOMIC_RELEASE);
    midpass_sring = NULL;
}
static uint64_t data_pfn, ind_pfn;

static int setup(void)
{
    if (bf_init(&f, 16))
        return -1;
    disk_fd = memfd_create("fuzz-disk", MFD_CLOEXEC);
    if (disk_fd < 0 || ftruncate(disk_fd, DISK_BYTES) < 0)
        return -1;
    bf_alloc(&f, NDATA, &data_pfn);
    bf_alloc(&f, 1, &ind_pfn);
    return 0;
}

static void set_grants(const struct hdr *h)
{
    for (unsigned i = 0; i < NDATA; i++) {
        grant_entry_v1_t *e = bf_entry(&f, DATA_REF0 + i);
        e->frame = (uint32_t)(data_pfn + i);
        e->domid = h->g[i].domid & 0x8001 ? h->g[i].domid : 0; /* mostly ours */
        e->flags = h->g[i].flags;
    }
    grant_entry_v1_t *e = bf_entry(&f, IND_REF);
    e->frame = (uint32_t)ind_pfn;
    e->domid = 0;
    e->flags = GTF_permit_access | GTF_readonly;
    memcpy(bf_pfn_ptr(&f, ind_pfn), h->ind, sizeof(h->ind));
}

/* Does a request, or the indirect page, name one of the ring's pages as
 * a data segment? */
static bool names_ring(const struct hdr *h, const struct bf_ring *r,
                       const struct blkif_request *reqs, unsigned n)
{
    unsigned nr = 1u << r->order;

    for (unsigned i = 0; i < n * BLKIF_MAX_SEGMENTS_PER_REQUEST; i++)
        if (reqs[i / BLKIF_MAX_SEGMENTS_PER_REQUEST].seg[i % BLKIF_MAX_SEGMENTS_PER_REQUEST]
                .gref - r->refs[0] < nr)
            return true;
    for (unsigned i = 0; i < sizeof(h->ind) / sizeof(h->ind[0]); i++)
        if (h->ind[i].gref - r->refs[0] < nr)
            return true;
    return false;
}

/* extra: slots the perturbed req_prod exposed beyond our requests. */
static void check_invariants(const struct hdr *h, struct bf_ring *r,
                             const uint64_t *ids, unsigned n, unsigned extra)
{
    struct blkif_response rsp;
    unsigned got = 0;

    while (bf_take(r, &rsp)) {
        bool known = extra > 0;
        for (unsigned i = 0; i < n && !known; i++)
            known = ids[i] == rsp.id;
        if (!known || ++got > n + extra)
            abort();
    }
    /* Flags the guest set itself are its business; ours must be gone. */
    for (uint32_t ref = DATA_REF0; ref < f.dom.gnttab_nr_frames * 512u; ref++) {
        bool guest_set = ref < IND_REF &&
                         (h->g[ref - DATA_REF0].flags & (GTF_reading | GTF_writing));
        if ((!guest_set && bf_entry(&f, ref)->flags & (GTF_reading | GTF_writing)) ||
            hv_gnttab_map_count(&f.dom, ref))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hdr h;
    struct bf_ring r;
    uint64_t ids[512];
    static struct blkif_request reqs[512];
    char err[128];
    unsigned n = 0;

    if (disk_fd < 0 && setup())
        abort();
    if (size < sizeof(h))
        return 0;
    memcpy(&h, data, sizeof(h));
    data += sizeof(h);
    size -= sizeof(h);
    set_grants(&h);
    f.next_ref = IND_REF + 1;   /* ring refs after the data refs */
    bf_ring_init(&f, &r, h.order % 3, 1);
    struct blkback_params p = { .fd = dup(disk_fd), .readonly = h.flags & 1,
                                .engine = BLKBACK_ENGINE_SYNC };
    struct blkback *b = blkback_create(&p, &bf_env_ops, &f, err, sizeof(err));
    if (!b)
        abort();
    while (n < h.nreq && n < RING_SIZE(&r.ring) && size >= sizeof(struct blkif_request)) {
        struct blkif_request *q = bf_next(&r);
        memcpy(q, data, sizeof(*q));
        reqs[n] = *q;
        ids[n++] = q->id;
        data += sizeof(*q);
        size -= sizeof(*q);
    }
    bf_push(&r);
    if (h.flags & 2)
        r.sring->req_prod += h.prod_delta;
    /* The ring starts at 0: prod_delta is also how far ahead of rsp_prod. */
    midpass_sring = h.flags & 4 ? r.sring : NULL;
    midpass_prod = h.prod_delta;
    f.on_map = midpass_map;
    if (blkback_queue_connect(b, 0, r.refs, h.order % 3, 1, NULL) == 0)
        blkback_queue_event(b, 0);
    f.on_map = NULL;
    blkback_disconnect(b);
    check_invariants(&h, &r, ids, n, names_ring(&h, &r, reqs, n) ? 1u << 30 :
                                     (h.flags & 2 ? h.prod_delta : 0) +
                                     (h.flags & 4 ? h.prod_delta : 0));
    blkback_destroy(b);
    return 0;
}
