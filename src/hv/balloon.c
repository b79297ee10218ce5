/* Ballooning: the memory_op reservation calls Linux's balloon driver makes
 * (decrease_reservation, populate_physmap, increase_reservation) and the
 * queries beside them.
 *
 * Guest RAM is one host mapping of the VMM's memfd; every RAM page has a
 * 16-bit state (hv_balloon_init).  A page the guest gives back is a hole in
 * the memfd (ops->discard, fallocate PUNCH_HOLE): the host gets the memory
 * back and the next populate of that gfn sees a fresh zero page.  A page a
 * backend has mapped (grant map) or that holds a Xen frame (shared_info, a
 * grant-table frame adopted from RAM) is pinned: giving it back only drops
 * it from the reservation; the hole is punched when the last pin goes, and
 * until then the gfn cannot be populated again (Xen keeps such a page
 * alive by its reference count, the same rule).
 *
 * Answers follow Xen's common/memory.c: the return value is the number of
 * extents done; the first extent that cannot be done ends the call (Linux
 * panics on a short decrease, so the count is exact).  A bad reservation
 * pointer is -EFAULT; a bad pointer in the extent list ends the call there. */
#include "hv/hv_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <xen/memory.h>
#include <xen/xen.h>

#define PS_ABSENT 0x8000u   /* given back: not in the reservation */
#define PS_FRAME  0x4000u   /* holds a Xen frame for life */
#define PS_PINS   0x3fffu   /* backend maps (refs of this page mapped) */

/* Extents are read from the guest in batches of this many (Linux sends
 * 512 a call: one page of xen_pfn_t). */
#define BATCH 512

int hv_balloon_init(struct hv_domain *d, uint8_t *ram_base, uint64_t nr_pages,
                    uint64_t max_pages)
{
    uint16_t *st = calloc(nr_pages ? nr_pages : 1, sizeof(*st));

    if (!st)
        return -ENOMEM;
    if (pthread_mutex_init(&d->balloon_lock, NULL)) {
        free(st);
        return -ENOMEM;
    }
    d->page_state = st;
    d->ram_base = ram_base;
    d->ram_nr_pages = nr_pages;
    d->ram_pages = nr_pages;
    d->max_pages = max_pages;
    return 0;
}

void hv_balloon_destroy(struct hv_domain *d)
{
    if (!d->page_state)
        return;
    free(d->page_state);
    d->page_state = NULL;
    pthread_mutex_destroy(&d->balloon_lock);
}

/* The state index of the RAM page at gfn, or -1 (not RAM, not tracked). */
static int64_t page_index(struct hv_domain *d, uint64_t gfn)
{
    uint8_t *p;

    if (gfn >> (64 - HV_PAGE_SHIFT))
        return -1;
    p = hv_ram_ptr(d, gfn << HV_PAGE_SHIFT, HV_PAGE_SIZE);
    return p ? hv_page_index_of(d, p) : -1;
}

int64_t hv_page_index_of(struct hv_domain *d, const uint8_t *host)
{
    uint64_t off;

    if (!d->page_state || host < d->ram_base)
        return -1;
    off = (uint64_t)(host - d->ram_base) >> HV_PAGE_SHIFT;
    return off < d->ram_nr_pages ? (int64_t)off : -1;
}

static void discard_pages(struct hv_domain *d, uint64_t idx, uint64_t n)
{
    if (d->ops->discard && n)
        d->ops->discard(d->opaque, d->ram_base + (idx << HV_PAGE_SHIFT), n << HV_PAGE_SHIFT);
}

static void discard(struct hv_domain *d, uint64_t idx)
{
    discard_pages(d, idx, 1);
}

/* Pages to discard, gathered into runs: one hole punch per run of
 * neighbouring pages instead of one per page.  Flushed before the
 * balloon lock is dropped. */
struct run {
    uint64_t start, n;
};

static void run_flush(struct hv_domain *d, struct run *r)
{
    discard_pages(d, r->start, r->n);
    r->n = 0;
}

static void run_add(struct hv_domain *d, struct run *r, uint64_t idx)
{
    if (r->n && idx == r->start + r->n) {
        r->n++;
        return;
    }
    run_flush(d, r);
    r->start = idx;
    r->n = 1;
}

/* The pin itself.  Under balloon_lock; i a tracked page. */
static int pin_index(struct hv_domain *d, int64_t i, bool frame)
{
    if (frame)
        d->page_state[i] |= PS_FRAME;
    else if ((d->page_state[i] & PS_PINS) == PS_PINS)
        return -XEN_EBUSY;
    else
        d->page_state[i]++;
    return 0;
}

static void unpin_index(struct hv_domain *d, int64_t i)
{
    uint16_t s = d->page_state[i];

    if (s & PS_PINS) {
        d->page_state[i] = --s;
        /* Given back while a backend held it: free it now. */
        if ((s & (PS_PINS | PS_FRAME)) == 0 && (s & PS_ABSENT))
            discard(d, (uint64_t)i);
    }
}

int hv_page_pin(struct hv_domain *d, const uint8_t *host, bool frame)
{
    int64_t i = hv_page_index_of(d, host);
    int rc;

    if (i < 0)
        return 0; /* not RAM we track: nothing to keep alive */
    pthread_mutex_lock(&d->balloon_lock);
    rc = pin_index(d, i, frame);
    pthread_mutex_unlock(&d->balloon_lock);
    return rc;
}

void hv_page_unpin(struct hv_domain *d, const uint8_t *host)
{
    int64_t i = hv_page_index_of(d, host);

    if (i < 0)
        return;
    pthread_mutex_lock(&d->balloon_lock);
    unpin_index(d, i);
    pthread_mutex_unlock(&d->balloon_lock);
}

bool hv_pins_begin(struct hv_domain *d)
{
    if (!d->page_state)
        return false;
    pthread_mutex_lock(&d->balloon_lock);
    return true;
}

void hv_pins_end(struct hv_domain *d, bool locked)
{
    if (locked)
        pthread_mutex_unlock(&d->balloon_lock);
}

uint32_t hv_page_slot(struct hv_domain *d, const uint8_t *host)
{
    int64_t i = hv_page_index_of(d, host);
    return i < 0 || i >= HV_NO_PAGE ? HV_NO_PAGE : (uint32_t)i;
}

int hv_page_pin_held(struct hv_domain *d, bool locked, uint32_t page)
{
    return page == HV_NO_PAGE || !locked ? 0 : pin_index(d, page, false);
}

void hv_page_unpin_held(struct hv_domain *d, bool locked, uint32_t page)
{
    if (page != HV_NO_PAGE && locked)
        unpin_index(d, page);
}

/* One gfn out of the reservation.  Under balloon_lock.  0 or -errno. */
static int give_back(struct hv_domain *d, uint64_t gfn, struct run *r)
{
    int64_t i = page_index(d, gfn);

    if (i < 0 || (d->page_state[i] & PS_ABSENT) || d->ram_pages == 0)
        return -XEN_EINVAL;
    d->page_state[i] |= PS_ABSENT;
    __atomic_sub_fetch(&d->ram_pages, 1, __ATOMIC_RELAXED);
    if (!(d->page_state[i] & (PS_PINS | PS_FRAME)))
        run_add(d, r, (uint64_t)i);
    return 0;
}

/* One gfn back in, as a fresh zero page.  Under balloon_lock. */
static int take_in(struct hv_domain *d, uint64_t gfn, struct run *r)
{
    int64_t i = page_index(d, gfn);

    if (i < 0 || !(d->page_state[i] & PS_ABSENT))
        return -XEN_EINVAL;
    if (d->page_state[i] & (PS_PINS | PS_FRAME))
        return -XEN_EBUSY;   /* the old page is still held */
    if (d->ram_pages >= d->max_pages)
        return -XEN_ENOMEM;  /* Xen: "Over-allocation" */
    /* Zero even if the guest wrote to the hole meanwhile. */
    run_add(d, r, (uint64_t)i);
    d->page_state[i] &= (uint16_t)~PS_ABSENT;
    __atomic_add_fetch(&d->ram_pages, 1, __ATOMIC_RELAXED);
    return 0;
}

typedef int (*extent_fn)(struct hv_domain *d, uint64_t gfn, struct run *r);

/* Read extents [from, from+n) of the list; the first unreadable one ends
 * the batch.  Returns how many were read into buf. */
static unsigned read_extents(struct hv_domain *d, const struct hv_vcpu_state *vs,
                             uint64_t list, uint64_t from, unsigned n,
                             xen_pfn_t *buf)
{
    uint64_t gva = list + from * sizeof(xen_pfn_t);

    if (from > UINT64_MAX / sizeof(xen_pfn_t) || gva < list)
        return 0;
    if (!guest_read(d, vs, gva, buf, n * sizeof(xen_pfn_t)))
        return n;
    for (unsigned k = 0; k < n; k++) /* the list crosses a bad page */
        if (guest_read(d, vs, gva + k * sizeof(xen_pfn_t), &buf[k], sizeof(xen_pfn_t)))
            return k;
    return n;
}

/* Walk the extent list from start; returns the number of extents done. */
static long for_each_extent(struct hv_domain *d, const struct hv_vcpu_state *vs,
                            const struct xen_memory_reservation *r,
                            uint64_t start, extent_fn fn)
{
    uint64_t list = (uint64_t)(uintptr_t)r->extent_start.p;
    xen_pfn_t buf[BATCH];
    uint64_t done = start;

    while (done < r->nr_extents && done <= (uint64_t)LONG_MAX) {
        uint64_t left = r->nr_extents - done;
        unsigned n = left < BATCH ? (unsigned)left : BATCH;
        unsigned got = read_extents(d, vs, list, done, n, buf);
        struct run r = { 0, 0 };
        unsigned k = 0;

        pthread_mutex_lock(&d->balloon_lock);
        while (k < got && fn(d, buf[k], &r) == 0)
            k++;
        run_flush(d, &r);
        pthread_mutex_unlock(&d->balloon_lock);
        done += k;
        if (k < n)
            break;
    }
    return (long)done;
}

/* The reservation argument, copied once and checked.  Returns 1 when the
 * call goes ahead, else the value to return. */
static long reservation_args(struct hv_domain *d, const struct hv_vcpu_state *vs,
                             uint64_t arg, uint64_t start,
                             struct xen_memory_reservation *r)
{
    if (guest_read(d, vs, arg, r, sizeof(*r)))
        return -XEN_EFAULT;
    if (r->domid != DOMID_SELF && r->domid != d->domid)
        return -XEN_ESRCH;
    if (!d->page_state)
        return -XEN_ENOSYS;
    /* Xen's limit for a domU is order 9, but x86 Linux uses only 0; xeno
     * does 0 and, like Xen above its limit, does nothing otherwise. */
    if (r->extent_order != 0 || start >= r->nr_extents)
        return (long)(start <= (uint64_t)LONG_MAX ? start : 0);
    return 1;
}

static long reservation_op(struct hv_domain *d, const struct hv_vcpu_state *vs,
                           uint64_t arg, uint64_t start, extent_fn fn)
{
    struct xen_memory_reservation r;
    long rc = reservation_args(d, vs, arg, start, &r);

    return rc == 1 ? for_each_extent(d, vs, &r, start, fn) : rc;
}

long hv_mem_decrease(struct hv_domain *d, const struct hv_vcpu_state *vs,
                     uint64_t arg, uint64_t start)
{
    return reservation_op(d, vs, arg, start, give_back);
}

/* For an auto-translated guest Xen's increase_reservation hands out pages
 * it has no gfn for; the only useful reading is populate's, so both fill
 * the gfns in the list. */
long hv_mem_populate(struct hv_domain *d, const struct hv_vcpu_state *vs,
                     uint64_t arg, uint64_t start)
{
    return reservation_op(d, vs, arg, start, take_in);
}

long hv_mem_pod_target(struct hv_domain *d, const struct hv_vcpu_state *vs,
                       uint64_t arg)
{
    struct xen_pod_target t;

    if (guest_read(d, vs, arg, &t, sizeof(t)))
        return -XEN_EFAULT;
    if (t.domid != DOMID_SELF && t.domid != d->domid)
        return -XEN_ESRCH;
    /* No populate-on-demand: every page counted is a real page. */
    t.tot_pages = t.target_pages = __atomic_load_n(&d->ram_pages, __ATOMIC_RELAXED);
    t.pod_cache_pages = t.pod_entries = 0;
    return guest_write(d, vs, arg, &t, sizeof(t));
}

void hv_set_max_pages(struct hv_domain *d, uint64_t max_pages)
{
    if (d->page_state)
        pthread_mutex_lock(&d->balloon_lock);
    /* Like Xen, a limit below the current reservation is allowed: the
     * guest can then only give pages back. */
    __atomic_store_n(&d->max_pages, max_pages, __ATOMIC_RELAXED);
    if (d->page_state)
        pthread_mutex_unlock(&d->balloon_lock);
}
