/* vCPU threads: creation, the PVH entry state, and the KVM_RUN loop with
 * its exit dispatch. */
#include "vmm/vm.h"

#include <errno.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <xen/sched.h>

#include "common/log.h"
#include "xeno/exit.h"

int vcpu_create(struct vm *vm, unsigned id)
{
    struct vcpu *v = &vm->vcpu[id];
    int size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);

    v->vm = vm;
    v->id = id;
    v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)id);
    if (v->fd < 0 || size <= 0)
        return -errno;
    v->run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
    if (v->run == MAP_FAILED)
        return -errno;
    /* Registers travel in kvm_run on every exit: a hypercall then needs no
     * GET/SET_REGS ioctls. */
    if (!getenv("XENO_NO_SYNC_REGS") &&
        ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SYNC_REGS) > 0) {
        v->sync_regs = true;
        v->run->kvm_valid_regs = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS;
    }
    return cpuid_setup(vm, v);
}

static void seg(struct kvm_segment *s, uint16_t sel, uint8_t type)
{
    *s = (struct kvm_segment){ .base = 0, .limit = 0xffffffff, .selector = sel,
                               .type = type, .present = 1, .dpl = 0, .db = 1,
                               .s = 1, .l = 0, .g = 1 };
}

/* PVH entry: 32-bit protected mode, paging off, flat segments, TR a 32-bit
 * TSS, EBX = struct hvm_start_info (see Linux arch/x86/platform/pvh/head.S). */
int vcpu_set_boot_state(struct vcpu *v, uint64_t entry, uint64_t start_info)
{
    struct kvm_sregs sr;
    struct kvm_regs r;

    if (ioctl(v->fd, KVM_GET_SREGS, &sr) < 0)
        return -errno;
    seg(&sr.cs, 0x10, 0xb);
    seg(&sr.ds, 0x18, 0x3);
    sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
    sr.tr = (struct kvm_segment){ .base = 0, .limit = 0x67, .selector = 0x20,
                                  .type = 0xb, .present = 1, .s = 0 };
    sr.cr0 = 0x11; /* PE | ET */
    sr.cr4 = 0;
    sr.efer = 0;
    if (ioctl(v->fd, KVM_SET_SREGS, &sr) < 0)
        return -errno;
    memset(&r, 0, sizeof(r));
    r.rip = entry;
    r.rbx = start_info;
    r.rflags = 0x2;
    return ioctl(v->fd, KVM_SET_REGS, &r) < 0 ? -errno : 0;
}

void vm_kick_all(struct vm *vm)
{
    for (unsigned i = 0; i < vm->cfg.vcpus; i++) {
        struct vcpu *v = &vm->vcpu[i];
        if (!v->started)
            continue;
        __atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
        pthread_kill(v->thread, SIGUSR1);
    }
    pthread_mutex_lock(&vm->state_lock);
    pthread_cond_broadcast(&vm->state_cond);
    pthread_mutex_unlock(&vm->state_lock);
}

/* The first reason to stop wins. */
void vm_request_stop(struct vm *vm, int status)
{
    uint64_t one = 1;
    bool first;

    pthread_mutex_lock(&vm->state_lock);
    first = !vm->stopping;
    if (first) {
        vm->stopping = true;
        vm->exit_status = status;
    }
    pthread_cond_broadcast(&vm->state_cond);
    pthread_mutex_unlock(&vm->state_lock);
    if (first) {
        vm_kick_all(vm);
        if (write(vm->wake_fd, &one, sizeof(one)) < 0) {
            /* the I/O loop also polls the stop flag */
        }
    }
}

static void dump_state(struct vcpu *v, const char *why)
{
    struct kvm_regs r;
    struct kvm_sregs s;

    if (ioctl(v->fd, KVM_GET_REGS, &r) < 0 || ioctl(v->fd, KVM_GET_SREGS, &s) < 0) {
        log_err("vcpu%u: %s (state unavailable)", v->id, why);
        return;
    }
    log_err("vcpu%u: %s: rip=%#llx rsp=%#llx rax=%#llx rbx=%#llx rcx=%#llx "
            "rdx=%#llx rflags=%#llx cr0=%#llx cr3=%#llx cr4=%#llx efer=%#llx "
            "cs=%#x/%s", v->id, why, r.rip, r.rsp, r.rax, r.rbx, r.rcx, r.rdx,
            r.rflags, s.cr0, s.cr3, s.cr4, s.efer, s.cs.selector,
            s.cs.l ? "64" : s.cs.db ? "32" : "16");
}

static bool wait_if_paused(struct vm *vm)
{
    pthread_mutex_lock(&vm->state_lock);
    while (vm->paused && !vm->stopping)
        pthread_cond_wait(&vm->state_cond, &vm->state_lock);
    bool stop = vm->stopping;
    pthread_mutex_unlock(&vm->state_lock);
    return !stop;
}

/* Handle one exit; returns false when the vCPU should stop. */
static bool handle_exit(struct vcpu *v)
{
    struct kvm_run *run = v->run;

    switch (run->exit_reason) {
    case KVM_EXIT_IO:
        v->exits_io++;
        return pio_dispatch(v, run->io.port, run->io.direction == KVM_EXIT_IO_IN,
                            (uint8_t *)run + run->io.data_offset,
                            run->io.size * run->io.count) == 0;
    case KVM_EXIT_XEN:
        if (hcall_handle_xen(v) == 0)
            return true;
        log_err("vcpu%u: unexpected Xen exit type %u", v->id, run->xen.type);
        vm_request_stop(v->vm, XENO_EXIT_VMM_ERROR);
        return false;
    case KVM_EXIT_MMIO:
        v->exits_mmio++;
        if (!run->mmio.is_write)
            memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
        return true;
    case KVM_EXIT_X86_WRMSR:
        v->exits_msr++;
        run->msr.error = 1;
        if (run->msr.index == XENO_HCALL_MSR)
            run->msr.error = hcall_page_fill(v->vm, run->msr.data) ? 1 : 0;
        return true;
    case KVM_EXIT_X86_RDMSR:
        v->exits_msr++;
        run->msr.error = 1;
        return true;
    case KVM_EXIT_SHUTDOWN:
        log_info("vcpu%u: triple fault: domain crashed", v->id);
        dump_state(v, "triple fault");
        vm_request_stop(v->vm, XENO_EXIT_SHUTDOWN_BASE + SHUTDOWN_crash);
        return false;
    case KVM_EXIT_INTERNAL_ERROR:
        dump_state(v, "KVM internal error (emulation failure): treating as crash");
        vm_request_stop(v->vm, XENO_EXIT_SHUTDOWN_BASE + SHUTDOWN_crash);
        return false;
    case KVM_EXIT_FAIL_ENTRY:
        log_err("vcpu%u: VM entry failed, reason %#llx", v->id,
                (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
        dump_state(v, "entry failure");
        vm_request_stop(v->vm, XENO_EXIT_VMM_ERROR);
        return false;
    case KVM_EXIT_SYSTEM_EVENT:
        vm_request_stop(v->vm, run->system_event.type == KVM_SYSTEM_EVENT_RESET
                                   ? XENO_EXIT_SHUTDOWN_BASE + SHUTDOWN_reboot
                                   : XENO_EXIT_POWEROFF);
        return false;
    case KVM_EXIT_HLT:
        return true;
    default:
        v->exits_other++;
        log_err("vcpu%u: unhandled KVM exit %u", v->id, run->exit_reason);
        dump_state(v, "unhandled exit");
        vm_request_stop(v->vm, XENO_EXIT_VMM_ERROR);
        return false;
    }
}

static void *vcpu_thread(void *arg)
{
    struct vcpu *v = arg;
    struct vm *vm = v->vm;

    while (wait_if_paused(vm)) {
        int rc = ioctl(v->fd, KVM_RUN, 0);
        __atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
        if (rc < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            log_err("vcpu%u: KVM_RUN: %s", v->id, strerror(errno));
            vm_request_stop(vm, XENO_EXIT_VMM_ERROR);
            break;
        }
        if (!handle_exit(v))
            break;
    }
    return NULL;
}

static void on_sigusr1(int sig) { (void)sig; }

int vcpu_start(struct vcpu *v)
{
    static bool handler_set;
    sigset_t all, old;
    int rc;

    if (!handler_set) {
        struct sigaction sa = { .sa_handler = on_sigusr1 };
        sigaction(SIGUSR1, &sa, NULL); /* no SA_RESTART: KVM_RUN returns EINTR */
        handler_set = true;
    }
    /* vCPU threads take only SIGUSR1; the I/O loop handles the rest. */
    sigfillset(&all);
    sigdelset(&all, SIGUSR1);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&v->thread, NULL, vcpu_thread, v);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc)
        return -rc;
    v->started = true;
    return 0;
}
