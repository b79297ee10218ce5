/* struct hvm_start_info, its memory map, module list and command line, all
 * in the boot-info area (below 1 MiB, E820 reserved), and initrd placement. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <xen/arch-x86/hvm/start_info.h>

#include "loader/loader_int.h"

/* Offsets inside the boot-info area. */
#define BI_START_INFO 0x0
#define BI_MODLIST    0x40
#define BI_MEMMAP     0x80
#define BI_MEMMAP_MAX 16
#define BI_CMDLINE    0x1000

_Static_assert(BI_MODLIST >= sizeof(struct hvm_start_info), "start_info fits");
_Static_assert(BI_MEMMAP >= BI_MODLIST + sizeof(struct hvm_modlist_entry), "modlist fits");
_Static_assert(BI_MEMMAP + BI_MEMMAP_MAX * sizeof(struct hvm_memmap_table_entry) <=
               BI_CMDLINE, "memmap fits");
_Static_assert(BI_CMDLINE + XENO_CMDLINE_MAX <= XENO_BOOTINFO_SIZE, "cmdline fits");
_Static_assert(XENO_BOOTINFO_BASE + XENO_BOOTINFO_SIZE <= LOADER_LOW_RAM_TOP,
               "boot info below 640 KiB");

struct memmap {
    struct hvm_memmap_table_entry e[BI_MEMMAP_MAX];
    unsigned n;
};

static void memmap_add(struct memmap *m, uint64_t addr, uint64_t end, uint32_t type)
{
    if (end <= addr || m->n == BI_MEMMAP_MAX)
        return;
    m->e[m->n++] = (struct hvm_memmap_table_entry){ .addr = addr, .size = end - addr,
                                                    .type = type };
}

/* Sorted, non-overlapping: RAM below 640 KiB around the boot-info area, the
 * ACPI tables, RAM from 1 MiB, the special pages, RAM above 4 GiB.  Linux
 * itself reserves 640 KiB..1 MiB. */
static void memmap_build(const struct guest_ram *ram, struct memmap *m)
{
    uint64_t bi_end = XENO_BOOTINFO_BASE + XENO_BOOTINFO_SIZE;
    uint64_t low_top = ram->low_size < LOADER_LOW_RAM_TOP ? ram->low_size
                                                          : LOADER_LOW_RAM_TOP;
    m->n = 0;
    memmap_add(m, 0, XENO_BOOTINFO_BASE, XEN_HVM_MEMMAP_TYPE_RAM);
    memmap_add(m, XENO_BOOTINFO_BASE, bi_end, XEN_HVM_MEMMAP_TYPE_RESERVED);
    memmap_add(m, bi_end, low_top, XEN_HVM_MEMMAP_TYPE_RAM);
    memmap_add(m, XENO_ACPI_BASE, XENO_ACPI_BASE + XENO_ACPI_SIZE,
               XEN_HVM_MEMMAP_TYPE_ACPI);
    memmap_add(m, XENO_ACPI_BASE + XENO_ACPI_SIZE, ram->low_size,
               XEN_HVM_MEMMAP_TYPE_RAM);
    memmap_add(m, XENO_SPECIAL_BASE,
               XENO_SPECIAL_BASE + XENO_SPECIAL_PAGES * XENO_PAGE_SIZE,
               XEN_HVM_MEMMAP_TYPE_RESERVED);
    memmap_add(m, XENO_HIGH_RAM_BASE, XENO_HIGH_RAM_BASE + ram->high_size,
               XEN_HVM_MEMMAP_TYPE_RAM);
}

/* The initrd goes page-aligned at the top of low RAM, above the kernel. */
static int place_initrd(struct guest_ram *ram, const struct boot_config *cfg,
                        struct boot_result *res, char *err, size_t errlen)
{
    res->initrd_gpa = 0;
    res->initrd_len = 0;
    if (!cfg->initrd || cfg->initrd_len == 0)
        return 0;
    uint64_t floor = XENO_ACPI_BASE + XENO_ACPI_SIZE;
    if (res->kernel_end < XENO_HIGH_RAM_BASE && res->kernel_end > floor)
        floor = (res->kernel_end + XENO_PAGE_SIZE - 1) & ~(XENO_PAGE_SIZE - 1);
    uint64_t room = ram->low_size > floor ? ram->low_size - floor : 0;
    if (cfg->initrd_len > room)
        return loader_fail(err, errlen, -ENOMEM,
                           "initrd of %llu MiB does not fit: %llu MiB of low RAM "
                           "free above the kernel",
                           (unsigned long long)((cfg->initrd_len + MIB - 1) / MIB),
                           (unsigned long long)(room / MIB));
    uint64_t gpa = (ram->low_size - cfg->initrd_len) & ~(XENO_PAGE_SIZE - 1);
    memcpy(guest_ram_ptr(ram, gpa, cfg->initrd_len), cfg->initrd, cfg->initrd_len);
    res->initrd_gpa = gpa;
    res->initrd_len = cfg->initrd_len;
    return 0;
}

int start_info_build(struct guest_ram *ram, const struct boot_config *cfg,
                     struct boot_result *res, char *err, size_t errlen)
{
    const char *cmdline = cfg->cmdline ? cfg->cmdline : "";
    size_t clen = strnlen(cmdline, XENO_CMDLINE_MAX);
    if (clen >= XENO_CMDLINE_MAX)
        return loader_fail(err, errlen, -E2BIG,
                           "command line longer than %d bytes", XENO_CMDLINE_MAX - 1);
    uint8_t *bi = guest_ram_ptr(ram, XENO_BOOTINFO_BASE, XENO_BOOTINFO_SIZE);
    if (!bi)
        return loader_fail(err, errlen, -ENOMEM, "low RAM too small for boot information");
    int rc = place_initrd(ram, cfg, res, err, errlen);
    if (rc < 0)
        return rc;
    memset(bi, 0, XENO_BOOTINFO_SIZE);
    memcpy(bi + BI_CMDLINE, cmdline, clen);

    struct memmap m;
    memmap_build(ram, &m);
    memcpy(bi + BI_MEMMAP, m.e, m.n * sizeof(m.e[0]));

    struct hvm_start_info si = {
        .magic = XEN_HVM_START_MAGIC_VALUE,
        .version = 1,
        .flags = 0,                     /* never SIF_INITDOMAIN */
        .cmdline_paddr = XENO_BOOTINFO_BASE + BI_CMDLINE,
        .rsdp_paddr = res->rsdp_gpa,
        .memmap_paddr = XENO_BOOTINFO_BASE + BI_MEMMAP,
        .memmap_entries = m.n,
    };
    if (res->initrd_len) {
        struct hvm_modlist_entry mod = { .paddr = res->initrd_gpa,
                                         .size = res->initrd_len };
        memcpy(bi + BI_MODLIST, &mod, sizeof(mod));
        si.nr_modules = 1;
        si.modlist_paddr = XENO_BOOTINFO_BASE + BI_MODLIST;
    }
    memcpy(bi + BI_START_INFO, &si, sizeof(si));
    res->start_info_gpa = XENO_BOOTINFO_BASE + BI_START_INFO;
    return 0;
}
