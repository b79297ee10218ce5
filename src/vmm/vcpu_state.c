/* What the guest does with its vCPUs, as seen from the VMM: a vCPU is in
 * use ("online") unless KVM still waits for its INIT/SIPI, it halts with
 * interrupts disabled (Linux's play_dead after `echo 0 > .../online`), or
 * the guest took it down with VCPUOP_down.  KVM's state of a vCPU can only
 * be read on its own thread, so the I/O thread asks (a kick) and waits. */
#include "vmm/vm.h"

#include <errno.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <time.h>

#define RFLAGS_IF (1u << 9)

static bool read_online(struct vcpu *v)
{
    struct kvm_mp_state mp;
    struct kvm_regs r;
    uint64_t rflags;

    if (hv_vcpu_is_down(&v->vm->dom, v->id))
        return false;
    if (ioctl(v->fd, KVM_GET_MP_STATE, &mp) < 0)
        return v->guest_online;
    if (mp.mp_state == KVM_MP_STATE_UNINITIALIZED ||
        mp.mp_state == KVM_MP_STATE_INIT_RECEIVED ||
        mp.mp_state == KVM_MP_STATE_SIPI_RECEIVED)
        return false;
    if (mp.mp_state != KVM_MP_STATE_HALTED)
        return true;
    if (v->sync_regs)
        rflags = v->run->s.regs.regs.rflags;
    else if (ioctl(v->fd, KVM_GET_REGS, &r) == 0)
        rflags = r.rflags;
    else
        return v->guest_online;
    return (rflags & RFLAGS_IF) != 0;
}

void vcpu_probe_self(struct vcpu *v)
{
    struct vm *vm = v->vm;
    bool online = read_online(v);

    pthread_mutex_lock(&vm->state_lock);
    v->guest_online = online;
    v->probe_done = v->probe_req;
    pthread_cond_broadcast(&vm->state_cond);
    pthread_mutex_unlock(&vm->state_lock);
}

bool vcpu_must_wait(struct vcpu *v)
{
    return hv_vcpu_is_down(&v->vm->dom, v->id);
}

static bool all_answered(struct vm *vm)
{
    for (unsigned i = 0; i < vm->cfg.vcpus; i++) {
        struct vcpu *v = &vm->vcpu[i];
        if (v->started && v->probe_done != v->probe_req)
            return false;
    }
    return true;
}

unsigned vm_vcpus_probe(struct vm *vm, int timeout_ms)
{
    struct timespec ts;
    unsigned online = 0;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_nsec += (long)timeout_ms * 1000000l;
    ts.tv_sec += ts.tv_nsec / 1000000000l;
    ts.tv_nsec %= 1000000000l;
    pthread_mutex_lock(&vm->state_lock);
    bool paused = vm->paused || vm->stopping;
    for (unsigned i = 0; !paused && i < vm->cfg.vcpus; i++) {
        struct vcpu *v = &vm->vcpu[i];
        if (!v->started)
            continue;
        v->probe_req++;
        vcpu_kick(v);
    }
    /* A vCPU that is down waits on state_cond: it answers when woken. */
    pthread_cond_broadcast(&vm->state_cond);
    while (!paused && !all_answered(vm))
        if (pthread_cond_timedwait(&vm->state_cond, &vm->state_lock, &ts) == ETIMEDOUT)
            break;
    for (unsigned i = 0; i < vm->cfg.vcpus; i++)
        online += vm->vcpu[i].guest_online;
    pthread_mutex_unlock(&vm->state_lock);
    return online;
}
