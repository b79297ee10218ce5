/* Xen's credit-scheduler shares as cgroup v2 cpu controller values.  Pure.
 *   weight: Xen 1-65535 (default 256) -> cpu.weight 1-10000 (default 100).
 *     Only ratios between the domains' groups matter (they are siblings
 *     under xend's directory), so the weight is kept as it is, which keeps
 *     every ratio exact up to 10000; above that it stays at 10000.
 *   cap: % of one host CPU, 0 = none -> cpu.max "C*1000 100000" or "max 100000". */
#ifndef XENO_TOOLSTACK_CPUSHARE_H
#define XENO_TOOLSTACK_CPUSHARE_H

#include <stddef.h>

#define CPUSHARE_PERIOD_US 100000u
#define CGROUP_WEIGHT_MAX 10000u

unsigned cpushare_cgroup_weight(unsigned xen_weight);
/* The line for cpu.max. */
void cpushare_cpu_max(unsigned cap, char *buf, size_t len);
/* cpu.max's text back to a Xen cap (rounded); -1 if unreadable. */
int cpushare_cap_from_max(const char *text);

#endif
