/* Linux >= 6.1.1xx (after XSA-466) has no hypercall page: xen_hypercall_amd
 * is "vmmcall; ret" and xen_hypercall_intel "vmcall; ret", and KVM handles
 * both in the kernel without telling user space.  We find the two stubs by
 * an exact byte signature (they must match exactly once) and rewrite each
 * 3-byte instruction to "out %eax,$XENO_HCALL_PORT; nop", which traps to
 * the VMM with the hypercall number in RAX.
 *
 * Signatures are data: to support another kernel build, disassemble its
 * stubs and add an entry (see docs/loader.md). */
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "loader/loader_int.h"

#define SIG_MAX 64
#define WILD 0x100      /* pattern value matching any byte */

struct hcall_sig {
    const char *kernel;         /* where the signature was taken from */
    unsigned len;
    uint16_t pat[SIG_MAX];      /* byte values, or WILD */
    unsigned site[2];           /* offsets of vmmcall and vmcall */
};

/* Debian 6.1.0-56-amd64 (6.1.192-2, RETHUNK=y): the end of xen_hypercall_hvm,
 * then the two stubs, each "insn; jmp __x86_return_thunk" (vmlinux file
 * offset 0xc43c62, paddr 0x1a43c62). */
static const struct hcall_sig sigs[] = {
    {
        .kernel = "Debian 6.1.0-56-amd64 (RETHUNK)",
        .len = 54,
        .pat = {
            0x48, 0x8d, 0x0d, 0x17, 0x00, 0x00, 0x00,   /* lea amd(%rip),%rcx */
            0x48, 0x39, 0xc1,                           /* cmp %rax,%rcx */
            0x41, 0x58, 0x41, 0x59, 0x41, 0x5a, 0x41, 0x5b,  /* pop r8-r11 */
            0x5e, 0x5f, 0x5a, 0x59, 0x58,               /* pop rsi..rax */
            0x74, 0x05,                                 /* je amd */
            0xeb, 0x13,                                 /* jmp intel */
            0x0f, 0x1f, 0x00,                           /* nop */
            0x0f, 0x01, 0xd9,                           /* amd: vmmcall */
            0xe9, WILD, WILD, WILD, WILD,               /* jmp return thunk */
            0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00,  /* nop */
            0x0f, 0x01, 0xc1,                           /* intel: vmcall */
            0xe9, WILD, WILD, WILD, WILD,               /* jmp return thunk */
        },
        .site = { 30, 46 },
    },
};

/* Length of the wildcard-free prefix, searched with memmem. */
static unsigned sig_anchor(const struct hcall_sig *s)
{
    unsigned n = 0;
    while (n < s->len && s->pat[n] != WILD)
        n++;
    return n;
}

static bool sig_rest_matches(const struct hcall_sig *s, const uint8_t *p)
{
    for (unsigned i = 0; i < s->len; i++)
        if (s->pat[i] != WILD && s->pat[i] != p[i])
            return false;
    /* Both stubs must return through the same place. */
    int32_t r0, r1;
    memcpy(&r0, p + s->site[0] + 4, 4);
    memcpy(&r1, p + s->site[1] + 4, 4);
    return (int64_t)s->site[0] + r0 == (int64_t)s->site[1] + r1;
}

static int sig_count(const struct hcall_sig *s, const uint8_t *buf, size_t len,
                     size_t sites[2], int found)
{
    unsigned anchor_len = sig_anchor(s);
    uint8_t anchor[SIG_MAX];
    for (unsigned i = 0; i < anchor_len; i++)
        anchor[i] = (uint8_t)s->pat[i];
    size_t pos = 0;
    while (len - pos >= s->len) {
        const uint8_t *hit = memmem(buf + pos, len - pos, anchor, anchor_len);
        if (!hit || (size_t)(buf + len - hit) < s->len)
            break;
        if (sig_rest_matches(s, hit)) {
            if (found++ == 0) {
                sites[0] = (size_t)(hit - buf) + s->site[0];
                sites[1] = (size_t)(hit - buf) + s->site[1];
            }
        }
        pos = (size_t)(hit - buf) + 1;
    }
    return found;
}

int hcall_sites_find(const uint8_t *buf, size_t len, size_t sites[2])
{
    int found = 0;
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        found = sig_count(&sigs[i], buf, len, sites, found);
    return found;
}

void hcall_site_rewrite(uint8_t *insn)
{
    insn[0] = 0xe7;                     /* out %eax,$imm8 */
    insn[1] = XENO_HCALL_PORT;
    insn[2] = 0x90;                     /* nop */
}

_Static_assert(XENO_HCALL_PORT < 256, "the port must fit an imm8");

int hcall_sites_patch(uint8_t *image, size_t len, char *err, size_t errlen)
{
    size_t sites[2];
    int n = hcall_sites_find(image, len, sites);
    if (n != 1)
        return loader_fail(err, errlen, n ? -EEXIST : -ENOENT,
                           "Linux kernel issues Xen hypercalls with vmcall/vmmcall "
                           "but xeno found %d candidate sites; refusing to boot it",
                           2 * n);
    hcall_site_rewrite(image + sites[0]);
    hcall_site_rewrite(image + sites[1]);
    return 2;
}

/* The stubs as kallsyms names them, and the instruction each starts with
 * (after an optional endbr64). */
static const struct {
    const char *sym;
    uint8_t insn[3];
} stub_syms[2] = {
    { "xen_hypercall_amd", { 0x0f, 0x01, 0xd9 } },      /* vmmcall */
    { "xen_hypercall_intel", { 0x0f, 0x01, 0xc1 } },    /* vmcall */
};

static const uint8_t endbr64[4] = { 0xf3, 0x0f, 0x1e, 0xfa };

/* Sites through the kallsyms tables of the ELF file, checked in guest RAM. */
static int sites_by_kallsyms(const struct guest_ram *ram, const struct elf_image *elf,
                             uint64_t pa[2])
{
    struct kallsyms ks;
    if (kallsyms_find(elf->data, elf->len, &ks) < 0)
        return -ENOENT;
    for (int i = 0; i < 2; i++) {
        uint64_t va;
        if (kallsyms_lookup(&ks, stub_syms[i].sym, &va) < 0 ||
            elf_vaddr_to_paddr(elf, va, &pa[i]) < 0)
            return -ENOENT;
        const uint8_t *p = guest_ram_ptr(ram, pa[i], sizeof(endbr64) + 3);
        if (p && memcmp(p, endbr64, sizeof(endbr64)) == 0) {
            pa[i] += sizeof(endbr64);
            p += sizeof(endbr64);
        }
        if (!p || memcmp(p, stub_syms[i].insn, 3) != 0)
            return -ENOENT;
    }
    return 0;
}

/* Signature matches in the loaded executable segments; the first match's
 * sites go to pa. */
static int sites_by_signature(const struct guest_ram *ram, const struct elf_image *elf,
                              uint64_t pa[2])
{
    int total = 0;
    for (unsigned i = 0; i < elf->nseg; i++) {
        const struct elf_seg *s = &elf->seg[i];
        if (s->type != PT_LOAD || !(s->flags & PF_X) || s->filesz == 0)
            continue;
        size_t found[2];
        int n = hcall_sites_find(guest_ram_ptr(ram, s->paddr, s->filesz),
                                 (size_t)s->filesz, found);
        if (n > 0 && total == 0) {
            pa[0] = s->paddr + found[0];
            pa[1] = s->paddr + found[1];
        }
        total += n;
    }
    return total;
}

int hcall_patch_loaded(struct guest_ram *ram, const struct elf_image *elf,
                       struct boot_result *res, char *err, size_t errlen)
{
    uint64_t ksites[2], ssites[2];
    bool by_kallsyms = sites_by_kallsyms(ram, elf, ksites) == 0;
    int nsig = sites_by_signature(ram, elf, ssites);
    if (by_kallsyms && nsig == 1 &&
        (ksites[0] != ssites[0] || ksites[1] != ssites[1]))
        return loader_fail(err, errlen, -EEXIST,
                           "kallsyms and xeno's byte signature disagree on the Linux "
                           "Xen hypercall sites; refusing to boot it");
    if (!by_kallsyms && nsig != 1)
        return loader_fail(err, errlen, nsig ? -EEXIST : -ENOENT,
                           "Linux kernel issues Xen hypercalls with vmcall/vmmcall "
                           "but xeno found %d candidate sites; refusing to boot it",
                           2 * nsig);
    const uint64_t *pa = by_kallsyms ? ksites : ssites;
    for (int i = 0; i < 2; i++)
        hcall_site_rewrite(guest_ram_ptr(ram, pa[i], 3));
    res->patched_sites = 2;
    res->patch_method = by_kallsyms ? "kallsyms" : "signature";
    res->hcall_sites_gpa[0] = pa[0];
    res->hcall_sites_gpa[1] = pa[1];
    return 0;
}
