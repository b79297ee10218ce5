/* Synthetic blkif frontend: see blk_front.h. */
#include "blk_front.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const struct hv_ops no_hv_ops;

int bf_init(struct blk_front *f, unsigned ram_mib)
{
    uint64_t size = (uint64_t)ram_mib << 20;

    memset(f, 0, sizeof(*f));
    if (hv_domain_init(&f->dom, 1, 1, &no_hv_ops, NULL))
        return -1;
    f->memfd = memfd_create("bf-guest", MFD_CLOEXEC);
    if (f->memfd < 0 || ftruncate(f->memfd, (off_t)size) < 0)
        return -1;
    f->ram = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, f->memfd, 0);
    if (f->ram == MAP_FAILED)
        return -1;
    f->ram_pages = size / BLK_PAGE;
    f->next_page = 16;          /* keep pfn 0 unused */
    f->ring_page = f->ram_pages;
    f->next_ref = GNTTAB_NR_RESERVED_ENTRIES;
    if (hv_add_region(&f->dom, 0, size, f->ram, true) || hv_gnttab_grow(&f->dom, 8))
        return -1;
    f->gm = (struct gntmap){ .dom = &f->dom, .fd = f->memfd, .base = f->ram,
                             .size = size };
    return 0;
}

void bf_destroy(struct blk_front *f)
{
    munmap(f->ram, f->ram_pages * BLK_PAGE);
    close(f->memfd);
    hv_domain_destroy(&f->dom);
}

#define RING_AREA 1024          /* top pages of RAM: rings only */

void *bf_alloc(struct blk_front *f, unsigned n, uint64_t *pfn)
{
    if (f->next_page + n > f->ram_pages - RING_AREA)
        f->next_page = 16;      /* wrap: callers reuse old pages */
    *pfn = f->next_page;
    f->next_page += n;
    return f->ram + *pfn * BLK_PAGE;
}

static void *ring_alloc(struct blk_front *f, unsigned n, uint64_t *pfn)
{
    if (f->ring_page < n || f->ring_page - n < f->ram_pages - RING_AREA)
        f->ring_page = f->ram_pages;
    f->ring_page -= n;
    *pfn = f->ring_page;
    return f->ram + *pfn * BLK_PAGE;
}

void *bf_pfn_ptr(struct blk_front *f, uint64_t pfn)
{
    return f->ram + pfn * BLK_PAGE;
}

grant_entry_v1_t *bf_entry(struct blk_front *f, uint32_t ref)
{
    return (grant_entry_v1_t *)f->dom.gnttab_frame[ref / 512] + ref % 512;
}

uint32_t bf_grant(struct blk_front *f, uint64_t pfn, bool readonly)
{
    uint32_t limit = f->dom.gnttab_nr_frames * 512;
    uint32_t ref;

    /* Reuse refs round robin, skipping any still in use by the backend. */
    do {
        if (f->next_ref >= limit)
            f->next_ref = GNTTAB_NR_RESERVED_ENTRIES;
        ref = f->next_ref++;
    } while (__atomic_load_n(&bf_entry(f, ref)->flags, __ATOMIC_ACQUIRE) &
             (GTF_reading | GTF_writing));
    grant_entry_v1_t *e = bf_entry(f, ref);
    e->frame = (uint32_t)pfn;
    e->domid = 0;
    __atomic_store_n(&e->flags, (uint16_t)(GTF_permit_access | (readonly ? GTF_readonly : 0)),
                     __ATOMIC_RELEASE);
    return ref;
}

bool bf_end_access(struct blk_front *f, uint32_t ref)
{
    uint16_t *flags = &bf_entry(f, ref)->flags;
    uint16_t old = __atomic_load_n(flags, __ATOMIC_ACQUIRE);

    do {
        if (old & (GTF_reading | GTF_writing))
            return false;
    } while (!__atomic_compare_exchange_n(flags, &old, 0, false, __ATOMIC_ACQ_REL,
                                          __ATOMIC_ACQUIRE));
    return true;
}

int bf_ring_init(struct blk_front *f, struct bf_ring *r, unsigned order,
                 unsigned port)
{
    unsigned n = 1u << order;
    uint64_t pfn;

    memset(r, 0, sizeof(*r));
    r->sring = ring_alloc(f, n, &pfn);
    memset(r->sring, 0, n * BLK_PAGE);
    SHARED_RING_INIT(r->sring);
    FRONT_RING_INIT(&r->ring, r->sring, (size_t)n * BLK_PAGE);
    for (unsigned i = 0; i < n; i++)
        r->refs[i] = bf_grant(f, pfn + i, false);
    r->order = order;
    r->port = port;
    return 0;
}

struct blkif_request *bf_next(struct bf_ring *r)
{
    struct blkif_request *q = RING_GET_REQUEST(&r->ring, r->ring.req_prod_pvt);
    r->ring.req_prod_pvt++;
    memset(q, 0, sizeof(*q));
    return q;
}

void bf_push(struct bf_ring *r)
{
    RING_PUSH_REQUESTS(&r->ring);
}

int bf_take(struct bf_ring *r, struct blkif_response *rsp)
{
    RING_IDX rp = __atomic_load_n(&r->sring->rsp_prod, __ATOMIC_ACQUIRE);

    if (r->ring.rsp_cons == rp)
        return 0;
    RING_COPY_RESPONSE(&r->ring, r->ring.rsp_cons, rsp);
    r->ring.rsp_cons++;
    r->sring->rsp_event = r->ring.rsp_cons + 1;
    return 1;
}

/* The environment: the VMM's gntmap, with counters and fault hooks. */
static int e_gnt_map(void *env, uint16_t domid, uint32_t ref, bool ro, void **page)
{
    struct blk_front *f = env;
    if (f->on_map)
        f->on_map(ref);
    return gntmap_blkback_ops.gnt_map(&f->gm, domid, ref, ro, page);
}

static void e_gnt_unmap(void *env, uint16_t domid, uint32_t ref, bool ro)
{
    struct blk_front *f = env;
    gntmap_blkback_ops.gnt_unmap(&f->gm, domid, ref, ro);
}

static int e_gnt_map_many(void *env, uint16_t domid, const uint32_t *refs,
                          unsigned n, bool ro, void **pages, unsigned *failed)
{
    struct blk_front *f = env;
    f->map_batches++;
    for (unsigned i = 0; i < n && f->on_map; i++)
        f->on_map(refs[i]);
    return gntmap_blkback_ops.gnt_map_many(&f->gm, domid, refs, n, ro, pages, failed);
}

static void e_gnt_unmap_many(void *env, uint16_t domid, const uint32_t *refs,
                             unsigned n, bool ro)
{
    struct blk_front *f = env;
    f->unmap_batches++;
    gntmap_blkback_ops.gnt_unmap_many(&f->gm, domid, refs, n, ro);
}

static int e_ring_map(void *env, uint16_t domid, const uint32_t *refs, unsigned nr,
                      void **ring)
{
    struct blk_front *f = env;
    if (f->fail_ring_map)
        return f->fail_ring_map;
    return gntmap_blkback_ops.ring_map(&f->gm, domid, refs, nr, ring);
}

static void e_ring_unmap(void *env, uint16_t domid, const uint32_t *refs,
                         unsigned nr, void *ring)
{
    struct blk_front *f = env;
    gntmap_blkback_ops.ring_unmap(&f->gm, domid, refs, nr, ring);
}

static void e_notify(void *env, unsigned port)
{
    struct blk_front *f = env;
    if (port < sizeof(f->notifies) / sizeof(f->notifies[0]))
        f->notifies[port]++;
}

static void e_dirty(void *env, void *p, size_t len)
{
    struct blk_front *f = env;
    if (f->on_dirty)
        f->on_dirty(p, len);
    gntmap_blkback_ops.dirty(&f->gm, p, len);
}

static void e_log(void *env, const char *msg)
{
    struct blk_front *f = env;
    f->logs++;
    snprintf(f->last_log, sizeof(f->last_log), "%s", msg);
}

const struct blkback_env_ops bf_env_ops = {
    .gnt_map = e_gnt_map, .gnt_unmap = e_gnt_unmap,
    .gnt_map_many = e_gnt_map_many, .gnt_unmap_many = e_gnt_unmap_many,
    .ring_map = e_ring_map, .ring_unmap = e_ring_unmap,
    .notify = e_notify, .dirty = e_dirty, .log = e_log,
};
