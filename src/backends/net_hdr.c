/* The checksum-offset parser: see net_hdr.h. */
#include "backends/net_hdr.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#define ETH_HLEN_ 14u
#define ETHERTYPE_IPV4 0x0800u
#define ETHERTYPE_IPV6 0x86ddu
#define ETHERTYPE_VLAN 0x8100u
#define IPV6_HLEN 40u
#define MAX_EXT_HDRS 8u

static unsigned be16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

/* The L3 start and ethertype. */
static int parse_eth(const uint8_t *p, size_t len, size_t *off, unsigned *type)
{
    if (len < ETH_HLEN_)
        return -EINVAL;
    *type = be16(p + 12);
    *off = ETH_HLEN_;
    if (*type == ETHERTYPE_VLAN) {
        if (len < ETH_HLEN_ + 4)
            return -EINVAL;
        *type = be16(p + 16);
        *off += 4;
    }
    return 0;
}

static int parse_ipv4(const uint8_t *p, size_t len, size_t *off, unsigned *proto)
{
    const uint8_t *ip = p + *off;
    size_t ihl;

    if (len - *off < 20 || ip[0] >> 4 != 4)
        return -EINVAL;
    ihl = (size_t)(ip[0] & 0xf) * 4;
    if (ihl < 20 || len - *off < ihl)
        return -EINVAL;
    if (be16(ip + 6) & 0x3fff)          /* MF or a fragment offset */
        return -EPROTONOSUPPORT;
    *proto = ip[9];
    *off += ihl;
    return 0;
}

static int parse_ipv6(const uint8_t *p, size_t len, size_t *off, unsigned *proto)
{
    const uint8_t *ip = p + *off;
    unsigned nh;

    if (len - *off < IPV6_HLEN || ip[0] >> 4 != 6)
        return -EINVAL;
    nh = ip[6];
    *off += IPV6_HLEN;
    for (unsigned i = 0; i < MAX_EXT_HDRS; i++) {
        size_t hl;
        if (nh == IPPROTO_TCP || nh == IPPROTO_UDP)
            break;
        if (nh == IPPROTO_FRAGMENT)
            return -EPROTONOSUPPORT;
        if (nh != IPPROTO_HOPOPTS && nh != IPPROTO_ROUTING &&
            nh != IPPROTO_DSTOPTS && nh != IPPROTO_AH)
            return -EPROTONOSUPPORT;
        if (len - *off < 8)
            return -EINVAL;
        hl = nh == IPPROTO_AH ? ((size_t)p[*off + 1] + 2) * 4
                              : ((size_t)p[*off + 1] + 1) * 8;
        if (len - *off < hl)
            return -EINVAL;
        nh = p[*off];
        *off += hl;
    }
    *proto = nh;
    return 0;
}

int net_parse_l4(const uint8_t *p, size_t len, struct net_l4 *out)
{
    size_t off, l4len;
    unsigned type, proto = 0;
    int rc;

    memset(out, 0, sizeof(*out));
    rc = parse_eth(p, len, &off, &type);
    if (rc)
        return rc;
    if (type == ETHERTYPE_IPV4)
        rc = parse_ipv4(p, len, &off, &proto);
    else if (type == ETHERTYPE_IPV6)
        rc = parse_ipv6(p, len, &off, &proto);
    else
        rc = -EPROTONOSUPPORT;
    if (rc)
        return rc;
    if (proto == IPPROTO_TCP) {
        if (len - off < 20)
            return -EINVAL;
        l4len = (size_t)(p[off + 12] >> 4) * 4;
        if (l4len < 20 || len - off < l4len)
            return -EINVAL;
        out->csum_offset = 16;
    } else if (proto == IPPROTO_UDP) {
        if (len - off < 8)
            return -EINVAL;
        l4len = 8;
        out->csum_offset = 6;
    } else {
        return -EPROTONOSUPPORT;
    }
    if (off + l4len > 0xffff)
        return -EINVAL;
    out->csum_start = (uint16_t)off;
    out->hdr_len = (uint16_t)(off + l4len);
    out->ip_version = type == ETHERTYPE_IPV4 ? 4 : 6;
    out->proto = (uint8_t)proto;
    return 0;
}
