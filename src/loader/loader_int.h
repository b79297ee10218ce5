/* Internal interfaces between the loader's files.  Not for the VMM. */
#ifndef XENO_LOADER_INT_H
#define XENO_LOADER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loader/loader.h"

#define MIB (1024ULL * 1024ULL)

/* Largest number of program headers we accept (vmlinux has about 5). */
#define ELF_MAX_PHDRS 64

/* Writes "fmt ..." into err (if any) and returns rc. */
int loader_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Host pointer for guest-physical [gpa, gpa + len), or NULL unless the whole
 * range lies inside low or inside high RAM. */
uint8_t *guest_ram_ptr(const struct guest_ram *ram, uint64_t gpa, uint64_t len);

static inline uint64_t guest_ram_total(const struct guest_ram *ram)
{
    return ram->low_size + ram->high_size;
}

/* Little-endian loads from byte buffers (no alignment assumed). */
static inline uint16_t get_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static inline uint64_t get_le64(const uint8_t *p)
{
    return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

/* One program header, whatever the ELF class. */
struct elf_seg {
    uint32_t type;
    uint32_t flags;
    uint64_t offset;
    uint64_t vaddr;
    uint64_t paddr;
    uint64_t filesz;
    uint64_t memsz;
};

struct elf_image {
    const uint8_t *data;
    size_t len;
    bool elf32;
    unsigned nseg;
    struct elf_seg seg[ELF_MAX_PHDRS];
};

/* What the Xen ELF notes say. */
struct elf_xen_notes {
    bool has_entry;
    uint64_t entry;                 /* XEN_ELFNOTE_PHYS32_ENTRY */
    bool has_hcall_page;
    uint64_t hcall_page_vaddr;      /* XEN_ELFNOTE_HYPERCALL_PAGE */
    bool guest_linux;               /* XEN_ELFNOTE_GUEST_OS "linux" */
};

/* Validates the ELF and program headers (every offset/size checked). */
int elf_parse(const uint8_t *img, size_t len, struct elf_image *elf,
              char *err, size_t errlen);
/* Walks the PT_NOTE segments for notes named "Xen". */
int elf_xen_notes(const struct elf_image *elf, struct elf_xen_notes *notes,
                  char *err, size_t errlen);
/* Translates a kernel virtual address to its load (physical) address. */
int elf_vaddr_to_paddr(const struct elf_image *elf, uint64_t vaddr,
                       uint64_t *paddr);
/* Copies the PT_LOAD segments to p_paddr in guest RAM and zeroes their bss;
 * start and end receive the lowest and highest loaded paddr. */
int elf_load(const struct elf_image *elf, struct guest_ram *ram,
             uint64_t *start, uint64_t *end, char *err, size_t errlen);

/* Number of hypercall stub pairs matching a known signature in buf; the
 * offsets of the first match's two instructions go to sites[0..1]. */
int hcall_sites_find(const uint8_t *buf, size_t len, size_t sites[2]);
/* Overwrites one 3-byte vmcall/vmmcall with "out %eax,$port; nop". */
void hcall_site_rewrite(uint8_t *insn);

/* kallsyms tables found inside a vmlinux image (file offsets). */
struct kallsyms {
    const uint8_t *img;
    size_t len;
    size_t token_table;
    size_t token_index;
    size_t offsets;
    size_t names;
    uint32_t nsyms;
    uint64_t base;          /* kallsyms_relative_base */
    bool abs_percpu;        /* CONFIG_KALLSYMS_ABSOLUTE_PERCPU encoding */
};

int kallsyms_find(const uint8_t *img, size_t len, struct kallsyms *ks);
/* vaddr of the text symbol `name` (type t or T). */
int kallsyms_lookup(const struct kallsyms *ks, const char *name, uint64_t *vaddr);
/* Calls fn for every symbol in table order (type letter, name, vaddr) until
 * it returns non-zero; returns that value, or 0. */
int kallsyms_each(const struct kallsyms *ks,
                  int (*fn)(void *opaque, char type, const char *name, uint64_t vaddr),
                  void *opaque);

/* Finds the two stubs of a loaded Linux image (kallsyms first, else the
 * signature, which must match once) and rewrites them in guest RAM. */
int hcall_patch_loaded(struct guest_ram *ram, const struct elf_image *elf,
                       struct boot_result *res, char *err, size_t errlen);

/* Writes hvm_start_info, module list, memory map and command line into the
 * boot-info area; places the initrd.  Needs res->kernel_end/rsdp_gpa set. */
int start_info_build(struct guest_ram *ram, const struct boot_config *cfg,
                     struct boot_result *res, char *err, size_t errlen);

#endif
