/* Finding Xen and calling it: CPUID signature scan, hypercall page MSR,
 * and the two calling conventions of the hypercall page. */
#include "guest.h"

#include <xen/event_channel.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>

uint32_t xen_cpuid_base;
int hypercall_ready;
uint8_t hypercall_page[4096] __attribute__((aligned(4096), section(".bss.page_aligned")));

int xen_detect(void)
{
	for (uint32_t base = 0x40000000; base < 0x40010000; base += 0x100) {
		uint32_t r[4];
		cpuid(base, 0, r);
		/* "XenVMMXenVMM" in EBX ECX EDX, and at least leaves base..base+2. */
		if (r[1] == 0x566e6558 && r[2] == 0x65584d4d && r[3] == 0x4d4d566e &&
		    r[0] - base >= 2) {
			xen_cpuid_base = base;
			return 0;
		}
	}
	return -1;
}

void xen_setup_hypercall_page(void)
{
	uint32_t r[4];

	cpuid(xen_cpuid_base + 2, 0, r);
	wrmsr(r[1], gpa(hypercall_page));
	hypercall_ready = 1;
}

long hypercall(unsigned int op, unsigned long a1, unsigned long a2,
               unsigned long a3, unsigned long a4, unsigned long a5)
{
	uintptr_t entry = (uintptr_t)hypercall_page + op * 32;
#ifdef __x86_64__
	register unsigned long rax __asm__("rax") = op;
	register unsigned long rdi __asm__("rdi") = a1;
	register unsigned long rsi __asm__("rsi") = a2;
	register unsigned long rdx __asm__("rdx") = a3;
	register unsigned long r10 __asm__("r10") = a4;
	register unsigned long r8 __asm__("r8") = a5;

	/* Argument registers are in/out: Xen may clobber them. */
	__asm__ volatile("call *%[entry]"
	                 : "+r"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10), "+r"(r8)
	                 : [entry] "rm"(entry)
	                 : "memory", "cc", "rcx", "r11");
	return (long)rax;
#else
	unsigned long eax = op, ebx = a1, ecx = a2, edx = a3, esi = a4, edi = a5;

	__asm__ volatile("call *%[entry]"
	                 : "+a"(eax), "+b"(ebx), "+c"(ecx), "+d"(edx), "+S"(esi), "+D"(edi)
	                 : [entry] "m"(entry)
	                 : "memory", "cc");
	return (long)eax;
#endif
}

void *gva(const void *p)
{
#ifdef __x86_64__
	uintptr_t a = (uintptr_t)p;
	if (a < (1UL << 30))
		return (void *)(a + GUEST_HIGH_BASE);
#endif
	return (void *)p;
}

long xen_version(int cmd, void *arg)
{
	return HC2(__HYPERVISOR_xen_version, cmd, arg);
}

long console_io(int cmd, unsigned int count, const void *buf)
{
	return HC3(__HYPERVISOR_console_io, cmd, count, buf);
}

long memory_op(unsigned int cmd, void *arg)
{
	return HC2(__HYPERVISOR_memory_op, cmd, arg);
}

long event_channel_op(int cmd, void *arg)
{
	return HC2(__HYPERVISOR_event_channel_op, cmd, arg);
}

long grant_table_op(unsigned int cmd, void *arg, unsigned int count)
{
	return HC3(__HYPERVISOR_grant_table_op, cmd, arg, count);
}

long sched_op(int cmd, void *arg)
{
	return HC2(__HYPERVISOR_sched_op, cmd, arg);
}

long vcpu_op(int cmd, unsigned int vcpu, void *arg)
{
	return HC3(__HYPERVISOR_vcpu_op, cmd, vcpu, arg);
}

long hvm_op(unsigned int op, void *arg)
{
	return HC2(__HYPERVISOR_hvm_op, op, arg);
}

long hvm_get_param(unsigned int index, uint64_t *value)
{
	struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index };
	long rc = hvm_op(HVMOP_get_param, gva(&p));

	*value = p.value;
	return rc;
}

long hvm_set_param(unsigned int index, uint64_t value)
{
	struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index, .value = value };

	return hvm_op(HVMOP_set_param, gva(&p));
}
