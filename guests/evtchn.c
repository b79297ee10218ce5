/* evtchn: 2-level event channels delivered through the per-vCPU upcall
 * vector (HVMOP_set_evtchn_upcall_vector, LAPIC-delivered, EOIed by the
 * guest): alloc_unbound, bind_ipi, send, status, masking and unmask
 * re-delivery, close; with expect_vcpus=2 on the command line also an AP
 * started with INIT-SIPI-SIPI that receives an IPI event sent by vCPU0. */
#include "acpi.h"
#include "events.h"

#include <xen/arch-x86/cpuid.h>
#include <xen/hvm/params.h>

const char guest_name[] = GUEST_NAME;

#define VECTOR XENO_UPCALL_VECTOR_DEFAULT
#define MAX_PORTS 1024
/* Positive waits end early; only the negative checks wait this long. */
#define WAIT_CYCLES 10000000000UL
#define QUIET_CYCLES 500000000UL

static SHARED_INFO_PAGE(si_page);
#define si si_page.s
static uint32_t bsp_apic_id;
static volatile int got[2][MAX_PORTS];    /* deliveries per vCPU and port */
static volatile int upcalls[2];
static volatile int ap_alive;
static volatile uint32_t ap_vcpu_id;
static volatile long ap_version;

static unsigned int this_cpu(void)
{
	return (lapic_read(LAPIC_ID) >> 24) == bsp_apic_id ? 0 : 1;
}

/* What Linux's xen_evtchn_do_upcall() does, 2-level flavour. */
static void upcall(struct trap_frame *f)
{
	unsigned int cpu = this_cpu();
	struct vcpu_info *vi = &si.vcpu_info[cpu];

	(void)f;
	upcalls[cpu]++;
	do {
		__atomic_store_n(&vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
		xen_ulong_t sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
		while (sel) {
			unsigned int w = (unsigned int)__builtin_ctzl(sel);
			sel &= sel - 1;
			xen_ulong_t bits = si.evtchn_pending[w] & ~si.evtchn_mask[w];
			while (bits) {
				unsigned int port = w * BITS_PER_XEN_ULONG +
				                    (unsigned int)__builtin_ctzl(bits);
				bits &= bits - 1;
				xbit_clear(si.evtchn_pending, port);
				if (port < MAX_PORTS)
					got[cpu][port]++;
			}
		}
	} while (__atomic_load_n(&vi->evtchn_upcall_pending, __ATOMIC_SEQ_CST));
	lapic_write(LAPIC_EOI, 0);
}


static void check_status(const char *name, evtchn_port_t port, uint32_t want,
                         uint32_t want_vcpu)
{
	struct evtchn_status st;
	long rc = evtchn_status(port, &st);

	check(rc == 0 && st.status == want && (want != EVTCHNSTAT_ipi || st.vcpu == want_vcpu),
	      name, "rc %ld status %u vcpu %u, expected status %u vcpu %u", rc, st.status,
	      st.vcpu, want, want_vcpu);
}

static void check_unbound(void)
{
	evtchn_port_t u = 0;
	long rc = evtchn_alloc_unbound(DOMID_SELF, &u);

	check(rc == 0 && u > 0, "alloc_unbound", "rc %ld port %u", rc, u);
	if (rc)
		return;
	check_status("status_unbound", u, EVTCHNSTAT_unbound, 0);
	/* Xen drops a send on an unbound port silently. */
	check_rc("send_unbound", evtchn_send(u), 0);
	check(!xbit_test(si.evtchn_pending, u), "send_unbound_not_pending",
	      "pending bit set for an unbound port");
	check_rc("close_unbound", evtchn_close(u), 0);
	check_status("status_closed", u, EVTCHNSTAT_closed, 0);
}

static void check_ipi_self(void)
{
	evtchn_port_t p = 0;
	long rc = evtchn_bind_ipi(0, &p);

	check(rc == 0 && p > 0 && p < MAX_PORTS, "bind_ipi_self", "rc %ld port %u", rc, p);
	if (rc || !p || p >= MAX_PORTS)
		return;
	check_status("status_ipi", p, EVTCHNSTAT_ipi, 0);

	irq_enable();
	check_rc("send_ipi_self", evtchn_send(p), 0);
	check(wait_for(&got[0][p], WAIT_CYCLES), "upcall_delivered",
	      "no upcall on vector 0x%x (upcalls %d, pending %d, upcall_pending %u)", VECTOR,
	      upcalls[0], xbit_test(si.evtchn_pending, p), si.vcpu_info[0].evtchn_upcall_pending);

	/* Several sends while interrupts are off coalesce into one event. */
	irq_disable();
	int before = got[0][p];
	for (int i = 0; i < 3; i++)
		evtchn_send(p);
	irq_enable();
	wait_ge(&got[0][p], before + 1, WAIT_CYCLES);
	delay(QUIET_CYCLES);
	check(got[0][p] == before + 1, "sends_coalesce", "%d deliveries for 3 sends",
	      got[0][p] - before);

	/* Masked: pending is set, nothing is delivered ... */
	xbit_set(si.evtchn_mask, p);
	before = got[0][p];
	check_rc("send_masked", evtchn_send(p), 0);
	delay(QUIET_CYCLES);
	check(got[0][p] == before && xbit_test(si.evtchn_pending, p), "masked_not_delivered",
	      "delivered %d, pending %d", got[0][p] - before, xbit_test(si.evtchn_pending, p));
	/* ... until EVTCHNOP_unmask finds it pending and re-raises it. */
	check_rc("unmask", evtchn_unmask(p), 0);
	check(!xbit_test(si.evtchn_mask, p), "unmask_clears_mask", "mask bit still set");
	check(wait_ge(&got[0][p], before + 1, WAIT_CYCLES) && got[0][p] == before + 1,
	      "unmask_redelivers", "%d deliveries after unmask", got[0][p] - before);
	irq_disable();

	check_rc("close_ipi", evtchn_close(p), 0);
	check_status("status_ipi_closed", p, EVTCHNSTAT_closed, 0);
	check_rc("send_closed", evtchn_send(p), -XEN_EINVAL);
	check_rc("close_twice", evtchn_close(p), -XEN_EINVAL);
}

void ap_main(void)
{
	uint32_t r[4];

	traps_load();
	lapic_enable();
	cpuid(xen_cpuid_base + 4, 0, r);
	ap_vcpu_id = (r[0] & XEN_HVM_CPUID_VCPU_ID_PRESENT) ? r[1] : 0xffffffff;
	ap_version = xen_version(XENVER_version, NULL);
	__atomic_store_n(&ap_alive, 1, __ATOMIC_SEQ_CST);
	for (;;)
		__asm__ volatile("sti; hlt" ::: "memory");
}

static void check_smp(unsigned long want)
{
	struct cpu_entry cpus[8];
	const char *why = "";
	int n = acpi_cpus(cpus, 8, &why);

	check(n == (int)want, "madt_cpus", "MADT lists %d enabled CPUs (%s), expected %lu", n,
	      n < 0 ? why : "", want);
	if (n < 2 || want < 2) {
		evtchn_port_t q;
		check_rc("bind_ipi_missing_vcpu", evtchn_bind_ipi(1, &q), -XEN_ENOENT);
		return;
	}
	check(cpus[0].apic_id == bsp_apic_id && cpus[0].uid == 0, "madt_bsp",
	      "first MADT CPU uid %u apic %u, BSP apic %u", cpus[0].uid, cpus[0].apic_id,
	      bsp_apic_id);

	/* Linux issues these for an AP from the BSP before starting it. */
	check_rc("set_upcall_vector_vcpu1", set_upcall_vector(cpus[1].uid, VECTOR), 0);
	evtchn_port_t q = 0;
	long rc = evtchn_bind_ipi(cpus[1].uid, &q);
	check(rc == 0 && q > 0 && q < MAX_PORTS, "bind_ipi_vcpu1", "rc %ld port %u", rc, q);
	check_status("status_ipi_vcpu1", q, EVTCHNSTAT_ipi, cpus[1].uid);

	if (ap_start(cpus[1].apic_id, &ap_alive, WAIT_CYCLES) < 0) {
		fail("ap_started", "the AP (apic %u) never reached ap_main", cpus[1].apic_id);
		return;
	}
	pass("ap_started");
	check(ap_vcpu_id == cpus[1].uid, "ap_cpuid_vcpu_id", "CPUID vcpu id %u, MADT uid %u",
	      ap_vcpu_id, cpus[1].uid);
	check(ap_version == 0x00040011, "ap_hypercall", "xen_version on the AP: %lx",
	      ap_version);
	if (rc || !q || q >= MAX_PORTS)
		return;
	int on_bsp = got[0][q];  /* q may reuse a port closed above */
	check_rc("send_to_vcpu1", evtchn_send(q), 0);
	check(wait_for(&got[1][q], WAIT_CYCLES), "upcall_on_vcpu1",
	      "vCPU1 got no upcall (upcalls %d/%d, pending %d, vcpu1 sel %lx)", upcalls[0],
	      upcalls[1], xbit_test(si.evtchn_pending, q),
	      (unsigned long)si.vcpu_info[1].evtchn_pending_sel);
	check(got[0][q] == on_bsp, "not_on_vcpu0", "the vCPU1 event was delivered on vCPU0");
	check_rc("close_ipi_vcpu1", evtchn_close(q), 0);
}

void test_main(void)
{
	lapic_enable();
	bsp_apic_id = lapic_read(LAPIC_ID) >> 24;
	set_irq_handler(VECTOR, upcall);
	check_rc("map_shared_info", map_shared_info(&si), 0);
	/* Linux: the vector for vCPU0, then CALLBACK_IRQ = 1 ("trick
	 * toolstack"); both must return 0. */
	check_rc("set_upcall_vector", set_upcall_vector(0, VECTOR), 0);
	check_rc("set_callback_irq", hvm_set_param(HVM_PARAM_CALLBACK_IRQ, 1), 0);

	check_unbound();
	check_ipi_self();
	check_smp(cmdline_ulong("expect_vcpus", 1));
}
