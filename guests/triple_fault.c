/* triple_fault: an exception with an empty IDT escalates to a triple
 * fault (KVM_EXIT_SHUTDOWN); the VMM must report a crash (exit 103). */
#include "guest.h"

const char guest_name[] = GUEST_NAME;

void test_main(void)
{
	static const struct { uint16_t limit; uint64_t base; } __attribute__((packed))
		null_idt = { 0, 0 };

	pass("triple_fault_armed");
	print("loading a null IDT and executing ud2\n");
	__asm__ volatile("cli; lidt %0; ud2" :: "m"(null_idt));
	fail("triple_fault", "still running after ud2 with a null IDT");
}
