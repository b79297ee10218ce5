/* The checksum-offset parser on good, truncated and odd packets.  Each
 * packet is parsed from an exact-size heap copy, so ASan catches a read
 * past the end. */
#include "backends/net_hdr.h"
#include "check.h"
#include "net_front.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>

static int parse_exact(const uint8_t *pkt, size_t len, struct net_l4 *l4)
{
    uint8_t *copy = malloc(len ? len : 1);
    int rc;

    memcpy(copy, pkt, len);
    rc = net_parse_l4(copy, len, l4);
    free(copy);
    return rc;
}

static void test_good(void)
{
    static const struct { bool v6, udp; unsigned start, off, hdr; } t[] = {
        { false, false, 34, 16, 54 }, { false, true, 34, 6, 42 },
        { true, false, 54, 16, 74 }, { true, true, 54, 6, 62 },
    };
    uint8_t b[256];
    struct net_l4 l4;

    for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        size_t n = nf_build(b, t[i].v6, t[i].udp, 10);
        CHECK_EQ(parse_exact(b, n, &l4), 0);
        CHECK_EQ(l4.csum_start, t[i].start);
        CHECK_EQ(l4.csum_offset, t[i].off);
        CHECK_EQ(l4.hdr_len, t[i].hdr);
        CHECK_EQ(l4.ip_version, t[i].v6 ? 6 : 4);
        CHECK_EQ(l4.proto, t[i].udp ? IPPROTO_UDP : IPPROTO_TCP);
        /* Every truncation inside the headers is refused, none crash. */
        for (size_t cut = 0; cut < t[i].hdr; cut++)
            CHECK_EQ(parse_exact(b, cut, &l4), -EINVAL);
        CHECK_EQ(parse_exact(b, t[i].hdr, &l4), 0);
    }
}

static void test_odd(void)
{
    uint8_t b[256], v[256];
    struct net_l4 l4;
    size_t n;

    /* IPv4 options (ihl 6) and TCP options (doff 8). */
    n = nf_build(b, false, false, 0);
    memmove(b + 38, b + 34, n - 34);
    memset(b + 34, 1, 4);
    b[14] = 0x46;
    b[38 + 12] = 8 << 4;
    n += 4 + 12;
    CHECK_EQ(parse_exact(b, n, &l4), 0);
    CHECK_EQ(l4.csum_start, 38);
    CHECK_EQ(l4.hdr_len, 38 + 32);
    CHECK_EQ(parse_exact(b, n - 1, &l4), -EINVAL);   /* TCP options cut */
    /* ihl < 5, doff < 5, wrong version. */
    n = nf_build(b, false, false, 0);
    b[14] = 0x44;
    CHECK_EQ(parse_exact(b, n, &l4), -EINVAL);
    b[14] = 0x55;
    CHECK_EQ(parse_exact(b, n, &l4), -EINVAL);
    b[14] = 0x45;
    b[34 + 12] = 4 << 4;
    CHECK_EQ(parse_exact(b, n, &l4), -EINVAL);
    b[14] = 0x4f;                                    /* ihl 60 > packet */
    CHECK_EQ(parse_exact(b, n, &l4), -EINVAL);
    /* Fragments, ICMP, ARP. */
    n = nf_build(b, false, true, 4);
    b[20] = 0x20;                                    /* MF */
    CHECK_EQ(parse_exact(b, n, &l4), -EPROTONOSUPPORT);
    b[20] = 0;
    b[21] = 1;                                       /* offset 8 */
    CHECK_EQ(parse_exact(b, n, &l4), -EPROTONOSUPPORT);
    b[21] = 0;
    b[23] = IPPROTO_ICMP;
    CHECK_EQ(parse_exact(b, n, &l4), -EPROTONOSUPPORT);
    b[12] = 0x08;
    b[13] = 0x06;
    CHECK_EQ(parse_exact(b, n, &l4), -EPROTONOSUPPORT);
    /* 802.1Q tag in front of IPv4/TCP. */
    n = nf_build(b, false, false, 3);
    memcpy(v, b, 12);
    v[12] = 0x81;
    v[13] = 0;
    v[14] = 0;
    v[15] = 5;
    memcpy(v + 16, b + 12, n - 12);
    CHECK_EQ(parse_exact(v, n + 4, &l4), 0);
    CHECK_EQ(l4.csum_start, 38);
    CHECK_EQ(parse_exact(v, 17, &l4), -EINVAL);
    /* IPv6 with a hop-by-hop header (8 bytes) before UDP; then a fragment
     * header; then an extension header running past the end. */
    n = nf_build(b, true, true, 4);
    memmove(b + 62, b + 54, n - 54);
    memset(b + 54, 0, 8);
    b[54] = IPPROTO_UDP;
    b[20] = IPPROTO_HOPOPTS;
    n += 8;
    CHECK_EQ(parse_exact(b, n, &l4), 0);
    CHECK_EQ(l4.csum_start, 62);
    CHECK_EQ(l4.csum_offset, 6);
    b[54 + 1] = 30;                                  /* 248 bytes long */
    CHECK_EQ(parse_exact(b, n, &l4), -EINVAL);
    b[54 + 1] = 0;
    b[54] = IPPROTO_FRAGMENT;
    CHECK_EQ(parse_exact(b, n, &l4), -EPROTONOSUPPORT);
    /* A loop of hop-by-hop headers is bounded. */
    memset(v, 0, sizeof(v));
    memcpy(v, b, 54);
    for (unsigned i = 54; i + 8 <= sizeof(v); i += 8)
        v[i] = IPPROTO_HOPOPTS;
    CHECK(parse_exact(v, sizeof(v), &l4) < 0);
    CHECK_EQ(parse_exact(b, 0, &l4), -EINVAL);
}

int main(void)
{
    test_good();
    test_odd();
    return check_done("net-hdr");
}
