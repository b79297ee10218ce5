/* vCPU threads: creation, the PVH entry state, and the KVM_RUN loop with
 * its exit dispatch. */
#include "vmm/vm.h"

#include <errno.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <xen/sched.h>

#include "common/log.h"
#include "vmm/seccomp_policy.h"
#include "xeno/exit.h"

int vcpu_create(struct vm *vm, unsigned id)
{
    struct vcpu *v = &vm->vcpu[id];
    int size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);

    v->vm = vm;
    v->id = id;
    v->guest_online = id == 0; /* the others wait for INIT/SIPI */
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

/* Out of KVM_RUN (or not into it) soon: the loop then looks at its flags. */
void vcpu_kick(struct vcpu *v)
{
    if (!v->started)
        return;
    __atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
    pthread_kill(v->thread, SIGUSR1);
}

void vm_kick_all(struct vm *vm)
{
    for (unsigned i = 0; i < vm->cfg.vcpus; i++)
        vcpu_kick(&vm->vcpu[i]);
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
        __atomic_store_n(&vm->stop_ns, vm_now_ns(), __ATOMIC_RELEASE);
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

static __thread struct vcpu *current_vcpu;

struct vcpu *vcpu_current(void)
{
    return current_vcpu;
}

/* A fatal exit: the crash report explains it; status says how we end. */
static bool fatal(struct vcpu *v, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool fatal(struct vcpu *v, int status, const char *fmt, ...)
{
    char why[160];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    log_err("vcpu%u: %s", v->id, why);
    crash_capture(v, why);
    vm_request_stop(v->vm, status);
    return false;
}

static const char *internal_error_name(uint32_t sub)
{
    switch (sub) {
    case KVM_INTERNAL_ERROR_EMULATION: return "emulation failure";
    case KVM_INTERNAL_ERROR_SIMUL_EX: return "exception while delivering an exception";
    case KVM_INTERNAL_ERROR_DELIVERY_EV: return "event delivery failed";
    default: return "unknown";
    }
}

/* Until the domain runs and this vCPU is not VCPUOP_down; false: stop.
 * A probe that comes meanwhile is answered with what is known. */
static bool wait_to_run(struct vcpu *v)
{
    struct vm *vm = v->vm;

    bool was_paused = false;

    pthread_mutex_lock(&vm->state_lock);
    while ((vm->paused || vcpu_must_wait(v)) && !vm->stopping) {
        was_paused |= vm->paused;
        if (v->probe_done != v->probe_req) {
            if (vcpu_must_wait(v))
                v->guest_online = false;
            v->probe_done = v->probe_req;
            pthread_cond_broadcast(&vm->state_cond);
        }
        pthread_cond_wait(&vm->state_cond, &vm->state_lock);
    }
    bool stop = vm->stopping;
    pthread_mutex_unlock(&vm->state_lock);
    if (was_paused && !stop)
        vmm_seccomp_selftest(VMM_THREAD_VCPU, "unpause");
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
        return fatal(v, XENO_EXIT_VMM_ERROR, "unexpected Xen exit type %u", run->xen.type);
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
        return fatal(v, XENO_EXIT_SHUTDOWN_BASE + SHUTDOWN_crash,
                     "triple fault (KVM_EXIT_SHUTDOWN)");
    case KVM_EXIT_INTERNAL_ERROR:
        return fatal(v, XENO_EXIT_SHUTDOWN_BASE + SHUTDOWN_crash,
                     "KVM internal error %u (%s), %u data words, first %#llx: treated as a crash",
                     run->internal.suberror, internal_error_name(run->internal.suberror),
                     run->internal.ndata,
                     run->internal.ndata ? (unsigned long long)run->internal.data[0] : 0ull);
    case KVM_EXIT_FAIL_ENTRY:
        return fatal(v, XENO_EXIT_VMM_ERROR, "VM entry failed, hardware reason %#llx",
                     (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
    case KVM_EXIT_SYSTEM_EVENT:
        vm_request_stop(v->vm, run->system_event.type == KVM_SYSTEM_EVENT_RESET
                                   ? XENO_EXIT_SHUTDOWN_BASE + SHUTDOWN_reboot
                                   : XENO_EXIT_POWEROFF);
        return false;
    case KVM_EXIT_HLT:
        return true;
    default:
        v->exits_other++;
        return fatal(v, XENO_EXIT_VMM_ERROR, "unhandled KVM exit %u", run->exit_reason);
    }
}

static void *vcpu_thread(void *arg)
{
    struct vcpu *v = arg;

    current_vcpu = v;
    __atomic_store_n(&v->tid, (int)syscall(SYS_gettid), __ATOMIC_RELEASE);
    if (v->vm->cfg.seccomp) { /* before the guest's first instruction */
        char err[160];
        if (vmm_seccomp_install(VMM_THREAD_VCPU, err, sizeof(err))) {
            fatal(v, XENO_EXIT_VMM_ERROR, "%s", err);
            return NULL;
        }
        vmm_seccomp_selftest(VMM_THREAD_VCPU, NULL);
    }
    while (wait_to_run(v)) {
        int rc = ioctl(v->fd, KVM_RUN, 0);
        __atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_SEQ_CST);
        vcpu_note_exit(v);
        if (__atomic_load_n(&v->probe_req, __ATOMIC_ACQUIRE) != v->probe_done)
            vcpu_probe_self(v);
        if (rc < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            fatal(v, XENO_EXIT_VMM_ERROR, "KVM_RUN: %s", strerror(errno));
            break;
        }
        if (!handle_exit(v))
            break;
    }
    vcpu_final_capture(v);
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
    /* vCPU threads take only SIGUSR1 (and SIGSYS); the I/O loop handles the rest. */
    sigfillset(&all);
    sigdelset(&all, SIGUSR1);
    sigdelset(&all, SIGSYS); /* blocked, a seccomp trap would kill unexplained */
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&v->thread, NULL, vcpu_thread, v);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc)
        return -rc;
    v->started = true;
    /* Its thread id is known before the control socket answers (xend pins
     * the threads as soon as it does). */
    for (int i = 0; i < 100000 && !__atomic_load_n(&v->tid, __ATOMIC_ACQUIRE); i++)
        usleep(10);
    return 0;
}
