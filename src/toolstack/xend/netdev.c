/* dom0's network devices (netdev.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <net/route.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netdev.h"

static int with_ifr(const char *name, unsigned long req, struct ifreq *ifr)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -errno;
    snprintf(ifr->ifr_name, IFNAMSIZ, "%s", name);
    int r = ioctl(s, req, ifr) < 0 ? -errno : 0;
    close(s);
    return r;
}

bool link_exists(const char *name)
{
    return if_nametoindex(name) != 0;
}

bool link_is_bridge(const char *name)
{
    char path[96];
    struct stat st;
    snprintf(path, sizeof(path), "/sys/class/net/%s/bridge", name);
    return stat(path, &st) == 0;
}

int tap_open(const char *name, int *out)
{
    if (link_exists(name))
        return -EEXIST;
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR };
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        int e = errno;
        close(fd);
        return e == EBUSY ? -EEXIST : -e;
    }
    *out = fd;
    return 0;
}

int link_mtu(const char *name, unsigned *mtu)
{
    struct ifreq ifr = { 0 };
    int r = with_ifr(name, SIOCGIFMTU, &ifr);
    if (r == 0)
        *mtu = (unsigned)ifr.ifr_mtu;
    return r;
}

int link_set_mtu(const char *name, unsigned mtu)
{
    struct ifreq ifr = { .ifr_mtu = (int)mtu };
    return with_ifr(name, SIOCSIFMTU, &ifr);
}

int link_up(const char *name)
{
    struct ifreq ifr = { 0 };
    int r = with_ifr(name, SIOCGIFFLAGS, &ifr);
    if (r < 0 || (ifr.ifr_flags & IFF_UP))
        return r;
    ifr.ifr_flags |= IFF_UP;
    return with_ifr(name, SIOCSIFFLAGS, &ifr);
}

static int write_file(const char *path, const char *val)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t w = write(fd, val, strlen(val));
    int r = w == (ssize_t)strlen(val) ? 0 : w < 0 ? -errno : -EIO;
    close(fd);
    return r;
}

static int bridge_knob(const char *name, const char *knob, const char *val)
{
    char path[128];
    snprintf(path, sizeof(path), "/sys/class/net/%s/bridge/%s", name, knob);
    return write_file(path, val);
}

/* SIOCBRADDBR / SIOCBRDELBR take the bridge's name itself. */
static int br_ioctl(unsigned long req, const char *name)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -errno;
    char buf[IFNAMSIZ];
    snprintf(buf, sizeof(buf), "%s", name);
    int r = ioctl(s, req, buf) < 0 ? -errno : 0;
    close(s);
    return r;
}

int bridge_create(const char *name)
{
    int r = br_ioctl(SIOCBRADDBR, name);
    if (r == 0)
        r = bridge_knob(name, "stp_state", "0");
    if (r == 0)
        r = bridge_knob(name, "forward_delay", "0");
    if (r == 0)
        r = link_up(name);
    if (r < 0)
        bridge_delete(name);
    return r;
}

int bridge_delete(const char *name)
{
    struct ifreq ifr = { 0 };
    if (with_ifr(name, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_UP)) {
        ifr.ifr_flags &= ~IFF_UP;
        with_ifr(name, SIOCSIFFLAGS, &ifr);
    }
    return br_ioctl(SIOCBRDELBR, name);
}

int bridge_add(const char *bridge, const char *ifname)
{
    unsigned idx = if_nametoindex(ifname);
    if (!idx)
        return -ENODEV;
    struct ifreq ifr = { .ifr_ifindex = (int)idx };
    return with_ifr(bridge, SIOCBRADDIF, &ifr);
}

static void set_sin(struct sockaddr *sa, uint32_t ip)
{
    struct sockaddr_in sin = { .sin_family = AF_INET,
                               .sin_addr.s_addr = htonl(ip) };
    memcpy(sa, &sin, sizeof(sin));
}

int link_addr_set(const char *name, uint32_t ip, unsigned prefix)
{
    struct ifreq ifr = { 0 };
    set_sin(&ifr.ifr_addr, ip);
    int r = with_ifr(name, SIOCSIFADDR, &ifr);
    if (r < 0)
        return r;
    memset(&ifr, 0, sizeof(ifr));
    set_sin(&ifr.ifr_netmask, prefix ? ~0u << (32 - prefix) : 0);
    return with_ifr(name, SIOCSIFNETMASK, &ifr);
}

int link_addr_get(const char *name, uint32_t *ip)
{
    struct ifreq ifr = { 0 };
    int r = with_ifr(name, SIOCGIFADDR, &ifr);
    if (r == 0) {
        struct sockaddr_in sin;
        memcpy(&sin, &ifr.ifr_addr, sizeof(sin));
        *ip = ntohl(sin.sin_addr.s_addr);
    }
    return r;
}

int route_add_host(uint32_t ip, const char *dev)
{
    struct rtentry rt = { .rt_flags = RTF_UP | RTF_HOST };
    char name[IFNAMSIZ];
    snprintf(name, sizeof(name), "%s", dev);
    set_sin(&rt.rt_dst, ip);
    set_sin(&rt.rt_genmask, ~0u);
    rt.rt_dev = name;
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -errno;
    int r = ioctl(s, SIOCADDRT, &rt) < 0 ? -errno : 0;
    close(s);
    return r == -EEXIST ? 0 : r;
}

int ipv4_sysctl(const char *dev, const char *key, const char *val)
{
    char path[160];
    if (dev)
        snprintf(path, sizeof(path), "/proc/sys/net/ipv4/conf/%s/%s", dev,
                 key);
    else
        snprintf(path, sizeof(path), "/proc/sys/net/ipv4/%s", key);
    return write_file(path, val);
}
