/* kvmprobe: does /dev/kvm run guests, and how fast?
 *
 * Creates a VM with one vCPU in real mode running
 *
 *     mov ecx, N          ; 66 B9 imm32
 *   1: dec ecx            ; 66 49
 *     jnz 1b              ; 75 FC
 *     mov al, 0x5a        ; B0 5A
 *     out 0x10, al        ; E6 10
 *     hlt                 ; F4
 *
 * i.e. 2N+4 guest instructions, checks the exits (an OUT of 0x5a to port
 * 0x10, then HLT, ecx == 0) and prints the time from the first KVM_RUN to
 * the HLT.  On hardware virtualisation 10M instructions take a few
 * milliseconds; under instruction emulation, seconds.
 *
 *   kvmprobe [-n ITERATIONS] [-t TIMEOUT_SECONDS] [-d /dev/kvm]
 *
 * Output (one line): "kvmprobe: ok instructions=I seconds=S ns_per_insn=X"
 * Exit: 0 ok, 1 KVM failed or guest misbehaved, 2 no /dev/kvm,
 * 3 timeout (the guest did not finish in time: far too slow).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MEM_SIZE 0x10000
#define CODE_AT 0x1000
#define PORT 0x10
#define MAGIC 0x5a

static volatile sig_atomic_t timed_out;

static void on_alarm(int sig)
{
    (void)sig;
    timed_out = 1;
}

static int fail(const char *what)
{
    fprintf(stderr, "kvmprobe: %s: %s\n", what, strerror(errno));
    return 1;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    unsigned long iters = 5000000;
    unsigned timeout = 60;
    const char *dev = "/dev/kvm";
    int opt;

    while ((opt = getopt(argc, argv, "n:t:d:")) != -1) {
        switch (opt) {
        case 'n': iters = strtoul(optarg, NULL, 0); break;
        case 't': timeout = (unsigned)strtoul(optarg, NULL, 0); break;
        case 'd': dev = optarg; break;
        default:
            fprintf(stderr, "usage: kvmprobe [-n ITERATIONS] [-t SECONDS] [-d /dev/kvm]\n");
            return 1;
        }
    }
    if (iters == 0 || iters > 0xffffffffUL) {
        fprintf(stderr, "kvmprobe: -n must be 1..2^32-1\n");
        return 1;
    }

    int kvm = open(dev, O_RDWR | O_CLOEXEC);
    if (kvm < 0) {
        fprintf(stderr, "kvmprobe: open %s: %s\n", dev, strerror(errno));
        return 2;
    }
    int api = ioctl(kvm, KVM_GET_API_VERSION, 0);
    if (api != KVM_API_VERSION) {
        fprintf(stderr, "kvmprobe: KVM API version %d, want %d\n", api, KVM_API_VERSION);
        return 1;
    }
    int vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm < 0)
        return fail("KVM_CREATE_VM");
    /* Needed on Intel without unrestricted guest; harmless elsewhere. */
    (void)ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000UL);

    uint8_t *mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mem == MAP_FAILED)
        return fail("mmap guest memory");
    const uint8_t code[] = {
        0x66, 0xb9, (uint8_t)iters, (uint8_t)(iters >> 8),
        (uint8_t)(iters >> 16), (uint8_t)(iters >> 24), /* mov ecx, N */
        0x66, 0x49,                                     /* dec ecx */
        0x75, 0xfc,                                     /* jnz -4 */
        0xb0, MAGIC,                                    /* mov al, MAGIC */
        0xe6, PORT,                                     /* out PORT, al */
        0xf4,                                           /* hlt */
    };
    memcpy(mem + CODE_AT, code, sizeof(code));

    struct kvm_userspace_memory_region region = {
        .slot = 0,
        .guest_phys_addr = 0,
        .memory_size = MEM_SIZE,
        .userspace_addr = (uintptr_t)mem,
    };
    if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
        return fail("KVM_SET_USER_MEMORY_REGION");

    int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
    if (vcpu < 0)
        return fail("KVM_CREATE_VCPU");
    int run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (run_size <= 0)
        return fail("KVM_GET_VCPU_MMAP_SIZE");
    struct kvm_run *run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE,
                               MAP_SHARED, vcpu, 0);
    if (run == MAP_FAILED)
        return fail("mmap kvm_run");

    struct kvm_sregs sregs;
    if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
        return fail("KVM_GET_SREGS");
    sregs.cs.base = 0;
    sregs.cs.selector = 0;
    if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
        return fail("KVM_SET_SREGS");
    struct kvm_regs regs = { .rip = CODE_AT, .rflags = 0x2 };
    if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
        return fail("KVM_SET_REGS");

    struct sigaction sa = { .sa_handler = on_alarm }; /* no SA_RESTART */
    sigaction(SIGALRM, &sa, NULL);
    alarm(timeout);

    int saw_out = 0;
    double t0 = now(), t1;
    for (;;) {
        if (ioctl(vcpu, KVM_RUN, 0) < 0) {
            if (errno == EINTR && timed_out) {
                fprintf(stderr, "kvmprobe: guest did not finish within %u s\n", timeout);
                return 3;
            }
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return fail("KVM_RUN");
        }
        if (run->exit_reason == KVM_EXIT_IO && run->io.direction == KVM_EXIT_IO_OUT &&
            run->io.port == PORT && run->io.size == 1) {
            uint8_t v = *((uint8_t *)run + run->io.data_offset);
            if (v != MAGIC) {
                fprintf(stderr, "kvmprobe: guest wrote 0x%x, want 0x%x\n", v, MAGIC);
                return 1;
            }
            saw_out = 1;
            continue;
        }
        if (run->exit_reason == KVM_EXIT_HLT) {
            t1 = now();
            break;
        }
        fprintf(stderr, "kvmprobe: unexpected exit reason %u (hardware reason 0x%llx)\n",
                run->exit_reason,
                (unsigned long long)run->hw.hardware_exit_reason);
        return 1;
    }
    alarm(0);
    if (ioctl(vcpu, KVM_GET_REGS, &regs) < 0)
        return fail("KVM_GET_REGS");
    if (!saw_out || (regs.rcx & 0xffffffffu) != 0) {
        fprintf(stderr, "kvmprobe: guest misbehaved (out seen %d, ecx 0x%llx)\n",
                saw_out, (unsigned long long)regs.rcx);
        return 1;
    }
    unsigned long insns = 2 * iters + 4;
    double secs = t1 - t0;
    printf("kvmprobe: ok instructions=%lu seconds=%.4f ns_per_insn=%.2f\n",
           insns, secs, secs * 1e9 / (double)insns);
    return 0;
}
