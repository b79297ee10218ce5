/* Vif plans, the NAT network's addresses and rules (net_plan.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_plan.h"
#include "xend.h"

static const char *const scripts[] = {
    [VIF_BRIDGE] = "vif-bridge", [VIF_NAT] = "vif-nat",
    [VIF_ROUTE] = "vif-route",
};

const char *vif_mode_script(enum vif_mode m)
{
    return (unsigned)m < 3 ? scripts[m] : "?";
}

/* 'vif-nat', or a path to it as Xen's configs name the scripts. */
int vif_mode_parse(const char *script, enum vif_mode *m)
{
    const char *base = strrchr(script, '/');
    base = base ? base + 1 : script;
    for (unsigned k = 0; k < 3; k++)
        if (strcmp(base, scripts[k]) == 0) {
            *m = (enum vif_mode)k;
            return 0;
        }
    return -EINVAL;
}

int nat_parse_subnet(const char *s, struct nat_net *n)
{
    char buf[32], *slash, *end;
    struct in_addr a;
    if (strlen(s) >= sizeof(buf))
        return -EINVAL;
    strcpy(buf, s);
    if (!(slash = strchr(buf, '/')))
        return -EINVAL;
    *slash = '\0';
    long p = strtol(slash + 1, &end, 10);
    if (*end || end == slash + 1 || p < 8 || p > 30 ||
        inet_pton(AF_INET, buf, &a) != 1)
        return -EINVAL;
    uint32_t mask = ~0u << (32 - p);
    n->base = ntohl(a.s_addr) & mask;
    n->prefix = (unsigned)p;
    return 0;
}

uint32_t nat_gateway(const struct nat_net *n)
{
    return (n->base | ~(~0u << (32 - n->prefix))) - 1;
}

int nat_guest_ip(const struct nat_net *n, int domid, uint32_t *ip)
{
    if (domid < 1 || (uint64_t)n->base + (uint64_t)domid >= nat_gateway(n))
        return -ERANGE;
    *ip = n->base + (uint32_t)domid;
    return 0;
}

void net_ip_str(uint32_t ip, char *buf, size_t len)
{
    struct in_addr a = { .s_addr = htonl(ip) };
    if (!inet_ntop(AF_INET, &a, buf, (socklen_t)len) && len)
        buf[0] = '\0';
}

static bool ifname_ok(const char *s)
{
    return *s && strlen(s) < NET_IFNAME && !strchr(s, '/') && !strchr(s, ' ');
}

int net_settings_check(const struct xend_settings *s, char *err, size_t len)
{
    enum vif_mode m;
    struct nat_net n;
    if (vif_mode_parse(s->vif_script, &m) < 0)
        return snprintf(err, len, "vif-script must be vif-bridge, vif-nat or "
                        "vif-route"), -EINVAL;
    if (!ifname_ok(s->vif_bridge) || !ifname_ok(s->nat_bridge) ||
        (s->bridge_nic[0] && !ifname_ok(s->bridge_nic)) ||
        (s->route_nic[0] && !ifname_ok(s->route_nic)))
        return snprintf(err, len, "vif-bridge, nat-bridge, bridge-nic and "
                        "route-nic must be interface names (1 to 15 "
                        "characters)"), -EINVAL;
    if (nat_parse_subnet(s->nat_subnet, &n) < 0)
        return snprintf(err, len, "nat-subnet must be an IPv4 subnet "
                        "ADDRESS/PREFIX with a prefix of 8 to 30"), -EINVAL;
    if (s->nat_forward_base > 65535 || s->nat_forward_port > 65535 ||
        (s->nat_forward_base && !s->nat_forward_port))
        return snprintf(err, len, "nat-forward-base and nat-forward-port "
                        "must be TCP ports (base 0: no forwards)"), -EINVAL;
    return 0;
}

void vif_mac_from(const uint8_t rnd[3], char mac[NET_MAC])
{
    /* Xen's OUI; the top bit of the fourth byte clear, as Xen's tools
     * leave it (the other half is for other uses). */
    snprintf(mac, NET_MAC, "00:16:3e:%02x:%02x:%02x", rnd[0] & 0x7f, rnd[1],
             rnd[2]);
}

static int plan_forward(const struct xend_settings *s, int domid,
                        const struct cfg_vif *v, struct vif_plan *p,
                        char *err, size_t len)
{
    if (v->forward && strcmp(v->forward, "none") == 0)
        return 0;
    if (v->forward) {
        char *colon;
        p->fwd_host = (unsigned)strtoul(v->forward, &colon, 10);
        p->fwd_guest = *colon == ':' ? (unsigned)strtoul(colon + 1, NULL, 10)
                                     : s->nat_forward_port;
        return 0;
    }
    if (!s->nat_forward_base || p->devid != 0)
        return 0;
    if (s->nat_forward_base + (unsigned)domid > 65535)
        return snprintf(err, len, "vif %u: port forward %u + domid %d is "
                        "above 65535 (set forward= or nat-forward-base)",
                        p->devid, s->nat_forward_base, domid), -ERANGE;
    p->fwd_host = s->nat_forward_base + (unsigned)domid;
    p->fwd_guest = s->nat_forward_port;
    return 0;
}

static int plan_nat(const struct xend_settings *s, int domid,
                    const struct cfg_vif *v, struct vif_plan *p, char *err,
                    size_t len)
{
    struct nat_net n;
    struct in_addr a;
    uint32_t ip;
    nat_parse_subnet(s->nat_subnet, &n);
    snprintf(p->bridge, sizeof(p->bridge), "%s", s->nat_bridge);
    if (v->ip) {
        if (inet_pton(AF_INET, v->ip, &a) != 1)
            return snprintf(err, len, "vif %u: vif-nat takes one address in "
                            "ip=, not '%.40s'", p->devid, v->ip), -EINVAL;
        ip = ntohl(a.s_addr);
        if ((ip & (~0u << (32 - n.prefix))) != n.base || ip == n.base ||
            ip >= nat_gateway(&n))
            return snprintf(err, len, "vif %u: ip=%s is not a guest address "
                            "of nat-subnet %s", p->devid, v->ip,
                            s->nat_subnet), -EINVAL;
    } else if (p->devid != 0) {
        return snprintf(err, len, "vif %u: a second vif-nat vif needs its "
                        "address in ip=", p->devid), -EINVAL;
    } else if (nat_guest_ip(&n, domid, &ip) < 0) {
        return snprintf(err, len, "vif %u: domain %d has no address in "
                        "nat-subnet %s (make it larger, or set ip=)",
                        p->devid, domid, s->nat_subnet), -ERANGE;
    }
    net_ip_str(ip, p->ip, sizeof(p->ip));
    return plan_forward(s, domid, v, p, err, len);
}

static int plan_mode(const struct xend_settings *s, int domid,
                     const struct cfg_vif *v, struct vif_plan *p, char *err,
                     size_t len)
{
    const char *script = v->script ? v->script : s->vif_script;
    if (vif_mode_parse(script, &p->mode) < 0)
        return snprintf(err, len, "vif %u: unknown script '%.40s' (vif-bridge"
                        ", vif-nat or vif-route)", p->devid, script), -EINVAL;
    switch (p->mode) {
    case VIF_BRIDGE:
        snprintf(p->bridge, sizeof(p->bridge), "%s",
                 v->bridge ? v->bridge : s->vif_bridge);
        return 0;
    case VIF_ROUTE:
        if (!v->ip)
            return snprintf(err, len, "vif %u: vif-route needs the guest's "
                            "address in ip=", p->devid), -EINVAL;
        snprintf(p->ip, sizeof(p->ip), "%s", v->ip);
        return 0;
    default:
        return plan_nat(s, domid, v, p, err, len);
    }
}

int vif_plan(const struct xend_settings *s, int domid, unsigned devid,
             const struct cfg_vif *v, struct vif_plan *p, char *err,
             size_t len)
{
    memset(p, 0, sizeof(*p));
    p->devid = devid;
    if (v->vifname)
        snprintf(p->ifname, sizeof(p->ifname), "%s", v->vifname);
    else if (snprintf(p->ifname, sizeof(p->ifname), "vif%d.%u", domid,
                      devid) >= (int)sizeof(p->ifname))
        return snprintf(err, len, "vif %u: name too long", devid), -EINVAL;
    if (!v->mac)
        return snprintf(err, len, "vif %u: no MAC address", devid), -EINVAL;
    snprintf(p->mac, sizeof(p->mac), "%s", v->mac);
    if (v->rate && cfg_vif_rate(v->rate, &p->rate_bytes, &p->rate_usec) < 0)
        return snprintf(err, len, "vif %u: bad rate '%.30s'", devid,
                        v->rate), -EINVAL;
    return plan_mode(s, domid, v, p, err, len);
}

#define OUT(...) do {                                                  \
        int w_ = snprintf(buf + n, len > n ? len - n : 0, __VA_ARGS__); \
        n += w_ > 0 ? (size_t)w_ : 0;                                  \
    } while (0)

static size_t forwards(const struct vif_plan *f, size_t nf, char *buf,
                       size_t len, size_t n)
{
    for (size_t k = 0; k < nf; k++)
        if (f[k].mode == VIF_NAT && f[k].fwd_host)
            OUT("\t\tfib daddr type local tcp dport %u dnat to %s:%u\n",
                f[k].fwd_host, f[k].ip, f[k].fwd_guest);
    return n;
}

int nat_ruleset(const struct nat_net *net, const char *bridge,
                const struct vif_plan *f, size_t nf, char *buf, size_t len)
{
    char base[20], sub[40];
    size_t n = 0;
    net_ip_str(net->base, base, sizeof(base));
    snprintf(sub, sizeof(sub), "%s/%u", base, net->prefix);
    /* Declaring it first makes the delete succeed on a fresh host. */
    OUT("table ip xeno_nat\ndelete table ip xeno_nat\n");
    OUT("table ip xeno_nat {\n");
    OUT("\tchain prerouting {\n\t\ttype nat hook prerouting priority dstnat;"
        " policy accept;\n");
    n = forwards(f, nf, buf, len, n);
    OUT("\t}\n\tchain output {\n\t\ttype nat hook output priority -100;"
        " policy accept;\n");
    n = forwards(f, nf, buf, len, n);
    OUT("\t}\n\tchain postrouting {\n\t\ttype nat hook postrouting priority "
        "srcnat; policy accept;\n");
    OUT("\t\tip saddr %s ip daddr != %s oifname != \"%s\" masquerade\n", sub,
        sub, bridge);
    /* A forward reached from a guest or from dom0's loopback: the guest's
     * answer must come back through dom0 to be un-DNATed. */
    OUT("\t\toifname \"%s\" ct status dnat ip saddr { %s, 127.0.0.0/8 } "
        "masquerade\n", bridge, sub);
    OUT("\t}\n}\n");
    return n < len ? (int)n : -ENOSPC;
}

int nat_hosts(const struct vif_plan *v, size_t nv, char *buf, size_t len)
{
    size_t n = 0;
    if (len)
        buf[0] = '\0';
    for (size_t k = 0; k < nv; k++)
        if (v[k].mode == VIF_NAT)
            OUT("%s,%s\n", v[k].mac, v[k].ip);
    return n < len ? (int)n : -ENOSPC;
}
