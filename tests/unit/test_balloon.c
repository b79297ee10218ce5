/* Ballooning (hv/balloon.c) over a memfd guest: the calls Linux's balloon
 * driver makes, the host memory they give back and take again, and
 * hostile callers. */
#include "balloon_guest.h"
#include "hv/hv_internal.h"
#include "check.h"

#include <stdlib.h>
#include <xen/grant_table.h>
#include <xen/memory.h>
#include <xen/xen.h>

#define PAGES 4096u            /* 16 MiB */
#define PAGE 4096u
#define MIB (1u << 20)

static uint64_t gfns[BG_LIST_MAX];

static void fill_range(uint64_t first, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        gfns[i] = first + i;
}

static long current(struct balloon_guest *g)
{
    domid_t self = DOMID_SELF;
    uint64_t a[6] = { XENMEM_current_reservation, BG_RESV_GPA };
    memcpy(g->ram + BG_RESV_GPA, &self, sizeof(self));
    return hv_hypercall(&g->dom, &g->vs, __HYPERVISOR_memory_op, a);
}

static long maximum(struct balloon_guest *g)
{
    domid_t self = DOMID_SELF;
    uint64_t a[6] = { XENMEM_maximum_reservation, BG_RESV_GPA };
    memcpy(g->ram + BG_RESV_GPA, &self, sizeof(self));
    return hv_hypercall(&g->dom, &g->vs, __HYPERVISOR_memory_op, a);
}

/* 512 extents out and back in: the host memory follows; pages come back
 * zero. */
static void test_down_and_up(void)
{
    struct balloon_guest g;
    CHECK_EQ(bg_init(&g, PAGES, PAGES), 0);
    memset(g.ram, 0xa5, PAGES * PAGE);
    uint64_t before = bg_held_bytes(&g);
    CHECK(before >= PAGES * (uint64_t)PAGE);

    fill_range(BG_FIRST_FREE_GFN, 512);
    CHECK_EQ(bg_call(&g, XENMEM_decrease_reservation, gfns, 512), 512);
    CHECK_EQ(current(&g), PAGES - 512);
    CHECK_EQ(before - bg_held_bytes(&g), 512ull * PAGE);
    CHECK_EQ(g.discards, 1);        /* neighbouring pages: one hole punched */
    uint64_t odd[3] = { 2000, 2002, 2001 };
    CHECK_EQ(bg_call(&g, XENMEM_decrease_reservation, odd, 3), 3);
    CHECK_EQ(g.discards, 4);
    CHECK_EQ(bg_call(&g, XENMEM_populate_physmap, odd, 3), 3);

    /* Linux puts them back with populate_physmap. */
    CHECK_EQ(bg_call(&g, XENMEM_populate_physmap, gfns, 512), 512);
    CHECK_EQ(current(&g), PAGES);
    bool zero = true;
    for (unsigned i = 0; i < 512 * PAGE; i++)
        zero &= g.ram[BG_FIRST_FREE_GFN * PAGE + i] == 0;
    CHECK(zero);
    CHECK_EQ(g.ram[(BG_FIRST_FREE_GFN + 512) * PAGE], 0xa5); /* neighbour kept */

    /* increase_reservation fills the gfns in the list too. */
    CHECK_EQ(bg_call(&g, XENMEM_decrease_reservation, gfns, 8), 8);
    CHECK_EQ(bg_call(&g, XENMEM_increase_reservation, gfns, 8), 8);
    CHECK_EQ(current(&g), PAGES);
    bg_destroy(&g);
}

/* Exact counts: the first extent that cannot be done ends the call. */
static void test_partial(void)
{
    struct balloon_guest g;
    CHECK_EQ(bg_init(&g, PAGES, PAGES), 0);
    fill_range(100, 4);
    CHECK_EQ(bg_call(&g, XENMEM_decrease_reservation, gfns, 4), 4);
    /* 3 held, then one already given back, then held again. */
    uint64_t mix[5] = { 200, 201, 202, 101, 203 };
    CHECK_EQ(bg_call(&g, XENMEM_decrease_reservation, mix, 5), 3);
    CHECK_EQ(current(&g), PAGES - 7);
    /* The same gfn twice in one list: the second is not held. */
    uint64_t twice[2] = { 300, 300 };
    CHECK_EQ(bg_call(&g, XENMEM_decrease_reservation, twice, 2), 1);
    /* Populating a gfn the guest still holds is refused. */
    uint64_t held[2] = { 100, 400 };
    CHECK_EQ(bg_call(&g, XENMEM_populate_physmap, held, 2), 1);
    CHECK_EQ(current(&g), PAGES - 7);
    /* A continuation start: extents before it are skipped. */
    fill_range(100, 4);
    uint64_t cmd = XENMEM_populate_physmap | (2ull << 6);
    memcpy(g.ram + BG_LIST_GPA, gfns, 4 * sizeof(uint64_t));
    CHECK_EQ(bg_call_raw(&g, cmd, BG_LIST_GPA, 4, 0, DOMID_SELF), 4);
    CHECK_EQ(current(&g), PAGES - 5);
    bg_destroy(&g);
}

/* populate stops at the limit; mem-max may go below the reservation. */
static void test_limit(void)
{
    struct balloon_guest g;
    CHECK_EQ(bg_init(&g, PAGES, PAGES - 100), 0);
    CHECK_EQ(maximum(&g), PAGES - 100);
    fill_range(1000, 300);
    CHECK_EQ(bg_call(&g, XENMEM_decrease_reservation, gfns, 300), 300);
    CHECK_EQ(bg_call(&g, XENMEM_populate_physmap, gfns, 300), 200);
    CHECK_EQ(current(&g), PAGES - 100);
    hv_set_max_pages(&g.dom, 10);
    CHECK_EQ(maximum(&g), 10);
    CHECK_EQ(bg_call(&g, XENMEM_populate_physmap, gfns + 200, 1), 0);
    CHECK_EQ(bg_call(&g, XENMEM_decrease_reservation, gfns, 1), 1);
    hv_set_max_pages(&g.dom, PAGES);
    CHECK_EQ(bg_call(&g, XENMEM_populate_physmap, gfns + 200, 100), 100);
    /* The pod query reports the real reservation, no PoD. */
    struct xen_pod_target t = { .domid = DOMID_SELF };
    memcpy(g.ram + BG_RESV_GPA, &t, sizeof(t));
    uint64_t a[6] = { XENMEM_get_pod_target, BG_RESV_GPA };
    CHECK_EQ(hv_hypercall(&g.dom, &g.vs, __HYPERVISOR_memory_op, a), 0);
    memcpy(&t, g.ram + BG_RESV_GPA, sizeof(t));
    CHECK_EQ(t.tot_pages, current(&g));
    CHECK_EQ(t.pod_entries, 0);
    bg_destroy(&g);
}

static void test_hostile(void)
{
    struct balloon_guest g;
    CHECK_EQ(bg_init(&g, PAGES, PAGES), 0);
    uint64_t held = bg_held_bytes(&g);
    fill_range(500, 4);
    memcpy(g.ram + BG_LIST_GPA, gfns, 4 * sizeof(uint64_t));
    /* Foreign domains, orders, bad pointers. */
    CHECK_EQ(bg_call_raw(&g, XENMEM_decrease_reservation, BG_LIST_GPA, 4, 0, 0), -XEN_ESRCH);
    CHECK_EQ(bg_call_raw(&g, XENMEM_populate_physmap, BG_LIST_GPA, 4, 0, 7), -XEN_ESRCH);
    CHECK_EQ(bg_call_raw(&g, XENMEM_decrease_reservation, BG_LIST_GPA, 4, 1, DOMID_SELF), 0);
    CHECK_EQ(bg_call_raw(&g, XENMEM_decrease_reservation, BG_LIST_GPA, 4, 63, DOMID_SELF), 0);
    CHECK_EQ(bg_call_raw(&g, XENMEM_decrease_reservation, 1ull << 40, 4, 0, DOMID_SELF), 0);
    CHECK_EQ(bg_call_raw(&g, XENMEM_decrease_reservation, ~0ull - 8, 4, 0, DOMID_SELF), 0);
    uint64_t a[6] = { XENMEM_decrease_reservation, 1ull << 40 };
    CHECK_EQ(hv_hypercall(&g.dom, &g.vs, __HYPERVISOR_memory_op, a), -XEN_EFAULT);
    CHECK_EQ(current(&g), PAGES);
    /* A list running off the end of RAM: the extents before it count. */
    uint64_t edge = PAGES * (uint64_t)PAGE - 2 * sizeof(uint64_t);
    memcpy(g.ram + edge, gfns, 2 * sizeof(uint64_t));
    CHECK_EQ(bg_call_raw(&g, XENMEM_decrease_reservation, edge, 5, 0, DOMID_SELF), 2);
    /* Huge counts end at the first extent that cannot be done. */
    fill_range(600, 10);
    gfns[10] = 600;
    memcpy(g.ram + BG_LIST_GPA, gfns, 11 * sizeof(uint64_t));
    CHECK_EQ(bg_call_raw(&g, XENMEM_decrease_reservation, BG_LIST_GPA, ~0ull, 0, DOMID_SELF), 10);
    CHECK_EQ(bg_call_raw(&g, XENMEM_populate_physmap, BG_LIST_GPA, 1ull << 62, 0, DOMID_SELF), 10);
    /* A continuation past the end answers its start, as Xen does. */
    CHECK_EQ(bg_call_raw(&g, XENMEM_populate_physmap | (9ull << 6), BG_LIST_GPA, 4, 0, DOMID_SELF), 9);
    CHECK_EQ(bg_call_raw(&g, XENMEM_populate_physmap | (~0ull << 6), BG_LIST_GPA, 4, 0, DOMID_SELF), ~0ull >> 6);
    /* gfns outside RAM, or so big they wrap. */
    uint64_t out[4] = { PAGES, 1ull << 40, ~0ull, 1ull << 52 };
    for (unsigned i = 0; i < 4; i++) {
        CHECK_EQ(bg_call(&g, XENMEM_decrease_reservation, &out[i], 1), 0);
        CHECK_EQ(bg_call(&g, XENMEM_populate_physmap, &out[i], 1), 0);
    }
    CHECK_EQ(current(&g), PAGES - 2);
    /* Populating what is held does nothing. */
    for (uint64_t i = 0; i < BG_LIST_MAX; i++)
        gfns[i] = i;
    memcpy(g.ram + BG_LIST_GPA, gfns, sizeof(gfns));
    held = bg_held_bytes(&g);
    CHECK_EQ(bg_call(&g, XENMEM_populate_physmap, gfns, BG_LIST_MAX), 0);
    CHECK_EQ(current(&g), PAGES - 2);
    CHECK_EQ(bg_held_bytes(&g), held);
    bg_destroy(&g);

    /* Without hv_balloon_init the calls are not there. */
    struct hv_domain d;
    static const struct hv_ops none = { 0 };
    static uint8_t mem[8 * 4096];
    struct xen_memory_reservation r = { .nr_extents = 1, .domid = DOMID_SELF };
    struct hv_vcpu_state vs = { .long_mode = true };
    hv_domain_init(&d, 1, 1, &none, NULL);
    hv_add_region(&d, 0, sizeof(mem), mem, true);
    memcpy(mem + 0x1000, &r, sizeof(r));
    uint64_t b[6] = { XENMEM_decrease_reservation, 0x1000 };
    CHECK_EQ(hv_hypercall(&d, &vs, __HYPERVISOR_memory_op, b), -XEN_ENOSYS);
    hv_domain_destroy(&d);
}

/* A page a backend maps, or that holds a Xen frame, stays until the pin
 * goes; it cannot be populated while the old page lives. */
static void test_pins(void)
{
    struct balloon_guest g;
    CHECK_EQ(bg_init(&g, PAGES, PAGES), 0);
    /* Grant table frame 0 outside RAM (ours), shared_info in RAM. */
    pthread_mutex_lock(&g.dom.lock);
    CHECK_EQ(hv_gnttab_map_frame(&g.dom, 0, 0xf0000), 0);
    CHECK_EQ(hv_map_shared_info(&g.dom, 40), 0);
    pthread_mutex_unlock(&g.dom.lock);
    grant_entry_v1_t *e = (grant_entry_v1_t *)g.dom.gnttab_frame[0];
    e[8] = (grant_entry_v1_t){ .flags = GTF_permit_access, .domid = 0, .frame = 50 };
    memset(g.ram + 50 * PAGE, 0x77, PAGE);
    void *p;
    CHECK_EQ(hv_gnttab_map(&g.dom, 8, 0, false, &p), 0);
    CHECK(p == g.ram + 50 * PAGE);
    uint64_t held = bg_held_bytes(&g);

    uint64_t list[2] = { 50, 40 };
    CHECK_EQ(bg_call(&g, XENMEM_decrease_reservation, list, 2), 2);
    CHECK_EQ(current(&g), PAGES - 2);
    CHECK_EQ(bg_held_bytes(&g), held);          /* both still alive */
    CHECK_EQ(((uint8_t *)p)[100], 0x77);
    CHECK_EQ(bg_call(&g, XENMEM_populate_physmap, list, 1), 0);
    CHECK_EQ(bg_call(&g, XENMEM_populate_physmap, list + 1, 1), 0);
    /* Editing the entry does not move the mapping: the nested map and the
     * unmap use the page the first map found. */
    e[8].frame = 60;
    void *q;
    CHECK_EQ(hv_gnttab_map(&g.dom, 8, 0, false, &q), 0);
    CHECK(q == p);
    hv_gnttab_unmap(&g.dom, 8, false);
    CHECK_EQ(bg_held_bytes(&g), held);
    hv_gnttab_unmap(&g.dom, 8, false);          /* last map: freed now */
    CHECK_EQ(held - bg_held_bytes(&g), PAGE);
    CHECK_EQ(bg_call(&g, XENMEM_populate_physmap, list, 1), 1);
    CHECK_EQ(((uint8_t *)p)[100], 0);
    /* shared_info's page is never freed or handed out again. */
    CHECK_EQ(bg_call(&g, XENMEM_populate_physmap, list + 1, 1), 0);
    CHECK_EQ(current(&g), PAGES - 1);
    bg_destroy(&g);
}

int main(void)
{
    test_down_and_up();
    test_partial();
    test_limit();
    test_hostile();
    test_pins();
    return check_done("balloon");
}
