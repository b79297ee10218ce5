/* dom0's network devices through ioctls and /proc, /sys: taps, bridges,
 * addresses, host routes.  Each call 0 or -errno; callers say what failed
 * in the user's words. */
#ifndef XEND_NETDEV_H
#define XEND_NETDEV_H

#include <stdbool.h>
#include <stdint.h>

/* A tap named name (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, not persistent:
 * it goes with the last fd), O_CLOEXEC.  -EEXIST when the name is taken. */
int tap_open(const char *name, int *fd);
bool link_exists(const char *name);
bool link_is_bridge(const char *name);
int link_mtu(const char *name, unsigned *mtu);
int link_set_mtu(const char *name, unsigned mtu);
int link_up(const char *name);
/* STP off, forward delay 0, up. */
int bridge_create(const char *name);
int bridge_delete(const char *name);
int bridge_add(const char *bridge, const char *ifname);
int link_addr_set(const char *name, uint32_t ip, unsigned prefix);
int link_addr_get(const char *name, uint32_t *ip);
int route_add_host(uint32_t ip, const char *dev);
/* /proc/sys/net/ipv4/conf/<dev>/<key> = val (dev NULL: net/ipv4/<key>). */
int ipv4_sysctl(const char *dev, const char *key, const char *val);

#endif
