/* kvm-order: time KVM set-up ioctls issued in a given order, to see which
 * orders make an ioctl wait for an SRCU grace period (docs/benchmarks.md,
 * start-up).  Each letter of SEQUENCE is one step:
 *   V KVM_CREATE_VM        T KVM_SET_TSS_ADDR      I KVM_CREATE_IRQCHIP
 *   P KVM_CREATE_PIT2      F KVM_ENABLE_CAP(USER_SPACE_MSR) + KVM_X86_SET_MSR_FILTER
 *   M KVM_SET_USER_MEMORY_REGION (a new 16 MiB slot)
 *   C KVM_CREATE_VCPU      R KVM_REINJECT_CONTROL (PIT reinject off)
 *   S sleep 1 ms
 * and prints "step ms" for each, then the total.  The VM's teardown happens
 * at exit: time it from outside (exectime).
 *
 *   kvm-order SEQUENCE       e.g.  kvm-order VTIPF   (xeno-vmm before)
 *                                  kvm-order VFMIPC  (xeno-vmm now) */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define SLOT_SIZE (16u << 20)

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int msr_filter(int vm)
{
    static uint8_t deny[1];
    struct kvm_enable_cap cap = { .cap = KVM_CAP_X86_USER_SPACE_MSR,
                                  .args[0] = KVM_MSR_EXIT_REASON_FILTER };
    struct kvm_msr_filter f = {
        .flags = KVM_MSR_FILTER_DEFAULT_ALLOW,
        .ranges[0] = { .flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
                       .nmsrs = 1, .base = 0x40000000, .bitmap = deny },
    };
    if (ioctl(vm, KVM_ENABLE_CAP, &cap) < 0)
        return -1;
    return ioctl(vm, KVM_X86_SET_MSR_FILTER, &f);
}

static int add_slot(int vm, unsigned slot)
{
    void *m = mmap(NULL, SLOT_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    struct kvm_userspace_memory_region r = {
        .slot = slot, .guest_phys_addr = (uint64_t)slot << 28, .memory_size = SLOT_SIZE,
        .userspace_addr = (uint64_t)(uintptr_t)m,
    };
    return m == MAP_FAILED ? -1 : ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r);
}

static int step(char c, int kvm, int *vm, unsigned *slots, unsigned *vcpus)
{
    struct kvm_pit_config pit = { .flags = 0 };
    struct kvm_reinject_control rc = { .pit_reinject = 0 };

    switch (c) {
    case 'V': return (*vm = ioctl(kvm, KVM_CREATE_VM, 0));
    case 'T': return ioctl(*vm, KVM_SET_TSS_ADDR, 0xfffbd000ul);
    case 'I': return ioctl(*vm, KVM_CREATE_IRQCHIP, 0);
    case 'P': return ioctl(*vm, KVM_CREATE_PIT2, &pit);
    case 'F': return msr_filter(*vm);
    case 'M': return add_slot(*vm, (*slots)++);
    case 'C': return ioctl(*vm, KVM_CREATE_VCPU, (unsigned long)(*vcpus)++);
    case 'R': return ioctl(*vm, KVM_REINJECT_CONTROL, &rc);
    case 'S': return usleep(1000);
    default: errno = EINVAL; return -1;
    }
}

int main(int argc, char **argv)
{
    unsigned slots = 0, vcpus = 0;
    int kvm, vm = -1;

    if (argc != 2 || argv[1][0] != 'V') {
        fprintf(stderr, "usage: kvm-order SEQUENCE (starting with V; see the source)\n");
        return 2;
    }
    kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (kvm < 0) {
        perror("/dev/kvm");
        return 1;
    }
    double t0 = now_ms();
    for (const char *p = argv[1]; *p; p++) {
        double t = now_ms();
        if (step(*p, kvm, &vm, &slots, &vcpus) < 0) {
            fprintf(stderr, "step %c: %s\n", *p, strerror(errno));
            return 1;
        }
        printf("%c %.3f  ", *p, now_ms() - t);
    }
    printf("total %.3f ms\n", now_ms() - t0);
    return 0;
}
