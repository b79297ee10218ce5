/* KVM mechanics: the VM, its interrupt controller, guest memory slots and
 * upcall injection. */
#include "vmm/vm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "common/log.h"
#include "vmm/startup.h"
#include "xeno/layout.h"

#define KVM_TSS_ADDR 0xfffbd000ull
#define KVM_IDMAP_ADDR 0xfffbc000ull

/* Order matters for start-up time (docs/benchmarks.md, start-up).  Since
 * Linux 6.17 every in-kernel device KVM_CREATE_IRQCHIP and KVM_CREATE_PIT2
 * put on an I/O bus frees the bus it replaced with call_srcu(), which asks
 * for a normal (not expedited) SRCU grace period on kvm->srcu: 3-4 jiffies.
 * Every later synchronisation on kvm->srcu waits for it, and the MSR
 * filter's synchronize_srcu() then costs those 13-16 ms (HZ=250) instead of
 * ~0.05 ms.  So the filter is set first, right after KVM_CREATE_VM, while
 * the VM's SRCU is idle; the memory slots (synchronize_srcu_expedited)
 * come next; the irqchip and PIT last (kvm_create_irqchip). */
int kvm_open_vm(struct vm *vm, char *err, size_t errlen)
{
    vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
    if (vm->kvm_fd < 0) {
        int e = errno;
        snprintf(err, errlen, "/dev/kvm: %s (%s)", strerror(e),
                 e == ENOENT ? "no KVM on this host: load kvm_intel or kvm_amd"
                 : e == EACCES ? "no permission: run as root or join group kvm"
                               : "cannot use KVM");
        return -e;
    }
    if (ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
        snprintf(err, errlen, "/dev/kvm: unsupported KVM API version");
        return -ENOTSUP;
    }
    vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
    if (vm->vm_fd < 0) {
        snprintf(err, errlen, "KVM_CREATE_VM: %s", strerror(errno));
        return -errno;
    }
    startup_mark("create-vm");
    if (hcall_setup_kvm_xen(vm)) {
        snprintf(err, errlen, "KVM_XEN_HVM_CONFIG: %s", strerror(errno));
        return -errno;
    }
    if (msr_filter_setup(vm)) {
        snprintf(err, errlen, "KVM MSR filter unavailable (need "
                 "KVM_CAP_X86_USER_SPACE_MSR): %s", strerror(errno));
        return -ENOTSUP;
    }
    startup_mark("msr-filter");
    return 0;
}

int kvm_create_irqchip(struct vm *vm, char *err, size_t errlen)
{
    struct kvm_pit_config pit = { .flags = 0 };

    /* TSS and identity map matter on Intel only; harmless elsewhere. */
    ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)KVM_TSS_ADDR);
    uint64_t idmap = KVM_IDMAP_ADDR;
    ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap);
    if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0) {
        snprintf(err, errlen, "KVM_CREATE_IRQCHIP: %s", strerror(errno));
        return -errno;
    }
    /* The in-kernel PIT lets AMD-vendor Linux calibrate its TSC. */
    if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) < 0) {
        snprintf(err, errlen, "KVM_CREATE_PIT2: %s", strerror(errno));
        return -errno;
    }
    startup_mark("irqchip");
    return 0;
}

static int set_slot(struct vm *vm, unsigned slot, uint64_t gpa, uint64_t size,
                    void *host)
{
    struct kvm_userspace_memory_region r = {
        .slot = slot, .guest_phys_addr = gpa, .memory_size = size,
        .userspace_addr = (uint64_t)(uintptr_t)host,
    };
    return ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0 ? -errno : 0;
}

int kvm_setup_memory(struct vm *vm, char *err, size_t errlen)
{
    uint64_t ram = vm->cfg.maxmem_mib << 20; /* a pre-ballooned guest: all of maxmem */
    uint64_t special = XENO_SPECIAL_PAGES * XENO_PAGE_SIZE;
    int rc;

    vm->low_size = ram < XENO_LOW_RAM_MAX ? ram : XENO_LOW_RAM_MAX;
    vm->high_size = ram - vm->low_size;
    vm->mem_size = ram + special;
    vm->mem_fd = memfd_create("xeno-guest-ram", MFD_CLOEXEC);
    if (vm->mem_fd < 0 || ftruncate(vm->mem_fd, (off_t)vm->mem_size) < 0) {
        snprintf(err, errlen, "guest memory (%llu MiB): %s",
                 (unsigned long long)vm->cfg.memory_mib, strerror(errno));
        return -errno;
    }
    vm->mem = mmap(NULL, vm->mem_size, PROT_READ | PROT_WRITE, MAP_SHARED,
                   vm->mem_fd, 0);
    if (vm->mem == MAP_FAILED) {
        snprintf(err, errlen, "mmap guest memory: %s", strerror(errno));
        return -errno;
    }
    vm->special = vm->mem + ram;
    rc = set_slot(vm, 0, 0, vm->low_size, vm->mem);
    if (!rc && vm->high_size)
        rc = set_slot(vm, 1, XENO_HIGH_RAM_BASE, vm->high_size, vm->mem + vm->low_size);
    if (!rc)
        rc = set_slot(vm, 2, XENO_SPECIAL_BASE, special, vm->special);
    if (rc) {
        snprintf(err, errlen, "KVM_SET_USER_MEMORY_REGION: %s", strerror(-rc));
        return rc;
    }
    vm->next_slot = 3;
    hv_add_region(&vm->dom, 0, vm->low_size, vm->mem, true);
    if (vm->high_size)
        hv_add_region(&vm->dom, XENO_HIGH_RAM_BASE, vm->high_size,
                      vm->mem + vm->low_size, true);
    hv_add_region(&vm->dom, XENO_SPECIAL_BASE, special, vm->special, false);
    /* RAM is the start of the memfd mapping, low then high. */
    rc = hv_balloon_init(&vm->dom, vm->mem, ram / XENO_PAGE_SIZE, ram / XENO_PAGE_SIZE);
    if (rc)
        snprintf(err, errlen, "balloon state: %s", strerror(-rc));
    return rc;
}

/* A frame the guest placed outside RAM (grant table, shared_info): one
 * slot per gpa, replaced when the guest moves something else there. */
int kvm_map_frame(struct vm *vm, uint64_t gpa, void *host, uint64_t len)
{
    unsigned slot = 0;
    bool replaced = false;
    int rc;

    pthread_mutex_lock(&vm->slot_lock);
    for (unsigned i = 0; i < vm->nr_frame_slots; i++)
        if (vm->frame_slot[i].gpa == gpa) {
            slot = vm->frame_slot[i].slot;
            set_slot(vm, slot, gpa, 0, NULL);
            replaced = true;
        }
    if (!slot) {
        if (vm->nr_frame_slots >= VM_MAX_SLOTS) {
            pthread_mutex_unlock(&vm->slot_lock);
            return -ENOSPC;
        }
        slot = vm->next_slot++;
        vm->frame_slot[vm->nr_frame_slots].gpa = gpa;
        vm->frame_slot[vm->nr_frame_slots++].slot = slot;
    }
    rc = set_slot(vm, slot, gpa, len, host);
    pthread_mutex_unlock(&vm->slot_lock);
    /* Runtime memslot changes are rare and matter to the host kernel
     * (a replaced slot makes KVM zap its mappings): say each one. */
    log_info("kvm: memslot %u %s for a frame at gpa %#llx (%s)", slot,
             replaced ? "replaced" : "added", (unsigned long long)gpa,
             rc ? strerror(-rc) : "ok");
    return rc;
}

int kvm_signal_upcall(struct vm *vm, unsigned vcpu, uint8_t vector)
{
    struct kvm_msi msi = {
        .address_lo = (uint32_t)XENO_LAPIC_BASE | (vm->dom.vcpu[vcpu].apic_id << 12),
        .data = vector | (1u << 14), /* fixed, edge, assert */
    };
    return ioctl(vm->vm_fd, KVM_SIGNAL_MSI, &msi) < 0 ? -errno : 0;
}
