/* Grant mapping for backends (hv_gnttab_map/unmap) and the contiguous ring
 * mapping (gntmap_pages), over a memfd guest. */
#include "blk_front.h"
#include "check.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <xen/errno.h>

static struct blk_front f;

static uint16_t flags_of(uint32_t ref)
{
    return __atomic_load_n(&bf_entry(&f, ref)->flags, __ATOMIC_ACQUIRE);
}

static void test_checks(void)
{
    uint64_t pfn;
    uint8_t *page = bf_alloc(&f, 1, &pfn);
    uint32_t rw = bf_grant(&f, pfn, false), ro = bf_grant(&f, pfn, true);
    void *p = NULL;

    /* Out of range and reserved refs. */
    CHECK_EQ(hv_gnttab_map(&f.dom, 3, 0, true, &p), -XEN_EINVAL);
    CHECK_EQ(hv_gnttab_map(&f.dom, 8 * 512, 0, true, &p), -XEN_EINVAL);
    CHECK_EQ(hv_gnttab_map(&f.dom, 0xffffffffu, 0, true, &p), -XEN_EINVAL);
    /* Read-only grant: no write mapping, read mapping fine. */
    CHECK_EQ(hv_gnttab_map(&f.dom, ro, 0, false, &p), -XEN_EPERM);
    CHECK_EQ(flags_of(ro) & (GTF_reading | GTF_writing), 0);
    CHECK_EQ(hv_gnttab_map(&f.dom, ro, 0, true, &p), 0);
    CHECK(p == page);
    CHECK_EQ(flags_of(ro) & (GTF_reading | GTF_writing), GTF_reading);
    hv_gnttab_unmap(&f.dom, ro, true);
    CHECK_EQ(flags_of(ro) & GTF_reading, 0);
    /* Another domain's grant. */
    bf_entry(&f, rw)->domid = 5;
    CHECK_EQ(hv_gnttab_map(&f.dom, rw, 0, true, &p), -XEN_EPERM);
    CHECK_EQ(hv_gnttab_map(&f.dom, rw, 5, true, &p), 0);
    hv_gnttab_unmap(&f.dom, rw, true);
    bf_entry(&f, rw)->domid = 0;
    /* Sub-page and transitive grants, and GTF_accept_transfer, refused. */
    bf_entry(&f, rw)->flags = GTF_permit_access | GTF_sub_page;
    CHECK_EQ(hv_gnttab_map(&f.dom, rw, 0, true, &p), -XEN_EPERM);
    bf_entry(&f, rw)->flags = GTF_transitive;
    CHECK_EQ(hv_gnttab_map(&f.dom, rw, 0, true, &p), -XEN_EPERM);
    bf_entry(&f, rw)->flags = GTF_accept_transfer;
    CHECK_EQ(hv_gnttab_map(&f.dom, rw, 0, true, &p), -XEN_EPERM);
    bf_entry(&f, rw)->flags = 0;
    CHECK_EQ(hv_gnttab_map(&f.dom, rw, 0, true, &p), -XEN_EPERM);
    /* A frame outside RAM. */
    bf_entry(&f, rw)->flags = GTF_permit_access;
    bf_entry(&f, rw)->frame = 0xfffff0;
    CHECK_EQ(hv_gnttab_map(&f.dom, rw, 0, false, &p), -XEN_EFAULT);
    CHECK_EQ(flags_of(rw) & (GTF_reading | GTF_writing), 0);
    CHECK_EQ(hv_gnttab_map_count(&f.dom, rw), 0);
    bf_entry(&f, rw)->frame = (uint32_t)pfn;
}

static void test_nesting(void)
{
    uint64_t pfn;
    void *p;
    uint64_t dirty;

    bf_alloc(&f, 1, &pfn);
    uint32_t ref = bf_grant(&f, pfn, false);
    CHECK_EQ(hv_gnttab_map(&f.dom, ref, 0, false, &p), 0);
    CHECK_EQ(hv_gnttab_map(&f.dom, ref, 0, true, &p), 0);
    CHECK_EQ(hv_gnttab_map_count(&f.dom, ref), 2);
    CHECK(!bf_end_access(&f, ref));           /* guest cannot revoke now */
    dirty = f.dom.dirty_pages;
    hv_gnttab_unmap(&f.dom, ref, false);      /* last writer gone */
    CHECK_EQ(flags_of(ref) & (GTF_reading | GTF_writing), GTF_reading);
    CHECK_EQ(f.dom.dirty_pages, dirty + 1);   /* written page accounted */
    CHECK(!bf_end_access(&f, ref));
    hv_gnttab_unmap(&f.dom, ref, true);
    CHECK_EQ(flags_of(ref) & (GTF_reading | GTF_writing), 0);
    hv_gnttab_unmap(&f.dom, ref, true);       /* extra unmap: harmless */
    CHECK_EQ(hv_gnttab_map_count(&f.dom, ref), 0);
    CHECK(bf_end_access(&f, ref));
    /* 255 maps at most. */
    ref = bf_grant(&f, pfn, true);
    for (int i = 0; i < 255; i++)
        CHECK_EQ(hv_gnttab_map(&f.dom, ref, 0, true, &p), 0);
    CHECK_EQ(hv_gnttab_map(&f.dom, ref, 0, true, &p), -XEN_EBUSY);
    for (int i = 0; i < 255; i++)
        hv_gnttab_unmap(&f.dom, ref, true);
    CHECK_EQ(flags_of(ref) & GTF_reading, 0);
}

/* A guest granting and revoking (Linux's cmpxchg rule) while we map: a
 * successful map must always see its flags set and the grant still live;
 * a revoke must never succeed while we hold the page. */
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
    }
    return NULL;
}

static void test_race(void)
{
    struct flipper fl;
    pthread_t t;
    unsigned ok = 0, refused = 0, bad = 0;
    void *p;

    bf_alloc(&f, 1, &fl.pfn);
    fl.ref = bf_grant(&f, fl.pfn, false);
    fl.stop = 0;
    fl.revokes = 0;
    pthread_create(&t, NULL, flip, &fl);
    /* 20000 tries, more while none succeeded: on a loaded host the
     * flipper can win every one of a short run. */
    int i;
    for (i = 0; i < 20000 || (ok == 0 && i < 2000000); i++) {
        int rc = hv_gnttab_map(&f.dom, fl.ref, 0, false, &p);
        if (rc == 0) {
            uint16_t fs = flags_of(fl.ref);
            ok++;
            if ((fs & (GTF_permit_access | GTF_reading | GTF_writing)) !=
                (GTF_permit_access | GTF_reading | GTF_writing))
                bad++;
            hv_gnttab_unmap(&f.dom, fl.ref, false);
        } else if (rc == -XEN_EPERM || rc == -XEN_EAGAIN) {
            refused++;
        } else {
            bad++;
        }
    }
    fl.stop = 1;
    pthread_join(t, NULL);
    CHECK_EQ(bad, 0);
    CHECK(ok > 0);
    CHECK_EQ(ok + refused, (unsigned)i);
    CHECK_EQ(hv_gnttab_map_count(&f.dom, fl.ref), 0);
}

static void test_contiguous(void)
{
    uint64_t pfns[4];
    void *pages[4];
    uint8_t *va;

    /* Four scattered pages, seen side by side through the memfd. */
    for (int i = 0; i < 4; i++) {
        pages[3 - i] = bf_alloc(&f, 2, &pfns[3 - i]);
        memset(pages[3 - i], 'a' + (3 - i), 4096);
    }
    va = gntmap_pages(f.memfd, f.ram, f.ram_pages * 4096, pages, 4);
    CHECK(va != NULL);
    if (va) {
        for (int i = 0; i < 4; i++)
            CHECK_EQ(va[i * 4096 + 17], 'a' + i);
        va[2 * 4096] = 'Z';                  /* writes reach the guest page */
        CHECK_EQ(((uint8_t *)pages[2])[0], 'Z');
        gntmap_unmap(va, 4);
    }
    /* Not a page of this mapping, or not page-aligned: refused. */
    void *bad[1] = { f.ram + 100 };
    CHECK(gntmap_pages(f.memfd, f.ram, f.ram_pages * 4096, bad, 1) == NULL);
    bad[0] = f.ram + f.ram_pages * 4096;
    CHECK(gntmap_pages(f.memfd, f.ram, f.ram_pages * 4096, bad, 1) == NULL);
    CHECK(gntmap_pages(f.memfd, f.ram, f.ram_pages * 4096, pages, 0) == NULL);

    /* Through the env: ring refs mapped, flags held, released on unmap. */
    uint32_t refs[4];
    void *ring = NULL;
    for (int i = 0; i < 4; i++)
        refs[i] = bf_grant(&f, pfns[i], false);
    CHECK_EQ(gntmap_blkback_ops.ring_map(&f.gm, 0, refs, 4, &ring), 0);
    CHECK_EQ(f.gm.rings_mapped, 1);
    CHECK(!bf_end_access(&f, refs[1]));
    if (ring)
        CHECK_EQ(((uint8_t *)ring)[3 * 4096 + 1], 'd');
    gntmap_blkback_ops.ring_unmap(&f.gm, 0, refs, 4, ring);
    CHECK_EQ(f.gm.rings_mapped, 0);
    for (int i = 0; i < 4; i++)
        CHECK(bf_end_access(&f, refs[i]));
    /* One bad ref among them: nothing stays mapped. */
    for (int i = 0; i < 4; i++)
        refs[i] = bf_grant(&f, pfns[i], false);
    bf_entry(&f, refs[2])->flags |= GTF_readonly;
    CHECK(gntmap_blkback_ops.ring_map(&f.gm, 0, refs, 4, &ring) != 0);
    for (int i = 0; i < 4; i++)
        CHECK_EQ(hv_gnttab_map_count(&f.dom, refs[i]), 0);
    CHECK_EQ(gntmap_blkback_ops.ring_map(&f.gm, 0, refs, 17, &ring), -EINVAL);
}

int main(void)
{
    if (bf_init(&f, 16)) {
        fprintf(stderr, "cannot set up a memfd guest\n");
        return 1;
    }
    test_checks();
    test_nesting();
    test_race();
    test_contiguous();
    bf_destroy(&f);
    return check_done("blk-gnttab");
}
