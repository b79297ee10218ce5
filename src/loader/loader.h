/* The boot loader: turns a kernel image (+ initrd + command line) into a
 * ready-to-enter PVH guest memory image.  Pure: works on host buffers that
 * stand for guest RAM, so it is unit-tested without KVM.  Every function
 * returns 0 or a negative errno and, on error, writes a one-line reason
 * into err (which the VMM prints as "xeno-vmm: <kernel path>: <reason>"). */
#ifndef XENO_LOADER_H
#define XENO_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xeno/layout.h"

/* Most vCPUs the ACPI tables describe (xAPIC entries up to APIC ID 254,
 * x2APIC entries above). */
#define LOADER_MAX_VCPUS 1024

/* Low RAM ends at 640 KiB; Linux wants RAM there for its SMP trampoline. */
#define LOADER_LOW_RAM_TOP 0xA0000ULL

/* Smallest domain: the ACPI tables end at 1 MiB and the kernel lies above. */
#define LOADER_MIN_LOW_RAM (2ULL << 20)

/* Host view of guest RAM: gpa [0, low_size) and [4 GiB, 4 GiB + high_size). */
struct guest_ram {
    uint8_t *low;
    uint64_t low_size;
    uint8_t *high;
    uint64_t high_size;
};

struct boot_config {
    const uint8_t *kernel;      /* whole file: ELF or bzImage */
    size_t kernel_len;
    const uint8_t *initrd;      /* NULL if none */
    size_t initrd_len;
    const char *cmdline;        /* "" if none; at most XENO_CMDLINE_MAX-1 */
    unsigned vcpus;             /* one MADT processor each, UID = vCPU id */
    struct ksymtab **syms;      /* if set: receives the kernel's symbols
                                 * (or NULL); free with ksymtab_free() */
};

struct boot_result {
    uint64_t entry;             /* XEN_ELFNOTE_PHYS32_ENTRY (32-bit paddr) */
    uint64_t start_info_gpa;    /* goes in EBX at entry */
    uint64_t rsdp_gpa;
    uint64_t hypercall_page_gpa;/* XEN_ELFNOTE_HYPERCALL_PAGE paddr, or 0 */
    uint64_t kernel_start;      /* lowest/highest paddr of PT_LOAD segments */
    uint64_t kernel_end;
    uint64_t initrd_gpa;        /* 0 if none */
    uint64_t initrd_len;
    int patched_sites;          /* vmcall/vmmcall sites rewritten (Linux) */
    uint64_t hcall_sites_gpa[2];/* where: xen_hypercall_amd, _intel */
    const char *patch_method;   /* "kallsyms", "signature" or NULL */
    bool elf32;                 /* ELF class 32 file (code may still be 64-bit) */
};

/* Everything: detect the format (ELF, bzImage with xz/zstd/gzip/lz4 payload),
 * load the PT_LOAD segments at p_paddr, rewrite Linux's direct Xen
 * hypercall sites to "out %eax,$XENO_HCALL_PORT; nop", place the initrd,
 * write struct hvm_start_info + memory map + module list + command line
 * and the ACPI tables. */
int boot_prepare(struct guest_ram *ram, const struct boot_config *cfg,
                 struct boot_result *res, char *err, size_t errlen);

/* Pieces, exposed for tests and for the VMM. */

/* Decompress a kernel payload; detects the format by magic.  On success
 * *out is malloc()ed and owned by the caller.  Output capped at max_out. */
int kernel_decompress(const uint8_t *in, size_t in_len, size_t max_out,
                      uint8_t **out, size_t *out_len, char *err, size_t errlen);

/* If img is a bzImage, find its payload (setup header payload_offset/length)
 * and decompress it into an ELF; otherwise return -ENOEXEC. */
int bzimage_extract(const uint8_t *img, size_t len, uint8_t **elf,
                    size_t *elf_len, char *err, size_t errlen);

/* Write ACPI tables (RSDP, XSDT, FADT hardware-reduced with sleep control/
 * status registers at XENO_ACPI_SLEEP_*_PORT, DSDT with \_S5, MADT with one
 * enabled LAPIC per vCPU, UID = APIC ID = vCPU id) into
 * ram->low + XENO_ACPI_BASE.  *rsdp_gpa receives the RSDP address. */
int acpi_build(struct guest_ram *ram, unsigned vcpus, uint64_t *rsdp_gpa,
               char *err, size_t errlen);

/* Rewrite the two direct Xen hypercall instructions of a Linux image that
 * has no hypercall page (vmcall 0f 01 c1 / vmmcall 0f 01 d9 found by exact
 * signature; boot_prepare also consults the image's kallsyms tables).
 * Returns the number of sites patched (2), or -ENOENT / -EEXIST (not found
 * / not unique) with a reason in err. */
int hcall_sites_patch(uint8_t *image, size_t len, char *err, size_t errlen);

/* A kernel's text symbols, to explain a crash: from the ELF symbol table
 * when the image has one, else from Linux's kallsyms tables.  A private
 * copy sorted by address; sizes missing from the source are the distance
 * to the next symbol. */
struct ksymtab;
struct ksym {
    const char *name;
    uint64_t addr;
    uint64_t size;              /* 0: unknown */
};

/* NULL when the image has neither (or on ENOMEM). */
struct ksymtab *ksymtab_build(const uint8_t *elf, size_t len);
void ksymtab_free(struct ksymtab *t);
/* "ELF symtab", "kallsyms", or "none" for NULL. */
const char *ksymtab_origin(const struct ksymtab *t);
size_t ksymtab_count(const struct ksymtab *t);
/* The text symbol that contains addr: 0, or -ENOENT (also for t NULL). */
int ksymtab_find(const struct ksymtab *t, uint64_t addr, struct ksym *out);
/* "name+0xoff/0xsize" (as Linux's %pS) into buf: 0, or -ENOENT. */
int ksymtab_format(const struct ksymtab *t, uint64_t addr, char *buf, size_t len);

#endif
