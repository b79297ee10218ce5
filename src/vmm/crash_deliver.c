/* Part of a crash report: could this vCPU have taken an exception?  A
 * 64-bit guest that triple-faults failed to deliver one: the gate in its
 * IDT, the code segment the gate names, the stack the TSS gives it (RSP0
 * from user mode, an IST stack for #DF), all read through the guest's own
 * page tables the way the CPU reads them.  When every one of them is
 * sound in guest memory, the guest's structures were intact and the
 * failure lies in the delivery itself (the CPU, or the nested
 * virtualisation under it); when one is damaged, it says which.  Each
 * check prints one line: "ok", or what is wrong. */
#include "vmm/vm.h"

#include <inttypes.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "hv/hv_internal.h"
#include "loader/loader.h"

#define GATE_INTR 0xe
#define GATE_TRAP 0xf
#define TSS_RSP0 4           /* offsets in the 64-bit TSS */
#define TSS_IST1 36
#define TSS_MIN_LIMIT 0x67

struct gate {
    uint64_t offset;
    uint16_t sel;
    unsigned ist, type, dpl;
    bool present;
};

static struct gate gate_decode(const uint8_t g[16])
{
    struct gate d;
    uint32_t hi;
    memcpy(&hi, g + 8, sizeof(hi));
    d.offset = (uint64_t)(g[0] | g[1] << 8) | (uint64_t)(g[6] | g[7] << 8) << 16 |
               (uint64_t)hi << 32;
    d.sel = (uint16_t)(g[2] | g[3] << 8);
    d.ist = g[4] & 7u;
    d.type = g[5] & 0xfu;
    d.dpl = (g[5] >> 5) & 3u;
    d.present = g[5] >> 7;
    return d;
}

/* "mapped at gpa X" or "NOT MAPPED" for the page holding gva. */
static void where(struct vm *vm, const struct hv_vcpu_state *vs, uint64_t gva,
                  char *buf, size_t len)
{
    uint64_t gpa;
    if (guest_translate(&vm->dom, vs, gva, true, &gpa) == 0)
        snprintf(buf, len, "mapped writable at gpa %#" PRIx64, gpa);
    else if (guest_translate(&vm->dom, vs, gva, false, &gpa) == 0)
        snprintf(buf, len, "mapped READ-ONLY at gpa %#" PRIx64, gpa);
    else
        snprintf(buf, len, "NOT MAPPED");
}

/* The code segment descriptor a gate names: present, 64-bit code. */
static void check_cs(struct vm *vm, const struct hv_vcpu_state *vs,
                     const struct kvm_sregs *s, uint16_t sel)
{
    uint64_t desc;
    unsigned idx = sel & ~7u;
    if ((sel & 4) || idx + 7u > s->gdt.limit ||
        guest_read(&vm->dom, vs, s->gdt.base + idx, &desc, sizeof(desc))) {
        log_err("crash:     CS %04x: not readable in the GDT (limit %#x)", sel, s->gdt.limit);
        return;
    }
    bool p = desc >> 47 & 1, code = desc >> 43 & 1, l = desc >> 53 & 1;
    log_err("crash:     CS %04x: descriptor %016" PRIx64 " %s", sel, desc,
            p && code && l ? "ok (present 64-bit code)" : "BAD (not present 64-bit code)");
}

static bool read_tss_word(struct vm *vm, const struct hv_vcpu_state *vs,
                          const struct kvm_sregs *s, unsigned off, uint64_t *v)
{
    return off + 8u <= s->tr.limit + 1u &&
           guest_read(&vm->dom, vs, s->tr.base + off, v, sizeof(*v)) == 0;
}

/* The stack a delivery through gate g would push onto, from user mode. */
static void check_stack(struct vm *vm, const struct hv_vcpu_state *vs,
                        const struct kvm_sregs *s, const struct gate *g)
{
    unsigned off = g->ist ? TSS_IST1 + 8u * (g->ist - 1) : TSS_RSP0;
    char w[80];
    uint64_t sp;

    if (!read_tss_word(vm, vs, s, off, &sp)) {
        log_err("crash:     %s%u: TSS at %#llx not readable", g->ist ? "IST" : "RSP",
                g->ist, (unsigned long long)s->tr.base);
        return;
    }
    where(vm, vs, sp - 8, w, sizeof(w));
    log_err("crash:     stack (%s%u) %016" PRIx64 ": %s", g->ist ? "IST" : "RSP", g->ist, sp, w);
}

static void check_vector(struct vm *vm, const struct hv_vcpu_state *vs,
                         const struct kvm_sregs *s, unsigned vec, const char *name)
{
    uint8_t raw[16];
    char sym[160] = "";

    if (vec * 16u + 15u > s->idt.limit ||
        guest_read(&vm->dom, vs, s->idt.base + vec * 16u, raw, sizeof(raw))) {
        log_err("crash:   %s gate: NOT READABLE (IDT %#llx limit %#x)", name,
                (unsigned long long)s->idt.base, s->idt.limit);
        return;
    }
    struct gate g = gate_decode(raw);
    bool text = ksymtab_format(vm->syms, g.offset, sym, sizeof(sym)) == 0;
    bool good = g.present && (g.type == GATE_INTR || g.type == GATE_TRAP);
    log_err("crash:   %s gate: handler %016" PRIx64 " <%s> type %x dpl %u ist %u %s", name,
            g.offset, text ? sym : "not kernel text", g.type, g.dpl, g.ist,
            good && (text || !vm->syms) ? "ok" : "BAD");
    check_cs(vm, vs, s, g.sel);
    check_stack(vm, vs, s, &g);
}

void crash_check_delivery(struct vm *vm, const struct hv_vcpu_state *vs,
                          const struct kvm_sregs *s)
{
    char w[80];

    if (!vs->long_mode)
        return;
    log_err("crash:   exception delivery, as the CPU would read it:");
    where(vm, vs, s->idt.base, w, sizeof(w));
    log_err("crash:   IDT %016llx: %s", (unsigned long long)s->idt.base, w);
    where(vm, vs, s->gdt.base, w, sizeof(w));
    log_err("crash:   GDT %016llx: %s", (unsigned long long)s->gdt.base, w);
    where(vm, vs, s->tr.base, w, sizeof(w));
    log_err("crash:   TSS %016llx (limit %#x%s): %s", (unsigned long long)s->tr.base,
            s->tr.limit, s->tr.limit < TSS_MIN_LIMIT ? ", TOO SMALL" : "", w);
    check_vector(vm, vs, s, 14, "#PF");
    check_vector(vm, vs, s, 13, "#GP");
    check_vector(vm, vs, s, 8, "#DF");
}
