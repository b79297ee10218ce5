/* The hypercall dispatcher: one table indexed by hypercall number. */
#include "hv/hv_internal.h"

#include <xen/xen.h>

typedef long (*hv_call_fn)(struct hv_domain *d, const struct hv_vcpu_state *vs,
                           const uint64_t a[6]);

static const struct {
    hv_call_fn fn;
    const char *name;
} hypercalls[] = {
    [__HYPERVISOR_memory_op] = { hv_memory_op, "memory_op" },
    [__HYPERVISOR_xen_version] = { hv_xen_version, "xen_version" },
    [__HYPERVISOR_console_io] = { hv_console_io, "console_io" },
    [__HYPERVISOR_grant_table_op] = { hv_grant_table_op, "grant_table_op" },
    [__HYPERVISOR_vcpu_op] = { hv_vcpu_op, "vcpu_op" },
    [__HYPERVISOR_sched_op] = { hv_sched_op, "sched_op" },
    [__HYPERVISOR_event_channel_op] = { hv_event_channel_op, "event_channel_op" },
    [__HYPERVISOR_hvm_op] = { hv_hvm_op, "hvm_op" },
};

#define NR_CALLS (HV_ARRAY_SIZE(hypercalls))

static void log_unknown_once(struct hv_domain *d, uint64_t nr)
{
    unsigned bit = nr < 8 * sizeof(d->unknown_logged) ? (unsigned)nr
                                                      : 8 * sizeof(d->unknown_logged) - 1;
    uint8_t mask = (uint8_t)(1u << (bit & 7));

    if (__atomic_fetch_or(&d->unknown_logged[bit / 8], mask, __ATOMIC_RELAXED) & mask)
        return;
    hv_log(d, "unimplemented hypercall %llu: returning -ENOSYS (logged once)",
           (unsigned long long)nr);
}

long hv_hypercall(struct hv_domain *d, const struct hv_vcpu_state *vs,
                  uint64_t nr, const uint64_t args[6])
{
    if (vs->id >= d->nr_vcpus)
        return -XEN_EINVAL;
    if (nr < NR_CALLS && hypercalls[nr].fn)
        return hypercalls[nr].fn(d, vs, args);
    log_unknown_once(d, nr);
    return -XEN_ENOSYS;
}

long hv_subop_dispatch(struct hv_domain *d, const struct hv_vcpu_state *vs,
                       const struct hv_subop *table, size_t n, uint64_t cmd,
                       uint64_t arg, const char *what)
{
    if (cmd < n && table[cmd].fn)
        return table[cmd].fn(d, vs, arg);
    hv_log(d, "%s: unknown sub-op %llu", what, (unsigned long long)cmd);
    return -XEN_ENOSYS;
}
