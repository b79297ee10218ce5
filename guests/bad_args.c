/* bad_args: a hostile guest.  Unmapped, non-canonical, read-only, MMIO
 * and page-crossing pointers, out-of-range ports / vCPUs / indexes, huge
 * counts, unknown hypercalls and sub-ops, all answered with Xen's error
 * codes (docs/conformance.md lists the sources), and the VMM keeps
 * running: the guest reaches the end and powers off. */
#include "events.h"

#include <xen/grant_table.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/physdev.h>
#include <xen/vcpu.h>

const char guest_name[] = GUEST_NAME;

/* Addresses that are not usable buffers. */
#define UNMAPPED      ((void *)0x0000400000000000UL)   /* no PML4 entry */
#define NONCANONICAL  ((void *)0x8000000000000000UL)
#define WIN_RW        ((uint8_t *)GUEST_WINDOW_BASE)
#define WIN_UNMAPPED  ((uint8_t *)(GUEST_WINDOW_BASE + 0x1000))
#define WIN_RO        ((uint8_t *)(GUEST_WINDOW_BASE + 0x2000))
#define LAPIC_PAGE    ((void *)(uintptr_t)XENO_LAPIC_BASE)
#define IOAPIC_PAGE   ((void *)(uintptr_t)XENO_IOAPIC_BASE)
/* A domain id that does not exist (below DOMID_FIRST_RESERVED).  Xen
 * answers -ESRCH; for a domain that exists but is not ours, XSM says
 * -EPERM.  A VMM that cannot see other domains may give either. */
#define NO_SUCH_DOMID 0x7fef
#define check_other_domain(name, got) check_either(name, got, -XEN_ESRCH, -XEN_EPERM)

static void *hole;                  /* identity-mapped, not RAM */

static void check_either(const char *name, long got, long a, long b)
{
	check(got == a || got == b, name, "got %ld, expected %ld or %ld", got, a, b);
}

static void bad_hypercall_numbers(void)
{
	/* PV-only hypercalls do not exist for HVM/PVH guests on Xen. */
	static const unsigned int pv_only[] = {
		__HYPERVISOR_set_trap_table, __HYPERVISOR_mmu_update, __HYPERVISOR_set_gdt,
		__HYPERVISOR_stack_switch, __HYPERVISOR_set_callbacks,
		__HYPERVISOR_update_descriptor, __HYPERVISOR_mmuext_op,
	};
	char name[48];

	for (size_t i = 0; i < ARRAY_SIZE(pv_only); i++) {
		snprintf(name, sizeof(name), "hypercall_%u_enosys", pv_only[i]);
		check_rc(name, hypercall(pv_only[i], 0, 0, 0, 0, 0), -XEN_ENOSYS);
	}
	check_rc("hypercall_60_enosys", hypercall(60, 1, 2, 3, 4, 5), -XEN_ENOSYS);
	check_rc("hypercall_127_enosys", hypercall(127, 0, 0, 0, 0, 0), -XEN_ENOSYS);
}

static void bad_xen_version(void)
{
	xen_feature_info_t fi = { .submap_idx = 1 };

	check_rc("xen_version_unknown_cmd", xen_version(0x7fff, NULL), -XEN_ENOSYS);
	check_rc("get_features_submap_1", xen_version(XENVER_get_features, gva(&fi)),
	         -XEN_EINVAL);
	check_rc("extraversion_null", xen_version(XENVER_extraversion, NULL), -XEN_EFAULT);
	check_rc("extraversion_unmapped", xen_version(XENVER_extraversion, UNMAPPED),
	         -XEN_EFAULT);
	check_rc("extraversion_noncanonical", xen_version(XENVER_extraversion, NONCANONICAL),
	         -XEN_EFAULT);
	check_rc("extraversion_readonly", xen_version(XENVER_extraversion, WIN_RO),
	         -XEN_EFAULT);
	check_rc("extraversion_crosses_unmapped",
	         xen_version(XENVER_extraversion, WIN_UNMAPPED - 8), -XEN_EFAULT);
	check_rc("extraversion_mmio_hole", xen_version(XENVER_extraversion, hole), -XEN_EFAULT);
	check_rc("extraversion_lapic", xen_version(XENVER_extraversion, LAPIC_PAGE),
	         -XEN_EFAULT);
	check_rc("extraversion_ioapic", xen_version(XENVER_extraversion, IOAPIC_PAGE),
	         -XEN_EFAULT);
	/* A buffer ending exactly at the edge of the mapping is fine. */
	check_rc("extraversion_at_edge",
	         xen_version(XENVER_extraversion, WIN_UNMAPPED - sizeof(xen_extraversion_t)), 0);
}

static void bad_console_io(void)
{
	/* Xen copies in chunks: what precedes the bad byte may be printed, so
	 * the readable part is blanks. */
	memset(WIN_RW, ' ', 4095);
	WIN_RW[4095] = '\n';
	check_rc("console_null", console_io(CONSOLEIO_write, 10, NULL), -XEN_EFAULT);
	check_rc("console_noncanonical", console_io(CONSOLEIO_write, 10, NONCANONICAL),
	         -XEN_EFAULT);
	check_rc("console_crosses_unmapped",
	         console_io(CONSOLEIO_write, 32, WIN_UNMAPPED - 16), -XEN_EFAULT);
	check_rc("console_huge_count", console_io(CONSOLEIO_write, 0xffffffffu, WIN_RW),
	         -XEN_EFAULT);
	check_rc("console_mmio_hole", console_io(CONSOLEIO_write, 16, hole), -XEN_EFAULT);
	check_rc("console_lapic", console_io(CONSOLEIO_write, 16, LAPIC_PAGE), -XEN_EFAULT);
	check_rc("console_unknown_cmd", console_io(99, 1, gva("x")), -XEN_ENOSYS);
}

static void bad_memory_op(void)
{
	struct xen_add_to_physmap xatp = {
		.domid = DOMID_SELF, .space = XENMAPSPACE_shared_info, .idx = 1,
		.gpfn = (ram_end() >> 12) + 0x100,
	};

	check_rc("memory_op_unknown", memory_op(63, gva(&xatp)), -XEN_ENOSYS);
	check_rc("add_to_physmap_null", memory_op(XENMEM_add_to_physmap, NULL), -XEN_EFAULT);
	check_rc("add_to_physmap_shared_info_idx1",
	         memory_op(XENMEM_add_to_physmap, gva(&xatp)), -XEN_EINVAL);
	xatp.idx = 0;
	xatp.space = 99;
	/* x86 Xen falls through to an invalid mfn (-EINVAL); Arm says -ENOSYS. */
	check_either("add_to_physmap_unknown_space",
	             memory_op(XENMEM_add_to_physmap, gva(&xatp)), -XEN_EINVAL, -XEN_ENOSYS);
	xatp.space = XENMAPSPACE_shared_info;
	xatp.domid = NO_SUCH_DOMID;
	check_other_domain("add_to_physmap_no_such_domain",
	                   memory_op(XENMEM_add_to_physmap, gva(&xatp)));
	check_rc("memory_map_null", memory_op(XENMEM_memory_map, NULL), -XEN_EFAULT);
}

static void bad_event_channel_op(void)
{
	static const evtchn_port_t bad_ports[] = { 0, 4095, 4096, 100000, 0xffffffffu };
	char name[48];

	check_rc("evtchn_unknown_cmd", event_channel_op(99, NULL), -XEN_ENOSYS);
	check_rc("evtchn_send_null", event_channel_op(EVTCHNOP_send, NULL), -XEN_EFAULT);
	check_rc("evtchn_send_unmapped", event_channel_op(EVTCHNOP_send, UNMAPPED), -XEN_EFAULT);
	for (size_t i = 0; i < ARRAY_SIZE(bad_ports); i++) {
		struct evtchn_status st;
		snprintf(name, sizeof(name), "evtchn_send_port_%u", bad_ports[i]);
		check_rc(name, evtchn_send(bad_ports[i]), -XEN_EINVAL);
		if (bad_ports[i] == 0)
			continue;  /* port 0 is valid-but-reserved for status */
		/* Xen: ports below 4096 whose bucket exists are "valid" (status
		 * closed, unmask 0); those beyond the allocated buckets -EINVAL. */
		long in_range_ok = bad_ports[i] < 4096 ? 0 : -XEN_EINVAL;
		snprintf(name, sizeof(name), "evtchn_status_port_%u", bad_ports[i]);
		long rc = evtchn_status(bad_ports[i], &st);
		check(rc == -XEN_EINVAL || (rc == in_range_ok && st.status == EVTCHNSTAT_closed),
		      name, "got %ld (status %u)", rc, st.status);
		snprintf(name, sizeof(name), "evtchn_close_port_%u", bad_ports[i]);
		check_rc(name, evtchn_close(bad_ports[i]), -XEN_EINVAL);
		snprintf(name, sizeof(name), "evtchn_unmask_port_%u", bad_ports[i]);
		check_either(name, evtchn_unmask(bad_ports[i]), -XEN_EINVAL, in_range_ok);
	}

	evtchn_port_t p;
	check_rc("bind_ipi_vcpu_4096", evtchn_bind_ipi(4096, &p), -XEN_ENOENT);
	check_rc("bind_ipi_vcpu_huge", evtchn_bind_ipi(0xffffffffu, &p), -XEN_ENOENT);
	struct evtchn_bind_virq bv = { .virq = 1000, .vcpu = 0 };
	check_rc("bind_virq_bad_virq", event_channel_op(EVTCHNOP_bind_virq, gva(&bv)),
	         -XEN_EINVAL);
	bv = (struct evtchn_bind_virq){ .virq = VIRQ_TIMER, .vcpu = 4096 };
	check_rc("bind_virq_bad_vcpu", event_channel_op(EVTCHNOP_bind_virq, gva(&bv)),
	         -XEN_ENOENT);
	struct evtchn_alloc_unbound au = { .dom = NO_SUCH_DOMID, .remote_dom = DOMID_SELF };
	check_other_domain("alloc_unbound_no_such_domain",
	                   event_channel_op(EVTCHNOP_alloc_unbound, gva(&au)));
	struct evtchn_status st = { .dom = NO_SUCH_DOMID, .port = 1 };
	check_other_domain("status_no_such_domain", event_channel_op(EVTCHNOP_status, gva(&st)));
	struct evtchn_bind_vcpu bvc = { .port = 100000, .vcpu = 0 };
	check_rc("bind_vcpu_bad_port", event_channel_op(EVTCHNOP_bind_vcpu, gva(&bvc)),
	         -XEN_EINVAL);
	if (evtchn_bind_ipi(0, &p) == 0) {
		bvc = (struct evtchn_bind_vcpu){ .port = p, .vcpu = 4096 };
		check_rc("bind_vcpu_bad_vcpu", event_channel_op(EVTCHNOP_bind_vcpu, gva(&bvc)),
		         -XEN_ENOENT);
		evtchn_close(p);
	}
}

/* Allocating every port must end in an error, not a crash, and the ports
 * must come back when closed. */
static void exhaust_ports(void)
{
	static evtchn_port_t ports[4096];
	unsigned int n = 0;
	long rc = 0;

	while (n < ARRAY_SIZE(ports) && (rc = evtchn_alloc_unbound(DOMID_SELF, &ports[n])) == 0)
		n++;
	check(rc < 0 && n > 100, "evtchn_exhaustion", "%u ports, then rc %ld", n, rc);
	print("allocated %u ports before rc %ld\n", n, rc);
	int closed = 1;
	for (unsigned int i = 0; i < n; i++)
		closed &= evtchn_close(ports[i]) == 0;
	check(closed, "evtchn_close_all", "a close failed");
	check_rc("evtchn_alloc_after_exhaustion", evtchn_alloc_unbound(DOMID_SELF, &ports[0]), 0);
	evtchn_close(ports[0]);
}

static void bad_hvm_op(void)
{
	uint64_t v;
	struct xen_hvm_param hp = { .domid = DOMID_SELF, .index = HVM_NR_PARAMS };

	check_rc("hvm_op_unknown", hvm_op(0x7fff, gva(&hp)), -XEN_ENOSYS);
	check_rc("get_param_bad_index", hvm_op(HVMOP_get_param, gva(&hp)), -XEN_EINVAL);
	hp.index = 0xffffffffu;
	check_rc("get_param_huge_index", hvm_op(HVMOP_get_param, gva(&hp)), -XEN_EINVAL);
	check_rc("get_param_null", hvm_op(HVMOP_get_param, NULL), -XEN_EFAULT);
	hp = (struct xen_hvm_param){ .domid = NO_SUCH_DOMID, .index = HVM_PARAM_STORE_PFN };
	check_other_domain("get_param_no_such_domain", hvm_op(HVMOP_get_param, gva(&hp)));
	check_rc("set_upcall_vector_low", set_upcall_vector(0, 0x0f), -XEN_EINVAL);
	check_rc("set_upcall_vector_bad_vcpu", set_upcall_vector(4096, 0xf3), -XEN_ENOENT);
	(void)v;
}

static void bad_vcpu_op(void)
{
	struct vcpu_register_vcpu_info r = { .mfn = 0, .offset = 0 };

	check_rc("vcpu_op_bad_vcpu", vcpu_op(VCPUOP_register_vcpu_info, 4096, gva(&r)),
	         -XEN_ENOENT);
	check_rc("vcpu_op_huge_vcpu", vcpu_op(VCPUOP_register_vcpu_info, 0xffffffffu, gva(&r)),
	         -XEN_ENOENT);
	check_rc("vcpu_op_unknown", vcpu_op(99, 0, gva(&r)), -XEN_ENOSYS);
	check_rc("register_vcpu_info_null", vcpu_op(VCPUOP_register_vcpu_info, 0, NULL),
	         -XEN_EFAULT);
}

static void bad_sched_op(void)
{
	struct sched_remote_shutdown rs = { .domain_id = NO_SUCH_DOMID, .reason = 0 };

	check_rc("sched_op_unknown", sched_op(99, NULL), -XEN_ENOSYS);
	check_rc("shutdown_null", sched_op(SCHEDOP_shutdown, NULL), -XEN_EFAULT);
	check_rc("shutdown_unmapped", sched_op(SCHEDOP_shutdown, UNMAPPED), -XEN_EFAULT);
	check_other_domain("remote_shutdown_no_such_domain",
	                   sched_op(SCHEDOP_remote_shutdown, gva(&rs)));
}

static void bad_grant_table_op(void)
{
	struct gnttab_query_size q = { .dom = DOMID_SELF };

	check_rc("gnttab_unknown", grant_table_op(99, gva(&q), 1), -XEN_ENOSYS);
	/* Xen rejects (int)count < 0 before looking at the op. */
	check_rc("gnttab_negative_count",
	         grant_table_op(GNTTABOP_query_size, gva(&q), 0x80000000u), -XEN_EINVAL);
	check_rc("query_size_null", grant_table_op(GNTTABOP_query_size, NULL, 1), -XEN_EFAULT);
	/* Guest-side copy is optional for a domU (QEMU lacks it too). */
	check_either("copy_null", grant_table_op(GNTTABOP_copy, NULL, 1), -XEN_EFAULT,
	             -XEN_ENOSYS);
	q.dom = NO_SUCH_DOMID;
	long rc = grant_table_op(GNTTABOP_query_size, gva(&q), 1);
	check(rc == 0 && q.status == GNTST_bad_domain, "query_size_no_such_domain",
	      "rc %ld status %d, expected 0 / GNTST_bad_domain", rc, q.status);
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1 };
	check_rc("setup_table_count_2", grant_table_op(GNTTABOP_setup_table, gva(&st), 2),
	         -XEN_EINVAL);
}

static void bad_physdev_op(void)
{
	struct physdev_set_iopl iopl = { .iopl = 3 };
	struct physdev_eoi eoi = { .irq = 1 };

	/* Without XENFEAT_hvm_pirqs, Xen offers HVM guests no physdev ops. */
	check_rc("physdev_set_iopl", HC2(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, gva(&iopl)),
	         -XEN_ENOSYS);
	check_rc("physdev_eoi", HC2(__HYPERVISOR_physdev_op, PHYSDEVOP_eoi, gva(&eoi)),
	         -XEN_ENOSYS);
}

void test_main(void)
{
	/* 16 MiB past the end of RAM: identity-mapped, not backed. */
	uint64_t h = ram_end() + (16ULL << 20);
	if (h + 4096 > XENO_LOW_RAM_MAX) {
		fail("bad_args_setup", "RAM ends at %lx: run with less memory",
		     (unsigned long)ram_end());
		return;
	}
	hole = (void *)(uintptr_t)h;

	bad_hypercall_numbers();
	bad_xen_version();
	bad_console_io();
	bad_memory_op();
	bad_event_channel_op();
	exhaust_ports();
	bad_hvm_op();
	bad_vcpu_op();
	bad_sched_op();
	bad_grant_table_op();
	bad_physdev_op();
	/* Still alive and answering. */
	check_rc("vmm_alive", xen_version(XENVER_version, NULL), 0x00040011);
}
