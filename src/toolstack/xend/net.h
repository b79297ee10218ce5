/* A domain's vifs on the host (net.c) and the NAT network (nat.c). */
#ifndef XEND_NET_H
#define XEND_NET_H

#include "net_plan.h"
#include "xend.h"

#define VMM_NIC_FD0 (VMM_DISK_FD0 + CFG_MAX_DISKS) /* the VMM's first tap */
#define VMM_NIC_ARG 96

/* A tap xend opened, until the VMM has it. */
struct net_open {
    struct vif_plan plan;
    int fd;
    unsigned mtu;
    bool bridge_created;            /* undone when the create fails */
};

/* Numbers v (lowest devid free in d) and gives it a MAC when it has none;
 * -EEXIST when its MAC is another domain's. */
int net_assign(struct xend *x, struct domain *d, struct cfg_vif *v,
               char *err, size_t len);
int net_assign_all(struct xend *x, struct domain *d, char *err, size_t len);
unsigned net_devid(const struct cfg_vif *v);
int net_plan_of(struct xend *x, const struct domain *d,
                const struct cfg_vif *v, struct vif_plan *p, char *err,
                size_t len);
/* The tap of v, up and wired; on failure nothing of it is left. */
int net_open(struct xend *x, const struct domain *d, const struct cfg_vif *v,
             struct net_open *o, char *err, size_t len);
int net_open_all(struct xend *x, const struct domain *d, struct net_open *o,
                 char *err, size_t len);
/* Closes the fds and removes bridges made for them (a failed create). */
void net_close(struct net_open *o, size_t n);
/* Closes xend's copies once the VMM holds the taps. */
void net_handed_over(struct net_open *o, size_t n);
/* The --nic argument: "fd=19,devid=0,mac=00:16:3e:..,mtu=1500". */
void vmm_nic_arg(const struct net_open *o, int fd, char *buf, size_t len);

/* hot-plug (net_hot.c) */
int net_attach(struct xend *x, struct domain *d, struct cfg_vif *v,
               char *err, size_t len);
int net_detach(struct xend *x, struct domain *d, unsigned devid, char *err,
               size_t len);
/* "vif": [...] with the VMM's counters (nic-stats) in the domain record. */
void net_add_json(struct xend *x, struct domain *d, json_object *rec);
json_object *net_list_json(struct xend *x, struct domain *d);

/* store.c: the vifs' xenstore directories (vif_layout.h); p NULL: all of
 * d's, written fresh. */
int store_vif_write(struct xend *x, const struct domain *d,
                    const struct vif_plan *p);
void store_vif_remove(struct xend *x, const struct domain *d, int devid);

/* nat.c: the vif-nat network: bridge with the host's address, dnsmasq,
 * nftables.  nat_ready before a NAT tap joins; nat_refresh whenever the
 * set of running NAT vifs changed (it stops everything with the last). */
int nat_ready(struct xend *x, char *err, size_t len);
void nat_refresh(struct xend *x);
void nat_stop(struct xend *x);
/* At xend start: a dnsmasq a previous xend left goes; then nat_refresh. */
void nat_restore(struct xend *x);

#endif
