/* The memory budget: host memory = Domain-0's share + every domain's
 * memory + free.  Domain-0's share is set with `xm mem-set 0 N` (the
 * README's `xm balloon 0 N`).  Also the node's and Domain-0's records. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "xend.h"

static uint64_t meminfo_total_mib(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    unsigned long long kib = 0;
    char line[256];
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "MemTotal: %llu kB", &kib) == 1)
            break;
    if (f)
        fclose(f);
    return kib / 1024;
}

uint64_t mem_total(const struct xend *x)
{
    return x->s.total_memory_mib ? x->s.total_memory_mib : meminfo_total_mib();
}

void mem_init(struct xend *x)
{
    uint64_t total = mem_total(x);
    if (x->s.dom0_memory_mib)
        x->dom0_mib = x->s.dom0_memory_mib;
    else                        /* a quarter, at least 1 GiB, at most all */
        x->dom0_mib = total / 4 > 1024 ? total / 4 : total < 1024 ? total : 1024;
    if (x->dom0_mib > total)
        x->dom0_mib = total;
}

/* Preserved domains keep their memory, as they did under Xen.  A domain
 * counts the larger of its target and what it holds (dom_mem_charge). */
uint64_t mem_used_by_domains(const struct xend *x, const struct domain *skip)
{
    uint64_t sum = 0;
    for (int k = 0; k < XEND_MAX_DOMAINS; k++)
        if (x->doms[k].used && &x->doms[k] != skip)
            sum += dom_mem_charge(&x->doms[k]);
    return sum;
}

int mem_check(const struct xend *x, const struct domain *skip, uint64_t mib,
              char *err, size_t len)
{
    uint64_t total = mem_total(x), used = mem_used_by_domains(x, skip);
    uint64_t avail = total > x->dom0_mib + used ? total - x->dom0_mib - used : 0;
    if (mib <= avail)
        return 0;
    snprintf(err, len, "not enough memory: %llu MiB needed, %llu MiB free "
             "(host %llu MiB, Domain-0 %llu MiB, other domains %llu MiB); "
             "shrink Domain-0 with 'xm mem-set 0 N'",
             (unsigned long long)mib, (unsigned long long)avail,
             (unsigned long long)total, (unsigned long long)x->dom0_mib,
             (unsigned long long)used);
    return -ENOSPC;
}

int mem_set_dom0(struct xend *x, uint64_t mib, char *err, size_t len)
{
    uint64_t total = mem_total(x), used = mem_used_by_domains(x, NULL);
    if (mib < x->s.dom0_min_mib) {
        snprintf(err, len, "Domain-0 needs at least %llu MiB (dom0-min-mem)",
                 (unsigned long long)x->s.dom0_min_mib);
        return -ENOSPC;
    }
    if (mib + used > total) {
        snprintf(err, len, "Domain-0 can have at most %llu MiB: domains use "
                 "%llu of the host's %llu MiB",
                 (unsigned long long)(total - used), (unsigned long long)used,
                 (unsigned long long)total);
        return -ENOSPC;
    }
    xdmesg(x, "Domain-0 memory target %llu -> %llu MiB",
           (unsigned long long)x->dom0_mib, (unsigned long long)mib);
    x->dom0_mib = mib;
    state_save_node(x);
    return 0;
}

static double host_cpu_seconds(void)
{
    FILE *f = fopen("/proc/stat", "r");
    unsigned long long user = 0, nice = 0, sys = 0;
    if (f) {
        if (fscanf(f, "cpu %llu %llu %llu", &user, &nice, &sys) != 3)
            user = nice = sys = 0;
        fclose(f);
    }
    long hz = sysconf(_SC_CLK_TCK);
    return (double)(user + nice + sys) / (double)(hz > 0 ? hz : 100);
}

static double host_uptime(void)
{
    FILE *f = fopen("/proc/uptime", "r");
    double up = 0;
    if (f) {
        if (fscanf(f, "%lf", &up) != 1)
            up = 0;
        fclose(f);
    }
    return up;
}

static int nr_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

json_object *dom0_json(struct xend *x)
{
    json_object *o = json_object_new_object();
    double up = host_uptime();
    json_object_object_add(o, "domid", json_object_new_int(0));
    json_object_object_add(o, "name", json_object_new_string("Domain-0"));
    json_object_object_add(o, "state", json_object_new_string("running"));
    json_object_object_add(o, "memory", json_object_new_int64((int64_t)x->dom0_mib));
    json_object_object_add(o, "maxmem", json_object_new_int64((int64_t)mem_total(x)));
    json_object_object_add(o, "vcpus", json_object_new_int(nr_cpus()));
    json_object_object_add(o, "cpu_time", json_object_new_double(host_cpu_seconds()));
    json_object_object_add(o, "uptime", json_object_new_double(up));
    json_object_object_add(o, "start_time", json_object_new_int64((int64_t)(time(NULL) - (time_t)up)));
    return o;
}

json_object *node_json(struct xend *x)
{
    json_object *o = json_object_new_object();
    struct utsname u;
    dom_refresh_all(x);             /* free memory as the budget sees it now */
    uint64_t total = mem_total(x), used = mem_used_by_domains(x, NULL);
    int n = 1;
    for (int k = 0; k < XEND_MAX_DOMAINS; k++)
        n += x->doms[k].used;
    uname(&u);
    json_object_object_add(o, "host", json_object_new_string(u.nodename));
    json_object_object_add(o, "release", json_object_new_string(u.release));
    json_object_object_add(o, "machine", json_object_new_string(u.machine));
    json_object_object_add(o, "version", json_object_new_string(XENO_VERSION));
    json_object_object_add(o, "nr_cpus", json_object_new_int(nr_cpus()));
    json_object_object_add(o, "total_memory", json_object_new_int64((int64_t)total));
    json_object_object_add(o, "dom0_memory", json_object_new_int64((int64_t)x->dom0_mib));
    json_object_object_add(o, "free_memory", json_object_new_int64(
        (int64_t)(total > x->dom0_mib + used ? total - x->dom0_mib - used : 0)));
    json_object_object_add(o, "nr_domains", json_object_new_int(n));
    json_object_object_add(o, "xend_uptime", json_object_new_double((double)(time(NULL) - x->start_time)));
    json_object_object_add(o, "host_uptime", json_object_new_double(host_uptime()));
    json_object_object_add(o, "xenstore", json_object_new_boolean(x->xs != NULL));
    return o;
}
