/* Grant batches (hv_gnttab_map_many/unmap_many, and the gntmap env ops
 * over them) over a memfd guest with balloon state, as under xeno-vmm:
 * each ref checked as a single map checks it, all or nothing, and a
 * failed batch leaves flags, map counts, pins and the dirty count as they
 * were. */
#include "blk_front.h"
#include "check.h"

#include <pthread.h>
#include <stdlib.h>
#include <xen/errno.h>

#define N 8

static struct blk_front f;

static uint16_t flags_of(uint32_t ref)
{
    return __atomic_load_n(&bf_entry(&f, ref)->flags, __ATOMIC_ACQUIRE);
}

/* Backend pins of a page (PS_PINS of balloon.c's page state). */
static unsigned pins(uint64_t pfn)
{
    return f.dom.page_state[pfn] & 0x3fffu;
}

struct batch {
    uint64_t pfn[N];
    uint32_t ref[N];
    void *page[N];
};

static void grant_all(struct batch *b, bool readonly)
{
    for (unsigned i = 0; i < N; i++) {
        bf_alloc(&f, 1, &b->pfn[i]);
        b->ref[i] = bf_grant(&f, b->pfn[i], readonly);
    }
}

/* Nothing of the batch held: no flags, no maps, no pins. */
static void check_released(const struct batch *b, const char *what)
{
    unsigned bad = 0;

    for (unsigned i = 0; i < N; i++)
        if ((flags_of(b->ref[i]) & (GTF_reading | GTF_writing)) ||
            hv_gnttab_map_count(&f.dom, b->ref[i]) || pins(b->pfn[i]))
            bad++;
    CHECK_EQ(bad, 0);
    if (bad)
        fprintf(stderr, "  (after: %s)\n", what);
}

static void test_batch_good(void)
{
    struct batch b;
    unsigned failed = 99, ok = 0;
    uint64_t dirty;

    grant_all(&b, false);
    CHECK_EQ(hv_gnttab_map_many(&f.dom, b.ref, N, 0, false, b.page, &failed), 0);
    CHECK_EQ(failed, 99);                       /* untouched on success */
    for (unsigned i = 0; i < N; i++)
        if (b.page[i] == bf_pfn_ptr(&f, b.pfn[i]) && pins(b.pfn[i]) == 1 &&
            flags_of(b.ref[i]) == (GTF_permit_access | GTF_reading | GTF_writing))
            ok++;
    CHECK_EQ(ok, N);
    CHECK(!bf_end_access(&f, b.ref[3]));        /* the guest cannot revoke now */
    dirty = f.dom.dirty_pages;
    hv_gnttab_unmap_many(&f.dom, b.ref, N, false);
    CHECK_EQ(f.dom.dirty_pages, dirty + N);     /* every written page accounted */
    check_released(&b, "writable batch unmapped");
    CHECK(bf_end_access(&f, b.ref[3]));
    /* Empty batch: nothing to do. */
    CHECK_EQ(hv_gnttab_map_many(&f.dom, b.ref, 0, 0, true, b.page, &failed), 0);
    /* Mixed with single maps: they nest with each other. */
    grant_all(&b, true);
    void *p;
    CHECK_EQ(hv_gnttab_map(&f.dom, b.ref[2], 0, true, &p), 0);
    CHECK_EQ(hv_gnttab_map_many(&f.dom, b.ref, N, 0, true, b.page, &failed), 0);
    CHECK_EQ(hv_gnttab_map_count(&f.dom, b.ref[2]), 2);
    CHECK_EQ(pins(b.pfn[2]), 1);                /* pinned by the first map only */
    hv_gnttab_unmap_many(&f.dom, b.ref, N, true);
    CHECK_EQ(flags_of(b.ref[2]) & GTF_reading, GTF_reading);
    hv_gnttab_unmap(&f.dom, b.ref[2], true);
    check_released(&b, "read-only batch nested with a single map");
}

/* Entry states that refuse one ref in the middle of a batch. */
enum spoil { BAD_REF, FOREIGN, READONLY, REVOKED, SUB_PAGE, NOT_RAM, NR_SPOIL };

static void spoil(struct batch *b, unsigned i, enum spoil how)
{
    grant_entry_v1_t *e = bf_entry(&f, b->ref[i]);

    switch (how) {
    case BAD_REF: b->ref[i] = 3; break;             /* reserved */
    case FOREIGN: e->domid = 5; break;
    case READONLY: e->flags |= GTF_readonly; break;
    case REVOKED: e->flags = 0; break;
    case SUB_PAGE: e->flags |= GTF_sub_page; break;
    case NOT_RAM: e->frame = 0xfffff0; break;
    case NR_SPOIL: break;
    }
}

static void test_batch_refused(void)
{
    static const int want[NR_SPOIL] = {
        [BAD_REF] = -XEN_EINVAL, [FOREIGN] = -XEN_EPERM, [READONLY] = -XEN_EPERM,
        [REVOKED] = -XEN_EPERM, [SUB_PAGE] = -XEN_EPERM, [NOT_RAM] = -XEN_EFAULT,
    };
    static const unsigned where[] = { 0, 4, N - 1 };

    for (unsigned s = 0; s < NR_SPOIL; s++)
        for (unsigned w = 0; w < sizeof(where) / sizeof(where[0]); w++) {
            struct batch b;
            unsigned failed = 99;
            uint64_t dirty = f.dom.dirty_pages;

            grant_all(&b, false);
            spoil(&b, where[w], (enum spoil)s);
            CHECK_EQ(hv_gnttab_map_many(&f.dom, b.ref, N, 0, false, b.page, &failed),
                     want[s]);
            CHECK_EQ(failed, where[w]);
            CHECK_EQ(f.dom.dirty_pages, dirty);    /* nothing was written */
            if (s == BAD_REF)
                b.ref[where[w]] = bf_grant(&f, b.pfn[where[w]], false);
            check_released(&b, "refused batch");
        }
    /* The read-only grant is fine for a read-only batch. */
    struct batch b;
    unsigned failed = 99;
    grant_all(&b, false);
    spoil(&b, 4, READONLY);
    CHECK_EQ(hv_gnttab_map_many(&f.dom, b.ref, N, 0, true, b.page, &failed), 0);
    hv_gnttab_unmap_many(&f.dom, b.ref, N, true);
    check_released(&b, "read-only grant in a read-only batch");
    /* The foreign grant is fine for its own grantee. */
    grant_all(&b, false);
    spoil(&b, 4, FOREIGN);
    CHECK_EQ(hv_gnttab_map_many(&f.dom, b.ref, N, 5, true, b.page, &failed), -XEN_EPERM);
    CHECK_EQ(failed, 0);                        /* the others name domain 0 */
    check_released(&b, "batch for domain 5");
}

static void test_batch_duplicates_and_limits(void)
{
    struct batch b;
    uint32_t refs[HV_GNTTAB_BATCH_MAX + 1];
    void *pages[HV_GNTTAB_BATCH_MAX + 1];
    unsigned failed = 99;

    /* One ref three times: the maps nest, one pin, one page. */
    grant_all(&b, false);
    b.ref[1] = b.ref[5] = b.ref[0];
    CHECK_EQ(hv_gnttab_map_many(&f.dom, b.ref, N, 0, false, b.page, &failed), 0);
    CHECK_EQ(hv_gnttab_map_count(&f.dom, b.ref[0]), 3);
    CHECK(b.page[1] == b.page[0] && b.page[5] == b.page[0]);
    CHECK_EQ(pins(b.pfn[0]), 1);
    hv_gnttab_unmap_many(&f.dom, b.ref, N, false);
    CHECK_EQ(hv_gnttab_map_count(&f.dom, b.ref[0]), 0);
    CHECK_EQ(flags_of(b.ref[0]) & (GTF_reading | GTF_writing), 0);
    CHECK_EQ(pins(b.pfn[0]), 0);
    /* ... and a refusal after them unwinds every one. */
    grant_all(&b, false);
    b.ref[1] = b.ref[2] = b.ref[0];
    spoil(&b, 6, REVOKED);
    CHECK_EQ(hv_gnttab_map_many(&f.dom, b.ref, N, 0, false, b.page, &failed), -XEN_EPERM);
    CHECK_EQ(failed, 6);
    CHECK_EQ(hv_gnttab_map_count(&f.dom, b.ref[0]), 0);
    CHECK_EQ(pins(b.pfn[0]), 0);
    check_released(&b, "duplicates before a refused ref");
    /* A ref already mapped 254 times: the batch's second map of it is the
     * 256th, refused, and the first is given back. */
    grant_all(&b, true);
    void *p;
    for (int i = 0; i < 254; i++)
        hv_gnttab_map(&f.dom, b.ref[0], 0, true, &p);
    b.ref[3] = b.ref[0];
    CHECK_EQ(hv_gnttab_map_many(&f.dom, b.ref, N, 0, true, b.page, &failed), -XEN_EBUSY);
    CHECK_EQ(failed, 3);
    CHECK_EQ(hv_gnttab_map_count(&f.dom, b.ref[0]), 254);
    for (int i = 0; i < 254; i++)
        hv_gnttab_unmap(&f.dom, b.ref[0], true);
    check_released(&b, "256th map in a batch");
    /* Larger than allowed: refused whole, nothing looked at. */
    grant_all(&b, true);
    for (unsigned i = 0; i <= HV_GNTTAB_BATCH_MAX; i++)
        refs[i] = b.ref[i % N];
    CHECK_EQ(hv_gnttab_map_many(&f.dom, refs, HV_GNTTAB_BATCH_MAX + 1, 0, true, pages,
                                &failed), -XEN_E2BIG);
    CHECK_EQ(failed, HV_GNTTAB_BATCH_MAX);
    check_released(&b, "oversized batch");
    /* The largest allowed: every ref 32 times. */
    CHECK_EQ(hv_gnttab_map_many(&f.dom, refs, HV_GNTTAB_BATCH_MAX, 0, true, pages,
                                &failed), 0);
    CHECK_EQ(hv_gnttab_map_count(&f.dom, b.ref[7]), HV_GNTTAB_BATCH_MAX / N);
    hv_gnttab_unmap_many(&f.dom, refs, HV_GNTTAB_BATCH_MAX, true);
    check_released(&b, "largest batch");
}

/* The guest flipping one entry of the batch (revoke by cmpxchg, grant
 * again) while we map: every batch either holds all its refs with their
 * flags set, or failed at that ref with everything released; a revoke
 * never succeeds while the batch holds the page. */
struct flipper { uint32_t ref; uint64_t pfn; volatile int stop; unsigned revokes; };

static void *flip(void *arg)
{
    struct flipper *fl = arg;
    grant_entry_v1_t *e = bf_entry(&f, fl->ref);

    while (!fl->stop) {
        if (!bf_end_access(&f, fl->ref))
            continue;
        fl->revokes++;
        e->frame = (uint32_t)fl->pfn;
        __atomic_store_n(&e->flags, (uint16_t)GTF_permit_access, __ATOMIC_RELEASE);
        for (volatile int i = 0; i < 100; i++)  /* granted a moment */
            continue;
    }
    return NULL;
}

static void test_batch_race(void)
{
    struct batch b;
    struct flipper fl = { 0 };
    unsigned ok = 0, refused = 0, bad = 0, rounds = 0;
    pthread_t t;

    grant_all(&b, false);
    fl.ref = b.ref[4];
    fl.pfn = b.pfn[4];
    pthread_create(&t, NULL, flip, &fl);
    /* At least 20000 batches, and until both outcomes were seen. */
    for (; rounds < 20000 || ((!ok || !refused) && rounds < 2000000); rounds++) {
        unsigned failed = 99;
        int rc = hv_gnttab_map_many(&f.dom, b.ref, N, 0, false, b.page, &failed);
        if (rc == 0) {
            ok++;
            for (unsigned i = 0; i < N; i++)
                if ((flags_of(b.ref[i]) & (GTF_reading | GTF_writing)) !=
                    (GTF_reading | GTF_writing) || b.page[i] != bf_pfn_ptr(&f, b.pfn[i]))
                    bad++;
            hv_gnttab_unmap_many(&f.dom, b.ref, N, false);
        } else if ((rc == -XEN_EPERM || rc == -XEN_EAGAIN) && failed == 4) {
            refused++;
            for (unsigned i = 0; i < N; i++)
                if (i != 4 && (flags_of(b.ref[i]) & (GTF_reading | GTF_writing)))
                    bad++;
        } else {
            bad++;
        }
    }
    fl.stop = 1;
    pthread_join(t, NULL);
    CHECK_EQ(bad, 0);
    CHECK(ok > 0);
    CHECK(fl.revokes > 0);
    CHECK_EQ(ok + refused, rounds);
    check_released(&b, "race");
}

/* The env ops the backends call: the same batch behind gntmap. */
static void test_env_ops(void)
{
    struct batch b;
    unsigned failed = 99;

    grant_all(&b, true);
    CHECK_EQ(gntmap_blkback_ops.gnt_map_many(&f.gm, 0, b.ref, N, true, b.page, &failed), 0);
    CHECK(b.page[6] == bf_pfn_ptr(&f, b.pfn[6]));
    gntmap_blkback_ops.gnt_unmap_many(&f.gm, 0, b.ref, N, true);
    check_released(&b, "env batch");
    spoil(&b, 2, FOREIGN);
    CHECK_EQ(gntmap_blkback_ops.gnt_map_many(&f.gm, 0, b.ref, N, true, b.page, &failed),
             -XEN_EPERM);
    CHECK_EQ(failed, 2);
    check_released(&b, "env batch refused");
}

int main(void)
{
    if (bf_init(&f, 16) ||
        hv_balloon_init(&f.dom, f.ram, f.ram_pages, f.ram_pages)) {
        fprintf(stderr, "cannot set up a memfd guest\n");
        return 1;
    }
    test_batch_good();
    test_batch_refused();
    test_batch_duplicates_and_limits();
    test_batch_race();
    test_env_ops();
    bf_destroy(&f);
    return check_done("gnttab-batch");
}
