/* sched_op: yield, block, poll, shutdown. */
#include "hv/hv_internal.h"

#include <xen/event_channel.h>
#include <xen/sched.h>
#include <xen/xen.h>

static long sched_yield_op(struct hv_domain *d, const struct hv_vcpu_state *vs,
                           uint64_t arg)
{
    (void)arg;
    if (d->ops->yield)
        d->ops->yield(d->opaque, vs->id);
    return 0;
}

static bool upcall_pending(struct hv_domain *d, unsigned vcpu)
{
    struct vcpu_info *vi = (struct vcpu_info *)hv_vcpu_info(d, vcpu);
    return vi && __atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_SEQ_CST);
}

static long sched_block(struct hv_domain *d, const struct hv_vcpu_state *vs,
                        uint64_t arg)
{
    (void)arg;
    if (!upcall_pending(d, vs->id) && d->ops->poll_wait)
        d->ops->poll_wait(d->opaque, vs->id, 0);
    return 0;
}

static long sched_shutdown(struct hv_domain *d, const struct hv_vcpu_state *vs,
                           uint64_t arg)
{
    struct sched_shutdown s;

    if (guest_read(d, vs, arg, &s, sizeof(s)))
        return -XEN_EFAULT;
    if (s.reason > SHUTDOWN_MAX)
        return -XEN_EINVAL;
    if (d->ops->shutdown)
        d->ops->shutdown(d->opaque, s.reason);
    return 0;
}

static long sched_poll(struct hv_domain *d, const struct hv_vcpu_state *vs,
                       uint64_t arg)
{
    struct sched_poll p;
    evtchn_port_t ports[HV_POLL_MAX_PORTS];

    if (guest_read(d, vs, arg, &p, sizeof(p)))
        return -XEN_EFAULT;
    if (p.nr_ports > HV_POLL_MAX_PORTS)
        return -XEN_EINVAL;
    if (guest_read(d, vs, (uint64_t)(uintptr_t)p.ports.p, ports,
                   p.nr_ports * sizeof(ports[0])))
        return -XEN_EFAULT;
    for (unsigned i = 0; i < p.nr_ports; i++)
        if (ports[i] >= HV_NR_PORTS)
            return -XEN_EINVAL;
    for (unsigned i = 0; i < p.nr_ports; i++)
        if (hv_evtchn_is_pending(d, ports[i]))
            return 0;
    /* Spurious returns are allowed; the caller re-checks its lock. */
    if (d->ops->poll_wait)
        d->ops->poll_wait(d->opaque, vs->id, p.timeout);
    return 0;
}

static const struct hv_subop sched_ops[] = {
    [SCHEDOP_yield] = { sched_yield_op, "yield" },
    [SCHEDOP_block] = { sched_block, "block" },
    [SCHEDOP_shutdown] = { sched_shutdown, "shutdown" },
    [SCHEDOP_poll] = { sched_poll, "poll" },
};

long hv_sched_op(struct hv_domain *d, const struct hv_vcpu_state *vs,
                 const uint64_t a[6])
{
    if (a[0] == SCHEDOP_remote_shutdown)
        return -XEN_EPERM;
    return HV_SUBOP(d, vs, sched_ops, a[0], a[1], "sched_op");
}
