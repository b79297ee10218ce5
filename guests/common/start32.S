/* Entry of the 32-bit conformance guests: they stay in flat 32-bit
 * protected mode with paging off, so every pointer is a guest-physical
 * address and hypercalls use the 32-bit convention (EBX ECX EDX ESI EDI). */
#include "entry.h"

	.section .text.boot, "ax"
	.code32
	.globl _start32
_start32:
	pvh_entry_prologue
	xorl %ebp, %ebp
	pushl boot_start_info
	call guest_start
2:	cli
	hlt
	jmp 2b

	.section .data
	.balign 16
gdt:
	.quad 0
	.quad 0                         /* no 64-bit code segment here */
	.quad 0x00cf92000000ffff        /* SEL_DATA   = 0x10 */
	.quad 0x00cf9a000000ffff        /* SEL_CODE32 = 0x18 */
gdt_end:
	.balign 8
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt

	.globl boot_start_info
boot_start_info:
	.long 0

	.section .bss.page_aligned, "aw", @nobits
	.balign 4096
	.skip 16384
boot_stack_top:
