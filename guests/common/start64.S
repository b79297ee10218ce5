/* Entry of the 64-bit conformance guests.
 *
 * The PVH loader enters _start32 in 32-bit protected mode, paging off,
 * EBX = paddr of struct hvm_start_info.  We build long mode with:
 *   - an identity map of the low 4 GiB (2 MiB pages, except the first
 *     2 MiB which use 4 KiB pages with page 0 not present, so NULL faults);
 *   - the first GiB again at GUEST_HIGH_BASE (0xffffffff80000000), so that
 *     hypercall pointers can be guest-virtual addresses != guest-physical;
 *   - a "window" at GUEST_WINDOW_BASE (0xffffffffc0000000): page 0 RW,
 *     page 1 not present, page 2 read-only (both map window_page), for
 *     buffers that cross into unmapped or read-only memory.
 * Everything else (e.g. 0x0000400000000000) is unmapped.
 *
 * The AP trampoline (ap_tramp_start..ap_tramp_end) is copied by the BSP to
 * GUEST_TRAMP_BASE below 640 KiB; it enters ap_start32 which reuses the
 * long-mode switch and calls ap_main(). */
#include "entry.h"

#define PTE_P   0x001
#define PTE_W   0x002
#define PTE_PS  0x080

	.section .text.boot, "ax"
	.code32
	.globl _start32
_start32:
	pvh_entry_prologue
	movl $start64, %edi
	jmp enter_long_mode

/* Common 32-bit -> 64-bit switch; EDI = 64-bit entry (below 4 GiB). */
enter_long_mode:
	movl %cr4, %eax
	orl $0x20, %eax                 /* PAE */
	movl %eax, %cr4
	movl $pml4, %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx          /* EFER */
	rdmsr
	orl $0x100, %eax                /* LME */
	wrmsr
	movl %cr0, %eax
	orl $0x80010001, %eax           /* PG | WP | PE */
	movl %eax, %cr0
	pushl $SEL_CODE64
	pushl %edi
	lret

	.code64
start64:
	movl $SEL_DATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movq $boot_stack_top, %rsp
	xorl %ebp, %ebp
	movl boot_start_info, %edi
	call guest_start
2:	cli
	hlt
	jmp 2b

	.code32
	.globl ap_start32
ap_start32:
	movl $SEL_DATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl $ap_stack_top, %esp        /* enter_long_mode uses the stack */
	movl %cr0, %eax
	andl $0x9fffffff, %eax          /* caches on: clear CD, NW (reset state) */
	movl %eax, %cr0
	movl $ap_start64, %edi
	jmp enter_long_mode

	.code64
ap_start64:
	movl $SEL_DATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movq $ap_stack_top, %rsp
	xorl %ebp, %ebp
	call ap_main
3:	cli
	hlt
	jmp 3b

/* Real-mode AP trampoline, copied to GUEST_TRAMP_BASE (SIPI vector
 * GUEST_TRAMP_BASE >> 12, so CS = GUEST_TRAMP_BASE >> 4, IP = 0). */
	.code16
	.globl ap_tramp_start, ap_tramp_end
ap_tramp_start:
	cli
	cld
	lgdtl %cs:(ap_tramp_gdt_desc - ap_tramp_start)
	movl %cr0, %eax
	orl $1, %eax
	movl %eax, %cr0
	ljmpl $SEL_CODE32, $ap_start32
	.balign 8
ap_tramp_gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt
ap_tramp_end:

/* Exception and interrupt entry: one 16-byte stub per vector 0..255; each
 * pushes a zero error code when the CPU does not, then the vector. */
	.code64
	.balign 16
	.globl trap_stubs
trap_stubs:
	.set vec, 0
	.rept 256
	.balign 16
	.if vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 || vec == 29 || vec == 30
	.else
	pushq $0
	.endif
	pushq $vec
	jmp trap_common
	.set vec, vec + 1
	.endr

trap_common:
	pushq %rax
	pushq %rcx
	pushq %rdx
	pushq %rbx
	pushq %rbp
	pushq %rsi
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, %rdi
	call trap_dispatch
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rdi
	popq %rsi
	popq %rbp
	popq %rbx
	popq %rdx
	popq %rcx
	popq %rax
	addq $16, %rsp
	iretq

	.section .data
	.balign 16
	.globl gdt
gdt:
	.quad 0
	.quad 0x00af9a000000ffff        /* SEL_CODE64 = 0x08 */
	.quad 0x00cf92000000ffff        /* SEL_DATA   = 0x10 */
	.quad 0x00cf9a000000ffff        /* SEL_CODE32 = 0x18 */
gdt_end:
	.balign 8
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt
	.long 0

	.globl boot_start_info
boot_start_info:
	.long 0

/* Page tables, built at link time. */
	.balign 4096
pml4:
	.quad pdpt_low + PTE_P + PTE_W
	.fill 510, 8, 0
	.quad pdpt_high + PTE_P + PTE_W
pdpt_low:
	.quad pd_ident + 0x0000 + PTE_P + PTE_W
	.quad pd_ident + 0x1000 + PTE_P + PTE_W
	.quad pd_ident + 0x2000 + PTE_P + PTE_W
	.quad pd_ident + 0x3000 + PTE_P + PTE_W
	.fill 508, 8, 0
pdpt_high:
	.fill 510, 8, 0
	.quad pd_ident + PTE_P + PTE_W          /* 0xffffffff80000000: first GiB */
	.quad pd_window + PTE_P + PTE_W         /* 0xffffffffc0000000: window */
pd_ident:
	.quad pt_first2m + PTE_P + PTE_W
	.set i, 1
	.rept 2047
	.quad (i << 21) + PTE_P + PTE_W + PTE_PS
	.set i, i + 1
	.endr
pt_first2m:
	.quad 0                                 /* page 0: not present */
	.set i, 1
	.rept 511
	.quad (i << 12) + PTE_P + PTE_W
	.set i, i + 1
	.endr
pd_window:
	.quad pt_window + PTE_P + PTE_W
	.fill 511, 8, 0
pt_window:
	.quad window_page + PTE_P + PTE_W       /* window + 0x0000: RW */
	.quad 0                                 /* window + 0x1000: unmapped */
	.quad window_page + PTE_P               /* window + 0x2000: read-only */
	.fill 509, 8, 0

	.section .bss.page_aligned, "aw", @nobits
	.balign 4096
	.globl window_page
window_page:
	.skip 4096
	.skip 16384
boot_stack_top:
	.skip 16384
	.globl ap_stack_top
ap_stack_top:
