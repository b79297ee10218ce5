/* The --nic option, MAC addresses, and the checks on inherited tap fds. */
#include "vmm/vif.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vmm/vm.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int vif_parse_mac(const char *s, uint8_t mac[6])
{
    if (strlen(s) != 17)
        return -EINVAL;
    for (unsigned i = 0; i < 6; i++) {
        int hi = hexval(s[3 * i]), lo = hexval(s[3 * i + 1]);
        if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
            return -EINVAL;
        mac[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}

static int num(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
    char *end;
    if (*s < '0' || *s > '9')
        return -EINVAL;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return -EINVAL;
    *out = v;
    return 0;
}

static int nic_kv(const char *k, const char *v, struct vm_nic_cfg *n, unsigned *seen)
{
    unsigned long x;

    if (strcmp(k, "fd") == 0 && !num(v, 0, 1u << 20, &x)) {
        n->fd = (int)x;
        *seen |= 1;
    } else if (strcmp(k, "devid") == 0 && !num(v, 0, VIF_MAX_DEVID, &x)) {
        n->devid = (unsigned)x;
        *seen |= 2;
    } else if (strcmp(k, "mac") == 0 && !vif_parse_mac(v, n->mac)) {
        *seen |= 4;
    } else if (strcmp(k, "mtu") == 0 && !num(v, VIF_MIN_MTU, VIF_MAX_MTU, &x)) {
        n->mtu = (unsigned)x;
    } else {
        return -EINVAL;
    }
    return 0;
}

int vif_parse_nic(const char *spec, struct vm_nic_cfg *n, char *err, size_t errlen)
{
    char buf[256], *save = NULL;
    unsigned seen = 0;

    *n = (struct vm_nic_cfg){ .fd = -1, .mtu = 1500 };
    if (snprintf(buf, sizeof(buf), "%s", spec) >= (int)sizeof(buf)) {
        snprintf(err, errlen, "too long");
        return -EINVAL;
    }
    for (char *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        if (eq)
            *eq = '\0';
        if (!eq || nic_kv(kv, eq + 1, n, &seen)) {
            snprintf(err, errlen, "bad %s%s%s (fd=N, devid=0..%u, mac=XX:XX:XX:XX:XX:XX, "
                     "mtu=%u..%u)", kv, eq ? "=" : "", eq ? eq + 1 : "", VIF_MAX_DEVID,
                     VIF_MIN_MTU, VIF_MAX_MTU);
            return -EINVAL;
        }
    }
    if (seen != 7) {
        snprintf(err, errlen, "fd=, devid= and mac= are required");
        return -EINVAL;
    }
    return 0;
}

int vif_tap_name(int fd, char *name)
{
    struct ifreq ifr;

    memset(&ifr, 0, sizeof(ifr));
    if (ioctl(fd, TUNGETIFF, &ifr) < 0)
        return -errno;
    if (!(ifr.ifr_flags & IFF_TAP) || !(ifr.ifr_flags & IFF_VNET_HDR) ||
        !(ifr.ifr_flags & IFF_NO_PI))
        return -EPROTOTYPE;
    snprintf(name, IFNAMSIZ, "%s", ifr.ifr_name);
    return 0;
}

int vif_check_fds(const struct vm_config *c, char *err, size_t errlen)
{
    char name[IFNAMSIZ];

    for (unsigned i = 0; i < c->nr_nics; i++) {
        const struct vm_nic_cfg *n = &c->nics[i];
        int rc = fcntl(n->fd, F_GETFL) < 0 ? -errno : vif_tap_name(n->fd, name);
        if (rc) {
            snprintf(err, errlen, "--nic fd=%d: %s", n->fd,
                     rc == -EBADF ? "not open (not inherited)"
                     : rc == -EPROTOTYPE ? "a tun device, not IFF_TAP|IFF_NO_PI|IFF_VNET_HDR"
                     : "not a tap device");
            return -EBADF;
        }
        for (unsigned j = 0; j < i; j++)
            if (c->nics[j].fd == n->fd || c->nics[j].devid == n->devid) {
                snprintf(err, errlen, "--nic %u and %u share an fd or a devid", j + 1, i + 1);
                return -EINVAL;
            }
        fcntl(n->fd, F_SETFD, FD_CLOEXEC);
    }
    return 0;
}
