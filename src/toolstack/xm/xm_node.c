/* xm info, dmesg, log. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xm.h"

int cmd_info(struct xm *xm, int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return xm_usage(xm);
    struct xenoctl *h = xm_handle(xm);
    struct xenoctl_node n;
    if (!h)
        return XM_FAIL;
    int r = xenoctl_info(h, &n);
    if (r < 0)
        return xm_fail(xm, r);
    printf("host                   : %s\n", n.host);
    printf("release                : %s\n", n.release);
    printf("machine                : %s\n", n.machine);
    printf("nr_cpus                : %u\n", n.nr_cpus);
    printf("total_memory           : %llu\n",
           (unsigned long long)n.total_memory_mib);
    printf("free_memory            : %llu\n",
           (unsigned long long)n.free_memory_mib);
    printf("dom0_memory            : %llu\n",
           (unsigned long long)n.dom0_memory_mib);
    printf("nr_domains             : %u\n", n.nr_domains);
    printf("xeno_version           : %s\n", n.version);
    printf("xend_uptime            : %.0f\n", n.xend_uptime);
    printf("host_uptime            : %.0f\n", n.host_uptime);
    printf("xend                   : %s\n", xenoctl_target(h));
    return XM_OK;
}

static int print_text(struct xm *xm, int r, char **text)
{
    if (r < 0)
        return xm_fail(xm, r);
    fputs(*text ? *text : "", stdout);
    free(*text);
    return XM_OK;
}

int cmd_dmesg(struct xm *xm, int argc, char **argv)
{
    bool clear = argc == 2 && strcmp(argv[1], "-c") == 0;
    if (argc > 2 || (argc == 2 && !clear))
        return xm_usage(xm);
    struct xenoctl *h = xm_handle(xm);
    char *text = NULL;
    return h ? print_text(xm, xenoctl_dmesg(h, clear, &text), &text) : XM_FAIL;
}

int cmd_log(struct xm *xm, int argc, char **argv)
{
    (void)argv;
    if (argc != 1)
        return xm_usage(xm);
    struct xenoctl *h = xm_handle(xm);
    char *text = NULL;
    return h ? print_text(xm, xenoctl_log(h, &text), &text) : XM_FAIL;
}
