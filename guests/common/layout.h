/* Guest-side layout constants shared by assembly and C. */
#ifndef GUEST_LAYOUT_H
#define GUEST_LAYOUT_H

#define SEL_CODE64 0x08
#define SEL_DATA   0x10
#define SEL_CODE32 0x18

/* The first GiB of guest-physical memory, mapped again up high. */
#define GUEST_HIGH_BASE   0xffffffff80000000
/* RW page, unmapped page, read-only page (see start64.S). */
#define GUEST_WINDOW_BASE 0xffffffffc0000000
/* Real-mode AP trampoline: below 640 KiB, outside the boot info area
 * (0x1000-0x9000, xeno/layout.h). */
#define GUEST_TRAMP_BASE  0x10000

#endif
