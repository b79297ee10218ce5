/* boot_prepare: kernel file + initrd + command line -> guest memory image
 * ready to enter at the PVH entry point with EBX = start_info. */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "loader/loader_int.h"

static int check_config(const struct guest_ram *ram, const struct boot_config *cfg,
                        char *err, size_t errlen)
{
    if (!cfg->kernel || cfg->kernel_len == 0)
        return loader_fail(err, errlen, -EINVAL, "no kernel image");
    if (cfg->vcpus == 0 || cfg->vcpus > LOADER_MAX_VCPUS)
        return loader_fail(err, errlen, -EINVAL, "%u vCPUs (1 to %u supported)",
                           cfg->vcpus, LOADER_MAX_VCPUS);
    if (!ram->low || ram->low_size < LOADER_MIN_LOW_RAM ||
        ram->low_size > XENO_LOW_RAM_MAX || (ram->high_size && !ram->high))
        return loader_fail(err, errlen, -EINVAL,
                           "bad guest RAM layout (low %llu KiB, high %llu KiB)",
                           (unsigned long long)(ram->low_size / 1024),
                           (unsigned long long)(ram->high_size / 1024));
    return 0;
}

static int load_elf(struct guest_ram *ram, const uint8_t *img, size_t len,
                    struct boot_result *res, char *err, size_t errlen)
{
    struct elf_image *elf = malloc(sizeof(*elf));
    struct elf_xen_notes notes;
    if (!elf)
        return loader_fail(err, errlen, -ENOMEM, "out of memory");
    int rc = elf_parse(img, len, elf, err, errlen);
    if (!rc)
        rc = elf_xen_notes(elf, &notes, err, errlen);
    if (!rc && !notes.has_entry)
        rc = loader_fail(err, errlen, -ENOEXEC,
                         "no PVH entry point (XEN_ELFNOTE_PHYS32_ENTRY)");
    if (!rc)
        rc = elf_load(elf, ram, &res->kernel_start, &res->kernel_end, err, errlen);
    if (!rc && (notes.entry < res->kernel_start || notes.entry >= res->kernel_end))
        rc = loader_fail(err, errlen, -ENOEXEC,
                         "PVH entry point %#llx lies outside the loaded kernel",
                         (unsigned long long)notes.entry);
    if (!rc && notes.has_hcall_page &&
        (elf_vaddr_to_paddr(elf, notes.hcall_page_vaddr, &res->hypercall_page_gpa) < 0 ||
         !guest_ram_ptr(ram, res->hypercall_page_gpa, XENO_PAGE_SIZE)))
        rc = loader_fail(err, errlen, -ENOEXEC,
                         "hypercall page at vaddr %#llx is not in guest RAM",
                         (unsigned long long)notes.hcall_page_vaddr);
    if (!rc && !notes.has_hcall_page && notes.guest_linux)
        rc = hcall_patch_loaded(ram, elf, res, err, errlen);
    if (!rc) {
        res->entry = notes.entry;
        res->elf32 = elf->elf32;
    }
    free(elf);
    return rc;
}

int boot_prepare(struct guest_ram *ram, const struct boot_config *cfg,
                 struct boot_result *res, char *err, size_t errlen)
{
    memset(res, 0, sizeof(*res));
    int rc = check_config(ram, cfg, err, errlen);
    if (rc < 0)
        return rc;
    uint8_t *vmlinux = NULL;
    size_t vmlinux_len = 0;
    const uint8_t *img = cfg->kernel;
    size_t len = cfg->kernel_len;
    if (len < SELFMAG || memcmp(img, ELFMAG, SELFMAG) != 0) {
        rc = bzimage_extract(img, len, &vmlinux, &vmlinux_len, err, errlen);
        if (rc == -ENOEXEC)
            return loader_fail(err, errlen, rc, "not an ELF or bzImage kernel");
        if (rc < 0)
            return rc;
        img = vmlinux;
        len = vmlinux_len;
    }
    rc = load_elf(ram, img, len, res, err, errlen);
    if (!rc && cfg->syms)
        *cfg->syms = ksymtab_build(img, len);
    free(vmlinux);
    if (!rc)
        rc = acpi_build(ram, cfg->vcpus, &res->rsdp_gpa, err, errlen);
    if (!rc)
        rc = start_info_build(ram, cfg, res, err, errlen);
    return rc;
}
