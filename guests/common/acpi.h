/* Just enough ACPI to list the CPUs: RSDP (from start_info) -> XSDT/RSDT
 * -> MADT. */
#ifndef GUEST_ACPI_H
#define GUEST_ACPI_H

#include "guest.h"

struct cpu_entry {
	uint32_t uid;      /* ACPI processor UID = Xen vCPU id */
	uint32_t apic_id;
};

/* Fills up to max enabled CPUs; returns the count, or a negative value
 * with *why set when the tables are missing or malformed. */
int acpi_cpus(struct cpu_entry *cpus, int max, const char **why);

/* The LAPIC on, the MADT's second CPU started into ap_main(), which sets
 * *alive: returns once it has.  Fails the test and finishes when the MADT
 * lists fewer than 2 CPUs (no --vcpus 2) or the AP never comes up. */
void start_second_cpu(volatile int *alive, unsigned long cycles);

#endif
