/* Event channel and shared_info helpers (2-level ABI). */
#ifndef GUEST_EVENTS_H
#define GUEST_EVENTS_H

#include "guest.h"

#include <xen/event_channel.h>
#include <xen/memory.h>

#define BITS_PER_XEN_ULONG (sizeof(xen_ulong_t) * 8)

/* The gfn given to XENMAPSPACE_shared_info stops being RAM: on Xen the
 * shared_info page replaces it (and leaves a hole when moved away), so it
 * must be a whole page of its own. */
union shared_info_page {
	struct shared_info s;
	uint8_t page[4096];
};
#define SHARED_INFO_PAGE(name) \
	union shared_info_page name __attribute__((aligned(4096), section(".bss.page_aligned")))

/* Maps Xen's shared_info at the (page-aligned, RAM) page; returns rc. */
long map_shared_info(struct shared_info *page);

long evtchn_bind_ipi(unsigned int vcpu, evtchn_port_t *port);
long evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port);
long evtchn_send(evtchn_port_t port);
long evtchn_close(evtchn_port_t port);
long evtchn_unmask(evtchn_port_t port);
long evtchn_status(evtchn_port_t port, struct evtchn_status *st);
long set_upcall_vector(unsigned int vcpu, uint8_t vector);

static inline int xbit_test(const xen_ulong_t *a, unsigned int bit)
{
	return (__atomic_load_n(&a[bit / BITS_PER_XEN_ULONG], __ATOMIC_SEQ_CST) >>
	        (bit % BITS_PER_XEN_ULONG)) & 1;
}
static inline void xbit_set(xen_ulong_t *a, unsigned int bit)
{
	__atomic_fetch_or(&a[bit / BITS_PER_XEN_ULONG],
	                  (xen_ulong_t)1 << (bit % BITS_PER_XEN_ULONG), __ATOMIC_SEQ_CST);
}
static inline void xbit_clear(xen_ulong_t *a, unsigned int bit)
{
	__atomic_fetch_and(&a[bit / BITS_PER_XEN_ULONG],
	                   ~((xen_ulong_t)1 << (bit % BITS_PER_XEN_ULONG)), __ATOMIC_SEQ_CST);
}

#endif
