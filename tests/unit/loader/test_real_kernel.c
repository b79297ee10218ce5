/* boot_prepare on the distribution kernels in /boot: they must load, and a
 * kernel without a hypercall page must get exactly its two stubs patched. */
#include <elf.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/elfnote.h>

#include "check.h"
#include "loader/loader_int.h"
#include "loader_test_util.h"

static char err[256];

/* Independent scan for a "Xen" note of the given type; 8-byte value. */
static bool find_note(const uint8_t *img, size_t len, uint32_t type, uint64_t *val)
{
    static const uint8_t name[] = "Xen";
    for (size_t i = 0; i + 24 <= len; i += 4) {
        uint32_t h[3];
        memcpy(h, img + i, 12);
        if (h[0] == 4 && h[2] == type && (h[1] == 4 || h[1] == 8) &&
            memcmp(img + i + 12, name, 4) == 0) {
            *val = 0;
            memcpy(val, img + i + 16, h[1]);
            return true;
        }
    }
    return false;
}

/* paddr of a vmlinux file offset, through its program headers. */
static uint64_t file_to_paddr(const uint8_t *img, size_t off)
{
    Elf64_Ehdr eh;
    memcpy(&eh, img, sizeof(eh));
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        Elf64_Phdr ph;
        memcpy(&ph, img + eh.e_phoff + i * sizeof(ph), sizeof(ph));
        if (ph.p_type == PT_LOAD && off >= ph.p_offset && off - ph.p_offset < ph.p_filesz)
            return ph.p_paddr + (off - ph.p_offset);
    }
    return 0;
}

static void test_kernel(const char *path)
{
    size_t len, vlen, initrd_len = 0;
    uint8_t *img = test_read_file(path, &len), *vmlinux = NULL;
    CHECK(img != NULL);
    if (!img)
        return;
    CHECK_EQ(bzimage_extract(img, len, &vmlinux, &vlen, err, sizeof(err)), 0);
    uint64_t entry = 0, page = 0;
    CHECK(vmlinux && find_note(vmlinux, vlen, XEN_ELFNOTE_PHYS32_ENTRY, &entry));
    bool has_page = vmlinux && find_note(vmlinux, vlen, XEN_ELFNOTE_HYPERCALL_PAGE, &page);

    struct guest_ram ram = test_ram(256 * TEST_MIB, 0);
    uint8_t *initrd = calloc(1, 4 * TEST_MIB);
    initrd_len = 4 * TEST_MIB;
    struct boot_config cfg = { .kernel = img, .kernel_len = len, .initrd = initrd,
                               .initrd_len = initrd_len, .cmdline = "console=hvc0",
                               .vcpus = 2 };
    struct boot_result res;
    int rc = boot_prepare(&ram, &cfg, &res, err, sizeof(err));
    if (rc)
        fprintf(stderr, "  %s: %s\n", path, err);
    CHECK_EQ(rc, 0);
    CHECK_EQ(res.entry, entry);
    CHECK(res.entry >= res.kernel_start && res.entry < res.kernel_end);
    printf("%s: PVH entry %#llx, kernel [%#llx, %#llx), hypercall page %s, "
           "%d sites patched\n", path, (unsigned long long)res.entry,
           (unsigned long long)res.kernel_start, (unsigned long long)res.kernel_end,
           has_page ? "yes" : "no", res.patched_sites);
    if (has_page) {
        CHECK_EQ(res.patched_sites, 0);
        CHECK(res.hypercall_page_gpa != 0);
    } else if (vmlinux) {
        CHECK_EQ(res.patched_sites, 2);
        printf("  found by %s\n", res.patch_method ? res.patch_method : "(none)");
        /* Both ways must find the same two sites. */
        CHECK_STR(res.patch_method, "kallsyms");
        struct kallsyms ks;
        uint64_t va = 0;
        CHECK_EQ(kallsyms_find(vmlinux, vlen, &ks), 0);
        CHECK_EQ(kallsyms_lookup(&ks, "pvh_start_xen", &va), 0);
        CHECK_EQ(va - 0xffffffff80000000ULL, entry);
        /* The crash report's decoder on the same tables. */
        struct ksymtab *t = ksymtab_build(vmlinux, vlen);
        char sym[160] = "";
        CHECK(t != NULL);
        CHECK_EQ(kallsyms_lookup(&ks, "panic", &va), 0);
        CHECK_EQ(ksymtab_format(t, va + 4, sym, sizeof(sym)), 0);
        CHECK(strncmp(sym, "panic+0x4/0x", 12) == 0);
        printf("  %zu text symbols (%s); panic+4 decodes as %s\n", ksymtab_count(t),
               ksymtab_origin(t), sym);
        ksymtab_free(t);
        size_t sites[2];
        CHECK_EQ(hcall_sites_find(vmlinux, vlen, sites), 1);
        for (int i = 0; i < 2; i++) {
            uint64_t pa = file_to_paddr(vmlinux, sites[i]);
            CHECK_EQ(pa, res.hcall_sites_gpa[i]);
            printf("  site %d: vmlinux offset %#zx, paddr %#llx: %02x %02x %02x -> "
                   "%02x %02x %02x\n", i, sites[i], (unsigned long long)pa,
                   vmlinux[sites[i]], vmlinux[sites[i] + 1], vmlinux[sites[i] + 2],
                   ram.low[pa], ram.low[pa + 1], ram.low[pa + 2]);
            CHECK(pa != 0 && memcmp(ram.low + pa, "\xe7\x5c\x90", 3) == 0);
        }
    }
    /* Too little RAM for this kernel: a clear error. */
    test_ram_free(&ram);
    ram = test_ram(32 * TEST_MIB, 0);
    cfg.initrd = NULL;
    CHECK_EQ(boot_prepare(&ram, &cfg, &res, err, sizeof(err)), -ENOMEM);
    CHECK(test_contains(err, "kernel needs") && test_contains(err, "domain has 32 MiB"));
    test_ram_free(&ram);
    free(initrd);
    free(vmlinux);
    free(img);
}

int main(void)
{
    glob_t g;
    if (glob("/boot/vmlinuz-*", 0, NULL, &g) != 0 || g.gl_pathc == 0) {
        fprintf(stderr, "no /boot/vmlinuz-*: install linux-image-amd64\n");
        CHECK(!"install linux-image-amd64");
        return check_done("test_loader_real_kernel");
    }
    for (size_t i = 0; i < g.gl_pathc; i++)
        test_kernel(g.gl_pathv[i]);
    globfree(&g);
    return check_done("test_loader_real_kernel");
}
