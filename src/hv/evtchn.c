/* Event channels, 2-level ABI: ports, binding, and delivery into
 * shared_info / vcpu_info with the guest running concurrently (atomic
 * read-modify-write on guest memory, as the guest uses locked bitops). */
#include "hv/hv_internal.h"

#include <errno.h>
#include <string.h>
#include <xen/event_channel.h>
#include <xen/hvm/params.h>
#include <xen/xen.h>

#define BITS_PER_WORD 64

static struct shared_info *shinfo(struct hv_domain *d)
{
    return (struct shared_info *)__atomic_load_n(&d->shared_info, __ATOMIC_ACQUIRE);
}

uint8_t *hv_vcpu_info(struct hv_domain *d, unsigned vcpu)
{
    struct shared_info *s;

    if (vcpu >= d->nr_vcpus)
        return NULL;
    uint8_t *p = __atomic_load_n(&d->vcpu[vcpu].info, __ATOMIC_ACQUIRE);
    if (p)
        return p;
    s = shinfo(d);
    if (s && vcpu < XEN_LEGACY_MAX_VCPUS)
        return (uint8_t *)&s->vcpu_info[vcpu];
    return NULL;
}

static void raise_upcall(struct hv_domain *d, unsigned vcpu)
{
    uint8_t vector = d->vcpu[vcpu].upcall_vector;
    uint64_t cb = d->params[HVM_PARAM_CALLBACK_IRQ];

    if (!vector && (cb >> 56) == HVM_PARAM_CALLBACK_TYPE_VECTOR)
        vector = (uint8_t)cb;
    if (vector && d->ops->upcall)
        d->ops->upcall(d->opaque, vcpu, vector);
}

/* Step 2 of delivery: selector bit and upcall flag on the target vCPU. */
static void deliver_to_vcpu(struct hv_domain *d, unsigned port, unsigned vcpu)
{
    struct vcpu_info *vi = (struct vcpu_info *)hv_vcpu_info(d, vcpu);
    xen_ulong_t sel = (xen_ulong_t)1 << (port / BITS_PER_WORD);

    if (!vi)
        return;
    if (__atomic_fetch_or(&vi->evtchn_pending_sel, sel, __ATOMIC_SEQ_CST) & sel)
        return;
    if (__atomic_exchange_n(&vi->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST))
        return;
    raise_upcall(d, vcpu);
}

int hv_evtchn_set_pending(struct hv_domain *d, unsigned port)
{
    struct shared_info *s = shinfo(d);
    xen_ulong_t bit = (xen_ulong_t)1 << (port % BITS_PER_WORD);
    unsigned w = port / BITS_PER_WORD;

    if (port == 0 || port >= HV_NR_PORTS)
        return -XEN_EINVAL;
    if (!s)
        return 0; /* events not set up yet: nothing can be delivered */
    if (__atomic_fetch_or(&s->evtchn_pending[w], bit, __ATOMIC_SEQ_CST) & bit)
        return 0;
    if (!(__atomic_load_n(&s->evtchn_mask[w], __ATOMIC_SEQ_CST) & bit))
        deliver_to_vcpu(d, port, __atomic_load_n(&d->port[port].vcpu, __ATOMIC_RELAXED));
    if (d->ops->poll_kick)
        d->ops->poll_kick(d->opaque);
    return 0;
}

bool hv_evtchn_is_pending(struct hv_domain *d, unsigned port)
{
    struct shared_info *s = shinfo(d);

    if (!s || port >= HV_NR_PORTS)
        return false;
    return __atomic_load_n(&s->evtchn_pending[port / BITS_PER_WORD], __ATOMIC_SEQ_CST) &
           ((xen_ulong_t)1 << (port % BITS_PER_WORD));
}

static int alloc_port(struct hv_domain *d)
{
    for (unsigned p = 1; p < HV_NR_PORTS; p++)
        if (d->port[p].state == ECS_FREE)
            return (int)p;
    return -XEN_ENOSPC;
}

static bool is_self(struct hv_domain *d, domid_t dom)
{
    return dom == DOMID_SELF || dom == d->domid;
}

int hv_evtchn_alloc_backend(struct hv_domain *d, unsigned vcpu)
{
    pthread_mutex_lock(&d->lock);
    int p = alloc_port(d);
    if (p > 0)
        d->port[p] = (struct hv_evtchn){ .state = ECS_BACKEND,
                                          .vcpu = (uint16_t)vcpu };
    pthread_mutex_unlock(&d->lock);
    return p;
}

int hv_evtchn_bind_backend(struct hv_domain *d, unsigned port)
{
    int rc = -XEN_EINVAL;

    pthread_mutex_lock(&d->lock);
    if (port < HV_NR_PORTS && d->port[port].state == ECS_UNBOUND &&
        d->port[port].remote_dom == 0) {
        d->port[port].state = ECS_BACKEND;
        rc = 0;
    }
    pthread_mutex_unlock(&d->lock);
    return rc;
}

/* Each op reads its argument once, acts under the lock, writes back. */
#define EV_OP(name, type, body)                                            \
    static long name(struct hv_domain *d, const struct hv_vcpu_state *vs,  \
                     uint64_t arg)                                         \
    {                                                                      \
        type op;                                                           \
        long rc;                                                           \
        if (guest_read(d, vs, arg, &op, sizeof(op)))                       \
            return -XEN_EFAULT;                                            \
        pthread_mutex_lock(&d->lock);                                      \
        body;                                                              \
        pthread_mutex_unlock(&d->lock);                                    \
        if (rc == 0 && guest_write(d, vs, arg, &op, sizeof(op)))           \
            return -XEN_EFAULT;                                            \
        return rc;                                                         \
    }

static long do_alloc_unbound(struct hv_domain *d, struct evtchn_alloc_unbound *op)
{
    int p;

    if (!is_self(d, op->dom))
        return -XEN_EPERM;
    p = alloc_port(d);
    if (p < 0)
        return p;
    domid_t remote = op->remote_dom == DOMID_SELF ? d->domid : op->remote_dom;
    d->port[p] = (struct hv_evtchn){ .state = ECS_UNBOUND, .remote_dom = remote };
    op->port = (evtchn_port_t)p;
    return 0;
}
EV_OP(ev_alloc_unbound, struct evtchn_alloc_unbound, rc = do_alloc_unbound(d, &op))

/* Only loopback binding (both ends in this domain) is a guest-side bind:
 * dom0's backends bind through hv_evtchn_bind_backend(). */
static long do_bind_interdomain(struct hv_domain *d, struct evtchn_bind_interdomain *op)
{
    evtchn_port_t rp = op->remote_port;
    int lp;

    if (!is_self(d, op->remote_dom))
        return -XEN_EINVAL;
    if (rp == 0 || rp >= HV_NR_PORTS || d->port[rp].state != ECS_UNBOUND ||
        d->port[rp].remote_dom != d->domid)
        return -XEN_EINVAL;
    lp = alloc_port(d);
    if (lp < 0)
        return lp;
    d->port[lp] = (struct hv_evtchn){ .state = ECS_INTERDOMAIN,
                                       .remote_dom = d->domid,
                                       .remote_port = (uint16_t)rp };
    d->port[rp].state = ECS_INTERDOMAIN;
    d->port[rp].remote_port = (uint16_t)lp;
    op->local_port = (evtchn_port_t)lp;
    return 0;
}
EV_OP(ev_bind_interdomain, struct evtchn_bind_interdomain, rc = do_bind_interdomain(d, &op))

static long do_bind_virq(struct hv_domain *d, struct evtchn_bind_virq *op)
{
    int p;

    if (op->virq >= NR_VIRQS)
        return -XEN_EINVAL;
    if (op->vcpu >= d->nr_vcpus)
        return -XEN_ENOENT;
    if (d->vcpu[op->vcpu].virq_port[op->virq])
        return -XEN_EEXIST;
    p = alloc_port(d);
    if (p < 0)
        return p;
    d->port[p] = (struct hv_evtchn){ .state = ECS_VIRQ, .vcpu = (uint16_t)op->vcpu,
                                      .virq = (uint16_t)op->virq };
    d->vcpu[op->vcpu].virq_port[op->virq] = (uint16_t)p;
    op->port = (evtchn_port_t)p;
    return 0;
}
EV_OP(ev_bind_virq, struct evtchn_bind_virq, rc = do_bind_virq(d, &op))

static long do_bind_ipi(struct hv_domain *d, struct evtchn_bind_ipi *op)
{
    int p;

    if (op->vcpu >= d->nr_vcpus)
        return -XEN_ENOENT;
    p = alloc_port(d);
    if (p < 0)
        return p;
    d->port[p] = (struct hv_evtchn){ .state = ECS_IPI, .vcpu = (uint16_t)op->vcpu };
    op->port = (evtchn_port_t)p;
    return 0;
}
EV_OP(ev_bind_ipi, struct evtchn_bind_ipi, rc = do_bind_ipi(d, &op))

static void clear_pending(struct hv_domain *d, unsigned port)
{
    struct shared_info *s = shinfo(d);
    if (s)
        __atomic_fetch_and(&s->evtchn_pending[port / BITS_PER_WORD],
                           ~((xen_ulong_t)1 << (port % BITS_PER_WORD)), __ATOMIC_SEQ_CST);
}

static long do_close(struct hv_domain *d, evtchn_port_t port)
{
    struct hv_evtchn *c;

    if (port == 0 || port >= HV_NR_PORTS)
        return -XEN_EINVAL;
    c = &d->port[port];
    switch (c->state) {
    case ECS_FREE:
        return -XEN_EINVAL;
    case ECS_VIRQ:
        d->vcpu[c->vcpu].virq_port[c->virq] = 0;
        break;
    case ECS_INTERDOMAIN:
        if (c->remote_dom == d->domid && c->remote_port < HV_NR_PORTS) {
            struct hv_evtchn *peer = &d->port[c->remote_port];
            peer->state = ECS_UNBOUND;
            peer->remote_port = 0;
        }
        break;
    default:
        break;
    }
    memset(c, 0, sizeof(*c));
    clear_pending(d, port);
    return 0;
}
EV_OP(ev_close, struct evtchn_close, rc = do_close(d, op.port))

/* Send: the only op the guest uses per I/O; no write-back needed. */
static long ev_send(struct hv_domain *d, const struct hv_vcpu_state *vs, uint64_t arg)
{
    struct evtchn_send op;
    struct hv_evtchn c;

    if (guest_read(d, vs, arg, &op, sizeof(op)))
        return -XEN_EFAULT;
    if (op.port == 0 || op.port >= HV_NR_PORTS)
        return -XEN_EINVAL;
    pthread_mutex_lock(&d->lock);
    c = d->port[op.port];
    pthread_mutex_unlock(&d->lock);
    switch (c.state) {
    case ECS_IPI:
        return hv_evtchn_set_pending(d, op.port);
    case ECS_INTERDOMAIN:
        return hv_evtchn_set_pending(d, c.remote_port);
    case ECS_BACKEND:
        if (d->ops->backend_notify)
            d->ops->backend_notify(d->opaque, op.port);
        return 0;
    case ECS_UNBOUND:
        return 0; /* Xen drops sends on unbound ports */
    default:
        return -XEN_EINVAL;
    }
}

static long do_status(struct hv_domain *d, struct evtchn_status *op)
{
    static const uint32_t stat[] = {
        [ECS_FREE] = EVTCHNSTAT_closed, [ECS_RESERVED] = EVTCHNSTAT_closed,
        [ECS_UNBOUND] = EVTCHNSTAT_unbound, [ECS_INTERDOMAIN] = EVTCHNSTAT_interdomain,
        [ECS_VIRQ] = EVTCHNSTAT_virq, [ECS_IPI] = EVTCHNSTAT_ipi,
        [ECS_BACKEND] = EVTCHNSTAT_interdomain,
    };
    struct hv_evtchn *c;

    if (!is_self(d, op->dom))
        return -XEN_ESRCH;
    if (op->port >= HV_NR_PORTS)
        return -XEN_EINVAL;
    c = &d->port[op->port];
    op->status = stat[c->state];
    op->vcpu = c->vcpu;
    memset(&op->u, 0, sizeof(op->u));
    if (c->state == ECS_UNBOUND)
        op->u.unbound.dom = c->remote_dom;
    else if (c->state == ECS_INTERDOMAIN) {
        op->u.interdomain.dom = c->remote_dom;
        op->u.interdomain.port = c->remote_port;
    } else if (c->state == ECS_BACKEND)
        op->u.interdomain.dom = 0;
    else if (c->state == ECS_VIRQ)
        op->u.virq = c->virq;
    return 0;
}
EV_OP(ev_status, struct evtchn_status, rc = do_status(d, &op))

static long do_bind_vcpu(struct hv_domain *d, struct evtchn_bind_vcpu *op)
{
    struct hv_evtchn *c;

    if (op->port == 0 || op->port >= HV_NR_PORTS)
        return -XEN_EINVAL;
    if (op->vcpu >= d->nr_vcpus)
        return -XEN_ENOENT;
    c = &d->port[op->port];
    switch (c->state) {
    case ECS_UNBOUND:
    case ECS_INTERDOMAIN:
    case ECS_BACKEND:
        __atomic_store_n(&c->vcpu, (uint16_t)op->vcpu, __ATOMIC_RELAXED);
        return 0;
    default:
        return -XEN_EINVAL;
    }
}
EV_OP(ev_bind_vcpu, struct evtchn_bind_vcpu, rc = do_bind_vcpu(d, &op))

static long ev_unmask(struct hv_domain *d, const struct hv_vcpu_state *vs, uint64_t arg)
{
    struct evtchn_unmask op;
    struct shared_info *s = shinfo(d);

    if (guest_read(d, vs, arg, &op, sizeof(op)))
        return -XEN_EFAULT;
    if (op.port >= HV_NR_PORTS)
        return -XEN_EINVAL;
    if (!s)
        return 0;
    xen_ulong_t bit = (xen_ulong_t)1 << (op.port % BITS_PER_WORD);
    unsigned w = op.port / BITS_PER_WORD;
    if ((__atomic_fetch_and(&s->evtchn_mask[w], ~bit, __ATOMIC_SEQ_CST) & bit) &&
        (__atomic_load_n(&s->evtchn_pending[w], __ATOMIC_SEQ_CST) & bit))
        deliver_to_vcpu(d, op.port, __atomic_load_n(&d->port[op.port].vcpu, __ATOMIC_RELAXED));
    return 0;
}

static const struct hv_subop evtchn_ops[] = {
    [EVTCHNOP_bind_interdomain] = { ev_bind_interdomain, "bind_interdomain" },
    [EVTCHNOP_bind_virq] = { ev_bind_virq, "bind_virq" },
    [EVTCHNOP_close] = { ev_close, "close" },
    [EVTCHNOP_send] = { ev_send, "send" },
    [EVTCHNOP_status] = { ev_status, "status" },
    [EVTCHNOP_alloc_unbound] = { ev_alloc_unbound, "alloc_unbound" },
    [EVTCHNOP_bind_ipi] = { ev_bind_ipi, "bind_ipi" },
    [EVTCHNOP_bind_vcpu] = { ev_bind_vcpu, "bind_vcpu" },
    [EVTCHNOP_unmask] = { ev_unmask, "unmask" },
};

long hv_event_channel_op(struct hv_domain *d, const struct hv_vcpu_state *vs,
                         const uint64_t a[6])
{
    /* init_control (FIFO) is refused so guests use the 2-level ABI. */
    if (a[0] == EVTCHNOP_init_control || a[0] == EVTCHNOP_expand_array ||
        a[0] == EVTCHNOP_set_priority || a[0] == EVTCHNOP_reset)
        return -XEN_ENOSYS;
    return HV_SUBOP(d, vs, evtchn_ops, a[0], a[1], "event_channel_op");
}

/* Xen injects the callback whenever evtchn_upcall_pending is set (it is
 * level-like); we inject on the 0->1 edge, so anything that can leave the
 * flag set without an interrupt (no vector yet, a new vector) re-asserts. */
void hv_vcpu_reassert_upcall(struct hv_domain *d, unsigned vcpu)
{
    struct vcpu_info *vi = (struct vcpu_info *)hv_vcpu_info(d, vcpu);

    if (vi && __atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_SEQ_CST))
        raise_upcall(d, vcpu);
}

/* The watchdog half of level semantics: an upcall still pending one tick
 * after we saw it was not taken (an MSI sent while the guest's LAPIC was
 * software-disabled is dropped), so inject it again.  Spurious upcalls are
 * harmless: the guest's handler finds nothing and returns. */
unsigned hv_upcall_watchdog(struct hv_domain *d)
{
    unsigned reasserted = 0;

    for (unsigned i = 0; i < d->nr_vcpus; i++) {
        struct vcpu_info *vi = (struct vcpu_info *)hv_vcpu_info(d, i);
        bool pending = vi && __atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_SEQ_CST);

        if (pending && d->vcpu[i].upcall_seen) {
            raise_upcall(d, i);
            reasserted++;
        }
        d->vcpu[i].upcall_seen = pending;
    }
    return reasserted;
}

/* After a vcpu_info move or an upcall vector change, re-raise anything
 * that is already pending (Xen marks all pending; spurious is fine). */
void hv_vcpu_mark_all_pending(struct hv_domain *d, unsigned vcpu)
{
    struct vcpu_info *vi = (struct vcpu_info *)hv_vcpu_info(d, vcpu);

    if (!vi)
        return;
    __atomic_store_n(&vi->evtchn_pending_sel, ~(xen_ulong_t)0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&vi->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST);
    raise_upcall(d, vcpu);
}
