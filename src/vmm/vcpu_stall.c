/* A vCPU that stopped leaving KVM_RUN.  The I/O thread notes at each tick
 * whether each vCPU has had an exit since the last tick
 * (vcpu_progress_tick); each vCPU thread, as it stops, reads what KVM
 * holds of it (vcpu_final_capture: its run state, RIP and IF, its LAPIC
 * timer, the highest vectors waiting in IRR and ISR, the TSC deadline and
 * the guest's TSC); at the stop, each vCPU with no exit in the last
 * VCPU_STALL_NS is reported with that state (vcpu_stall_report).  So a
 * hang says which side held the vCPU: a halted vCPU whose armed timer is
 * long overdue, with its thread inside KVM_RUN, is the host KVM's to wake;
 * a vCPU that waited anywhere else was kept by the VMM. */
#include "vmm/vm.h"

#include <inttypes.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

#include "common/log.h"

#define VCPU_STALL_NS (5 * 1000000000ull)
#define MSR_IA32_TSC 0x10u
#define MSR_IA32_TSC_DEADLINE 0x6e0u
#define APIC_TPR 0x80u
#define APIC_ISR 0x100u
#define APIC_IRR 0x200u
#define APIC_LVTT 0x320u
#define APIC_TMICT 0x380u
#define APIC_TMCCT 0x390u
#define LVT_MASKED (1u << 16)

/* Exits after the stop was asked for are its own kicks: not progress. */
void vcpu_note_exit(struct vcpu *v)
{
    if (!__atomic_load_n(&v->vm->stop_ns, __ATOMIC_ACQUIRE))
        __atomic_store_n(&v->nexits, v->nexits + 1, __ATOMIC_RELAXED);
}

void vcpu_progress_tick(struct vm *vm, uint64_t now, bool paused)
{
    for (unsigned i = 0; i < vm->cfg.vcpus; i++) {
        struct vcpu *v = &vm->vcpu[i];
        uint64_t n = __atomic_load_n(&v->nexits, __ATOMIC_RELAXED);
        /* A paused domain or a vCPU the guest took down has no exits by
         * design: that is not a stall. */
        if (n != v->seen_exits || !v->progress_ns || paused || hv_vcpu_is_down(&vm->dom, i)) {
            v->seen_exits = n;
            v->progress_ns = now;
        }
    }
}

static uint32_t apic_reg(const struct kvm_lapic_state *l, unsigned off)
{
    uint32_t v;
    memcpy(&v, l->regs + off, sizeof(v));
    return v;
}

/* The highest vector set in the 256-bit register at off, or -1. */
static int apic_top(const struct kvm_lapic_state *l, unsigned off)
{
    for (int w = 7; w >= 0; w--) {
        uint32_t bits = apic_reg(l, off + (unsigned)w * 16);
        if (bits)
            return w * 32 + 31 - __builtin_clz(bits);
    }
    return -1;
}

void vcpu_final_capture(struct vcpu *v)
{
    struct vcpu_final *f = &v->final;
    struct kvm_mp_state mp;
    struct kvm_regs r;
    struct kvm_lapic_state lapic;
    /* struct kvm_msrs and its two entries, in one aligned buffer. */
    uint64_t buf[(sizeof(struct kvm_msrs) + 2 * sizeof(struct kvm_msr_entry)) / 8] = { 0 };
    struct kvm_msrs *m = (struct kvm_msrs *)buf;

    memset(f, 0, sizeof(*f));
    if (ioctl(v->fd, KVM_GET_MP_STATE, &mp) < 0 || ioctl(v->fd, KVM_GET_REGS, &r) < 0)
        return;
    f->mp_state = mp.mp_state;
    f->rip = r.rip;
    f->rflags = r.rflags;
    if (ioctl(v->fd, KVM_GET_LAPIC, &lapic) == 0) {
        f->lapic = true;
        f->lvtt = apic_reg(&lapic, APIC_LVTT);
        f->tmict = apic_reg(&lapic, APIC_TMICT);
        f->tmcct = apic_reg(&lapic, APIC_TMCCT);
        f->tpr = apic_reg(&lapic, APIC_TPR);
        f->irr_top = apic_top(&lapic, APIC_IRR);
        f->isr_top = apic_top(&lapic, APIC_ISR);
    }
    m->nmsrs = 2;
    m->entries[0].index = MSR_IA32_TSC_DEADLINE;
    m->entries[1].index = MSR_IA32_TSC;
    if (ioctl(v->fd, KVM_GET_MSRS, m) == 2) {
        f->msrs = true;
        f->tsc_deadline = m->entries[0].data;
        f->tsc = m->entries[1].data;
    }
    long khz = ioctl(v->fd, KVM_GET_TSC_KHZ, 0);
    f->tsc_khz = khz > 0 ? (uint32_t)khz : 0;
    f->valid = true;
}

static const char *mp_name(uint32_t s)
{
    switch (s) {
    case KVM_MP_STATE_RUNNABLE: return "runnable";
    case KVM_MP_STATE_UNINITIALIZED: return "waiting for INIT";
    case KVM_MP_STATE_INIT_RECEIVED: return "INIT received";
    case KVM_MP_STATE_HALTED: return "halted";
    case KVM_MP_STATE_SIPI_RECEIVED: return "SIPI received";
    default: return "other";
    }
}

/* The LAPIC timer: its mode and, when armed, how far away (or overdue). */
static void timer_text(const struct vcpu_final *f, char *buf, size_t len)
{
    static const char *const modes[] = { "one-shot", "periodic", "tsc-deadline", "reserved" };
    unsigned mode = (f->lvtt >> 17) & 3;

    if (!f->lapic) {
        snprintf(buf, len, "LAPIC unreadable");
        return;
    }
    if (f->lvtt & LVT_MASKED) {
        snprintf(buf, len, "LAPIC timer masked (%s)", modes[mode]);
    } else if (mode == 2 && f->msrs && f->tsc_deadline && f->tsc_khz) {
        double s = ((double)f->tsc_deadline - (double)f->tsc) / ((double)f->tsc_khz * 1000.0);
        snprintf(buf, len, "LAPIC timer tsc-deadline, vector %#x, %s %.3f s", f->lvtt & 0xff,
                 s < 0 ? "overdue by" : "due in", s < 0 ? -s : s);
    } else if (mode == 2) {
        snprintf(buf, len, "LAPIC timer tsc-deadline, vector %#x, not armed", f->lvtt & 0xff);
    } else {
        snprintf(buf, len, "LAPIC timer %s, vector %#x, count %" PRIu32 " of %" PRIu32,
                 modes[mode], f->lvtt & 0xff, f->tmcct, f->tmict);
    }
}

/* Armed and overdue by more than a second: KVM should have woken it. */
static bool timer_overdue(const struct vcpu_final *f)
{
    if (!f->lapic || (f->lvtt & LVT_MASKED) || ((f->lvtt >> 17) & 3) != 2 || !f->msrs ||
        !f->tsc_deadline || !f->tsc_khz || f->tsc <= f->tsc_deadline)
        return false;
    return f->tsc - f->tsc_deadline > (uint64_t)f->tsc_khz * 1000u;
}

void vcpu_stall_report(struct vm *vm)
{
    uint64_t stop_ns = __atomic_load_n(&vm->stop_ns, __ATOMIC_ACQUIRE);

    if (!stop_ns)
        return;

    for (unsigned i = 0; i < vm->cfg.vcpus; i++) {
        struct vcpu *v = &vm->vcpu[i];
        const struct vcpu_final *f = &v->final;
        double quiet;
        char timer[120];

        if (!v->started || !v->progress_ns || v->progress_ns >= stop_ns ||
            stop_ns - v->progress_ns < VCPU_STALL_NS)
            continue;
        quiet = (double)(stop_ns - v->progress_ns) / 1e9;
        if (!f->valid) {
            log_warn("vcpu%u: no exit in the last %.1f s before the stop; state unreadable", i, quiet);
            continue;
        }
        timer_text(f, timer, sizeof(timer));
        /* "stalled": halted past its own armed timer.  A halted vCPU with
         * nothing due is an idle one; a runnable one ran without exits. */
        bool stalled = f->mp_state == KVM_MP_STATE_HALTED && timer_overdue(f);
        log_msg(stalled ? LOG_WARN : LOG_INFO,
            "vcpu%u: %sno exit in the last %.1f s before the stop: %s, RIP %#" PRIx64
            ", IF %u; %s; IRR top %d, ISR top %d, TPR %#x", i, stalled ? "stalled: " : "", quiet,
            mp_name(f->mp_state), f->rip, (unsigned)((f->rflags >> 9) & 1), timer, f->irr_top,
            f->isr_top, f->tpr);
    }
}
