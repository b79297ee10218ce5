/* libFuzzer target: the whole kernel path (bzImage header, decompression,
 * ELF headers and notes, placement, patching, start_info, ACPI) on one
 * untrusted file, plus the decompressors, the kallsyms scanner and the
 * patcher on their own. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loader/loader_int.h"

#define FUZZ_RAM (64u << 20)
#define FUZZ_MAX_OUT (16u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t *low;
    if (!low && !(low = calloc(1, FUZZ_RAM)))
        return 0;
    char err[256];
    struct guest_ram ram = { .low = low, .low_size = FUZZ_RAM };
    struct boot_config cfg = { .kernel = data, .kernel_len = size,
                               .initrd = data, .initrd_len = size / 2,
                               .cmdline = "console=hvc0", .vcpus = 1 + size % 8 };
    struct boot_result res;
    boot_prepare(&ram, &cfg, &res, err, sizeof(err));

    uint8_t *out = NULL;
    size_t out_len = 0;
    if (kernel_decompress(data, size, FUZZ_MAX_OUT, &out, &out_len, err, sizeof(err)) == 0)
        free(out);

    struct kallsyms ks;
    uint64_t va;
    if (kallsyms_find(data, size, &ks) == 0)
        kallsyms_lookup(&ks, "xen_hypercall_amd", &va);

    /* The crash report's symbol table: ELF symtab or kallsyms. */
    struct ksymtab *syms = ksymtab_build(data, size);
    char sym[160];
    for (uint64_t a = 0; syms && a < 8; a++)
        ksymtab_format(syms, 0xffffffff81000000ULL + a * 0x1000, sym, sizeof(sym));
    ksymtab_free(syms);

    uint8_t *copy = malloc(size ? size : 1);
    if (copy) {
        memcpy(copy, data, size);
        hcall_sites_patch(copy, size, err, sizeof(err));
        free(copy);
    }
    return 0;
}
