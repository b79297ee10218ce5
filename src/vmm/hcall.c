/* The hypercall trap.  Guests reach hv_hypercall() through
 *   - the hypercall page: stubs "mov $nr,%eax; out %eax,$port; ret" that the
 *     VMM writes when the guest sets the MSR named in CPUID 0x40000002, and
 *   - Linux's own vmcall/vmmcall sites, rewritten by the loader to
 *     "out %eax,$port; nop".
 * Both arrive here as a 4-byte OUT to XENO_HCALL_PORT. */
#include "vmm/vm.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "common/log.h"

int msr_filter_setup(struct vm *vm)
{
    struct kvm_enable_cap cap = {
        .cap = KVM_CAP_X86_USER_SPACE_MSR,
        .args[0] = KVM_MSR_EXIT_REASON_FILTER,
    };
    /* One MSR, denied in both directions: KVM hands it to us instead of
     * treating it as Hyper-V's guest OS id (a #GP on some hosts). */
    static uint8_t deny_bitmap[1] = { 0 };
    struct kvm_msr_filter f = {
        .flags = KVM_MSR_FILTER_DEFAULT_ALLOW,
        .ranges[0] = {
            .flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
            .nmsrs = 1, .base = XENO_HCALL_MSR, .bitmap = deny_bitmap,
        },
    };

    if (ioctl(vm->vm_fd, KVM_ENABLE_CAP, &cap) < 0)
        return -errno;
    return ioctl(vm->vm_fd, KVM_X86_SET_MSR_FILTER, &f) < 0 ? -errno : 0;
}

#define STUB_SIZE 32

int hcall_page_fill(struct vm *vm, uint64_t gpa)
{
    uint8_t *page;

    if (gpa & (XENO_PAGE_SIZE - 1))
        return -EINVAL;
    page = hv_gpa_is_ram(&vm->dom, gpa, XENO_PAGE_SIZE)
               ? hv_gpa_ptr(&vm->dom, gpa, XENO_PAGE_SIZE) : NULL;
    if (!page)
        return -EINVAL;
    memset(page, 0xcc, XENO_PAGE_SIZE); /* int3 between stubs */
    for (unsigned nr = 0; nr < XENO_PAGE_SIZE / STUB_SIZE; nr++) {
        uint8_t *s = page + nr * STUB_SIZE;
        s[0] = 0xb8; /* mov $nr, %eax */
        memcpy(s + 1, &nr, 4);
        s[5] = 0xe7; /* out %eax, $port */
        s[6] = XENO_HCALL_PORT;
        s[7] = 0xc3; /* ret */
    }
    vm->hcall_page_gpa = gpa;
    return 0;
}

static bool guest_long_mode(const struct kvm_sregs *s)
{
    return (s->efer & (1u << 10)) && s->cs.l;
}

static void pick_args(const struct kvm_regs *r, bool long_mode, uint64_t *nr,
                      uint64_t a[6])
{
    if (long_mode) {
        *nr = r->rax;
        a[0] = r->rdi; a[1] = r->rsi; a[2] = r->rdx;
        a[3] = r->r10; a[4] = r->r8; a[5] = r->r9;
    } else {
        *nr = (uint32_t)r->rax;
        a[0] = (uint32_t)r->rbx; a[1] = (uint32_t)r->rcx; a[2] = (uint32_t)r->rdx;
        a[3] = (uint32_t)r->rsi; a[4] = (uint32_t)r->rdi; a[5] = (uint32_t)r->rbp;
    }
}

/* The sregs of the exit: from kvm_run with KVM_CAP_SYNC_REGS, else asked. */
static int exit_sregs(struct vcpu *v, struct kvm_sregs *buf, const struct kvm_sregs **s)
{
    if (v->sync_regs) {
        *s = &v->run->s.regs.sregs;
        return 0;
    }
    *s = buf;
    return ioctl(v->fd, KVM_GET_SREGS, buf) < 0 ? -errno : 0;
}

static long dispatch(struct vcpu *v, const struct kvm_sregs *s, bool long_mode,
                     uint64_t nr, const uint64_t a[6])
{
    struct hv_vcpu_state vs = { .id = v->id, .long_mode = long_mode,
                                .cr0 = s->cr0, .cr3 = s->cr3, .cr4 = s->cr4,
                                .efer = s->efer };
    v->exits_hcall++;
    return hv_hypercall(&v->vm->dom, &vs, nr, a);
}

int hcall_handle_io(struct vcpu *v)
{
    struct kvm_regs regs, *r = &regs;
    struct kvm_sregs sregs;
    const struct kvm_sregs *s;
    uint64_t a[6], nr;
    bool lm;
    long ret;

    if (exit_sregs(v, &sregs, &s))
        return -errno;
    if (v->sync_regs)
        r = &v->run->s.regs.regs;
    else if (ioctl(v->fd, KVM_GET_REGS, r) < 0)
        return -errno;
    lm = guest_long_mode(s);
    pick_args(r, lm, &nr, a);
    ret = dispatch(v, s, lm, nr, a);
    r->rax = lm ? (uint64_t)(int64_t)ret : (uint32_t)ret;
    /* RIP stays: KVM completes the OUT (skips it) on the next entry. */
    if (v->sync_regs) {
        v->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
        return 0;
    }
    return ioctl(v->fd, KVM_SET_REGS, r) < 0 ? -errno : 0;
}

/* The host kernel's Xen support: KVM intercepts vmcall/vmmcall and exits
 * with the call decoded; it writes the result to RAX and skips the
 * instruction on the next entry.  Lets kernels whose hypercall sites the
 * loader does not know run unpatched, on hosts that offer it. */
int hcall_setup_kvm_xen(struct vm *vm)
{
    struct kvm_xen_hvm_config c = { .flags = KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL };
    int caps = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XEN_HVM);

    /* XENO_NO_KVM_XEN=1: not even where offered (bisecting host trouble). */
    if (caps <= 0 || !(caps & KVM_XEN_HVM_CONFIG_INTERCEPT_HCALL) || getenv("XENO_NO_KVM_XEN"))
        return 0;
    /* msr 0: the hypercall-page MSR stays ours (MSR filter), so one page
     * layout serves every host. */
    if (ioctl(vm->vm_fd, KVM_XEN_HVM_CONFIG, &c) < 0)
        return -errno;
    vm->kvm_xen = true;
    return 0;
}

int hcall_handle_xen(struct vcpu *v)
{
    struct kvm_xen_exit *x = &v->run->xen;
    struct kvm_sregs sregs;
    const struct kvm_sregs *s;
    bool lm = x->u.hcall.longmode;
    uint64_t a[6];

    if (x->type != KVM_EXIT_XEN_HCALL)
        return -EINVAL;
    if (exit_sregs(v, &sregs, &s))
        return -errno;
    for (int i = 0; i < 6; i++)
        a[i] = lm ? x->u.hcall.params[i] : (uint32_t)x->u.hcall.params[i];
    long ret = dispatch(v, s, lm, lm ? x->u.hcall.input : (uint32_t)x->u.hcall.input, a);
    x->u.hcall.result = lm ? (uint64_t)(int64_t)ret : (uint32_t)ret;
    return 0;
}
