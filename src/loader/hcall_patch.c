/* Linux >= 6.1.1xx (after XSA-466) has no hypercall page: xen_hypercall_amd
 * is "vmmcall; ret" and xen_hypercall_intel "vmcall; ret", and KVM handles
 * both in the kernel without telling user space.  We find the two stubs by
 * an exact byte signature (they must match exactly once) and rewrite each
 * 3-byte instruction to "out %eax,$XENO_HCALL_PORT; nop", which traps to
 * the VMM with the hypercall number in RAX.
 *
 * Signatures are data: to support another kernel build, disassemble its
 * stubs and add an entry (see docs/loader.md). */
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
