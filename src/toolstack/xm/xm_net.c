/* xm network-attach, network-detach, network-list (and Xen 2.0's
 * vif-list). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xm.h"

/* network-attach DOM [mac=..] [bridge=..] [script=..] [ip=..] ...: the
 * words become one vif spec, as in a config. */
int cmd_network_attach(struct xm *xm, int argc, char **argv)
{
    char spec[1024] = "";
    size_t n = 0;
    if (argc < 2)
        return xm_usage(xm);
    for (int k = 2; k < argc; k++) {
        if (!strchr(argv[k], '=') || strchr(argv[k], ','))
            return xm_error("expected key=value, got '%s'", argv[k]);
        n += (size_t)snprintf(spec + n, n < sizeof(spec) ? sizeof(spec) - n : 0,
                              "%s%s", k > 2 ? "," : "", argv[k]);
        if (n >= sizeof(spec))
            return xm_error("vif spec too long");
    }
    struct xenoctl *h = xm_handle(xm);
    if (!h)
        return XM_FAIL;
    int r = xenoctl_network_attach(h, argv[1], spec);
    return r < 0 ? xm_fail(xm, r) : XM_OK;
}

int cmd_network_detach(struct xm *xm, int argc, char **argv)
{
    char *end;
    if (argc != 3)
        return xm_usage(xm);
    unsigned long id = strtoul(argv[2], &end, 10);
    if (!*argv[2] || *end || id > 255)
        return xm_error("'%s' is not a vif devid (see xm network-list)",
                        argv[2]);
    struct xenoctl *h = xm_handle(xm);
    if (!h)
        return XM_FAIL;
    int r = xenoctl_network_detach(h, argv[1], (unsigned)id);
    return r < 0 ? xm_fail(xm, r) : XM_OK;
}

static void print_vif(const struct xenoctl_vif *v, bool lng)
{
    char rings[24];
    snprintf(rings, sizeof(rings), "%d/%d", v->tx_ring_ref, v->rx_ring_ref);
    printf("%-3u %-3d %-17s %-6u %-5d %-6d %-15s %-30s", v->devid,
           v->backend_id, v->mac, v->devid, v->state, v->event_channel, rings,
           v->backend);
    if (lng)
        printf(" %-10s %-10s %-8s %-15s %-9s %llu/%llu", v->vifname,
               v->script, v->bridge[0] ? v->bridge : "-",
               v->ip[0] ? v->ip : "-", v->forward[0] ? v->forward : "-",
               (unsigned long long)v->tx_bytes,
               (unsigned long long)v->rx_bytes);
    putchar('\n');
}

/* xl's columns; -l adds the host side and the counters. */
int cmd_network_list(struct xm *xm, int argc, char **argv)
{
    bool lng = argc == 3 && strcmp(argv[1], "-l") == 0;
    if (argc != 2 && !lng)
        return xm_usage(xm);
    struct xenoctl *h = xm_handle(xm);
    struct xenoctl_vif *v;
    size_t n;
    if (!h)
        return XM_FAIL;
    int r = xenoctl_network_list(h, argv[lng ? 2 : 1], &v, &n);
    if (r < 0)
        return xm_fail(xm, r);
    printf("%-3s %-3s %-17s %-6s %-5s %-6s %-15s %-30s%s\n", "Idx", "BE",
           "Mac Addr.", "handle", "state", "evt-ch", "tx-/rx-ring-ref",
           "BE-path", lng ? " Vif        Script     Bridge   IP              "
           "Forward   TX/RX bytes" : "");
    for (size_t k = 0; k < n; k++)
        print_vif(&v[k], lng);
    free(v);
    return XM_OK;
}
