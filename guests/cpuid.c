/* cpuid: the Xen CPUID leaves as Linux reads them (ABI notes §3), no KVM
 * signature anywhere in the hypervisor range, and a TSC frequency. */
#include "guest.h"

#include <xen/arch-x86/cpuid.h>

const char guest_name[] = GUEST_NAME;

static int is_sig(const uint32_t r[4], const char *sig)
{
	char s[13];

	memcpy(s, &r[1], 4);
	memcpy(s + 4, &r[2], 4);
	memcpy(s + 8, &r[3], 4);
	s[12] = '\0';
	return !memcmp(s, sig, strlen(sig));
}

static void check_signature(void)
{
	uint32_t r[4], base = xen_cpuid_base;

	cpuid(base, 0, r);
	check(base == 0x40000000, "cpuid_base", "Xen leaves at %x, expected 0x40000000", base);
	check(is_sig(r, "XenVMMXenVMM"), "cpuid_signature", "no XenVMMXenVMM at %x", base);
	check(r[0] >= base + 4, "cpuid_max_leaf",
	      "EAX of base = %x, must reach base+4 (Linux reads base+4)", r[0]);
}

static void check_no_kvm(void)
{
	for (uint32_t leaf = 0x40000000; leaf <= 0x4000ff00; leaf += 0x100) {
		uint32_t r[4];
		cpuid(leaf, 0, r);
		if (is_sig(r, "KVMKVMKVM")) {
			fail("cpuid_no_kvm", "KVM signature at leaf %x (Linux would pick KVM)", leaf);
			return;
		}
		if (leaf != xen_cpuid_base && is_sig(r, "XenVMMXenVMM")) {
			fail("cpuid_no_kvm", "second Xen signature at %x", leaf);
			return;
		}
	}
	pass("cpuid_no_kvm");
}

static void check_version_and_msr(void)
{
	uint32_t r[4], base = xen_cpuid_base;

	cpuid(base + 1, 0, r);
	check(r[0] == 0x00040011, "cpuid_version", "EAX = %x, expected 0x00040011 (4.17)", r[0]);
	cpuid(base + 2, 0, r);
	check(r[0] >= 1, "cpuid_hcall_pages", "EAX (hypercall pages) = %u", r[0]);
	check(r[1] == XENO_HCALL_MSR, "cpuid_hcall_msr", "EBX = %x, expected %x", r[1],
	      XENO_HCALL_MSR);
}

static void check_hvm_leaf(void)
{
	uint32_t r[4];

	cpuid(xen_cpuid_base + 4, 0, r);
	check(r[0] & XEN_HVM_CPUID_UPCALL_VECTOR, "cpuid_upcall_vector",
	      "EAX = %x lacks XEN_HVM_CPUID_UPCALL_VECTOR", r[0]);
	check(r[0] & XEN_HVM_CPUID_VCPU_ID_PRESENT, "cpuid_vcpu_id_present",
	      "EAX = %x lacks XEN_HVM_CPUID_VCPU_ID_PRESENT", r[0]);
	check(r[1] == 0, "cpuid_vcpu_id", "EBX = %u on the boot vCPU, expected 0", r[1]);
}

/* Linux's native_calibrate_tsc() needs CPUID 0x15 on Intel-vendor guests;
 * AMD-vendor guests have no CPUID path (ABI notes §6). */
static void check_tsc_frequency(void)
{
	uint32_t r[4], max, vendor[4];
	uint64_t hz = 0;
	const char *how = "none";

	cpuid(0, 0, vendor);
	max = vendor[0];
	if (max >= 0x15) {
		cpuid(0x15, 0, r);
		if (r[0] && r[1] && r[2]) {
			hz = (uint64_t)r[2] * r[1] / r[0];
			how = "leaf 0x15";
		}
	}
	if (!hz && max >= 0x16) {
		cpuid(0x16, 0, r);
		if (r[0]) {
			hz = (uint64_t)r[0] * 1000000;
			how = "leaf 0x16 (base MHz)";
		}
	}
	cpuid(0x40000000, 0, r);
	if (!hz && r[0] >= 0x40000010) {
		cpuid(0x40000010, 0, r);
		if (r[0]) {
			hz = (uint64_t)r[0] * 1000;
			how = "leaf 0x40000010";
		}
	}
	print("tsc frequency: %lu kHz from %s\n", (unsigned long)(hz / 1000), how);
	if (is_sig(vendor, "GenuineIntel"))
		check(hz != 0, "cpuid_tsc_freq", "Intel-vendor guest without CPUID 0x15/0x16");
	else if (hz)
		pass("cpuid_tsc_freq");
	else
		warn("cpuid_tsc_freq", "no TSC frequency leaf (AMD vendor: Linux uses the PIT)");
}

void test_main(void)
{
	check_signature();
	check_no_kvm();
	check_version_and_msr();
	check_hvm_leaf();
	check_tsc_frequency();
}
