/* hvm_op: HVM params and the per-vCPU upcall vector. */
#include "hv/hv_internal.h"

#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/xen.h>

/* Params a guest may set itself; the rest are the toolstack's. */
static bool guest_may_set(uint32_t idx)
{
    return idx == HVM_PARAM_CALLBACK_IRQ || idx == HVM_PARAM_TIMER_MODE;
}

static long hvm_param(struct hv_domain *d, const struct hv_vcpu_state *vs,
                      uint64_t arg, bool set)
{
    struct xen_hvm_param p;

    if (guest_read(d, vs, arg, &p, sizeof(p)))
        return -XEN_EFAULT;
    if (p.domid != DOMID_SELF && p.domid != d->domid)
        return -XEN_ESRCH;
    if (p.index >= HVM_NR_PARAMS)
        return -XEN_EINVAL;
    if (set) {
        if (!guest_may_set(p.index))
            return -XEN_EPERM;
        /* With per-vCPU vectors set, the "GSI 1" Linux writes here to
         * trick old toolstacks is recorded and otherwise ignored. */
        __atomic_store_n(&d->params[p.index], p.value, __ATOMIC_RELEASE);
        return 0;
    }
    p.value = __atomic_load_n(&d->params[p.index], __ATOMIC_ACQUIRE);
    return guest_write(d, vs, arg, &p, sizeof(p));
}

static long hvm_set_param(struct hv_domain *d, const struct hv_vcpu_state *vs, uint64_t arg)
{
    return hvm_param(d, vs, arg, true);
}

static long hvm_get_param(struct hv_domain *d, const struct hv_vcpu_state *vs, uint64_t arg)
{
    return hvm_param(d, vs, arg, false);
}

static long hvm_upcall_vector(struct hv_domain *d, const struct hv_vcpu_state *vs,
                              uint64_t arg)
{
    struct xen_hvm_evtchn_upcall_vector u;

    if (guest_read(d, vs, arg, &u, sizeof(u)))
        return -XEN_EFAULT;
    if (u.vector < 0x10)
        return -XEN_EINVAL;
    if (u.vcpu >= d->nr_vcpus)
        return -XEN_ENOENT;
    __atomic_store_n(&d->vcpu[u.vcpu].upcall_vector, u.vector, __ATOMIC_RELEASE);
    hv_vcpu_reassert_upcall(d, u.vcpu);
    return 0;
}

static const struct hv_subop hvm_ops[] = {
    [HVMOP_set_param] = { hvm_set_param, "set_param" },
    [HVMOP_get_param] = { hvm_get_param, "get_param" },
    [HVMOP_set_evtchn_upcall_vector] = { hvm_upcall_vector, "set_evtchn_upcall_vector" },
};

long hv_hvm_op(struct hv_domain *d, const struct hv_vcpu_state *vs,
               const uint64_t a[6])
{
    /* pagetable_dying (9) is refused on purpose: Linux would otherwise
     * issue it on every process exit. */
    if (a[0] == HVMOP_pagetable_dying)
        return -XEN_ENOSYS;
    return HV_SUBOP(d, vs, hvm_ops, a[0], a[1], "hvm_op");
}
