/* The smallest PVH guest: entered in 32-bit protected mode, it asks to be
 * switched off and halts.  Both VMMs end it from the same first I/O:
 *   - QEMU: isa-debug-exit at 0xf4 (exit status 1);
 *   - xeno: port 0xf4 is unassigned (ignored), then the FADT sleep
 *     control register at 0x600 with SLP_TYP=5|SLP_EN is power-off. */
#include <xen/elfnote.h>

    .section .note.Xen, "a"
    .align 4
    .long 4, 4, XEN_ELFNOTE_PHYS32_ENTRY
    .asciz "Xen"
    .long pvh_start

    .text
    .code32
    .globl pvh_start
pvh_start:
    movw $0xf4, %dx
    xorb %al, %al
    outb %al, %dx
    movw $0x600, %dx
    movb $0x34, %al
    outb %al, %dx
1:  hlt
    jmp 1b
