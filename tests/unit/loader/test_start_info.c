/* hvm_start_info, memory map, command line and initrd placement. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xen/arch-x86/hvm/start_info.h>

#include "check.h"
#include "loader_test_util.h"

static char err[256];

struct booted {
    struct guest_ram ram;
    struct boot_result res;
    struct hvm_start_info si;
    struct hvm_memmap_table_entry map[32];
};

static int boot(struct booted *b, uint64_t low, uint64_t high, const char *cmdline,
                const uint8_t *initrd, size_t initrd_len)
{
    size_t len;
    uint8_t *img = test_elf_simple(&len);
    b->ram = test_ram(low, high);
    struct boot_config cfg = { .kernel = img, .kernel_len = len, .cmdline = cmdline,
                               .initrd = initrd, .initrd_len = initrd_len, .vcpus = 2 };
    int rc = boot_prepare(&b->ram, &cfg, &b->res, err, sizeof(err));
    free(img);
    if (rc == 0) {
        memcpy(&b->si, b->ram.low + b->res.start_info_gpa, sizeof(b->si));
        CHECK(b->si.memmap_entries <= 32);
        if (b->si.memmap_entries <= 32)
            memcpy(b->map, b->ram.low + b->si.memmap_paddr,
                   b->si.memmap_entries * sizeof(b->map[0]));
    }
    return rc;
}

/* Type of the map entry containing [addr, addr + len), or 0. */
static uint32_t map_type(const struct booted *b, uint64_t addr, uint64_t len)
{
    for (unsigned i = 0; i < b->si.memmap_entries; i++)
        if (addr >= b->map[i].addr && addr + len <= b->map[i].addr + b->map[i].size)
            return b->map[i].type;
    return 0;
}

static void check_map_sane(const struct booted *b)
{
    CHECK(b->si.memmap_entries >= 5);
    for (unsigned i = 0; i < b->si.memmap_entries; i++) {
        CHECK(b->map[i].size > 0);
        CHECK_EQ(b->map[i].reserved, 0);
        CHECK_EQ(b->map[i].addr % XENO_PAGE_SIZE, 0);
        CHECK_EQ(b->map[i].size % XENO_PAGE_SIZE, 0);
        if (i)  /* sorted, no overlap */
            CHECK(b->map[i].addr >= b->map[i - 1].addr + b->map[i - 1].size);
    }
    uint64_t bi_end = XENO_BOOTINFO_BASE + XENO_BOOTINFO_SIZE;
    CHECK_EQ(map_type(b, 0, XENO_BOOTINFO_BASE), XEN_HVM_MEMMAP_TYPE_RAM);
    CHECK_EQ(map_type(b, XENO_BOOTINFO_BASE, XENO_BOOTINFO_SIZE),
             XEN_HVM_MEMMAP_TYPE_RESERVED);
    CHECK_EQ(map_type(b, bi_end, LOADER_LOW_RAM_TOP - bi_end), XEN_HVM_MEMMAP_TYPE_RAM);
    CHECK_EQ(map_type(b, LOADER_LOW_RAM_TOP, 1), 0);        /* VGA hole */
    CHECK_EQ(map_type(b, XENO_ACPI_BASE, XENO_ACPI_SIZE), XEN_HVM_MEMMAP_TYPE_ACPI);
    CHECK_EQ(map_type(b, 0x100000, b->ram.low_size - 0x100000), XEN_HVM_MEMMAP_TYPE_RAM);
    CHECK_EQ(map_type(b, b->ram.low_size, 1), 0);
    CHECK_EQ(map_type(b, XENO_SPECIAL_BASE, XENO_SPECIAL_PAGES * XENO_PAGE_SIZE),
             XEN_HVM_MEMMAP_TYPE_RESERVED);
    CHECK_EQ(map_type(b, XENO_LAPIC_BASE, 1), 0);
    CHECK_EQ(map_type(b, b->res.kernel_start, b->res.kernel_end - b->res.kernel_start),
             XEN_HVM_MEMMAP_TYPE_RAM);
    /* Boot info and what it points to: below 1 MiB, in the reserved area. */
    CHECK_EQ(map_type(b, b->res.start_info_gpa, sizeof(b->si)), XEN_HVM_MEMMAP_TYPE_RESERVED);
    CHECK_EQ(map_type(b, b->si.memmap_paddr, b->si.memmap_entries * sizeof(b->map[0])),
             XEN_HVM_MEMMAP_TYPE_RESERVED);
    CHECK_EQ(map_type(b, b->si.cmdline_paddr, XENO_CMDLINE_MAX),
             XEN_HVM_MEMMAP_TYPE_RESERVED);
}

static void test_basic(void)
{
    struct booted b;
    CHECK_EQ(boot(&b, 128 * TEST_MIB, 0, "console=hvc0 root=/dev/xvda1", NULL, 0), 0);
    CHECK_EQ(b.si.magic, XEN_HVM_START_MAGIC_VALUE);
    CHECK_EQ(b.si.version, 1);
    CHECK_EQ(b.si.flags, 0);
    CHECK_EQ(b.si.rsdp_paddr, b.res.rsdp_gpa);
    CHECK_EQ(b.si.nr_modules, 0);
    CHECK_EQ(b.si.modlist_paddr, 0);
    CHECK_EQ(b.si.reserved, 0);
    CHECK_STR((const char *)b.ram.low + b.si.cmdline_paddr, "console=hvc0 root=/dev/xvda1");
    CHECK_EQ(b.res.initrd_gpa, 0);
    check_map_sane(&b);
    CHECK_EQ(map_type(&b, XENO_HIGH_RAM_BASE, 1), 0);
    test_ram_free(&b.ram);
}

static void test_high_ram_and_initrd(void)
{
    size_t len = 3 * TEST_MIB + 123;
    uint8_t *initrd = malloc(len);
    for (size_t i = 0; i < len; i++)
        initrd[i] = (uint8_t)(i * 13);
    struct booted b;
    CHECK_EQ(boot(&b, 64 * TEST_MIB, 32 * TEST_MIB, "", initrd, len), 0);
    check_map_sane(&b);
    CHECK_EQ(map_type(&b, XENO_HIGH_RAM_BASE, 32 * TEST_MIB), XEN_HVM_MEMMAP_TYPE_RAM);
    CHECK_EQ(b.si.nr_modules, 1);
    struct hvm_modlist_entry mod;
    memcpy(&mod, b.ram.low + b.si.modlist_paddr, sizeof(mod));
    CHECK_EQ(mod.paddr, b.res.initrd_gpa);
    CHECK_EQ(mod.size, len);
    CHECK_EQ(mod.cmdline_paddr, 0);
    CHECK_EQ(map_type(&b, b.si.modlist_paddr, sizeof(mod)), XEN_HVM_MEMMAP_TYPE_RESERVED);
    CHECK_EQ(b.res.initrd_gpa % XENO_PAGE_SIZE, 0);
    CHECK(b.res.initrd_gpa >= b.res.kernel_end);
    CHECK(b.res.initrd_gpa + len <= 64 * TEST_MIB);
    CHECK(b.res.initrd_gpa + len + XENO_PAGE_SIZE > 64 * TEST_MIB);  /* at the top */
    CHECK_EQ(map_type(&b, b.res.initrd_gpa, len), XEN_HVM_MEMMAP_TYPE_RAM);
    CHECK_EQ(memcmp(b.ram.low + b.res.initrd_gpa, initrd, len), 0);
    CHECK_STR((const char *)b.ram.low + b.si.cmdline_paddr, "");
    test_ram_free(&b.ram);
    free(initrd);
}

static void test_initrd_too_big(void)
{
    /* The kernel ends at 16 MiB + 64 KiB; 64 MiB of low RAM leaves < 48 MiB. */
    size_t len = 48 * TEST_MIB;
    uint8_t *initrd = calloc(1, len);
    struct booted b;
    CHECK_EQ(boot(&b, 64 * TEST_MIB, 0, "", initrd, len), -ENOMEM);
    CHECK(test_contains(err, "initrd of 48 MiB does not fit"));
    test_ram_free(&b.ram);
    CHECK_EQ(boot(&b, 64 * TEST_MIB, 0, "", initrd, len - TEST_MIB), 0);
    CHECK(b.res.initrd_gpa >= b.res.kernel_end);
    test_ram_free(&b.ram);
    free(initrd);
}

static void test_cmdline_limits(void)
{
    char *line = malloc(XENO_CMDLINE_MAX + 1);
    memset(line, 'a', XENO_CMDLINE_MAX);
    line[XENO_CMDLINE_MAX - 1] = '\0';
    struct booted b;
    CHECK_EQ(boot(&b, 64 * TEST_MIB, 0, line, NULL, 0), 0);
    CHECK_EQ(strlen((const char *)b.ram.low + b.si.cmdline_paddr), XENO_CMDLINE_MAX - 1);
    test_ram_free(&b.ram);
    line[XENO_CMDLINE_MAX - 1] = 'a';
    line[XENO_CMDLINE_MAX] = '\0';
    CHECK_EQ(boot(&b, 64 * TEST_MIB, 0, line, NULL, 0), -E2BIG);
    CHECK(test_contains(err, "command line longer than 4095 bytes"));
    test_ram_free(&b.ram);
    free(line);
}

int main(void)
{
    test_basic();
    test_high_ram_and_initrd();
    test_initrd_too_big();
    test_cmdline_limits();
    return check_done("test_loader_start_info");
}
