/* Crash reports: when a guest dies (SCHEDOP_shutdown with SHUTDOWN_crash
 * or _watchdog, a triple fault, a KVM internal error, any fatal exit), the
 * VMM log says what the guest last printed and what each vCPU was doing.
 *
 * The vCPU that crashed records its state at once (crash_capture, on its
 * own thread, while the registers are those of the crash); the report is
 * written after every vCPU thread has stopped (crash_report, main thread),
 * so the other vCPUs' registers are read quiescent and the lines of the
 * report are not interleaved with guest output.  Everything read from the
 * guest (stack, code bytes) goes through its page tables with the checked
 * copy of src/hv/gmem.c; symbols come from the VMM's private copy of the
 * kernel's table (loader/symtab.c), never from guest memory. */
#include "vmm/vm.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "common/log.h"
#include "hv/hv_internal.h"
#include "loader/loader.h"

#define CONSOLE_LINES 40
#define STACK_WORDS 32          /* shown raw */
#define STACK_SCAN_WORDS 64     /* searched for text addresses */
#define CODE_BYTES 16

#define EFER_LMA (1u << 10)
#define CR0_PE 1u

static struct {
    pthread_mutex_t lock;
    bool captured;
    unsigned vcpu;
    char why[200];
    bool have_state;
    struct kvm_regs regs;
    struct kvm_sregs sregs;
    bool have_events;
    struct kvm_vcpu_events events;
} crash = { .lock = PTHREAD_MUTEX_INITIALIZER };

void crash_capture(struct vcpu *v, const char *why)
{
    pthread_mutex_lock(&crash.lock);
    if (!crash.captured) {
        crash.captured = true;
        crash.vcpu = v ? v->id : 0;
        snprintf(crash.why, sizeof(crash.why), "%s", why);
        crash.have_state = v && ioctl(v->fd, KVM_GET_REGS, &crash.regs) == 0 &&
                           ioctl(v->fd, KVM_GET_SREGS, &crash.sregs) == 0;
        crash.have_events = v && ioctl(v->fd, KVM_GET_VCPU_EVENTS, &crash.events) == 0;
    }
    pthread_mutex_unlock(&crash.lock);
}

bool crash_captured(void)
{
    pthread_mutex_lock(&crash.lock);
    bool c = crash.captured;
    pthread_mutex_unlock(&crash.lock);
    return c;
}

static bool long_mode(const struct kvm_sregs *s)
{
    return (s->efer & EFER_LMA) && s->cs.l;
}

static const char *mode_name(const struct kvm_sregs *s)
{
    if (long_mode(s))
        return "64-bit";
    if (s->efer & EFER_LMA)
        return "compatibility mode";
    if (!(s->cr0 & CR0_PE))
        return "real mode";
    return s->cs.db ? "32-bit protected" : "16-bit protected";
}

/* " <name+0x12/0x40>" or "". */
static void sym_suffix(const struct vm *vm, uint64_t addr, char *buf, size_t len)
{
    char s[160];
    buf[0] = '\0';
    if (ksymtab_format(vm->syms, addr, s, sizeof(s)) == 0)
        snprintf(buf, len, " <%s>", s);
}

/* RIP: a symbol, else the stub of the hypercall page it lies in. */
static void rip_suffix(struct vm *vm, const struct hv_vcpu_state *vs, uint64_t rip,
                       char *buf, size_t len)
{
    uint64_t gpa;
    sym_suffix(vm, rip, buf, len);
    if (!buf[0] && vm->hcall_page_gpa && guest_translate(&vm->dom, vs, rip, false, &gpa) == 0 &&
        gpa >= vm->hcall_page_gpa && gpa < vm->hcall_page_gpa + XENO_PAGE_SIZE)
        snprintf(buf, len, " <hypercall page: stub %u+%#x>",
                 (unsigned)((gpa - vm->hcall_page_gpa) / 32), (unsigned)(gpa % 32));
}

static void flags_text(uint64_t f, char *buf, size_t len)
{
    static const struct { unsigned bit; const char *name; } names[] = {
        { 0, "CF" }, { 2, "PF" }, { 4, "AF" }, { 6, "ZF" }, { 7, "SF" },
        { 8, "TF" }, { 9, "IF" }, { 10, "DF" }, { 11, "OF" }, { 14, "NT" },
        { 16, "RF" }, { 17, "VM" }, { 18, "AC" },
    };
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if ((f >> names[i].bit) & 1)
            n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s", n ? " " : "",
                                  names[i].name);
}

static void dump_seg(const char *name, const struct kvm_segment *s)
{
    log_err("crash:   %-3s %04x base %016llx limit %08x type %x dpl %u%s%s%s%s",
            name, s->selector, (unsigned long long)s->base, s->limit, s->type, s->dpl,
            s->present ? " P" : " not-present", s->l ? " L" : "", s->db ? " D" : "",
            s->g ? " G" : "");
}

static struct hv_vcpu_state paging_of(unsigned id, const struct kvm_sregs *s)
{
    return (struct hv_vcpu_state){ .id = id, .long_mode = long_mode(s), .cr0 = s->cr0,
                                   .cr3 = s->cr3, .cr4 = s->cr4, .efer = s->efer };
}

static void dump_regs(struct vm *vm, unsigned id, const struct kvm_regs *r,
                      const struct kvm_sregs *s)
{
    struct hv_vcpu_state vs = paging_of(id, s);
    char sym[200], fl[64];
    rip_suffix(vm, &vs, r->rip, sym, sizeof(sym));
    flags_text(r->rflags, fl, sizeof(fl));
    log_err("crash:   RIP %04x:%016llx%s, %s, CPL %u", s->cs.selector,
            (unsigned long long)r->rip, sym, mode_name(s), s->cs.dpl);
    log_err("crash:   RFLAGS %08llx [%s]", (unsigned long long)r->rflags, fl);
    log_err("crash:   RAX %016llx RBX %016llx RCX %016llx RDX %016llx",
            r->rax, r->rbx, r->rcx, r->rdx);
    log_err("crash:   RSI %016llx RDI %016llx RBP %016llx RSP %016llx",
            r->rsi, r->rdi, r->rbp, r->rsp);
    log_err("crash:   R8  %016llx R9  %016llx R10 %016llx R11 %016llx",
            r->r8, r->r9, r->r10, r->r11);
    log_err("crash:   R12 %016llx R13 %016llx R14 %016llx R15 %016llx",
            r->r12, r->r13, r->r14, r->r15);
    log_err("crash:   CR0 %016llx CR2 %016llx CR3 %016llx CR4 %016llx",
            s->cr0, s->cr2, s->cr3, s->cr4);
    log_err("crash:   EFER %016llx APIC_BASE %016llx CR8 %llx", s->efer, s->apic_base,
            s->cr8);
    dump_seg("CS", &s->cs);
    dump_seg("SS", &s->ss);
    dump_seg("DS", &s->ds);
    dump_seg("ES", &s->es);
    dump_seg("FS", &s->fs);
    dump_seg("GS", &s->gs);
    dump_seg("TR", &s->tr);
    dump_seg("LDT", &s->ldt);
    log_err("crash:   GDT %016llx/%04x IDT %016llx/%04x", (unsigned long long)s->gdt.base,
            s->gdt.limit, (unsigned long long)s->idt.base, s->idt.limit);
}

static void dump_code(struct vm *vm, unsigned id, const struct kvm_regs *r,
                      const struct kvm_sregs *s)
{
    struct hv_vcpu_state vs = paging_of(id, s);
    uint8_t code[CODE_BYTES];
    char hex[3 * CODE_BYTES + 1];
    uint64_t at = long_mode(s) ? r->rip : (uint32_t)(s->cs.base + r->rip);

    if (guest_read(&vm->dom, &vs, at, code, sizeof(code))) {
        log_err("crash:   code at RIP: not readable through the guest's page tables");
        return;
    }
    for (size_t i = 0; i < sizeof(code); i++)
        snprintf(hex + 3 * i, 4, "%02x ", code[i]);
    hex[sizeof(hex) - 2] = '\0';
    log_err("crash:   code at RIP: %s", hex);
}

/* Stack words through the guest's page tables, then the ones that fall in
 * kernel text: return addresses, most of them (a call trace, unverified). */
static void dump_stack(struct vm *vm, unsigned id, const struct kvm_regs *r,
                       const struct kvm_sregs *s)
{
    struct hv_vcpu_state vs = paging_of(id, s);
    unsigned wsz = long_mode(s) ? 8 : 4;
    uint64_t sp = long_mode(s) ? r->rsp : (uint32_t)(s->ss.base + r->rsp);
    uint64_t w[STACK_SCAN_WORDS];
    unsigned n = 0;

    for (; n < STACK_SCAN_WORDS; n++) {
        uint64_t v = 0;
        if (guest_read(&vm->dom, &vs, sp + (uint64_t)n * wsz, &v, wsz))
            break;
        w[n] = v;
    }
    if (!n) {
        log_err("crash:   stack at %#" PRIx64 ": not readable through the guest's page tables",
                sp);
        return;
    }
    log_err("crash:   stack at %#" PRIx64 " (%u words read):", sp, n);
    for (unsigned i = 0; i < n && i < STACK_WORDS; i += 4) {
        char line[128];
        size_t k = 0;
        for (unsigned j = i; j < i + 4 && j < n; j++)
            k += (size_t)snprintf(line + k, sizeof(line) - k, " %0*" PRIx64, (int)wsz * 2,
                                  w[j]);
        log_err("crash:     +%03x:%s", i * wsz, line);
    }
    for (unsigned i = 0; i < n; i++) {
        char sym[200];
        sym_suffix(vm, w[i], sym, sizeof(sym));
        if (sym[0])
            log_err("crash:     [RSP+0x%03x] %0*" PRIx64 "%s", i * wsz, (int)wsz * 2, w[i], sym);
    }
}

/* SVM re-initialises a vCPU on a shutdown intercept: after a triple fault
 * on AMD hosts the registers are the INIT state, not the crash's. */
static bool is_init_state(const struct kvm_regs *r, const struct kvm_sregs *s)
{
    return r->rip == 0xfff0 && s->cs.selector == 0xf000 && !(s->cr0 & CR0_PE);
}

/* What KVM held undelivered when the vCPU stopped. */
static void dump_events(const struct kvm_vcpu_events *e)
{
    log_err("crash:   events: exception injected %u pending %u nr %u error %#x%s; "
            "interrupt injected %u nr %u; NMI injected %u pending %u; shadow %#x",
            e->exception.injected, e->exception.pending, e->exception.nr,
            e->exception.error_code, e->exception.has_error_code ? "" : " (none)",
            e->interrupt.injected, e->interrupt.nr, e->nmi.injected, e->nmi.pending,
            e->interrupt.shadow);
}

static void dump_vcpu(struct vm *vm, unsigned id, const struct kvm_regs *r,
                      const struct kvm_sregs *s, const char *role)
{
    log_err("crash: vcpu%u%s:", id, role);
    if (is_init_state(r, s)) {
        log_err("crash:   (the registers are the INIT state: the host's KVM resets a "
                "vCPU after a triple fault, as AMD SVM does; the guest's state is lost)");
    }
    dump_regs(vm, id, r, s);
    dump_code(vm, id, r, s);
    dump_stack(vm, id, r, s);
}

static void dump_other(struct vm *vm, struct vcpu *v)
{
    struct kvm_mp_state mp = { 0 };
    struct kvm_regs r;
    struct kvm_sregs s;

    if (ioctl(v->fd, KVM_GET_MP_STATE, &mp) == 0 &&
        (mp.mp_state == KVM_MP_STATE_UNINITIALIZED || mp.mp_state == KVM_MP_STATE_INIT_RECEIVED)) {
        log_err("crash: vcpu%u: never started by the guest (waiting for INIT/SIPI)", v->id);
        return;
    }
    if (ioctl(v->fd, KVM_GET_REGS, &r) < 0 || ioctl(v->fd, KVM_GET_SREGS, &s) < 0) {
        log_err("crash: vcpu%u: state unavailable: %s", v->id, strerror(errno));
        return;
    }
    dump_vcpu(vm, v->id, &r, &s, mp.mp_state == KVM_MP_STATE_HALTED ? " (halted)" : "");
}

struct quote {
    char last[CONSOLE_LINE_MAX + 1];    /* last non-blank line */
    char panic[CONSOLE_LINE_MAX + 1];   /* last line that says why, if any */
};

/* Lines in which kernels name their death (Linux's panic(), BUG(), oops,
 * early exception handler; Xen-style "FATAL"). */
static bool says_why(const char *line)
{
    static const char *const pats[] = { "Kernel panic - not syncing", "kernel BUG at",
                                        "BUG: ", "Oops: ", "general protection fault",
                                        "PANIC: early exception", "FATAL" };
    for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++)
        if (strstr(line, pats[i]))
            return true;
    return false;
}

static void scan_line(void *opaque, const char *line)
{
    struct quote *q = opaque;
    if (line[strspn(line, " \t")])
        snprintf(q->last, sizeof(q->last), "%s", line);
    if (says_why(line))
        snprintf(q->panic, sizeof(q->panic), "%s", line);
}

static void quote_line(void *opaque, const char *line)
{
    (void)opaque;
    log_err("crash: console| %s", line);
}

void crash_report(struct vm *vm)
{
    struct quote q = { "", "" };

    if (!crash_captured())
        return;
    conout_break_line();
    log_err("crash: domain %u (%s) crashed: %s, on vcpu%u", vm->cfg.domid,
            vm->cfg.name ? vm->cfg.name : "unnamed", crash.why, crash.vcpu);
    log_err("crash: last console output (up to %d lines):", CONSOLE_LINES);
    if (!conout_last_lines(CONSOLE_LINES, quote_line, NULL))
        log_err("crash: console| (nothing: the guest printed nothing on any console; "
                "Linux prints before hvc0 only with earlyprintk=xen)");
    if (vm->syms)
        log_err("crash: symbols: %zu text symbols from the kernel's %s",
                ksymtab_count(vm->syms), ksymtab_origin(vm->syms));
    else
        log_err("crash: symbols: none (the kernel image has no ELF symtab or kallsyms)");
    if (crash.have_state) {
        struct hv_vcpu_state vs = paging_of(crash.vcpu, &crash.sregs);
        dump_vcpu(vm, crash.vcpu, &crash.regs, &crash.sregs, " (crashed first)");
        if (crash.have_events)
            dump_events(&crash.events);
        if (!is_init_state(&crash.regs, &crash.sregs))
            crash_check_delivery(vm, &vs, &crash.sregs);
    } else
        log_err("crash: vcpu%u (crashed first): state unavailable", crash.vcpu);
    for (unsigned i = 0; i < vm->cfg.vcpus; i++)
        if (i != crash.vcpu)
            dump_other(vm, &vm->vcpu[i]);
    conout_last_lines(CONSOLE_HISTORY, scan_line, &q);   /* the whole history */
    if (q.panic[0])
        log_err("crash: panic message: %s", q.panic);
    log_err("crash: last console line: %s", q.last[0] ? q.last : "(none)");
}
