/* console: the three ways a PVH guest talks: console_io write (a
 * guest-virtual buffer), the 8250 UART, and the PV console ring named by
 * HVM_PARAM_CONSOLE_PFN / _EVTCHN (ABI notes §10).  The harness checks the
 * three marker lines appear on the VMM's console output. */
#include "guest.h"

#include <xen/event_channel.h>
#include <xen/hvm/params.h>
#include <xen/io/console.h>

const char guest_name[] = GUEST_NAME;

static void check_console_io(void)
{
	static const char msg[] = "xeno-marker: console_io write\n";

	check_rc("console_io_write", console_io(CONSOLEIO_write, sizeof(msg) - 1, gva(msg)), 0);
	/* A zero-length write is a no-op that succeeds. */
	check_rc("console_io_write_empty", console_io(CONSOLEIO_write, 0, gva(msg)), 0);
}

static void check_uart(void)
{
	static const char msg[] = "xeno-marker: uart\n";

	/* LSR must report an empty transmitter at some point. */
	int ready = 0;
	for (int i = 0; i < 100000 && !ready; i++)
		ready = (inb(XENO_UART_PORT + 5) & 0x20) != 0;
	check(ready, "uart_lsr_thre", "LSR never showed THRE");
	uart_write(msg, sizeof(msg) - 1);
	pass("uart_write");
}

static int ring_write(struct xencons_interface *intf, evtchn_port_t port, const char *s)
{
	size_t n = strlen(s);
	XENCONS_RING_IDX cons = __atomic_load_n(&intf->out_cons, __ATOMIC_ACQUIRE);
	XENCONS_RING_IDX prod = intf->out_prod;

	if (prod - cons > sizeof(intf->out) - n)
		return -1;
	for (size_t i = 0; i < n; i++)
		intf->out[MASK_XENCONS_IDX(prod + i, intf->out)] = s[i];
	__atomic_store_n(&intf->out_prod, prod + (XENCONS_RING_IDX)n, __ATOMIC_RELEASE);
	struct evtchn_send send = { .port = port };
	return (int)event_channel_op(EVTCHNOP_send, gva(&send));
}

static void check_pv_ring(void)
{
	uint64_t pfn = 0, port = 0;
	long rc_pfn = hvm_get_param(HVM_PARAM_CONSOLE_PFN, &pfn);
	long rc_port = hvm_get_param(HVM_PARAM_CONSOLE_EVTCHN, &port);

	check(rc_pfn == 0 && pfn != 0, "console_pfn", "rc %ld, pfn %lx", rc_pfn,
	      (unsigned long)pfn);
	check(rc_port == 0 && port != 0, "console_evtchn", "rc %ld, port %lu", rc_port,
	      (unsigned long)port);
	if (rc_pfn || !pfn || rc_port || !port)
		return;
	/* Linux memremaps it; it must not be RAM the guest could allocate. */
	check(!is_ram(pfn << 12, 4096), "console_pfn_not_ram",
	      "pfn %lx lies in E820 RAM", (unsigned long)pfn);
	if (pfn >= (4ULL << 30) >> 12) {
		fail("console_ring", "pfn %lx above 4 GiB: not mapped by this guest",
		     (unsigned long)pfn);
		return;
	}

	struct xencons_interface *intf = (struct xencons_interface *)(uintptr_t)(pfn << 12);
	int rc = ring_write(intf, (evtchn_port_t)port, "xeno-marker: pv console ring\n");
	check(rc == 0, "console_ring_send", "EVTCHNOP_send on port %lu: %d",
	      (unsigned long)port, rc);

	/* The backend consumes what was produced. */
	uint64_t start = rdtsc();
	while (__atomic_load_n(&intf->out_cons, __ATOMIC_ACQUIRE) != intf->out_prod &&
	       rdtsc() - start < 5000000000ULL)
		cpu_relax();
	check(intf->out_cons == intf->out_prod, "console_ring_consumed",
	      "out_cons %u, out_prod %u", intf->out_cons, intf->out_prod);

	/* A second message across the ring's wrap point is not required here;
	 * several in a row must all arrive. */
	for (int i = 0; i < 3; i++) {
		char line[64];
		snprintf(line, sizeof(line), "xeno-marker: ring line %d\n", i);
		if (ring_write(intf, (evtchn_port_t)port, line) != 0) {
			fail("console_ring_lines", "write %d failed", i);
			return;
		}
	}
	pass("console_ring_lines");
}

void test_main(void)
{
	check_console_io();
	check_uart();
	check_pv_ring();
}
