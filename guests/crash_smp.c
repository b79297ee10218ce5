/* crash_smp: vCPU1 reports a crash (SCHEDOP_shutdown, SHUTDOWN_crash)
 * while vCPU0 spins in bsp_spin(); the VMM's crash report must name vCPU1
 * as the one that crashed first and show both vCPUs, each RIP decoded
 * against this image's symbols.  Needs --vcpus 2. */
#include "acpi.h"

const char guest_name[] = GUEST_NAME;

#define WAIT_CYCLES 10000000000UL

static volatile int ap_alive, bsp_spinning;

/* Where vCPU0 is when vCPU1 crashes. */
__attribute__((noinline)) static void bsp_spin(void)
{
	__atomic_store_n(&bsp_spinning, 1, __ATOMIC_SEQ_CST);
	for (;;)
		cpu_relax();
}

void ap_main(void)
{
	traps_load();
	__atomic_store_n(&ap_alive, 1, __ATOMIC_SEQ_CST);
	if (!wait_for(&bsp_spinning, WAIT_CYCLES))
		fail("bsp_spinning", "vcpu0 never reached bsp_spin");
	print("vcpu1: reporting a crash\n");
	shutdown(SHUTDOWN_crash);
	fail("ap_crash", "still running after SHUTDOWN_crash");
	finish();
}

void test_main(void)
{
	print("vcpu0: starting vcpu1, then spinning in bsp_spin\n");
	start_second_cpu(&ap_alive, WAIT_CYCLES);
	bsp_spin();
}
