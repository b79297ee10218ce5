/* hcall_bench: n= (default 100000) XENVER_version hypercalls through the
 * page, timed with the TSC: the cost of one hypercall round trip. */
#include "guest.h"

const char guest_name[] = GUEST_NAME;

void test_main(void)
{
	unsigned long n = cmdline_ulong("n", 100000);
	unsigned long bad = 0;
	uint64_t start = rdtsc();

	for (unsigned long i = 0; i < n; i++)
		if (xen_version(XENVER_version, NULL) != 0x00040011)
			bad++;
	uint64_t cycles = rdtsc() - start;
	check(bad == 0, "hcall_bench_results", "%lu of %lu calls returned a wrong value", bad, n);
	print("hcall_bench: %lu calls, %lu TSC cycles each\n", n,
	      (unsigned long)(n ? cycles / n : 0));
}
