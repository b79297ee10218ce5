/* The VMM's side of struct hv_ops: how the pure Xen ABI core reaches KVM,
 * the console and the backends. */
#include "vmm/vm.h"

#include <errno.h>
#include <sched.h>
#include <time.h>
#include <xen/sched.h>

#include "common/log.h"
#include "vmm/vbd.h"
#include "vmm/vif.h"
#include "xeno/exit.h"

uint64_t vm_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void op_upcall(void *o, unsigned vcpu, uint8_t vector)
{
    struct vm *vm = o;
    int rc = kvm_signal_upcall(vm, vcpu, vector);
    if (rc)
        log_warn("upcall to vcpu%u failed: %d", vcpu, rc);
}

static int op_map_frame(void *o, uint64_t gpa, void *host, uint64_t len)
{
    return kvm_map_frame(o, gpa, host, len);
}

static void op_shutdown(void *o, unsigned reason)
{
    static const char *const names[] = { "poweroff", "reboot", "suspend",
                                         "crash", "watchdog", "soft_reset" };
    struct vm *vm = o;

    log_info("domain %u: shutdown: %s", vm->cfg.domid,
             reason < 6 ? names[reason] : "unknown");
    if (reason == SHUTDOWN_crash || reason == SHUTDOWN_watchdog)
        crash_capture(vcpu_current(), reason == SHUTDOWN_crash
                          ? "the guest reported a crash (SCHEDOP_shutdown, SHUTDOWN_crash)"
                          : "the guest's watchdog fired (SCHEDOP_shutdown, SHUTDOWN_watchdog)");
    vm_request_stop(vm, reason == SHUTDOWN_poweroff ? XENO_EXIT_POWEROFF
                                                    : XENO_EXIT_SHUTDOWN_BASE + (int)reason);
}

static void op_console_write(void *o, const char *buf, size_t len)
{
    (void)o;
    conout_write(buf, len);
}

static void op_backend_notify(void *o, unsigned port)
{
    struct vm *vm = o;

    if (port == vm->console_port && ++vm->console_kicks)
        console_backend_drain(&vm->pvcon);
    else if (port == vm->store_port)
        xs_kick(vm);
    else if (!vbd_notify(vm, port)) /* a disk queue: wakes the I/O thread */
        vif_notify(vm, port);       /* a vif queue: the same */
}

static void op_yield(void *o, unsigned vcpu)
{
    (void)o; (void)vcpu;
    sched_yield();
}

static void op_poll_wait(void *o, unsigned vcpu, uint64_t timeout_ns)
{
    struct vm *vm = o;
    /* Xen's timeout is absolute system time; ours counts from VM start.
     * Cap the wait so a lost wake-up costs at most 10 ms.  The condition
     * variable runs on CLOCK_MONOTONIC, the clock of vm_now_ns(). */
    uint64_t deadline = vm_now_ns() + 10000000ull;
    if (timeout_ns && timeout_ns + vm->start_ns < deadline)
        deadline = timeout_ns + vm->start_ns;
    struct timespec ts = { .tv_sec = (time_t)(deadline / 1000000000ull),
                           .tv_nsec = (long)(deadline % 1000000000ull) };

    (void)vcpu;
    pthread_mutex_lock(&vm->state_lock);
    uint64_t gen = vm->poll_gen;
    while (gen == vm->poll_gen && !vm->stopping)
        if (pthread_cond_timedwait(&vm->state_cond, &vm->state_lock, &ts) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&vm->state_lock);
}

static void op_poll_kick(void *o)
{
    struct vm *vm = o;
    pthread_mutex_lock(&vm->state_lock);
    vm->poll_gen++;
    pthread_cond_broadcast(&vm->state_cond);
    pthread_mutex_unlock(&vm->state_lock);
}

static void op_log(void *o, const char *msg)
{
    struct vm *vm = o;
    log_info("domain %u: %s", vm->cfg.domid, msg);
}

static uint64_t op_now_ns(void *o)
{
    struct vm *vm = o;
    return vm_now_ns() - vm->start_ns;
}

/* VCPUOP_down/up: the vCPU's thread looks again (vcpu.c wait_to_run). */
static void op_vcpu_updown(void *o, unsigned vcpu)
{
    struct vm *vm = o;
    struct vcpu *v = &vm->vcpu[vcpu];

    if (v != vcpu_current())
        vcpu_kick(v);
    pthread_mutex_lock(&vm->state_lock);
    pthread_cond_broadcast(&vm->state_cond);
    pthread_mutex_unlock(&vm->state_lock);
}

static void op_discard(void *o, uint8_t *host, uint64_t len)
{
    vm_discard(o, host, len);
}

const struct hv_ops vm_hv_ops = {
    .upcall = op_upcall,
    .map_frame = op_map_frame,
    .shutdown = op_shutdown,
    .console_write = op_console_write,
    .backend_notify = op_backend_notify,
    .yield = op_yield,
    .poll_wait = op_poll_wait,
    .poll_kick = op_poll_kick,
    .log = op_log,
    .now_ns = op_now_ns,
    .vcpu_updown = op_vcpu_updown,
    .discard = op_discard,
};
