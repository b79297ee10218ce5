/* shared_info: XENMEM_add_to_physmap(XENMAPSPACE_shared_info) at a RAM
 * gpfn, the wall clock, 2-level event bits landing in the mapped page,
 * VCPUOP_register_vcpu_info (good and bad offsets, delivery moves to the
 * new vcpu_info) and moving shared_info to another gpfn. */
#include "events.h"

#include <xen/vcpu.h>

const char guest_name[] = GUEST_NAME;

static SHARED_INFO_PAGE(page_a);
static SHARED_INFO_PAGE(page_b);
#define si_a page_a.s
#define si_b page_b.s
static uint8_t vi_page[4096] __attribute__((aligned(4096), section(".bss.page_aligned")));

#define VI_OFFSET 128

static long register_vcpu_info(unsigned int vcpu, uint64_t gfn, uint32_t offset)
{
	struct vcpu_register_vcpu_info r = { .mfn = gfn, .offset = offset };

	return vcpu_op(VCPUOP_register_vcpu_info, vcpu, gva(&r));
}

static void check_wallclock(struct shared_info *s)
{
	uint32_t ver = __atomic_load_n(&s->wc_version, __ATOMIC_ACQUIRE);
	uint64_t sec = s->wc_sec | ((uint64_t)s->wc_sec_hi << 32);

	check(!(ver & 1), "wc_version_even", "wc_version %u (odd: update in progress)", ver);
	/* Xen keeps the wall-clock time of system time 0: after 2020 on any
	 * sane host. */
	check(sec > 1577836800ULL && sec < 4102444800ULL && s->wc_nsec < 1000000000U,
	      "wc_time", "wc_sec %lu wc_nsec %u", (unsigned long)sec, s->wc_nsec);
	struct vcpu_time_info *t = &s->vcpu_info[0].time;
	if (!t->tsc_to_system_mul)
		warn("vcpu_time", "vcpu_info[0].time not maintained (fine without pvclock)");
}

static void clear_event(struct shared_info *s, struct vcpu_info *vi, evtchn_port_t p)
{
	xbit_clear(s->evtchn_pending, p);
	__atomic_store_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	__atomic_store_n(&vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
}

/* An event sent with no upcall vector: Xen's 2-level delivery sets the
 * port's pending bit, the selector bit and upcall_pending of the target
 * vCPU's vcpu_info. */
static void check_delivery(const char *name, struct shared_info *s, struct vcpu_info *vi,
                           evtchn_port_t port)
{
	long rc = evtchn_send(port);
	unsigned int sel = port / BITS_PER_XEN_ULONG;

	check(rc == 0 && xbit_test(s->evtchn_pending, port) &&
	      ((vi->evtchn_pending_sel >> sel) & 1) && vi->evtchn_upcall_pending,
	      name, "send rc %ld, pending %d, sel %lx, upcall_pending %u", rc,
	      xbit_test(s->evtchn_pending, port), (unsigned long)vi->evtchn_pending_sel,
	      vi->evtchn_upcall_pending);
}

static void check_vcpu_info(struct shared_info *s, evtchn_port_t port)
{
	uint64_t gfn = gpa(vi_page) >> 12;
	struct vcpu_info *vi = (struct vcpu_info *)(vi_page + VI_OFFSET);

	/* Xen: offset > PAGE_SIZE - sizeof(vcpu_info) is -EINVAL. */
	check_rc("register_vcpu_info_bad_offset",
	         register_vcpu_info(0, gfn, 4096 - sizeof(struct vcpu_info) + 1), -XEN_EINVAL);
	check_rc("register_vcpu_info_offset_4096", register_vcpu_info(0, gfn, 4096), -XEN_EINVAL);
	check_rc("register_vcpu_info_not_ram",
	         register_vcpu_info(0, (ram_end() >> 12) + 0x1000, 0), -XEN_EINVAL);
	check_rc("register_vcpu_info_bad_vcpu", register_vcpu_info(4096, gfn, 0), -XEN_ENOENT);

	check_rc("register_vcpu_info", register_vcpu_info(0, gfn, VI_OFFSET), 0);
	/* Xen marks everything pending in the new area so nothing is lost. */
	if (!vi->evtchn_upcall_pending)
		warn("register_vcpu_info_pending", "new vcpu_info not marked pending (Xen does)");
	clear_event(s, vi, port);
	clear_event(s, &s->vcpu_info[0], port);
	check_delivery("event_to_new_vcpu_info", s, vi, port);
	check(s->vcpu_info[0].evtchn_pending_sel == 0, "old_vcpu_info_unused",
	      "shared_info vcpu_info[0].evtchn_pending_sel = %lx after the move",
	      (unsigned long)s->vcpu_info[0].evtchn_pending_sel);
	clear_event(s, vi, port);
	/* Xen 4.17 refuses a second registration for the same vCPU. */
	check_rc("register_vcpu_info_twice", register_vcpu_info(0, gfn, 0), -XEN_EINVAL);
}

void test_main(void)
{
	evtchn_port_t port = 0;

	check_rc("map_shared_info", map_shared_info(&si_a), 0);
	check_wallclock(&si_a);

	long rc = evtchn_bind_ipi(0, &port);
	check(rc == 0 && port > 0, "bind_ipi", "rc %ld port %u", rc, port);
	check_delivery("event_pending_in_shared_info", &si_a, &si_a.vcpu_info[0], port);
	clear_event(&si_a, &si_a.vcpu_info[0], port);

	/* Remapping shared_info moves it: events now land in the new page.
	 * (The old gfn is a hole on Xen: not read any more.) */
	check_rc("remap_shared_info", map_shared_info(&si_b), 0);
	check_delivery("event_pending_after_remap", &si_b, &si_b.vcpu_info[0], port);
	check_wallclock(&si_b);

	check_vcpu_info(&si_b, port);
	check_rc("close_ipi", evtchn_close(port), 0);
}
