/* vcpu_op: register_vcpu_info, up, down, is_up. */
#include "hv/hv_internal.h"

#include <string.h>
#include <xen/vcpu.h>
#include <xen/xen.h>

static long register_vcpu_info(struct hv_domain *d, const struct hv_vcpu_state *vs,
                               unsigned vcpu, uint64_t arg)
{
    struct vcpu_register_vcpu_info r;
    struct hv_vcpu *v = &d->vcpu[vcpu];
    uint8_t *old, *p;
    uint64_t gpa;

    if (guest_read(d, vs, arg, &r, sizeof(r)))
        return -XEN_EFAULT;
    if (r.offset > HV_PAGE_SIZE - sizeof(struct vcpu_info) || r.rsvd)
        return -XEN_EINVAL;
    if (r.mfn >> (64 - HV_PAGE_SHIFT))
        return -XEN_EINVAL;
    gpa = (r.mfn << HV_PAGE_SHIFT) + r.offset;
    pthread_mutex_lock(&d->lock);
    if (v->info) { /* registered once, as in Xen */
        pthread_mutex_unlock(&d->lock);
        return -XEN_EINVAL;
    }
    p = hv_gpa_is_ram(d, gpa, sizeof(struct vcpu_info))
            ? hv_gpa_ptr(d, gpa, sizeof(struct vcpu_info)) : NULL;
    if (!p) {
        pthread_mutex_unlock(&d->lock);
        return -XEN_EINVAL;
    }
    old = hv_vcpu_info(d, vcpu);
    if (old)
        memmove(p, old, sizeof(struct vcpu_info));
    else
        memset(p, 0, sizeof(struct vcpu_info));
    v->info_gpa = gpa;
    __atomic_store_n(&v->info, p, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&d->lock);
    hv_vcpu_mark_all_pending(d, vcpu);
    return 0;
}

bool hv_vcpu_is_down(struct hv_domain *d, unsigned vcpu)
{
    return vcpu < d->nr_vcpus && __atomic_load_n(&d->vcpu[vcpu].down, __ATOMIC_ACQUIRE);
}

/* VCPUOP_down/up: Xen's VPF_down.  A vCPU that is down is not run until
 * VCPUOP_up; xeno refuses to take down the last one that is up (Xen would
 * then have no vCPU to run). */
static long set_down(struct hv_domain *d, unsigned vcpu, bool down)
{
    unsigned up = 0;

    pthread_mutex_lock(&d->lock);
    for (unsigned i = 0; i < d->nr_vcpus; i++)
        up += !d->vcpu[i].down;
    if (down && !d->vcpu[vcpu].down && up == 1) {
        pthread_mutex_unlock(&d->lock);
        return -XEN_EINVAL;
    }
    __atomic_store_n(&d->vcpu[vcpu].down, down, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&d->lock);
    if (d->ops->vcpu_updown)
        d->ops->vcpu_updown(d->opaque, vcpu);
    return 0;
}

long hv_vcpu_op(struct hv_domain *d, const struct hv_vcpu_state *vs,
                const uint64_t a[6])
{
    uint64_t vcpu = a[1];

    if (vcpu >= d->nr_vcpus)
        return -XEN_ENOENT;
    switch (a[0]) {
    case VCPUOP_register_vcpu_info:
        return register_vcpu_info(d, vs, (unsigned)vcpu, a[2]);
    case VCPUOP_is_up:
        return !hv_vcpu_is_down(d, (unsigned)vcpu);
    case VCPUOP_up:
    case VCPUOP_down:
        return set_down(d, (unsigned)vcpu, a[0] == VCPUOP_down);
    default:
        hv_log(d, "vcpu_op: unknown sub-op %llu", (unsigned long long)a[0]);
        return -XEN_ENOSYS;
    }
}
