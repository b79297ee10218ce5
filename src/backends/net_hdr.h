/* Where a packet's L4 checksum lives: a pure parser of Ethernet (with one
 * 802.1Q tag), IPv4, IPv6 (with its extension headers) and TCP/UDP.
 * netfront sends NETTXF_csum_blank with no offsets, so the backend finds
 * csum_start/csum_offset here for VIRTIO_NET_HDR_F_NEEDS_CSUM.  Every
 * length is checked against the bytes given; fuzzed (fuzz/net). */
#ifndef XENO_BACKENDS_NET_HDR_H
#define XENO_BACKENDS_NET_HDR_H

#include <stddef.h>
#include <stdint.h>

struct net_l4 {
    uint16_t csum_start;    /* offset of the L4 header in the frame */
    uint16_t csum_offset;   /* of the checksum field from csum_start */
    uint16_t hdr_len;       /* Ethernet + IP + L4 headers (GSO hdr_len) */
    uint8_t ip_version;     /* 4 or 6 */
    uint8_t proto;          /* IPPROTO_TCP or IPPROTO_UDP */
};

/* 0, -EINVAL (truncated or malformed), -EPROTONOSUPPORT (not IPv4/IPv6
 * TCP/UDP, or an IP fragment). */
int net_parse_l4(const uint8_t *p, size_t len, struct net_l4 *out);

#endif
