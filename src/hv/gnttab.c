/* Grant tables, v1: frames placed by the guest (in RAM or outside it),
 * the GNTTABOP queries, and the entry check backends use. */
#include "hv/hv_internal.h"

#include <stdlib.h>
#include <string.h>
#include <xen/grant_table.h>
#include <xen/memory.h>
#include <xen/xen.h>

#define ENTRIES_PER_FRAME (HV_PAGE_SIZE / sizeof(grant_entry_v1_t))

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

int hv_gnttab_check(struct hv_domain *d, uint32_t ref, uint16_t domid,
                    bool readonly, uint64_t *gpa)
{
    grant_entry_v1_t e;
    unsigned frame = ref / ENTRIES_PER_FRAME;
    const grant_entry_v1_t *tab;

    if (ref < GNTTAB_NR_RESERVED_ENTRIES)
        return -XEN_EINVAL;
    pthread_mutex_lock(&d->lock);
    if (frame >= d->gnttab_nr_frames) {
        pthread_mutex_unlock(&d->lock);
        return -XEN_EINVAL;
    }
    tab = (const grant_entry_v1_t *)d->gnttab_frame[frame];
    e.flags = __atomic_load_n(&tab[ref % ENTRIES_PER_FRAME].flags, __ATOMIC_ACQUIRE);
    e.domid = __atomic_load_n(&tab[ref % ENTRIES_PER_FRAME].domid, __ATOMIC_RELAXED);
    e.frame = __atomic_load_n(&tab[ref % ENTRIES_PER_FRAME].frame, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&d->lock);
    if ((e.flags & GTF_type_mask) != GTF_permit_access || e.domid != domid)
        return -XEN_EPERM;
    if (!readonly && (e.flags & GTF_readonly))
        return -XEN_EPERM;
    *gpa = (uint64_t)e.frame << HV_PAGE_SHIFT;
    if (!hv_gpa_is_ram(d, *gpa, HV_PAGE_SIZE))
        return -XEN_EFAULT;
    return 0;
}
