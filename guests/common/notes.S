/* Xen ELF notes of a conformance guest: what a PVH loader reads.  No
 * XEN_ELFNOTE_HYPERCALL_PAGE: the guests find the hypercall page through
 * CPUID and the MSR, as an HVM guest on real Xen does. */
#include <xen/elfnote.h>

#define XEN_NOTE(type, body)          \
	.pushsection .note.Xen, "a", @note; \
	.balign 4;                        \
	.long 4;                          \
	.long 8f - 7f;                    \
	.long type;                       \
	.asciz "Xen";                     \
	.balign 4;                        \
7:	body;                             \
8:	.balign 4;                        \
	.popsection

XEN_NOTE(XEN_ELFNOTE_GUEST_OS, .asciz "xeno-test")
XEN_NOTE(XEN_ELFNOTE_XEN_VERSION, .asciz "xen-3.0")
XEN_NOTE(XEN_ELFNOTE_LOADER, .asciz "generic")
/* Linux writes the entry as a pointer-sized value; 32-bit kernels as 4
 * bytes.  Xen's libelf accepts both; so do we, per image class. */
#ifdef __x86_64__
XEN_NOTE(XEN_ELFNOTE_PHYS32_ENTRY, .quad _start32)
#else
XEN_NOTE(XEN_ELFNOTE_PHYS32_ENTRY, .long _start32)
#endif
