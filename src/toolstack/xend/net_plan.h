/* What a vif becomes on the host, decided before anything is touched: its
 * tap name, MAC, mode (Xen's vif-bridge, vif-nat, vif-route scripts), the
 * bridge or addresses, its port forward, its rate; and the NAT network's
 * nftables rules and DHCP hosts.  Pure, so every rule is unit-tested;
 * net.c and nat.c carry the plans out. */
#ifndef XEND_NET_PLAN_H
#define XEND_NET_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

#define NET_IFNAME 16
#define NET_MAC 18

struct xend_settings;

enum vif_mode { VIF_BRIDGE, VIF_NAT, VIF_ROUTE };

struct nat_net {
    uint32_t base;                  /* host byte order */
    unsigned prefix;
};

struct vif_plan {
    unsigned devid;
    char ifname[NET_IFNAME];
    char mac[NET_MAC];
    enum vif_mode mode;
    char bridge[NET_IFNAME];        /* bridge: its bridge; nat: nat-bridge */
    char ip[64];                    /* route: ip=; nat: the guest's address */
    unsigned fwd_host, fwd_guest;   /* nat: TCP forward; 0: none */
    uint64_t rate_bytes, rate_usec; /* 0: unlimited */
};

const char *vif_mode_script(enum vif_mode m);
int vif_mode_parse(const char *script, enum vif_mode *m);

int nat_parse_subnet(const char *s, struct nat_net *n);
/* The host's address on the NAT bridge: the subnet's last usable one. */
uint32_t nat_gateway(const struct nat_net *n);
/* Domain domid's address: subnet + domid; -ERANGE when it doesn't fit. */
int nat_guest_ip(const struct nat_net *n, int domid, uint32_t *ip);
void net_ip_str(uint32_t ip, char *buf, size_t len);

/* The xend.conf network settings make sense.  0 or -EINVAL with err. */
int net_settings_check(const struct xend_settings *s, char *err, size_t len);

/* The plan of vif v of domain domid; mac must already be set (the config's
 * or one xend chose).  0 or -EINVAL/-ERANGE with err. */
int vif_plan(const struct xend_settings *s, int domid, unsigned devid,
             const struct cfg_vif *v, struct vif_plan *p, char *err,
             size_t len);

/* A random locally-administered-by-Xen MAC, 00:16:3e:xx:xx:xx, from 3
 * random bytes. */
void vif_mac_from(const uint8_t rnd[3], char mac[NET_MAC]);

/* The nft script that replaces table ip xeno_nat as a whole: masquerade
 * of the subnet going elsewhere, and each forward (also for connections
 * from dom0 itself, and between guests).  Bytes written, or -ENOSPC. */
int nat_ruleset(const struct nat_net *n, const char *bridge,
                const struct vif_plan *fwds, size_t n_fwds, char *buf,
                size_t len);
/* dnsmasq's --dhcp-hostsfile: "MAC,IP" per NAT vif.  Bytes or -ENOSPC. */
int nat_hosts(const struct vif_plan *vifs, size_t n, char *buf, size_t len);

#endif
