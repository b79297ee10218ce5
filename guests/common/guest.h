/* The conformance guests' tiny runtime: output, checks, hypercalls,
 * start_info helpers.  Freestanding: no libc. */
#ifndef GUEST_H
#define GUEST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/xen.h>
#include <xen/arch-x86/hvm/start_info.h>
#include <xen/errno.h>
#include <xen/sched.h>
#include <xen/version.h>

#include <xeno/layout.h>

#include "layout.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PAGE_SIZE 4096UL
#define NORETURN __attribute__((noreturn))
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

struct trap_frame;

/* Every guest defines these. */
extern const char guest_name[];
void test_main(void);
/* Optional: runs after Xen detection, before the hypercall page exists. */
void guest_early(void);
/* Optional (64-bit guests): where an AP started by INIT-SIPI-SIPI runs. */
void ap_main(void);
void guest_start(uint32_t start_info_paddr);
void trap_dispatch(struct trap_frame *f);

/* --- library (lib.c) --- */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strncmp(const char *a, const char *b, size_t n);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) PRINTF_LIKE(3, 4);

/* --- output and verdicts (report.c) --- */
void uart_write(const char *s, size_t n);
void print(const char *fmt, ...) PRINTF_LIKE(1, 2);
void pass(const char *check);
void fail(const char *check, const char *fmt, ...) PRINTF_LIKE(2, 3);
void warn(const char *check, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* pass() if cond, else fail() with the detail. */
void check(int cond, const char *check, const char *fmt, ...) PRINTF_LIKE(3, 4);
/* A hypercall result against the exact value Xen returns. */
void check_rc(const char *check, long got, long expected);
/* Powers off if every check passed, else SHUTDOWN_crash. */
NORETURN void finish(void);
/* Ends the guest with the given SHUTDOWN_* reason. */
NORETURN void shutdown(unsigned int reason);
int failures(void);

/* --- Xen (xen.c) --- */
extern uint32_t xen_cpuid_base;
extern uint8_t hypercall_page[4096];
extern int hypercall_ready;
int xen_detect(void);             /* CPUID scan; 0 or -1 */
void xen_setup_hypercall_page(void);
long hypercall(unsigned int op, unsigned long a1, unsigned long a2,
               unsigned long a3, unsigned long a4, unsigned long a5);
#define HC0(op)             hypercall(op, 0, 0, 0, 0, 0)
#define HC1(op, a)          hypercall(op, (unsigned long)(a), 0, 0, 0, 0)
#define HC2(op, a, b)       hypercall(op, (unsigned long)(a), (unsigned long)(b), 0, 0, 0)
#define HC3(op, a, b, c)    hypercall(op, (unsigned long)(a), (unsigned long)(b), \
                                      (unsigned long)(c), 0, 0)

long xen_version(int cmd, void *arg);
long console_io(int cmd, unsigned int count, const void *buf);
long memory_op(unsigned int cmd, void *arg);
long event_channel_op(int cmd, void *arg);
long grant_table_op(unsigned int cmd, void *arg, unsigned int count);
long sched_op(int cmd, void *arg);
long vcpu_op(int cmd, unsigned int vcpu, void *arg);
long hvm_op(unsigned int op, void *arg);
long hvm_get_param(unsigned int index, uint64_t *value);
long hvm_set_param(unsigned int index, uint64_t value);

/* A pointer as a hypercall argument: in 64-bit guests the alias in the
 * high mapping (guest-virtual != guest-physical), else the pointer. */
void *gva(const void *p);
/* Guest-physical address of a low (identity-mapped) pointer. */
static inline uint64_t gpa(const void *p) { return (uint64_t)(uintptr_t)p; }

/* --- machine --- */
static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ volatile("cpuid"
	                 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
	                 : "a"(leaf), "c"(sub));
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" :: "c"(msr), "a"((uint32_t)v),
	                 "d"((uint32_t)(v >> 32)) : "memory");
}
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}
static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline void cpu_relax(void) { __asm__ volatile("pause" ::: "memory"); }
static inline void barrier(void) { __asm__ volatile("" ::: "memory"); }
static inline void mb(void) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
static inline uint32_t mmio_read32(uintptr_t a) { return *(volatile uint32_t *)a; }
static inline void mmio_write32(uintptr_t a, uint32_t v) { *(volatile uint32_t *)a = v; }

/* --- boot information (start.c) --- */
extern struct hvm_start_info *start_info;
const char *cmdline(void);
/* "key=value" from the command line into buf; 0 if present, else -1. */
int cmdline_get(const char *key, char *buf, size_t size);
unsigned long cmdline_ulong(const char *key, unsigned long dflt);
/* One past the highest RAM byte in the memory map. */
uint64_t ram_end(void);
/* Whether [addr, addr+len) is RAM in the memory map. */
int is_ram(uint64_t addr, uint64_t len);

/* --- traps (64-bit guests only, traps.c) --- */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rdi, rsi, rbp, rbx, rdx, rcx, rax;
	uint64_t vector, error, rip, cs, rflags, rsp, ss;
};
typedef void (*irq_handler_t)(struct trap_frame *f);
void traps_init(void);
void traps_load(void);            /* lidt on this CPU */
void set_irq_handler(unsigned int vector, irq_handler_t h);
/* Spins (at most the given TSC cycles, and a bounded number of
 * iterations) until *counter >= target / *flag != 0; returns whether. */
int wait_ge(volatile int *counter, int target, unsigned long cycles);
int wait_for(volatile int *flag, unsigned long cycles);

/* Local APIC (xAPIC MMIO, identity-mapped). */
#define LAPIC_ID    0x020
#define LAPIC_EOI   0x0b0
#define LAPIC_SVR   0x0f0
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
uint32_t lapic_read(uint32_t reg);
void lapic_write(uint32_t reg, uint32_t v);
void lapic_enable(void);
/* Spins for the given TSC cycles. */
void delay(uint64_t cycles);
/* INIT-SIPI-SIPI to apic_id through the trampoline at GUEST_TRAMP_BASE
 * (the AP runs ap_main()); waits until it sets *alive.  0 or -1. */
int ap_start(uint32_t apic_id, volatile int *alive, unsigned long cycles);
static inline void irq_enable(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void irq_disable(void) { __asm__ volatile("cli" ::: "memory"); }

#endif
