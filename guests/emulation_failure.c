/* emulation_failure: an x87 load from an address no memory backs (MMIO to
 * KVM) is an instruction KVM's emulator does not know: KVM exits with an
 * internal error (emulation failure), which the VMM reports as a crash
 * (exit 103) with the faulting RIP decoded. */
#include "guest.h"

const char guest_name[] = GUEST_NAME;

/* Above the guest's RAM, below the LAPIC: nothing is there. */
#define HOLE 0xd0000000UL

__attribute__((noinline)) static void x87_from_mmio(void)
{
	__asm__ volatile("fninit; fildl (%0)" :: "r"(HOLE) : "memory");
}

void test_main(void)
{
	pass("emulation_failure_armed");
	print("fildl from unbacked gpa 0x%lx\n", HOLE);
	x87_from_mmio();
	fail("emulation_failure", "the load from 0x%lx completed", HOLE);
	finish();
}
