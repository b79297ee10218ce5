/* Assembly shared by start32.S and start64.S. */
#ifndef GUEST_ENTRY_H
#define GUEST_ENTRY_H

#include "layout.h"

/* PVH entry (32-bit protected mode, paging off, EBX = start_info paddr):
 * keep EBX, load our GDT, reload every segment, take the boot stack. */
.macro pvh_entry_prologue
	cli
	cld
	movl %ebx, boot_start_info
	lgdtl gdt_desc
	ljmpl $SEL_CODE32, $1f
1:	movl $SEL_DATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %eax, %fs
	movl %eax, %gs
	movl $boot_stack_top, %esp
.endm

#endif
