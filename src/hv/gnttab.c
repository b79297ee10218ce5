/* Grant tables, v1: frames placed by the guest (in RAM or outside it),
 * the GNTTABOP queries, and the entry check backends use. */
#include "hv/hv_internal.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <xen/grant_table.h>
#include <xen/memory.h>
#include <xen/xen.h>

#define ENTRIES_PER_FRAME (HV_PAGE_SIZE / sizeof(grant_entry_v1_t))

_Static_assert(ENTRIES_PER_FRAME == HV_GNTTAB_PER_FRAME, "v1 entries per frame");
_Static_assert(offsetof(grant_entry_v1_t, domid) == 2 && sizeof(domid_t) == 2,
               "{flags, domid} form one little-endian 32-bit word");

int hv_gnttab_grow(struct hv_domain *d, unsigned nr_frames)
{
    if (nr_frames > d->gnttab_max_frames)
        return -XEN_EINVAL;
    for (unsigned i = d->gnttab_nr_frames; i < nr_frames; i++) {
        uint8_t *page = aligned_alloc(HV_PAGE_SIZE, HV_PAGE_SIZE);
        if (!page)
            return -XEN_ENOMEM;
        memset(page, 0, HV_PAGE_SIZE);
        d->gnttab_own[i] = page;
        __atomic_store_n(&d->gnttab_frame[i], page, __ATOMIC_RELEASE);
        d->gnttab_nr_frames = i + 1;
    }
    return 0;
}

/* XENMAPSPACE_grant_table: the frame appears at gpfn.  Inside RAM the
 * guest's page becomes the frame; outside RAM the page we own for it is
 * mapped there.  Either way the entries move along. */
int hv_gnttab_map_frame(struct hv_domain *d, uint64_t idx, uint64_t gpfn)
{
    uint64_t gpa = gpfn << HV_PAGE_SHIFT;
    uint8_t *page;
    int rc;

    if (idx & XENMAPIDX_grant_table_status)
        return -XEN_EINVAL; /* v2 status frames: v1 only */
    if (idx >= d->gnttab_max_frames || gpfn >> (64 - HV_PAGE_SHIFT))
        return -XEN_EINVAL;
    rc = hv_gnttab_grow(d, (unsigned)idx + 1);
    if (rc)
        return rc;
    if (d->gnttab_gpa[idx] == gpa)
        return 0;
    if (hv_gpa_is_ram(d, gpa, HV_PAGE_SIZE)) {
        page = hv_gpa_ptr(d, gpa, HV_PAGE_SIZE);
        hv_page_pin(d, page, true); /* never given back to the host */
    } else {
        page = d->gnttab_own[idx]; /* hv_gnttab_grow gave every frame one */
        if (!d->ops->map_frame ||
            d->ops->map_frame(d->opaque, gpa, page, HV_PAGE_SIZE) ||
            hv_add_region(d, gpa, HV_PAGE_SIZE, page, false))
            return -XEN_EINVAL;
    }
    if (page != d->gnttab_frame[idx])
        memcpy(page, d->gnttab_frame[idx], HV_PAGE_SIZE);
    d->gnttab_gpa[idx] = gpa;
    __atomic_store_n(&d->gnttab_frame[idx], page, __ATOMIC_RELEASE);
    return 0;
}

static bool is_self(struct hv_domain *d, domid_t dom)
{
    return dom == DOMID_SELF || dom == d->domid;
}

static long gt_query_size(struct hv_domain *d, const struct hv_vcpu_state *vs, uint64_t arg)
{
    struct gnttab_query_size q;

    if (guest_read(d, vs, arg, &q, sizeof(q)))
        return -XEN_EFAULT;
    if (!is_self(d, q.dom)) {
        q.status = GNTST_bad_domain;
    } else {
        pthread_mutex_lock(&d->lock);
        q.nr_frames = d->gnttab_nr_frames;
        q.max_nr_frames = d->gnttab_max_frames;
        pthread_mutex_unlock(&d->lock);
        q.status = GNTST_okay;
    }
    return guest_write(d, vs, arg, &q, sizeof(q));
}

static long gt_set_version(struct hv_domain *d, const struct hv_vcpu_state *vs, uint64_t arg)
{
    struct gnttab_set_version v;

    if (guest_read(d, vs, arg, &v, sizeof(v)))
        return -XEN_EFAULT;
    if (v.version == 2)
        return -XEN_ENOSYS; /* v1 only: Xen's answer when v2 is disabled */
    if (v.version != 0 && v.version != 1)
        return -XEN_EINVAL;
    v.version = 1;
    return guest_write(d, vs, arg, &v, sizeof(v));
}

static long gt_get_version(struct hv_domain *d, const struct hv_vcpu_state *vs, uint64_t arg)
{
    struct gnttab_get_version v;

    if (guest_read(d, vs, arg, &v, sizeof(v)))
        return -XEN_EFAULT;
    if (!is_self(d, v.dom))
        return -XEN_ESRCH;
    v.version = 1;
    return guest_write(d, vs, arg, &v, sizeof(v));
}

static long gt_setup_table(struct hv_domain *d, const struct hv_vcpu_state *vs, uint64_t arg)
{
    struct gnttab_setup_table s;
    uint64_t gfns[HV_GNTTAB_MAX_FRAMES];

    if (guest_read(d, vs, arg, &s, sizeof(s)))
        return -XEN_EFAULT;
    if (!is_self(d, s.dom)) {
        s.status = GNTST_bad_domain;
        return guest_write(d, vs, arg, &s, sizeof(s));
    }
    pthread_mutex_lock(&d->lock);
    if (s.nr_frames > d->gnttab_max_frames || hv_gnttab_grow(d, s.nr_frames)) {
        s.status = GNTST_general_error;
    } else {
        for (unsigned i = 0; i < s.nr_frames; i++)
            gfns[i] = d->gnttab_gpa[i] == ~0ull ? ~0ull : d->gnttab_gpa[i] >> HV_PAGE_SHIFT;
        s.status = GNTST_okay;
    }
    pthread_mutex_unlock(&d->lock);
    if (s.status == GNTST_okay &&
        guest_write(d, vs, (uint64_t)(uintptr_t)s.frame_list.p, gfns,
                    s.nr_frames * sizeof(gfns[0])))
        return -XEN_EFAULT;
    return guest_write(d, vs, arg, &s, sizeof(s));
}

static const struct hv_subop gnttab_ops[] = {
    [GNTTABOP_setup_table] = { gt_setup_table, "setup_table" },
    [GNTTABOP_query_size] = { gt_query_size, "query_size" },
    [GNTTABOP_set_version] = { gt_set_version, "set_version" },
    [GNTTABOP_get_version] = { gt_get_version, "get_version" },
};

long hv_grant_table_op(struct hv_domain *d, const struct hv_vcpu_state *vs,
                       const uint64_t a[6])
{
    /* The ops we offer each take exactly one argument struct. */
    if (a[0] < HV_ARRAY_SIZE(gnttab_ops) && gnttab_ops[a[0]].fn &&
        a[2] != 1)
        return -XEN_EINVAL;
    return HV_SUBOP(d, vs, gnttab_ops, a[0], a[1], "grant_table_op");
}

/* The entry of ref, or NULL (reserved, beyond the table).  Under d->lock. */
static grant_entry_v1_t *entry_locked(struct hv_domain *d, uint32_t ref)
{
    unsigned frame = ref / ENTRIES_PER_FRAME;

    if (ref < GNTTAB_NR_RESERVED_ENTRIES || frame >= d->gnttab_nr_frames)
        return NULL;
    return (grant_entry_v1_t *)d->gnttab_frame[frame] + ref % ENTRIES_PER_FRAME;
}

/* {flags, domid} as one 32-bit word: Xen checks and swaps them together,
 * so the domid cannot change between the check and the flag update. */
static uint32_t *combo_word(grant_entry_v1_t *e)
{
    return (uint32_t *)(void *)e;
}

static int entry_permits(uint32_t combo, uint16_t domid, bool readonly)
{
    uint16_t flags = (uint16_t)combo, dom = (uint16_t)(combo >> 16);
    uint16_t need = GTF_type_mask | GTF_sub_page | (readonly ? 0 : GTF_readonly);

    if ((flags & need) != GTF_permit_access || dom != domid)
        return -XEN_EPERM;
    return 0;
}

static uint64_t frame_gpa(grant_entry_v1_t *e)
{
    return (uint64_t)__atomic_load_n(&e->frame, __ATOMIC_ACQUIRE) << HV_PAGE_SHIFT;
}

int hv_gnttab_check(struct hv_domain *d, uint32_t ref, uint16_t domid,
                    bool readonly, uint64_t *gpa)
{
    grant_entry_v1_t *e;
    uint32_t combo;
    int rc;

    pthread_mutex_lock(&d->lock);
    e = entry_locked(d, ref);
    if (!e) {
        pthread_mutex_unlock(&d->lock);
        return -XEN_EINVAL;
    }
    combo = __atomic_load_n(combo_word(e), __ATOMIC_ACQUIRE);
    *gpa = frame_gpa(e);
    pthread_mutex_unlock(&d->lock);
    rc = entry_permits(combo, domid, readonly);
    if (rc)
        return rc;
    return hv_gpa_is_ram(d, *gpa, HV_PAGE_SIZE) ? 0 : -XEN_EFAULT;
}

/* Set GTF_reading (|GTF_writing) if the entry still permits the access. */
static int claim_entry(grant_entry_v1_t *e, uint16_t domid, bool readonly)
{
    uint32_t *w = combo_word(e);
    uint32_t set = GTF_reading | (readonly ? 0 : GTF_writing);

    for (unsigned i = 0; i < HV_GNTTAB_CAS_TRIES; i++) {
        uint32_t old = __atomic_load_n(w, __ATOMIC_ACQUIRE);
        int rc = entry_permits(old, domid, readonly);
        if (rc)
            return rc;
        if ((old & set) == set ||
            __atomic_compare_exchange_n(w, &old, old | set, false,
                                        __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            return 0;
    }
    return -XEN_EAGAIN;
}

/* Drop one map of ref; clear the flags whose count reached 0. */
static inline void release_locked(struct hv_domain *d, grant_entry_v1_t *e,
                           uint32_t ref, bool readonly)
{
    uint16_t clear = 0;

    if (d->gnttab_maps[ref] == 0)
        return;
    if (!readonly && d->gnttab_wmaps[ref] && --d->gnttab_wmaps[ref] == 0)
        clear |= GTF_writing;
    if (--d->gnttab_maps[ref] == 0)
        clear |= GTF_reading;
    if (clear)
        __atomic_and_fetch(&e->flags, (uint16_t)~clear, __ATOMIC_RELEASE);
}

/* The first map of ref keeps its page from the balloon. */
static int pin_first(struct hv_domain *d, bool pins, uint32_t ref, const uint8_t *p)
{
    uint32_t page = hv_page_slot(d, p);
    int rc = hv_page_pin_held(d, pins, page);

    if (rc == 0)
        d->gnttab_act_page[ref] = page;
    return rc;
}

/* One map of ref.  Under d->lock and hv_pins_begin (`pins`). */
static inline int map_locked(struct hv_domain *d, bool pins, uint32_t ref, uint16_t domid,
                      bool readonly, void **page)
{
    grant_entry_v1_t *e = entry_locked(d, ref);
    uint64_t gpa;
    bool first;
    void *p;
    int rc;

    if (!e)
        return -XEN_EINVAL;
    if (d->gnttab_maps[ref] == UINT8_MAX)
        return -XEN_EBUSY;
    rc = claim_entry(e, domid, readonly);
    if (rc)
        return rc;
    first = d->gnttab_maps[ref] == 0;
    d->gnttab_maps[ref]++;
    if (!readonly)
        d->gnttab_wmaps[ref]++;
    /* The frame is read after the flags are set: from here the guest
     * cannot end the access, so this is the page we may touch.  Nested
     * maps use the page the first one found. */
    gpa = first ? frame_gpa(e) : (uint64_t)d->gnttab_act_gfn[ref] << HV_PAGE_SHIFT;
    p = hv_ram_ptr(d, gpa, HV_PAGE_SIZE);
    rc = !p ? -XEN_EFAULT : first ? pin_first(d, pins, ref, p) : 0;
    if (rc) {
        release_locked(d, e, ref, readonly);
        return rc;
    }
    d->gnttab_act_gfn[ref] = (uint32_t)(gpa >> HV_PAGE_SHIFT);
    *page = p;
    return 0;
}

/* Undo one map_locked; `used`: the page may have been written (a writable
 * map marks it dirty).  Under d->lock and hv_pins_begin. */
static inline void unmap_locked(struct hv_domain *d, bool pins, uint32_t ref, bool readonly,
                         bool used)
{
    grant_entry_v1_t *e = entry_locked(d, ref);
    uint64_t gpa;

    if (!e || !d->gnttab_maps[ref])
        return;
    gpa = (uint64_t)d->gnttab_act_gfn[ref] << HV_PAGE_SHIFT;
    if (used && !readonly && d->gnttab_wmaps[ref])
        hv_mark_dirty(d, gpa, HV_PAGE_SIZE);
    release_locked(d, e, ref, readonly);
    /* The last map lets the page go (a page given back meanwhile is
     * freed now). */
    if (d->gnttab_maps[ref] == 0)
        hv_page_unpin_held(d, pins, d->gnttab_act_page[ref]);
}

/* Both locks, for one ref or a batch. */
static bool lock_both(struct hv_domain *d)
{
    pthread_mutex_lock(&d->lock);
    return hv_pins_begin(d);
}

static void unlock_both(struct hv_domain *d, bool pins)
{
    hv_pins_end(d, pins);
    pthread_mutex_unlock(&d->lock);
}

int hv_gnttab_map(struct hv_domain *d, uint32_t ref, uint16_t domid,
                  bool readonly, void **page)
{
    bool pins = lock_both(d);
    int rc = map_locked(d, pins, ref, domid, readonly, page);

    unlock_both(d, pins);
    return rc;
}

void hv_gnttab_unmap(struct hv_domain *d, uint32_t ref, bool readonly)
{
    bool pins = lock_both(d);

    unmap_locked(d, pins, ref, readonly, true);
    unlock_both(d, pins);
}

int hv_gnttab_map_many(struct hv_domain *d, const uint32_t *refs, unsigned n,
                       uint16_t domid, bool readonly, void **pages,
                       unsigned *failed)
{
    unsigned i;
    bool pins;
    int rc = 0;

    if (n > HV_GNTTAB_BATCH_MAX) {
        *failed = HV_GNTTAB_BATCH_MAX;
        return -XEN_E2BIG;
    }
    pins = lock_both(d);
    for (i = 0; i < n && !rc; i++)
        rc = map_locked(d, pins, refs[i], domid, readonly, &pages[i]);
    if (rc) {
        *failed = --i;
        while (i-- > 0)     /* newest first: duplicates unwind as they nested */
            unmap_locked(d, pins, refs[i], readonly, false);
    }
    unlock_both(d, pins);
    return rc;
}

void hv_gnttab_unmap_many(struct hv_domain *d, const uint32_t *refs, unsigned n,
                          bool readonly)
{
    bool pins = lock_both(d);

    for (unsigned i = 0; i < n; i++)
        unmap_locked(d, pins, refs[i], readonly, true);
    unlock_both(d, pins);
}

unsigned hv_gnttab_map_count(struct hv_domain *d, uint32_t ref)
{
    unsigned n = 0;

    pthread_mutex_lock(&d->lock);
    if (entry_locked(d, ref))
        n = d->gnttab_maps[ref];
    pthread_mutex_unlock(&d->lock);
    return n;
}

void hv_mark_dirty(struct hv_domain *d, uint64_t gpa, uint64_t len)
{
    uint64_t first = gpa >> HV_PAGE_SHIFT, last;

    if (len == 0 || gpa + len < gpa)
        return;
    last = (gpa + len - 1) >> HV_PAGE_SHIFT;
    __atomic_add_fetch(&d->dirty_pages, last - first + 1, __ATOMIC_RELAXED);
}
