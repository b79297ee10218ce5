/* Xen weights and caps to cgroup v2 values (cpushare.h). */
#include "cpushare.h"

#include <stdio.h>
#include <string.h>

unsigned cpushare_cgroup_weight(unsigned w)
{
    if (w == 0)
        return 1;
    return w > CGROUP_WEIGHT_MAX ? CGROUP_WEIGHT_MAX : w;
}

void cpushare_cpu_max(unsigned cap, char *buf, size_t len)
{
    if (cap == 0)
        snprintf(buf, len, "max %u", CPUSHARE_PERIOD_US);
    else
        snprintf(buf, len, "%llu %u",
                 (unsigned long long)cap * CPUSHARE_PERIOD_US / 100, CPUSHARE_PERIOD_US);
}

int cpushare_cap_from_max(const char *text)
{
    unsigned long long quota, period;
    if (strncmp(text, "max", 3) == 0)
        return 0;
    if (sscanf(text, "%llu %llu", &quota, &period) != 2 || period == 0 ||
        quota > period * 100000)
        return -1;
    return (int)((quota * 100 + period / 2) / period);
}
