/* memory_op: shared_info / grant-table placement, memory map, reservation
 * queries; the reservation calls themselves are in balloon.c. */
#include "hv/hv_internal.h"

#include <stdlib.h>
#include <string.h>
#include <xen/memory.h>
#include <xen/xen.h>

/* The low bits of a memory_op command; Xen keeps continuation state above
 * them (MEMOP_EXTENT_SHIFT, a Xen-internal constant, not in the public
 * headers). */
#define MEMORY_OP_CMD_BITS 6

/* Wall clock at system time 0, under the version protocol: odd while
 * the fields change. */
static void write_wallclock(struct hv_domain *d, struct shared_info *s)
{
    uint32_t v = __atomic_load_n(&s->wc_version, __ATOMIC_RELAXED);
    uint64_t sec = d->wc_boot_ns / 1000000000ull;

    __atomic_store_n(&s->wc_version, v | 1, __ATOMIC_RELEASE);
    s->wc_sec = (uint32_t)sec;
    s->wc_sec_hi = (uint32_t)(sec >> 32);
    s->wc_nsec = (uint32_t)(d->wc_boot_ns % 1000000000ull);
    __atomic_store_n(&s->wc_version, (v | 1) + 1, __ATOMIC_RELEASE);
}

int hv_map_shared_info(struct hv_domain *d, uint64_t gpfn)
{
    uint8_t *own = d->shared_info_own;
    uint8_t *page = hv_overlay_page(d, gpfn, &own);

    if (!page)
        return -XEN_EINVAL;
    /* Moving it: carry the event state over (Linux maps it once). */
    if (d->shared_info && d->shared_info != page)
        memcpy(page, d->shared_info, HV_PAGE_SIZE);
    else if (d->shared_info != page)
        memset(page, 0, HV_PAGE_SIZE);
    d->shared_info_own = own; /* one page for life: never freed while mapped */
    write_wallclock(d, (struct shared_info *)page);
    d->shared_info_gpa = gpfn << HV_PAGE_SHIFT;
    __atomic_store_n(&d->shared_info, page, __ATOMIC_RELEASE);
    return 0;
}

static long mem_add_to_physmap(struct hv_domain *d, const struct hv_vcpu_state *vs,
                               uint64_t arg)
{
    struct xen_add_to_physmap x;
    long rc;

    if (guest_read(d, vs, arg, &x, sizeof(x)))
        return -XEN_EFAULT;
    if (x.domid != DOMID_SELF && x.domid != d->domid)
        return -XEN_ESRCH;
    pthread_mutex_lock(&d->lock);
    switch (x.space) {
    case XENMAPSPACE_shared_info:
        rc = x.idx == 0 ? hv_map_shared_info(d, x.gpfn) : -XEN_EINVAL;
        break;
    case XENMAPSPACE_grant_table:
        rc = hv_gnttab_map_frame(d, x.idx, x.gpfn);
        break;
    default:
        rc = -XEN_ENOSYS;
        break;
    }
    pthread_mutex_unlock(&d->lock);
    return rc;
}

static long mem_memory_map(struct hv_domain *d, const struct hv_vcpu_state *vs,
                           uint64_t arg)
{
    struct xen_memory_map m;
    struct { uint64_t addr, size; uint32_t type; } __attribute__((packed)) e;

    if (guest_read(d, vs, arg, &m, sizeof(m)))
        return -XEN_EFAULT;
    if (m.nr_entries < d->nr_memmap)
        return -XEN_EINVAL;
    for (unsigned i = 0; i < d->nr_memmap; i++) {
        e.addr = d->memmap[i].addr;
        e.size = d->memmap[i].size;
        e.type = d->memmap[i].type;
        if (guest_write(d, vs, (uint64_t)(uintptr_t)m.buffer.p + i * sizeof(e),
                        &e, sizeof(e)))
            return -XEN_EFAULT;
    }
    m.nr_entries = d->nr_memmap;
    return guest_write(d, vs, arg, &m, sizeof(m));
}

static long mem_reservation(struct hv_domain *d, const struct hv_vcpu_state *vs,
                            uint64_t arg, uint64_t value)
{
    domid_t dom;

    if (guest_read(d, vs, arg, &dom, sizeof(dom)))
        return -XEN_EFAULT;
    if (dom != DOMID_SELF && dom != d->domid)
        return -XEN_ESRCH;
    return (long)value;
}

static long mem_current(struct hv_domain *d, const struct hv_vcpu_state *vs, uint64_t arg)
{
    return mem_reservation(d, vs, arg, __atomic_load_n(&d->ram_pages, __ATOMIC_RELAXED));
}

static long mem_maximum(struct hv_domain *d, const struct hv_vcpu_state *vs, uint64_t arg)
{
    return mem_reservation(d, vs, arg, __atomic_load_n(&d->max_pages, __ATOMIC_RELAXED));
}

static long mem_pod_target(struct hv_domain *d, const struct hv_vcpu_state *vs, uint64_t arg)
{
    return hv_mem_pod_target(d, vs, arg);
}

static const struct hv_subop memory_ops[] = {
    [XENMEM_get_pod_target] = { mem_pod_target, "get_pod_target" },
    [XENMEM_current_reservation] = { mem_current, "current_reservation" },
    [XENMEM_maximum_reservation] = { mem_maximum, "maximum_reservation" },
    [XENMEM_add_to_physmap] = { mem_add_to_physmap, "add_to_physmap" },
    [XENMEM_memory_map] = { mem_memory_map, "memory_map" },
};

/* The reservation calls take the continuation's first extent too. */
typedef long (*reservation_fn)(struct hv_domain *d, const struct hv_vcpu_state *vs,
                               uint64_t arg, uint64_t start);

static const reservation_fn reservation_ops[] = {
    [XENMEM_increase_reservation] = hv_mem_populate,
    [XENMEM_decrease_reservation] = hv_mem_decrease,
    [XENMEM_populate_physmap] = hv_mem_populate,
};

long hv_memory_op(struct hv_domain *d, const struct hv_vcpu_state *vs,
                  const uint64_t a[6])
{
    uint64_t cmd = a[0] & ((1u << MEMORY_OP_CMD_BITS) - 1);

    if (cmd < HV_ARRAY_SIZE(reservation_ops) && reservation_ops[cmd])
        return reservation_ops[cmd](d, vs, a[1], a[0] >> MEMORY_OP_CMD_BITS);
    return HV_SUBOP(d, vs, memory_ops, cmd, a[1], "memory_op");
}
