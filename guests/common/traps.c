/* IDT, exception reporting and interrupt dispatch for the 64-bit guests,
 * and the local APIC helpers. */
#include "guest.h"

#include <xen/sched.h>

struct idt_entry {
	uint16_t off_lo, sel;
	uint8_t ist, type;
	uint16_t off_mid;
	uint32_t off_hi, zero;
} __attribute__((packed));

extern const char trap_stubs[];
static struct idt_entry idt[256] __attribute__((aligned(16)));
static irq_handler_t handlers[256];

void traps_init(void)
{
	for (unsigned int v = 0; v < 256; v++) {
		uint64_t a = (uint64_t)(uintptr_t)(trap_stubs + v * 16);
		idt[v] = (struct idt_entry){
			.off_lo = (uint16_t)a, .sel = SEL_CODE64, .type = 0x8e,
			.off_mid = (uint16_t)(a >> 16), .off_hi = (uint32_t)(a >> 32),
		};
	}
	traps_load();
}

void traps_load(void)
{
	struct { uint16_t limit; uint64_t base; } __attribute__((packed)) d = {
		sizeof(idt) - 1, (uint64_t)(uintptr_t)idt,
	};

	__asm__ volatile("lidt %0" :: "m"(d));
}

void set_irq_handler(unsigned int vector, irq_handler_t h)
{
	handlers[vector & 255] = h;
}

void trap_dispatch(struct trap_frame *f)
{
	if (f->vector >= 32 && handlers[f->vector]) {
		handlers[f->vector](f);
		return;
	}
	fail("unexpected_trap", "vector %lu error %lx at rip %lx (cr2 via fault only)",
	     (unsigned long)f->vector, (unsigned long)f->error, (unsigned long)f->rip);
	if (f->vector == 14) {
		uint64_t cr2;
		__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
		print("  page fault address %lx\n", (unsigned long)cr2);
	}
	finish();
}

int wait_ge(volatile int *counter, int target, unsigned long cycles)
{
	uint64_t start = rdtsc();

	for (unsigned long i = 0; i < 200000000UL && *counter < target; i++) {
		cpu_relax();
		if (rdtsc() - start > cycles)
			break;
	}
	return *counter >= target;
}

int wait_for(volatile int *flag, unsigned long cycles)
{
	return wait_ge(flag, 1, cycles);
}

void delay(uint64_t cycles)
{
	uint64_t start = rdtsc();

	while (rdtsc() - start < cycles)
		cpu_relax();
}

extern const char ap_tramp_start[], ap_tramp_end[];

int ap_start(uint32_t apic_id, volatile int *alive, unsigned long cycles)
{
	size_t len = (size_t)(ap_tramp_end - ap_tramp_start);

	if (!is_ram(GUEST_TRAMP_BASE, 4096)) {
		fail("ap_trampoline_ram", "0x%x is not RAM in the memory map", GUEST_TRAMP_BASE);
		return -1;
	}
	memcpy((void *)(uintptr_t)GUEST_TRAMP_BASE, ap_tramp_start, len);
	mb();
	lapic_write(LAPIC_ICR_HI, apic_id << 24);
	lapic_write(LAPIC_ICR_LO, 0x00004500);             /* INIT, assert */
	delay(10000000);
	for (int i = 0; i < 2; i++) {
		lapic_write(LAPIC_ICR_HI, apic_id << 24);
		lapic_write(LAPIC_ICR_LO, 0x00004600 | (GUEST_TRAMP_BASE >> 12)); /* SIPI */
		delay(1000000);
	}
	return wait_for(alive, cycles) ? 0 : -1;
}

uint32_t lapic_read(uint32_t reg)
{
	return mmio_read32(XENO_LAPIC_BASE + reg);
}

void lapic_write(uint32_t reg, uint32_t v)
{
	mmio_write32(XENO_LAPIC_BASE + reg, v);
}

void lapic_enable(void)
{
	/* Software-enable with spurious vector 0xff; a disabled LAPIC drops
	 * fixed interrupts. */
	lapic_write(LAPIC_SVR, 0x1ff);
}
