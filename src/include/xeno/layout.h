/* Guest-physical layout of a xeno PVH domain.  Shared by the loader (which
 * writes the memory map and ACPI tables), the VMM (which creates the KVM
 * memory slots) and the conformance guests (which may rely on it). */
#ifndef XENO_LAYOUT_H
#define XENO_LAYOUT_H

#define XENO_PAGE_SIZE 4096ULL

/* Low RAM is [0, min(memory, XENO_LOW_RAM_MAX)); the rest of the RAM sits
 * at XENO_HIGH_RAM_BASE.  The hole below 4 GiB holds the LAPIC, IOAPIC and
 * xeno's special pages. */
#define XENO_LOW_RAM_MAX   0xC0000000ULL
#define XENO_HIGH_RAM_BASE 0x100000000ULL

/* Boot information written by the loader: struct hvm_start_info, the memory
 * map, the module list and the command line.  Listed as E820 reserved so the
 * guest never reuses it before reading it. */
#define XENO_BOOTINFO_BASE 0x1000ULL
#define XENO_BOOTINFO_SIZE 0x8000ULL
#define XENO_CMDLINE_MAX   4096

/* ACPI tables (RSDP first), E820 reserved. */
#define XENO_ACPI_BASE 0xE0000ULL
#define XENO_ACPI_SIZE 0x20000ULL

/* Special pages outside RAM, E820 reserved (QEMU uses the same address for
 * its Xen emulation): PV console ring, xenstore ring, spare. */
#define XENO_SPECIAL_BASE  0xFEFF8000ULL
#define XENO_SPECIAL_PAGES 8
#define XENO_CONSOLE_PFN   (XENO_SPECIAL_BASE / XENO_PAGE_SIZE + 0)
#define XENO_XENSTORE_PFN  (XENO_SPECIAL_BASE / XENO_PAGE_SIZE + 1)

#define XENO_LAPIC_BASE  0xFEE00000ULL
#define XENO_IOAPIC_BASE 0xFEC00000ULL

/* I/O ports trapped by the VMM.  The hypercall port must be < 256 so that a
 * 3-byte "out %eax,$imm8; nop" (e7 XX 90) fits over a vmcall/vmmcall. */
#define XENO_HCALL_PORT         0x5c
#define XENO_ACPI_SLEEP_CTL_PORT 0x600  /* FADT sleep control (HW-reduced) */
#define XENO_ACPI_SLEEP_STS_PORT 0x601  /* FADT sleep status */
#define XENO_ACPI_S5_SLP_TYP    5       /* \_S5 package value */
#define XENO_UART_PORT          0x3f8
#define XENO_DEBUGCON_PORT      0xe9    /* Xen's HVM early console */

/* Hypercall page MSR (CPUID 0x40000002 EBX). */
#define XENO_HCALL_MSR 0x40000000U

/* The vector Linux (and our guests) use for the per-vCPU upcall. */
#define XENO_UPCALL_VECTOR_DEFAULT 0xf3

#endif
