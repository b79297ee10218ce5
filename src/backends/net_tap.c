/* The tap engine: one frame per read/writev, each behind a 10-byte
 * virtio_net_hdr (IFF_VNET_HDR), so checksum and GSO offloads pass through
 * the tap untouched. */
#include "backends/net_tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

int net_tap_setup(int fd, unsigned features)
{
    int hsz = (int)sizeof(struct virtio_net_hdr);
    unsigned off = TUN_F_CSUM;
    int fl = fcntl(fd, F_GETFL);

    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return -errno;
    if (ioctl(fd, TUNSETVNETHDRSZ, &hsz) < 0)
        return -errno;
    if (features & NETBACK_F_GSO_TCPV4)
        off |= TUN_F_TSO4;
    if (features & NETBACK_F_GSO_TCPV6)
        off |= TUN_F_TSO6;
    if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)off) < 0)
        return -errno;
    return 0;
}

int net_tap_open(char *name, unsigned features)
{
    struct ifreq ifr;
    int fd, rc;

    if (strlen(name) >= IFNAMSIZ)
        return -ENAMETOOLONG;
    fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        rc = -errno;
        goto out;
    }
    memcpy(name, ifr.ifr_name, IFNAMSIZ);
    rc = net_tap_setup(fd, features);
    if (rc == 0)
        return fd;
out:
    close(fd);
    return rc;
}

int net_tap_up(const char *name)
{
    struct ifreq ifr;
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = 0;

    if (s < 0)
        return -errno;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
    if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
        rc = -errno;
    ifr.ifr_flags |= IFF_UP;
    if (rc == 0 && ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
        rc = -errno;
    close(s);
    return rc;
}

static int tap_send(void *engine, const struct iovec *iov, unsigned n)
{
    struct net_tap *t = engine;
    ssize_t w = writev(t->fd, iov, (int)n);

    return w < 0 ? -errno : 0;
}

static ssize_t tap_recv(void *engine, const struct iovec *iov, unsigned n)
{
    struct net_tap *t = engine;
    ssize_t r = readv(t->fd, iov, (int)n);

    return r < 0 ? -errno : r;
}

const struct net_engine_ops net_tap_ops = { .send = tap_send, .recv = tap_recv };
