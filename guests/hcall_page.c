/* hcall_page: the hypercall page the guest asks for through the CPUID
 * MSR, and xen_version through it.  Built three ways: 64-bit (long mode,
 * 64-bit convention), 32-bit (protected mode, paging off, 32-bit
 * convention) and the 64-bit image as an ELF of class 32. */
#include "guest.h"

#include <xen/event_channel.h>
#include <xen/features.h>

const char guest_name[] = GUEST_NAME;

static int page_was_zero, bss_was_zero;
/* Lives in .bss, spans pages; nothing writes it. */
static volatile uint8_t bss_canary[3 * 4096 + 123];

/* Before the MSR write: the loader zeroed .bss (p_memsz > p_filesz), and
 * the page is still ours. */
void guest_early(void)
{
	page_was_zero = 1;
	for (size_t i = 0; i < sizeof(hypercall_page); i++)
		if (hypercall_page[i])
			page_was_zero = 0;
	bss_was_zero = 1;
	for (size_t i = 0; i < sizeof(bss_canary); i++)
		if (bss_canary[i])
			bss_was_zero = 0;
}

static void check_page_filled(void)
{
	/* Slots Linux uses must hold a stub; Xen leaves the iret slot as int3. */
	static const unsigned int used[] = {
		__HYPERVISOR_memory_op, __HYPERVISOR_xen_version, __HYPERVISOR_console_io,
		__HYPERVISOR_grant_table_op, __HYPERVISOR_vcpu_op, __HYPERVISOR_sched_op,
		__HYPERVISOR_event_channel_op, __HYPERVISOR_hvm_op,
	};
	unsigned int empty = 0;

	for (size_t i = 0; i < ARRAY_SIZE(used); i++) {
		const uint8_t *slot = hypercall_page + used[i] * 32;
		int nonzero = 0;
		for (int b = 0; b < 32; b++)
			nonzero |= slot[b];
		if (!nonzero) {
			empty++;
			print("  slot %u is all zero\n", used[i]);
		}
	}
	check(empty == 0, "hcall_page_filled", "%u used slots are empty", empty);
}

static void check_version(void)
{
	long v = xen_version(XENVER_version, NULL);
	check(v == 0x00040011, "xenver_version", "got %lx, expected 0x40011 (4.17)", v);

	xen_extraversion_t extra;
	memset(extra, 0x7f, sizeof(extra));
	long rc = xen_version(XENVER_extraversion, gva(extra));
	size_t len = 0;
	while (len < sizeof(extra) && extra[len])
		len++;
	check(rc == 0 && len > 0 && len < sizeof(extra), "xenver_extraversion",
	      "rc %ld, string length %u (must be 1..15, NUL-terminated)", rc,
	      (unsigned int)len);
	if (rc == 0 && len < sizeof(extra))
		print("Xen version %ld.%ld%s\n", v >> 16, v & 0xffff, extra);
}

static void check_features(void)
{
	xen_feature_info_t fi = { .submap_idx = 0, .submap = 0xdeadbeef };
	long rc = xen_version(XENVER_get_features, gva(&fi));

	check_rc("xenver_get_features", rc, 0);
	check(rc == 0 && (fi.submap & (1U << XENFEAT_auto_translated_physmap)),
	      "feature_auto_translated_physmap", "submap 0 = %x", fi.submap);
	/* ABI notes §4: these must stay clear for a KVM-based VMM. */
	check(rc == 0 && !(fi.submap & (1U << XENFEAT_hvm_pirqs)), "feature_no_hvm_pirqs",
	      "submap 0 = %x", fi.submap);
	check(rc == 0 && !(fi.submap & (1U << XENFEAT_dom0)), "feature_no_dom0",
	      "submap 0 = %x", fi.submap);
}

static void check_other_calls(void)
{
	/* A second call convention path: sched_op yield returns 0 on Xen. */
	check_rc("sched_yield", sched_op(SCHEDOP_yield, NULL), 0);
	xen_capabilities_info_t caps;
	memset(caps, 0, sizeof(caps));
	long rc = xen_version(XENVER_capabilities, gva(caps));
	check(rc == 0 && caps[0], "xenver_capabilities", "rc %ld, \"%s\"", rc,
	      rc == 0 ? caps : "");
	/* Xen answers XENVER_guest_handle with the domain handle (16 bytes). */
	xen_domain_handle_t handle;
	check_rc("xenver_guest_handle", xen_version(XENVER_guest_handle, gva(handle)), 0);
}

/* Negative results must come back sign-correct in either convention. */
static void check_errors(void)
{
	xen_feature_info_t fi = { .submap_idx = 1 };
	uint32_t send_port = 100000;

	check_rc("error_enosys", xen_version(0x7fff, NULL), -XEN_ENOSYS);
	check_rc("error_einval", xen_version(XENVER_get_features, gva(&fi)), -XEN_EINVAL);
	check_rc("error_evtchn_einval", HC2(__HYPERVISOR_event_channel_op, EVTCHNOP_send,
	                                    gva(&send_port)), -XEN_EINVAL);
}

void test_main(void)
{
	check(page_was_zero, "hcall_page_zero_before_msr",
	      "page had content before the MSR write");
	check(bss_was_zero, "loader_zeroed_bss", ".bss not zero at entry");
	check_page_filled();
	check_version();
	check_features();
	check_other_calls();
	check_errors();
	/* Exit code 0 below also proves SCHEDOP_shutdown in this convention. */
}
