/* A domain's vifs on the host: xend numbers them and picks their MACs,
 * makes each tap, puts it on its bridge (vif-bridge, vif-nat) or routes to
 * it (vif-route), and hands the fd to the VMM — at exec as an inherited
 * fd, on hot-plug as SCM_RIGHTS with nic-attach.  A tap goes with its last
 * fd, so a failed create leaves none, and a domain's go with its VMM. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "common/log.h"
#include "net.h"
#include "netdev.h"
#include "xend.h"

static bool mac_in_use(struct xend *x, const struct domain *self,
                       const char *mac, const struct domain **who)
{
    for (int k = 0; k < XEND_MAX_DOMAINS; k++) {
        const struct domain *o = &x->doms[k];
        /* a preserved domain's taps went with its VMM */
        if (!o->used || o == self || (o->pid <= 0 && o->state != DS_CREATING))
            continue;
        for (size_t j = 0; j < o->cfg.n_vifs; j++)
            if (o->cfg.vifs[j].mac && strcasecmp(o->cfg.vifs[j].mac, mac) == 0) {
                *who = o;
                return true;
            }
    }
    return false;
}

static bool devid_taken(const struct domain_config *c, unsigned devid,
                        size_t upto)
{
    char s[8];
    snprintf(s, sizeof(s), "%u", devid);
    for (size_t k = 0; k < upto; k++)
        if (c->vifs[k].devid && strcmp(c->vifs[k].devid, s) == 0)
            return true;
    return false;
}

static int pick_mac(struct xend *x, const struct domain *d, char **out)
{
    const struct domain *who;
    char mac[NET_MAC];
    for (int tries = 0; tries < 64; tries++) {
        uint8_t rnd[3];
        if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
            return -EIO;
        vif_mac_from(rnd, mac);
        bool mine = false;
        for (size_t j = 0; j < d->cfg.n_vifs; j++)
            mine |= d->cfg.vifs[j].mac && strcmp(d->cfg.vifs[j].mac, mac) == 0;
        if (!mine && !mac_in_use(x, d, mac, &who))
            return (*out = strdup(mac)) ? 0 : -ENOMEM;
    }
    return -EAGAIN;
}

/* The lowest devid no other vif in c->vifs[0..upto) has. */
static int pick_devid(const struct domain_config *c, size_t upto, char **out)
{
    char s[8];
    for (unsigned id = 0; id < 256; id++)
        if (!devid_taken(c, id, upto)) {
            snprintf(s, sizeof(s), "%u", id);
            return (*out = strdup(s)) ? 0 : -ENOMEM;
        }
    return -ENOSPC;
}

int net_assign(struct xend *x, struct domain *d, struct cfg_vif *v,
               char *err, size_t len)
{
    const struct domain *who;
    int r = 0;
    if (!v->devid)
        r = pick_devid(&d->cfg, d->cfg.n_vifs, &v->devid);
    if (r == 0 && !v->mac)
        r = pick_mac(x, d, &v->mac);
    if (r < 0)
        return snprintf(err, len, "vif: can't choose a devid or MAC: %s",
                        strerror(-r)), r;
    if (mac_in_use(x, d, v->mac, &who))
        return snprintf(err, len, "vif: MAC address %s is used by domain %d "
                        "(%s)", v->mac, who->domid, who->cfg.name), -EEXIST;
    return 0;
}

int net_assign_all(struct xend *x, struct domain *d, char *err, size_t len)
{
    /* Chosen devids avoid every given one, before or after. */
    int r = 0;
    for (size_t k = 0; r == 0 && k < d->cfg.n_vifs; k++) {
        struct cfg_vif *v = &d->cfg.vifs[k];
        if (!v->devid && pick_devid(&d->cfg, d->cfg.n_vifs, &v->devid) < 0)
            return snprintf(err, len, "vif: no devid left"), -ENOSPC;
        r = net_assign(x, d, v, err, len);
    }
    return r;
}

unsigned net_devid(const struct cfg_vif *v)
{
    return v->devid ? (unsigned)strtoul(v->devid, NULL, 10) : 0;
}

int net_plan_of(struct xend *x, const struct domain *d,
                const struct cfg_vif *v, struct vif_plan *p, char *err,
                size_t len)
{
    return vif_plan(&x->s, d->domid, net_devid(v), v, p, err, len);
}

static int net_err(const struct vif_plan *p, const char *what, int r,
                   char *err, size_t len)
{
    const char *hint = r == -EPERM || r == -EACCES ?
                       " (xend needs CAP_NET_ADMIN: run it as root)" : "";
    snprintf(err, len, "vif %u (%s): %s: %s%s", p->devid, p->ifname, what,
             strerror(-r), hint);
    return r;
}

/* The bridge as it is, or a new one (STP off, forward delay 0) with
 * bridge-nic in it when the settings name one. */
static int bridge_ready(struct xend *x, const struct vif_plan *p,
                        bool *created, char *err, size_t len)
{
    char what[96];
    *created = false;
    if (link_exists(p->bridge)) {
        if (!link_is_bridge(p->bridge))
            return snprintf(err, len, "vif %u: %s is not a bridge", p->devid,
                            p->bridge), -ENOTSUP;
        return 0;
    }
    int r = bridge_create(p->bridge);
    snprintf(what, sizeof(what), "can't create bridge %s", p->bridge);
    if (r < 0)
        return net_err(p, what, r, err, len);
    *created = true;
    xlog(x, LOG_INFO, "created bridge %s", p->bridge);
    if (p->mode == VIF_BRIDGE && x->s.bridge_nic[0] &&
        (r = bridge_add(p->bridge, x->s.bridge_nic)) < 0) {
        bridge_delete(p->bridge);
        *created = false;
        snprintf(what, sizeof(what), "can't add %s to bridge %s",
                 x->s.bridge_nic, p->bridge);
        return net_err(p, what, r, err, len);
    }
    return 0;
}

static int route_ready(struct xend *x, const struct vif_plan *p, char *err,
                       size_t len)
{
    char ips[64];
    uint32_t main_ip;
    int r = ipv4_sysctl(p->ifname, "proxy_arp", "1");
    if (r == 0)
        r = ipv4_sysctl(NULL, "ip_forward", "1");
    if (r == 0 && x->s.route_nic[0]) {
        r = ipv4_sysctl(x->s.route_nic, "proxy_arp", "1");
        if (r == 0 && link_addr_get(x->s.route_nic, &main_ip) == 0)
            r = link_addr_set(p->ifname, main_ip, 32);
    }
    if (r < 0)
        return net_err(p, "proxy ARP and forwarding", r, err, len);
    snprintf(ips, sizeof(ips), "%s", p->ip);
    for (char *save = NULL, *t = strtok_r(ips, " ", &save); t;
         t = strtok_r(NULL, " ", &save)) {
        struct in_addr a;
        if (inet_pton(AF_INET, t, &a) == 1 &&
            (r = route_add_host(ntohl(a.s_addr), p->ifname)) < 0)
            return net_err(p, "route to the guest", r, err, len);
    }
    return 0;
}

/* Up, with the bridge's MTU, on the bridge or routed to. */
static int tap_wire(struct xend *x, struct vif_plan *p, unsigned *mtu,
                    bool *created, char *err, size_t len)
{
    int r = 0;
    *mtu = 1500;
    *created = false;
    if (p->mode == VIF_NAT)
        r = nat_ready(x, err, len);
    else if (p->mode == VIF_BRIDGE)
        r = bridge_ready(x, p, created, err, len);
    if (r < 0)
        return r;
    if (p->mode != VIF_ROUTE && link_mtu(p->bridge, mtu) < 0)
        *mtu = 1500;
    if ((r = link_set_mtu(p->ifname, *mtu)) < 0 ||
        (r = link_up(p->ifname)) < 0)
        return net_err(p, "can't bring the tap up", r, err, len);
    if (p->mode == VIF_ROUTE)
        return route_ready(x, p, err, len);
    char what[64];
    snprintf(what, sizeof(what), "can't add it to bridge %s", p->bridge);
    r = bridge_add(p->bridge, p->ifname);
    return r < 0 ? net_err(p, what, r, err, len) : 0;
}

int net_open(struct xend *x, const struct domain *d, const struct cfg_vif *v,
             struct net_open *o, char *err, size_t len)
{
    o->fd = -1;
    o->bridge_created = false;
    int r = net_plan_of(x, d, v, &o->plan, err, len);
    if (r < 0)
        return r;
    if ((r = tap_open(o->plan.ifname, &o->fd)) < 0) {
        if (r == -EEXIST)
            return snprintf(err, len, "vif %u: the name %s is taken (another "
                            "interface has it)", o->plan.devid,
                            o->plan.ifname), -EEXIST;
        return net_err(&o->plan, "can't create the tap (/dev/net/tun)", r,
                       err, len);
    }
    r = tap_wire(x, &o->plan, &o->mtu, &o->bridge_created, err, len);
    if (r < 0)
        net_close(o, 1);
    return r;
}

void net_close(struct net_open *o, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        if (o[k].fd >= 0)
            close(o[k].fd);
        o[k].fd = -1;
        if (o[k].bridge_created)
            bridge_delete(o[k].plan.bridge);
        o[k].bridge_created = false;
    }
}

int net_open_all(struct xend *x, const struct domain *d, struct net_open *o,
                 char *err, size_t len)
{
    for (size_t k = 0; k < d->cfg.n_vifs; k++)
        o[k].fd = -1;
    for (size_t k = 0; k < d->cfg.n_vifs; k++) {
        int r = net_open(x, d, &d->cfg.vifs[k], &o[k], err, len);
        if (r < 0) {
            net_close(o, k);
            return r;
        }
    }
    return 0;
}

/* The fds are the VMM's now: a bridge xend made stays as long as it is
 * used (vif-nat's goes with the last NAT vif). */
void net_handed_over(struct net_open *o, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        o[k].bridge_created = false;
        if (o[k].fd >= 0)
            close(o[k].fd);
        o[k].fd = -1;
    }
}

void vmm_nic_arg(const struct net_open *o, int fd, char *buf, size_t len)
{
    snprintf(buf, len, "fd=%d,devid=%u,mac=%s,mtu=%u", fd, o->plan.devid,
             o->plan.mac, o->mtu);
}
