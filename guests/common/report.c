/* Output and verdicts.  Lines go to the Xen console (console_io write,
 * with a guest-virtual buffer) once the hypercall page is set up, and to
 * the 8250 UART before that or if console_io fails. */
#include "guest.h"

#include <xen/sched.h>

#define UART_THR 0
#define UART_LSR 5
#define UART_LSR_THRE 0x20

static int n_pass, n_fail;
static int console_io_broken;

void uart_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		/* Bounded wait: an absent UART must not hang the guest. */
		for (int spin = 0; spin < 100000; spin++)
			if (inb(XENO_UART_PORT + UART_LSR) & UART_LSR_THRE)
				break;
		outb(XENO_UART_PORT + UART_THR, (uint8_t)s[i]);
	}
}

static void con_write(const char *s, size_t n)
{
	if (hypercall_ready && !console_io_broken) {
		long rc = console_io(CONSOLEIO_write, (unsigned int)n, gva(s));
		if (rc >= 0)
			return;
		console_io_broken = 1;
		char msg[96];
		int m = snprintf(msg, sizeof(msg),
		                 "WARN console_io: write returned %ld, using the UART\n", rc);
		uart_write(msg, (size_t)m);
	}
	uart_write(s, n);
}

static void vprint(const char *prefix, const char *check, const char *fmt, va_list ap)
{
	char line[512];
	size_t n = 0;

	if (prefix)
		n = (size_t)snprintf(line, sizeof(line), "%s %s%s", prefix, check,
		                     fmt ? ": " : "");
	if (fmt && n < sizeof(line))
		n += (size_t)vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	con_write(line, n);
}

void print(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 1)
		n = sizeof(line) - 1;
	con_write(line, (size_t)n);
}

void pass(const char *check)
{
	n_pass++;
	vprint("PASS", check, NULL, NULL);
}

void fail(const char *check, const char *fmt, ...)
{
	va_list ap;

	n_fail++;
	va_start(ap, fmt);
	vprint("FAIL", check, fmt, ap);
	va_end(ap);
}

void warn(const char *check, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprint("WARN", check, fmt, ap);
	va_end(ap);
}

void check(int cond, const char *check, const char *fmt, ...)
{
	va_list ap;

	if (cond) {
		pass(check);
		return;
	}
	n_fail++;
	va_start(ap, fmt);
	vprint("FAIL", check, fmt, ap);
	va_end(ap);
}

void check_rc(const char *name, long got, long expected)
{
	check(got == expected, name, "got %ld, expected %ld", got, expected);
}

int failures(void)
{
	return n_fail;
}

/* If SCHEDOP_shutdown returns, force an exit the VMM cannot miss. */
static NORETURN void triple_fault(void)
{
	static const struct { uint16_t limit; uintptr_t base; } __attribute__((packed))
		null_idt = { 0, 0 };

	__asm__ volatile("lidt %0; int3" :: "m"(null_idt));
	for (;;)
		__asm__ volatile("cli; hlt");
}

void shutdown(unsigned int reason)
{
	struct sched_shutdown s = { .reason = reason };
	long rc = sched_op(SCHEDOP_shutdown, gva(&s));

	n_fail++;
	print("FAIL shutdown: SCHEDOP_shutdown(%u) returned %ld\n", reason, rc);
	triple_fault();
}

void finish(void)
{
	print("DONE %s: %d passed, %d failed\n", guest_name, n_pass, n_fail);
	shutdown(n_fail || !n_pass ? SHUTDOWN_crash : SHUTDOWN_poweroff);
}
