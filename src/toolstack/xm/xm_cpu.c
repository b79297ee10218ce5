/* xm vcpu-set, vcpu-list, vcpu-pin, sched-credit (docs/cpu.md). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xm.h"

/* A decimal number in [lo, hi]; -1 if it is not one. */
static long number(const char *s, long lo, long hi)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    return errno || end == s || *end || v < lo || v > hi ? -1 : v;
}

int cmd_vcpu_set(struct xm *xm, int argc, char **argv)
{
    if (argc != 3)
        return xm_usage(xm);
    long n = number(argv[2], 1, 1 << 20);
    if (n < 0)
        return xm_error("the number of vCPUs must be 1 or more, not '%s'", argv[2]);
    struct xenoctl *h = xm_handle(xm);
    if (!h)
        return XM_FAIL;
    int r = xenoctl_vcpu_set(h, argv[1], (unsigned)n);
    return r < 0 ? xm_fail(xm, r) : XM_OK;
}

int cmd_vcpu_pin(struct xm *xm, int argc, char **argv)
{
    if (argc != 4)
        return xm_usage(xm);
    long v = strcmp(argv[2], "all") == 0 ? -1 : number(argv[2], 0, 1 << 20);
    if (v < 0 && strcmp(argv[2], "all") != 0)
        return xm_error("VCPU is a vCPU number or 'all', not '%s'", argv[2]);
    struct xenoctl *h = xm_handle(xm);
    if (!h)
        return XM_FAIL;
    int r = xenoctl_vcpu_pin(h, argv[1], (int)v, argv[3]);
    return r < 0 ? xm_fail(xm, r) : XM_OK;
}

static int list_one(struct xm *xm, const char *name)
{
    struct xenoctl_vcpu *v;
    struct xenoctl_domain d;
    size_t n;
    int r = xenoctl_domain_info(xm->h, name, &d, NULL);
    if (r == 0)
        r = xenoctl_vcpu_list(xm->h, name, &v, &n);
    if (r < 0)
        return xm_fail(xm, r);
    for (size_t k = 0; k < n; k++) {
        char cpu[12] = "-";
        if (v[k].cpu >= 0)
            snprintf(cpu, sizeof(cpu), "%d", v[k].cpu);
        printf("%-32s %5d %5d %5s %5s %9.1f %s\n", d.name, d.domid, v[k].vcpu, cpu,
               v[k].state, v[k].time, v[k].affinity);
    }
    free(v);
    return XM_OK;
}

int cmd_vcpu_list(struct xm *xm, int argc, char **argv)
{
    struct xenoctl *h = xm_handle(xm);
    int rc = XM_OK;
    if (!h)
        return XM_FAIL;
    printf("%-32s %5s %5s %5s %5s %9s %s\n", "Name", "ID", "VCPU", "CPU", "State",
           "Time(s)", "CPU Affinity");
    if (argc > 1) {
        for (int k = 1; k < argc; k++)
            if (list_one(xm, argv[k]) != XM_OK)
                rc = XM_FAIL;
        return rc;
    }
    struct xenoctl_domain *doms;
    size_t n;
    int r = xenoctl_list(h, &doms, &n);
    if (r < 0)
        return xm_fail(xm, r);
    for (size_t k = 0; k < n; k++) {
        char id[16];
        if (doms[k].domid == 0 || doms[k].pid <= 0)
            continue;
        snprintf(id, sizeof(id), "%d", doms[k].domid);
        if (list_one(xm, id) != XM_OK)
            rc = XM_FAIL;
    }
    free(doms);
    return rc;
}

/* xm sched-credit -d DOM [-w WEIGHT] [-c CAP]: without -w/-c, shows them. */
int cmd_sched_credit(struct xm *xm, int argc, char **argv)
{
    const char *dom = NULL;
    long w = -1, cap = -1;
    int c;
    optind = 1;
    while ((c = getopt(argc, argv, "+d:w:c:")) != -1) {
        if (c == 'd')
            dom = optarg;
        else if (c == 'w' && (w = number(optarg, 0, 1L << 30)) < 0)
            return xm_error("weight must be a number (1 to 65535), not '%s'", optarg);
        else if (c == 'c' && (cap = number(optarg, 0, 1L << 30)) < 0)
            return xm_error("cap must be a number (0: none), not '%s'", optarg);
        else if (c != 'd' && c != 'w' && c != 'c')
            return xm_usage(xm);
    }
    if (!dom || optind != argc)
        return xm_usage(xm);
    struct xenoctl *h = xm_handle(xm);
    if (!h)
        return XM_FAIL;
    int r = w >= 0 || cap >= 0 ? xenoctl_sched_credit(h, dom, w, cap) : 0;
    struct xenoctl_domain d;
    if (r == 0 && w < 0 && cap < 0 && (r = xenoctl_domain_info(h, dom, &d, NULL)) == 0) {
        printf("%-32s %5s %6s %4s\n", "Name", "ID", "Weight", "Cap");
        printf("%-32s %5d %6u %4u\n", d.name, d.domid, d.cpu_weight, d.cpu_cap);
    }
    return r < 0 ? xm_fail(xm, r) : XM_OK;
}
