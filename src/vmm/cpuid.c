/* CPUID: the host's supported leaves with KVM's own hypervisor leaves
 * replaced by Xen's, the hypervisor bit set, the APIC id per vCPU and the
 * TSC frequency exposed. */
#include "vmm/vm.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <xen/arch-x86/cpuid.h>

#define MAX_ENTRIES 256
#define XEN_ABI_VERSION ((4u << 16) | 17u)

static void put(struct kvm_cpuid2 *c, uint32_t fn, uint32_t idx, uint32_t eax,
                uint32_t ebx, uint32_t ecx, uint32_t edx)
{
    if (c->nent >= MAX_ENTRIES)
        return;
    c->entries[c->nent++] = (struct kvm_cpuid_entry2){
        .function = fn, .index = idx, .eax = eax, .ebx = ebx, .ecx = ecx, .edx = edx,
        .flags = fn == XEN_CPUID_LEAF(3) || fn == XEN_CPUID_LEAF(4)
                     ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0,
    };
}

static void add_xen_leaves(struct kvm_cpuid2 *c, unsigned vcpu, uint32_t tsc_khz,
                           unsigned domid)
{
    put(c, XEN_CPUID_LEAF(0), 0, XEN_CPUID_LEAF(4), XEN_CPUID_SIGNATURE_EBX,
        XEN_CPUID_SIGNATURE_ECX, XEN_CPUID_SIGNATURE_EDX);
    put(c, XEN_CPUID_LEAF(1), 0, XEN_ABI_VERSION, 0, 0, 0);
    put(c, XEN_CPUID_LEAF(2), 0, 1, XENO_HCALL_MSR, 0, 0);
    /* Time leaf: sub-leaf 0 ECX = guest TSC kHz, sub-leaf 2 EAX = host kHz. */
    put(c, XEN_CPUID_LEAF(3), 0, 0, 0, tsc_khz, 0);
    put(c, XEN_CPUID_LEAF(3), 1, 0, 0, 0, 0);
    put(c, XEN_CPUID_LEAF(3), 2, tsc_khz, 0, 0, 0);
    put(c, XEN_CPUID_LEAF(4), 0,
        XEN_HVM_CPUID_VCPU_ID_PRESENT | XEN_HVM_CPUID_DOMID_PRESENT |
            XEN_HVM_CPUID_UPCALL_VECTOR,
        vcpu, domid, 0);
}

static bool is_intel(const struct kvm_cpuid2 *c)
{
    for (unsigned i = 0; i < c->nent; i++)
        if (c->entries[i].function == 0)
            return c->entries[i].ebx == 0x756e6547; /* "Genu" */
    return false;
}

static void adjust(struct kvm_cpuid2 *c, unsigned vcpu, uint32_t tsc_khz,
                   bool tsc_deadline)
{
    bool intel = is_intel(c);
    bool have15 = false;

    for (unsigned i = 0; i < c->nent; i++) {
        struct kvm_cpuid_entry2 *e = &c->entries[i];
        switch (e->function) {
        case 0:
            if (intel && e->eax < 0x15)
                e->eax = 0x15;
            break;
        case 1:
            e->ecx |= 1u << 31; /* hypervisor present */
            e->ebx = (e->ebx & 0x00ffffff) | (vcpu << 24);
            /* The in-kernel LAPIC's TSC-deadline timer: no PIT needed. */
            if (tsc_deadline)
                e->ecx |= 1u << 24;
            break;
        case 6:
            e->eax |= 1u << 2; /* ARAT: the LAPIC timer runs in deep C-states */
            break;
        case 0xb:
        case 0x1f:
            e->edx = vcpu;
            break;
        case 0x15:
            have15 = true;
            /* 1 GHz crystal (KVM's APIC timer rate), ratio = TSC/crystal. */
            e->eax = 1000000;
            e->ebx = tsc_khz;
            e->ecx = 1000000000;
            break;
        }
    }
    if (intel && !have15)
        put(c, 0x15, 0, 1000000, tsc_khz, 1000000000, 0);
}

/* What KVM supports, asked once per VM: it is the same for every vCPU. */
static const struct kvm_cpuid2 *supported(struct vm *vm)
{
    struct kvm_cpuid2 *c;

    if (vm->host_cpuid)
        return vm->host_cpuid;
    c = calloc(1, sizeof(*c) + MAX_ENTRIES * sizeof(c->entries[0]));
    if (!c)
        return NULL;
    c->nent = MAX_ENTRIES;
    if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) < 0) {
        free(c);
        return NULL;
    }
    vm->host_cpuid = c;
    return c;
}

bool cpuid_host_is_intel(struct vm *vm)
{
    const struct kvm_cpuid2 *host = supported(vm);
    return host && is_intel(host);
}

int cpuid_setup(struct vm *vm, struct vcpu *v)
{
    const struct kvm_cpuid2 *host = supported(vm);
    struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + MAX_ENTRIES * sizeof(c->entries[0]));
    int rc;
    long khz;

    if (!host || !c) {
        free(c);
        return host ? -ENOMEM : -EIO;
    }
    for (unsigned i = 0; i < host->nent; i++) {
        uint32_t fn = host->entries[i].function;
        if (fn >= 0x40000000 && fn <= 0x4fffffff)
            continue; /* hide KVM's leaves: the higher base would win */
        c->entries[c->nent++] = host->entries[i];
    }
    khz = ioctl(v->fd, KVM_GET_TSC_KHZ, 0);
    if (khz <= 0)
        khz = 0;
    adjust(c, v->id, (uint32_t)khz,
           ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER) > 0);
    add_xen_leaves(c, v->id, (uint32_t)khz, vm->cfg.domid);
    rc = ioctl(v->fd, KVM_SET_CPUID2, c) < 0 ? -errno : 0;
    free(c);
    return rc;
}
