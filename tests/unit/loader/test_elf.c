/* ELF loading: ELF64/ELF32, Xen notes, segment placement and every kind of
 * malformed header. */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xen/elfnote.h>

#include "check.h"
#include "loader_test_util.h"

static char err[256];

/* Boots img with 64 MiB of low RAM and 1 vCPU. */
static int boot(const uint8_t *img, size_t len, struct boot_result *res,
                struct guest_ram *ram)
{
    struct boot_config cfg = { .kernel = img, .kernel_len = len, .cmdline = "",
                               .vcpus = 1 };
    err[0] = '\0';
    return boot_prepare(ram, &cfg, res, err, sizeof(err));
}

static int boot_spec(const struct test_elf *t, struct boot_result *res)
{
    size_t len;
    uint8_t *img = test_elf_build(t, &len);
    struct guest_ram ram = test_ram(64 * TEST_MIB, 0);
    int rc = boot(img, len, res, &ram);
    test_ram_free(&ram);
    free(img);
    return rc;
}

static void test_elf64_loads(void)
{
    struct test_elf t = { .nseg = 2 };
    t.seg[0] = (struct test_seg){ .paddr = 16 * TEST_MIB, .vaddr = 0xffffffff81000000ULL,
                                  .filesz = 0x3000 };
    t.seg[1] = (struct test_seg){ .paddr = 17 * TEST_MIB, .filesz = 0x1000,
                                  .memsz = 0x5000, .flags = PF_R | PF_W };
    test_elf_add_entry(&t, 0x1000850);
    size_t len;
    uint8_t *img = test_elf_build(&t, &len);
    struct guest_ram ram = test_ram(64 * TEST_MIB, 0);
    struct boot_result res;
    CHECK_EQ(boot(img, len, &res, &ram), 0);
    CHECK_EQ(res.entry, 0x1000850);
    CHECK_EQ(res.kernel_start, 16 * TEST_MIB);
    CHECK_EQ(res.kernel_end, 17 * TEST_MIB + 0x5000);
    CHECK(!res.elf32);
    CHECK_EQ(res.patched_sites, 0);
    CHECK_EQ(res.hypercall_page_gpa, 0);
    CHECK_EQ(res.start_info_gpa, XENO_BOOTINFO_BASE);
    CHECK_EQ(res.rsdp_gpa, XENO_ACPI_BASE);
    CHECK_EQ(ram.low[16 * TEST_MIB], 0x11);
    CHECK_EQ(ram.low[16 * TEST_MIB + 0x2fff], (uint8_t)(0x11 + 0x2fff % 200));
    CHECK_EQ(ram.low[16 * TEST_MIB + 0x3000], 0xaa);     /* untouched */
    /* bss zeroed */
    bool zero = true;
    for (size_t i = 0x1000; i < 0x5000; i++)
        zero = zero && ram.low[17 * TEST_MIB + i] == 0;
    CHECK(zero);
    test_ram_free(&ram);
    free(img);
}

static void test_elf32(uint16_t machine)
{
    struct test_elf t = { .elf32 = true, .machine = machine, .nseg = 1 };
    t.seg[0] = (struct test_seg){ .paddr = 16 * TEST_MIB, .filesz = 0x2000,
                                  .memsz = 0x4000 };
    test_elf_add_entry(&t, 16 * TEST_MIB + 0x40);
    struct boot_result res;
    CHECK_EQ(boot_spec(&t, &res), 0);
    CHECK(res.elf32);
    CHECK_EQ(res.entry, 16 * TEST_MIB + 0x40);
    CHECK_EQ(res.kernel_end, 16 * TEST_MIB + 0x4000);

    t.machine = EM_ARM;
    CHECK_EQ(boot_spec(&t, &res), -ENOEXEC);
    CHECK(test_contains(err, "not x86"));
}

static void test_entry_note_8_bytes(void)
{
    struct test_elf t = { .nseg = 1 };
    t.seg[0] = (struct test_seg){ .paddr = 16 * TEST_MIB, .filesz = 0x1000 };
    uint64_t entry = 0x1000850;
    test_elf_add_note(&t, XEN_ELFNOTE_PHYS32_ENTRY, &entry, 8);
    struct boot_result res;
    CHECK_EQ(boot_spec(&t, &res), 0);
    CHECK_EQ(res.entry, 0x1000850);

    entry = 0x2000000;          /* outside the kernel */
    t.nnote = 0;
    test_elf_add_note(&t, XEN_ELFNOTE_PHYS32_ENTRY, &entry, 8);
    CHECK_EQ(boot_spec(&t, &res), -ENOEXEC);
    CHECK(test_contains(err, "outside the loaded kernel"));

    entry = 0x100000000ULL;     /* not a 32-bit address */
    t.nnote = 0;
    test_elf_add_note(&t, XEN_ELFNOTE_PHYS32_ENTRY, &entry, 8);
    CHECK_EQ(boot_spec(&t, &res), -ENOEXEC);
}

static void test_no_entry_note(void)
{
    struct test_elf t = { .nseg = 1 };
    t.seg[0] = (struct test_seg){ .paddr = 16 * TEST_MIB, .filesz = 0x1000 };
    struct boot_result res;
    CHECK_EQ(boot_spec(&t, &res), -ENOEXEC);
    CHECK_STR(err, "no PVH entry point (XEN_ELFNOTE_PHYS32_ENTRY)");
    /* A note of the right type under another name does not count. */
    uint32_t e = 16 * TEST_MIB;
    test_elf_add_note(&t, XEN_ELFNOTE_PHYS32_ENTRY, &e, 4);
    t.note[0].name = "Xe";
    CHECK_EQ(boot_spec(&t, &res), -ENOEXEC);
    CHECK_STR(err, "no PVH entry point (XEN_ELFNOTE_PHYS32_ENTRY)");
}

static void test_hypercall_page(void)
{
    struct test_elf t = { .nseg = 1 };
    t.seg[0] = (struct test_seg){ .paddr = 16 * TEST_MIB, .vaddr = 0xffffffff81000000ULL,
                                  .filesz = 0x4000 };
    test_elf_add_entry(&t, 16 * TEST_MIB);
    uint64_t page = 0xffffffff81002000ULL;
    test_elf_add_note(&t, XEN_ELFNOTE_HYPERCALL_PAGE, &page, 8);
    test_elf_add_note(&t, XEN_ELFNOTE_GUEST_OS, "linux", 6);
    struct boot_result res;
    CHECK_EQ(boot_spec(&t, &res), 0);
    CHECK_EQ(res.hypercall_page_gpa, 16 * TEST_MIB + 0x2000);
    CHECK_EQ(res.patched_sites, 0);     /* the page note means: no patching */

    /* Outside every segment: Linux's __START_KERNEL_map rule. */
    page = 0xffffffff81010000ULL;
    t.nnote = 1;
    test_elf_add_note(&t, XEN_ELFNOTE_HYPERCALL_PAGE, &page, 8);
    CHECK_EQ(boot_spec(&t, &res), 0);
    CHECK_EQ(res.hypercall_page_gpa, 0x1010000);

    /* Neither: refused. */
    page = 0x7000000000ULL;
    t.nnote = 1;
    test_elf_add_note(&t, XEN_ELFNOTE_HYPERCALL_PAGE, &page, 8);
    CHECK_EQ(boot_spec(&t, &res), -ENOEXEC);
    CHECK(test_contains(err, "hypercall page"));
}

static void test_linux_without_sites(void)
{
    struct test_elf t = { .nseg = 1 };
    t.seg[0] = (struct test_seg){ .paddr = 16 * TEST_MIB, .filesz = 0x4000 };
    test_elf_add_entry(&t, 16 * TEST_MIB);
    test_elf_add_note(&t, XEN_ELFNOTE_GUEST_OS, "linux", 6);
    struct boot_result res;
    CHECK_EQ(boot_spec(&t, &res), -ENOENT);
    CHECK_STR(err, "Linux kernel issues Xen hypercalls with vmcall/vmmcall but xeno "
                   "found 0 candidate sites; refusing to boot it");
    /* Another guest OS is not patched. */
    t.nnote = 1;
    test_elf_add_note(&t, XEN_ELFNOTE_GUEST_OS, "FreeBSD", 8);
    CHECK_EQ(boot_spec(&t, &res), 0);
    CHECK_EQ(res.patched_sites, 0);
}

static void test_too_big(void)
{
    struct test_elf t = { .nseg = 1 };
    t.seg[0] = (struct test_seg){ .paddr = 1 * TEST_MIB, .filesz = 0x1000,
                                  .memsz = 64 * TEST_MIB };
    test_elf_add_entry(&t, 1 * TEST_MIB);
    size_t len;
    uint8_t *img = test_elf_build(&t, &len);
    struct guest_ram ram = test_ram(32 * TEST_MIB, 0);
    struct boot_result res;
    CHECK_EQ(boot(img, len, &res, &ram), -ENOMEM);
    CHECK_STR(err, "kernel needs 65 MiB of RAM, domain has 32 MiB");
    test_ram_free(&ram);
    free(img);
}

static void test_overlaps(void)
{
    struct test_elf t = { .nseg = 2 };
    t.seg[0] = (struct test_seg){ .paddr = 16 * TEST_MIB, .filesz = 0x3000 };
    t.seg[1] = (struct test_seg){ .paddr = 16 * TEST_MIB + 0x2000, .filesz = 0x1000 };
    test_elf_add_entry(&t, 16 * TEST_MIB);
    struct boot_result res;
    CHECK_EQ(boot_spec(&t, &res), -EINVAL);
    CHECK(test_contains(err, "overlap"));

    /* Onto the boot information or the ACPI tables. */
    t.nseg = 1;
    t.seg[0] = (struct test_seg){ .paddr = 0x2000, .filesz = 0x1000 };
    CHECK_EQ(boot_spec(&t, &res), -EINVAL);
    CHECK(test_contains(err, "boot information"));
    t.seg[0] = (struct test_seg){ .paddr = 0xf0000, .filesz = 0x20000 };
    CHECK_EQ(boot_spec(&t, &res), -EINVAL);
    t.seg[0] = (struct test_seg){ .paddr = 0xa0000, .filesz = 0x1000 };
    CHECK_EQ(boot_spec(&t, &res), -EINVAL);
    CHECK(test_contains(err, "640 KiB-1 MiB hole"));
    /* Just below the hole is RAM. */
    t.seg[0] = (struct test_seg){ .paddr = 0x9f000, .filesz = 0x1000 };
    t.nnote = 0;
    test_elf_add_entry(&t, 0x9f000);
    CHECK_EQ(boot_spec(&t, &res), 0);
}

static void test_bad_segments(void)
{
    struct test_elf t = { .nseg = 1 };
    t.seg[0] = (struct test_seg){ .paddr = 16 * TEST_MIB, .filesz = 0x1000 };
    test_elf_add_entry(&t, 16 * TEST_MIB);
    size_t len;
    uint8_t *img = test_elf_build(&t, &len);
    struct guest_ram ram = test_ram(64 * TEST_MIB, 0);
    struct boot_result res;
    Elf64_Phdr ph;
    const size_t at = TEST_PHDR64(0);
    memcpy(&ph, img + at, sizeof(ph));
    static const struct { uint64_t off, filesz, memsz, paddr; const char *msg; } bad[] = {
        { 0xffffffffffffff00ULL, 0x1000, 0x1000, 16 * TEST_MIB, "outside" },
        { 0x100, 0xffffffffffffff00ULL, 0xffffffffffffff00ULL, 16 * TEST_MIB, "outside" },
        { 0x100, 0x100000, 0x100000, 16 * TEST_MIB, "outside" },
        { 0x100, 0x100, 0x80, 16 * TEST_MIB, "p_filesz > p_memsz" },
        { 0x100, 0x100, 0x2000, 0xfffffffffffff000ULL, "wraps" },
        { 0x100, 0x100, 0x100, 0x7fff0000ULL, "kernel needs" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        Elf64_Phdr b = ph;
        b.p_offset = bad[i].off;
        b.p_filesz = bad[i].filesz;
        b.p_memsz = bad[i].memsz;
        b.p_paddr = bad[i].paddr;
        memcpy(img + at, &b, sizeof(b));
        CHECK(boot(img, len, &res, &ram) < 0);
        CHECK(test_contains(err, bad[i].msg));
    }
    test_ram_free(&ram);
    free(img);
}

/* Boots a copy of img with n bytes at off replaced. */
static int boot_corrupted(const uint8_t *img, size_t len, size_t off, const void *bytes,
                          size_t n)
{
    uint8_t *copy = malloc(len);
    memcpy(copy, img, len);
    memcpy(copy + off, bytes, n);
    struct guest_ram ram = test_ram(64 * TEST_MIB, 0);
    struct boot_result res;
    int rc = boot(copy, len, &res, &ram);
    test_ram_free(&ram);
    free(copy);
    return rc;
}

static void test_bad_headers(void)
{
    size_t len;
    uint8_t *img = test_elf_simple(&len);
    struct guest_ram ram = test_ram(64 * TEST_MIB, 0);
    struct boot_result res;

    CHECK_EQ(boot(img, len, &res, &ram), 0);
    for (size_t cut = 0; cut < 64 + 56 + 12; cut += 7)
        CHECK(boot(img, cut, &res, &ram) < 0);  /* every truncation fails */
    test_ram_free(&ram);

    uint64_t big = 0xfffffffffffffff0ULL;
    CHECK_EQ(boot_corrupted(img, len, TEST_ELF64_PHOFF, &big, 8), -ENOEXEC);
    CHECK(test_contains(err, "program headers lie outside"));
    uint16_t n = 0;
    CHECK_EQ(boot_corrupted(img, len, TEST_ELF64_PHNUM, &n, 2), -ENOEXEC);
    n = 1000;
    CHECK_EQ(boot_corrupted(img, len, TEST_ELF64_PHNUM, &n, 2), -ENOEXEC);
    uint8_t b = ELFDATA2MSB;
    CHECK_EQ(boot_corrupted(img, len, EI_DATA, &b, 1), -ENOEXEC);
    b = 7;
    CHECK_EQ(boot_corrupted(img, len, EI_CLASS, &b, 1), -ENOEXEC);
    /* A note whose descsz runs past its segment (1 PT_LOAD + 1 PT_NOTE). */
    uint32_t huge = 0xfffffff0u;
    CHECK_EQ(boot_corrupted(img, len, TEST_PHDR64(2) + 4, &huge, 4), -ENOEXEC);
    CHECK(test_contains(err, "truncated note"));

    static const char text[] = "#!/bin/sh\necho this is not a kernel\n";
    ram = test_ram(64 * TEST_MIB, 0);
    CHECK_EQ(boot((const uint8_t *)text, sizeof(text), &res, &ram), -ENOEXEC);
    CHECK_STR(err, "not an ELF or bzImage kernel");
    test_ram_free(&ram);
    free(img);
}

static void test_bad_config(void)
{
    size_t len;
    uint8_t *img = test_elf_simple(&len);
    struct guest_ram ram = test_ram(64 * TEST_MIB, 0);
    struct boot_result res;
    struct boot_config cfg = { .kernel = img, .kernel_len = len, .vcpus = 0 };
    CHECK_EQ(boot_prepare(&ram, &cfg, &res, err, sizeof(err)), -EINVAL);
    cfg.vcpus = LOADER_MAX_VCPUS + 1;
    CHECK_EQ(boot_prepare(&ram, &cfg, &res, err, sizeof(err)), -EINVAL);
    cfg.vcpus = 1;
    ram.low_size = TEST_MIB;
    CHECK_EQ(boot_prepare(&ram, &cfg, &res, err, sizeof(err)), -EINVAL);
    ram.low_size = 64 * TEST_MIB;
    cfg.cmdline = NULL;     /* treated as "" */
    CHECK_EQ(boot_prepare(&ram, &cfg, &res, err, sizeof(err)), 0);
    test_ram_free(&ram);
    free(img);
}

int main(void)
{
    test_elf64_loads();
    test_elf32(EM_386);
    test_elf32(EM_X86_64);
    test_entry_note_8_bytes();
    test_no_entry_note();
    test_hypercall_page();
    test_linux_without_sites();
    test_too_big();
    test_overlaps();
    test_bad_segments();
    test_bad_headers();
    test_bad_config();
    return check_done("test_loader_elf");
}
