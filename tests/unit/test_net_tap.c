/* netback over a real tap device: TX frames reach the host stack (seen on
 * a packet socket bound to the tap), the kernel accepts the vnet headers
 * netback builds (checksum offload, GSO), and frames the host sends out
 * of the tap reach the guest's RX ring.  Needs root and /dev/net/tun. */
#include "check.h"
#include "net_front.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define ETHERTYPE_TEST 0x88b5u        /* IEEE local experimental */

static struct net_front f;
static uint8_t pkt[NETBACK_MAX_FRAME];

static int packet_socket(const char *name)
{
    struct sockaddr_ll sll = { .sll_family = AF_PACKET,
                               .sll_protocol = htons(ETHERTYPE_TEST),
                               .sll_ifindex = (int)if_nametoindex(name) };
    int s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETHERTYPE_TEST));

    if (s < 0 || bind(s, (struct sockaddr *)&sll, sizeof(sll)) < 0)
        return -1;
    return s;
}

static size_t test_frame(uint8_t *b, size_t len, uint8_t tag)
{
    memcpy(b, "\xfe\xff\xff\xff\xff\xff\x00\x16\x3e\x00\x00\x01", 12);
    b[12] = ETHERTYPE_TEST >> 8;
    b[13] = ETHERTYPE_TEST & 0xff;
    for (size_t i = 14; i < len; i++)
        b[i] = (uint8_t)(i + tag);
    return len;
}

static void test_tx(int ps)
{
    static uint8_t got[2048];
    struct netif_tx_response r;
    struct pollfd pfd = { .fd = ps, .events = POLLIN };
    struct netback_stats st;
    size_t n = test_frame(pkt, 1000, 1);
    ssize_t len;

    nf_tx_packet(&f, pkt, n, 300, 0, 1);     /* 4 slots */
    nf_tx_kick(&f);
    while (nf_tx_take(&f, &r))
        CHECK_EQ(r.status, NETIF_RSP_OKAY);
    CHECK_EQ(poll(&pfd, 1, 2000), 1);
    len = recv(ps, got, sizeof(got), MSG_DONTWAIT);
    CHECK_EQ(len, (ssize_t)n);
    CHECK(len == (ssize_t)n && memcmp(got, pkt, n) == 0);
    /* The kernel accepts netback's vnet headers: csum_blank UDP and a
     * 30 KiB TCPv4 GSO packet are written without error. */
    n = nf_build(pkt, false, true, 500);
    nf_tx_packet(&f, pkt, n, NET_PAGE, NETTXF_csum_blank | NETTXF_data_validated, 10);
    nf_tx_kick(&f);
    n = nf_build(pkt, false, false, 30000);
    nf_tx_gso(&f, pkt, n, XEN_NETIF_GSO_TYPE_TCPV4, 1448, 0);
    nf_tx_kick(&f);
    while (nf_tx_take(&f, &r))
        CHECK(r.status == NETIF_RSP_OKAY || r.status == NETIF_RSP_NULL);
    netback_stats(f.nb, &st);
    CHECK_EQ(st.tx_packets, 3);
    CHECK_EQ(st.tx_dropped, 0);
}

static void test_rx(int ps, int tapfd)
{
    struct pollfd pfd = { .fd = tapfd, .events = POLLIN };
    struct netif_rx_response r;
    RING_IDX slot;
    bool seen = false;
    size_t n = test_frame(pkt, 1200, 7);

    nf_rx_post(&f, 64);
    CHECK_EQ(send(ps, pkt, n, 0), (ssize_t)n);
    CHECK_EQ(poll(&pfd, 1, 2000), 1);
    CHECK(netback_engine_event(f.nb) >= 1);
    while (nf_rx_take(&f, &r, &slot))
        if (r.status == (int16_t)n && memcmp(nf_rx_buf(&f, slot), pkt, n) == 0)
            seen = true;
    CHECK(seen);
}

int main(void)
{
    char name[IFNAMSIZ] = "xnbtest%d";
    struct net_tap tap;
    int ps, rc;

    if (geteuid() != 0 || access("/dev/net/tun", R_OK | W_OK) != 0) {
        fprintf(stderr, "net-tap: needs root and /dev/net/tun (modprobe tun)\n");
        return 1;
    }
    tap.fd = net_tap_open(name, NETBACK_F_ALL);
    if (tap.fd < 0) {
        fprintf(stderr, "net-tap: cannot open a tap: %s (modprobe tun)\n",
                strerror(-tap.fd));
        return 1;
    }
    rc = nf_tap_up(name);
    ps = packet_socket(name);
    if (rc < 0 || ps < 0 || nf_init_engine(&f, NETBACK_F_ALL, &net_tap_ops, &tap)) {
        fprintf(stderr, "net-tap: cannot set up %s: %s\n", name, strerror(errno));
        return 1;
    }
    test_tx(ps);
    test_rx(ps, tap.fd);
    CHECK(!nf_grants_held(&f));
    nf_destroy(&f);
    close(ps);
    close(tap.fd);
    return check_done("net-tap");
}
