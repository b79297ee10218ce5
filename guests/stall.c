/* stall: vCPU1 arms its LAPIC timer in TSC-deadline mode for hours ahead,
 * then halts with interrupts off (cli; hlt) and never leaves KVM again,
 * while vCPU0 waits about ten seconds of TSC and powers off.  The VMM's
 * stop report must say that vCPU1 had no exit for that long, halted, IF 0,
 * its timer due far ahead (an idle vCPU, not a stalled one).  Needs
 * --vcpus 2. */
#include "acpi.h"

const char guest_name[] = GUEST_NAME;

#define WAIT_CYCLES 10000000000UL
#define QUIET_CYCLES 30000000000UL

static volatile int ap_alive;

#define LAPIC_LVTT 0x320
#define LVTT_TSC_DEADLINE (2u << 17)
#define MSR_TSC_DEADLINE 0x6e0
#define TIMER_VECTOR 0xef
#define FAR_AHEAD 10000000000000ULL	/* cycles: an hour or more */

void ap_main(void)
{
	lapic_enable();
	lapic_write(LAPIC_LVTT, LVTT_TSC_DEADLINE | TIMER_VECTOR);
	wrmsr(MSR_TSC_DEADLINE, rdtsc() + FAR_AHEAD);
	__atomic_store_n(&ap_alive, 1, __ATOMIC_SEQ_CST);
	for (;;)
		__asm__ volatile("cli; hlt" ::: "memory");
}

void test_main(void)
{
	start_second_cpu(&ap_alive, WAIT_CYCLES);
	pass("ap_halted");
	print("vcpu1 halts with interrupts off; vcpu0 waits, then powers off\n");
	delay(QUIET_CYCLES);
	shutdown(SHUTDOWN_poweroff);
}
