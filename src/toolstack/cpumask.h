/* Host CPU sets as xm writes them: "all", "3", "0-3,6", "0-7,^2" (Xen's
 * cpus = / vcpu-pin syntax) and as Linux prints them in
 * /sys/devices/system/cpu/online.  Pure. */
#ifndef XENO_TOOLSTACK_CPUMASK_H
#define XENO_TOOLSTACK_CPUMASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CPUMASK_MAX 1024

struct cpumask {
    uint64_t bits[CPUMASK_MAX / 64];
};

/* 0, or -EINVAL with err saying what is wrong.  "all" sets every CPU
 * below CPUMASK_MAX (the caller intersects with the host's). */
int cpumask_parse(const char *s, struct cpumask *m, char *err, size_t len);
void cpumask_clear(struct cpumask *m);
void cpumask_set(struct cpumask *m, unsigned cpu);
bool cpumask_test(const struct cpumask *m, unsigned cpu);
unsigned cpumask_count(const struct cpumask *m);
/* The lowest CPU in m that is not in of, or -1. */
int cpumask_first_not_in(const struct cpumask *m, const struct cpumask *of);
void cpumask_and(struct cpumask *m, const struct cpumask *with);
/* "0-3,6" (ranges merged); "" for an empty set.  Cut short if len is too
 * small. */
void cpumask_format(const struct cpumask *m, char *buf, size_t len);

#endif
