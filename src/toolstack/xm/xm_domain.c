/* xm list, uptime, top. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xm.h"

static bool selected(const struct xenoctl_domain *d, int argc, char **argv)
{
    char id[16];
    if (argc <= 0)
        return true;
    snprintf(id, sizeof(id), "%d", d->domid);
    for (int k = 0; k < argc; k++)
        if (strcmp(argv[k], d->name) == 0 || strcmp(argv[k], id) == 0)
            return true;
    return false;
}

static int fetch(struct xm *xm, struct xenoctl_domain **doms, size_t *n)
{
    struct xenoctl *h = xm_handle(xm);
    if (!h)
        return XM_FAIL;
    int r = xenoctl_list(h, doms, n);
    return r < 0 ? xm_fail(xm, r) : XM_OK;
}

/* Every name given must exist, as in xm. */
static int check_names(struct xenoctl_domain *doms, size_t n, int argc,
                       char **argv)
{
    for (int k = 0; k < argc; k++) {
        bool found = false;
        for (size_t j = 0; j < n && !found; j++)
            found = selected(&doms[j], 1, &argv[k]);
        if (!found)
            return xm_error("domain '%s' does not exist", argv[k]);
    }
    return XM_OK;
}

static int list_long(struct xm *xm, int argc, char **argv,
                     struct xenoctl_domain *doms, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        char id[16], *json = NULL;
        if (!selected(&doms[k], argc, argv))
            continue;
        snprintf(id, sizeof(id), "%d", doms[k].domid);
        int r = xenoctl_domain_info(xm->h, id, NULL, &json);
        if (r == -ENOENT || (r == -EACCES && argc == 0))
            continue;           /* gone meanwhile, or not ours to read */
        if (r < 0)
            return xm_fail(xm, r);
        printf("%s\n", json);
        free(json);
    }
    return XM_OK;
}

int cmd_list(struct xm *xm, int argc, char **argv)
{
    bool full = false;
    int c;
    optind = 1;
    while ((c = getopt(argc, argv, "+l")) != -1) {
        if (c != 'l')
            return xm_usage(xm);
        full = true;
    }
    struct xenoctl_domain *doms;
    size_t n;
    int r = fetch(xm, &doms, &n);
    if (r == XM_OK)
        r = check_names(doms, n, argc - optind, argv + optind);
    if (r == XM_OK && full)
        r = list_long(xm, argc - optind, argv + optind, doms, n);
    else if (r == XM_OK) {
        printf("%-32s %5s %6s %5s %10s %9s\n", "Name", "ID", "Mem", "VCPUs",
               "State", "Time(s)");
        for (size_t k = 0; k < n; k++)
            if (selected(&doms[k], argc - optind, argv + optind))
                printf("%-32s %5d %6llu %5u %10s %9.1f\n", doms[k].name,
                       doms[k].domid, (unsigned long long)doms[k].memory_mib,
                       doms[k].vcpus, xm_state_flags(doms[k].state),
                       doms[k].cpu_time);
    }
    free(doms);
    return r;
}

static void format_uptime(double secs, char *buf, size_t len)
{
    unsigned long s = (unsigned long)secs, days = s / 86400;
    if (days)
        snprintf(buf, len, "%lu day%s, %lu:%02lu:%02lu", days,
                 days == 1 ? "" : "s", s % 86400 / 3600, s % 3600 / 60, s % 60);
    else
        snprintf(buf, len, "%lu:%02lu:%02lu", s / 3600, s % 3600 / 60, s % 60);
}

int cmd_uptime(struct xm *xm, int argc, char **argv)
{
    struct xenoctl_domain *doms;
    size_t n;
    int r = fetch(xm, &doms, &n);
    if (r == XM_OK)
        r = check_names(doms, n, argc - 1, argv + 1);
    if (r == XM_OK)
        printf("%-32s %5s %s\n", "Name", "ID", "Uptime");
    for (size_t k = 0; r == XM_OK && k < n; k++) {
        char up[64];
        if (!selected(&doms[k], argc - 1, argv + 1))
            continue;
        format_uptime(doms[k].uptime, up, sizeof(up));
        printf("%-32s %5d %s\n", doms[k].name, doms[k].domid, up);
    }
    free(doms);
    return r;
}

struct top_opts {
    bool batch;
    unsigned long delay, iterations;
};

static double prev_cpu(const struct xenoctl_domain *prev, size_t np, int id)
{
    for (size_t k = 0; k < np; k++)
        if (prev[k].domid == id)
            return prev[k].cpu_time;
    return -1;
}

/* xentop's columns; the NET and VBD ones are the VMM's counters, summed
 * over the domain's vifs and disks: bytes in KiB (NETTX: sent by the
 * guest), requests. */
static void top_frame(const struct top_opts *o, struct xenoctl_domain *doms,
                      size_t n, struct xenoctl_domain *prev, size_t np)
{
    if (!o->batch)
        fputs("\033[H\033[2J", stdout);
    printf("%-20s %8s %10s %6s %10s %10s %5s %4s %10s %10s %4s %8s %8s %10s "
           "%10s\n", "NAME", "STATE", "CPU(sec)", "CPU(%)", "MEM(k)",
           "MAXMEM(k)", "VCPUS", "NETS", "NETTX(k)", "NETRX(k)", "VBDS",
           "VBD_RD", "VBD_WR", "VBD_RD(k)", "VBD_WR(k)");
    for (size_t k = 0; k < n; k++) {
        const struct xenoctl_domain *d = &doms[k];
        double p = prev_cpu(prev, np, d->domid), pct = d->cpu_percent;
        if (p >= 0 && o->delay)
            pct = (d->cpu_time - p) * 100.0 / (double)o->delay;
        printf("%-20.20s %8s %10.0f %6.1f %10llu %10llu %5u %4u %10llu %10llu "
               "%4u %8llu %8llu %10llu %10llu\n", d->name,
               xm_state_flags(d->state), d->cpu_time, pct,
               (unsigned long long)d->memory_mib * 1024,
               (unsigned long long)(d->mem_max_mib ? d->mem_max_mib : d->maxmem_mib) * 1024,
               d->vcpus_online ? d->vcpus_online : d->vcpus, d->nr_vifs,
               (unsigned long long)d->vif_tx_bytes / 1024,
               (unsigned long long)d->vif_rx_bytes / 1024, d->nr_vbds,
               (unsigned long long)d->vbd_rd_req,
               (unsigned long long)d->vbd_wr_req,
               (unsigned long long)d->vbd_rd_bytes / 1024,
               (unsigned long long)d->vbd_wr_bytes / 1024);
    }
    fflush(stdout);
}

int cmd_top(struct xm *xm, int argc, char **argv)
{
    struct top_opts o = { .delay = 1, .iterations = 0 };
    int c;
    optind = 1;
    while ((c = getopt(argc, argv, "+bd:n:")) != -1) {
        char *end;
        if (c == 'b')
            o.batch = true;
        else if (c == 'd' && (o.delay = strtoul(optarg, &end, 10), !*end))
            ;
        else if (c == 'n' && (o.iterations = strtoul(optarg, &end, 10), !*end))
            ;
        else
            return xm_usage(xm);
    }
    if (o.batch && !o.iterations)
        o.iterations = 1;
    struct xenoctl_domain *prev = NULL, *doms;
    size_t np = 0, n;
    int r = XM_OK;
    for (unsigned long it = 0; !o.iterations || it < o.iterations; it++) {
        if (it)
            sleep((unsigned)o.delay);
        if ((r = fetch(xm, &doms, &n)) != XM_OK)
            break;
        top_frame(&o, doms, n, prev, np);
        free(prev);
        prev = doms;
        np = n;
    }
    free(prev);
    return r;
}
