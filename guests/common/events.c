/* Thin wrappers over the event-channel and memory hypercalls; every
 * argument struct is passed by guest-virtual (high alias) address. */
#include "events.h"

#include <xen/hvm/hvm_op.h>

long map_shared_info(struct shared_info *page)
{
	struct xen_add_to_physmap xatp = {
		.domid = DOMID_SELF, .space = XENMAPSPACE_shared_info, .idx = 0,
		.gpfn = gpa(page) >> 12,
	};

	return memory_op(XENMEM_add_to_physmap, gva(&xatp));
}

long evtchn_bind_ipi(unsigned int vcpu, evtchn_port_t *port)
{
	struct evtchn_bind_ipi op = { .vcpu = vcpu };
	long rc = event_channel_op(EVTCHNOP_bind_ipi, gva(&op));

	*port = op.port;
	return rc;
}

long evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port)
{
	struct evtchn_alloc_unbound op = { .dom = DOMID_SELF, .remote_dom = remote };
	long rc = event_channel_op(EVTCHNOP_alloc_unbound, gva(&op));

	*port = op.port;
	return rc;
}

long evtchn_send(evtchn_port_t port)
{
	struct evtchn_send op = { .port = port };

	return event_channel_op(EVTCHNOP_send, gva(&op));
}

long evtchn_close(evtchn_port_t port)
{
	struct evtchn_close op = { .port = port };

	return event_channel_op(EVTCHNOP_close, gva(&op));
}

long evtchn_unmask(evtchn_port_t port)
{
	struct evtchn_unmask op = { .port = port };

	return event_channel_op(EVTCHNOP_unmask, gva(&op));
}

long evtchn_status(evtchn_port_t port, struct evtchn_status *st)
{
	memset(st, 0, sizeof(*st));
	st->dom = DOMID_SELF;
	st->port = port;
	return event_channel_op(EVTCHNOP_status, gva(st));
}

long set_upcall_vector(unsigned int vcpu, uint8_t vector)
{
	struct xen_hvm_evtchn_upcall_vector op = { .vcpu = vcpu, .vector = vector };

	return hvm_op(HVMOP_set_evtchn_upcall_vector, gva(&op));
}
