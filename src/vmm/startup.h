/* Start-up trace: with XENO_STARTUP_TRACE set, xeno-vmm records the
 * CLOCK_MONOTONIC time at which each start-up phase ends and prints them to
 * stderr, one "startup-trace <phase> <ns>" line each, so a benchmark can lay
 * them on the same clock as its own exec and wait (bench/vmm/startup.sh).
 *   XENO_STARTUP_TRACE=1      trace, run the guest as usual;
 *   XENO_STARTUP_TRACE=entry  trace and end the VMM (status 0) at the
 *                             guest's entry point, before any vCPU runs:
 *                             the exec -> first guest instruction cost of
 *                             a kernel that cannot run on this host. */
#ifndef XENO_VMM_STARTUP_H
#define XENO_VMM_STARTUP_H

#include <stdbool.h>

void startup_trace_init(void);
void startup_mark(const char *phase);   /* phase: a string literal */
void startup_trace_flush(void);
bool startup_stop_at_entry(void);

#endif
