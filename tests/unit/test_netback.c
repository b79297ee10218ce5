/* The network backend's data path over a memfd guest and the fake engine:
 * good packets both ways (single and multi-slot, GSO, checksum offload)
 * and every hostile input the Xen advisories taught Linux netback. */
#include "check.h"
#include "net_front.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <ucontext.h>

static struct net_front f;
static uint8_t pkt[NETBACK_MAX_FRAME];

static void setup(unsigned features)
{
    if (nf_init(&f, features)) {
        fprintf(stderr, "cannot set up a memfd guest and netback\n");
        exit(1);
    }
}

static struct netback_stats stats(void)
{
    struct netback_stats st;
    netback_stats(f.nb, &st);
    return st;
}

/* Take every TX response: how many, each status checked against want
 * (NULL responses allowed where `nulls` says). */
static unsigned take_all(int16_t want, unsigned *nulls)
{
    struct netif_tx_response r;
    unsigned n = 0;

    if (nulls)
        *nulls = 0;
    while (nf_tx_take(&f, &r)) {
        if (r.status == NETIF_RSP_NULL && nulls)
            (*nulls)++;
        else
            CHECK_EQ(r.status, want);
        n++;
    }
    return n;
}

static const struct virtio_net_hdr *sent_hdr(unsigned n, size_t *len)
{
    const uint8_t *p = net_fake_frame(&f.eng, n, len);
    return (const struct virtio_net_hdr *)p;
}

static void test_tx_good(void)
{
    const struct virtio_net_hdr *vh;
    size_t len, n;
    unsigned nulls;

    setup(NETBACK_F_ALL);
    /* One slot, no offload. */
    n = nf_build(pkt, false, true, 100);
    nf_tx_packet(&f, pkt, n, NET_PAGE, 0, 7);
    nf_tx_kick(&f);
    CHECK_EQ(take_all(NETIF_RSP_OKAY, NULL), 1);
    vh = sent_hdr(0, &len);
    CHECK(vh && len == NET_VHDR + n && vh->flags == 0 && vh->gso_type == 0);
    CHECK(vh && memcmp((const uint8_t *)vh + NET_VHDR, pkt, n) == 0);
    CHECK_EQ(f.bf.notifies[NF_TX_PORT], 1);
    /* Multi-slot, checksum blank, IPv4 TCP: 9000 bytes in 1000-byte slots. */
    n = nf_build(pkt, false, false, 9000 - 54);
    nf_tx_packet(&f, pkt, n, 1000, NETTXF_csum_blank | NETTXF_data_validated, 20);
    nf_tx_kick(&f);
    CHECK_EQ(take_all(NETIF_RSP_OKAY, NULL), 9);
    vh = sent_hdr(1, &len);
    CHECK(vh && len == NET_VHDR + n && memcmp((const uint8_t *)vh + NET_VHDR, pkt, n) == 0);
    CHECK(vh && vh->flags == VIRTIO_NET_HDR_F_NEEDS_CSUM);
    CHECK(vh && vh->csum_start == 34 && vh->csum_offset == 16);
    /* The first 256 bytes copied, the rest straight from the mapped
     * grants: vnet header + copy + the rest of slot 0 + 8. */
    CHECK_EQ(f.eng.last_iovcnt, 11);
    CHECK_EQ(f.eng.last_iov1, 256);
    /* IPv6 UDP checksum blank. */
    n = nf_build(pkt, true, true, 300);
    nf_tx_packet(&f, pkt, n, NET_PAGE, NETTXF_csum_blank, 40);
    nf_tx_kick(&f);
    CHECK_EQ(take_all(NETIF_RSP_OKAY, NULL), 1);
    vh = sent_hdr(2, &len);
    CHECK(vh && vh->csum_start == 54 && vh->csum_offset == 6);
    /* GSO TCPv4: first, extra, then follow-ons. */
    n = nf_build(pkt, false, false, 30000);
    nf_tx_gso(&f, pkt, n, XEN_NETIF_GSO_TYPE_TCPV4, 1448, 50);
    nf_tx_kick(&f);
    CHECK_EQ(take_all(NETIF_RSP_OKAY, &nulls), 1 + 1 + 7);
    CHECK_EQ(nulls, 1);
    vh = sent_hdr(3, &len);
    CHECK(vh && len == NET_VHDR + n && memcmp((const uint8_t *)vh + NET_VHDR, pkt, n) == 0);
    CHECK(vh && vh->gso_type == VIRTIO_NET_HDR_GSO_TCPV4 && vh->gso_size == 1448);
    CHECK(vh && vh->hdr_len == 54 && vh->flags == VIRTIO_NET_HDR_F_NEEDS_CSUM);
    CHECK_EQ(stats().tx_packets, 4);
    CHECK(!nf_grants_held(&f));
    /* A kick with nothing posted sends no event (late-EOI frontends). */
    unsigned before = f.bf.notifies[NF_TX_PORT];
    netback_tx_event(f.nb, 0);
    CHECK_EQ(f.bf.notifies[NF_TX_PORT], before);
    nf_destroy(&f);
}

/* Zero-length follow-ons whose grefs are garbage (XSA-448) and the packet
 * of the most tiny slots, smaller than Linux's header area (XSA-432). */
static void test_tx_tiny_slots(void)
{
    struct netif_tx_request *r;
    const uint8_t *got;
    size_t len, n;

    setup(NETBACK_F_ALL);
    n = nf_build(pkt, false, true, 20);
    r = nf_tx_slot(&f);
    r->gref = nf_tx_page(&f, pkt, 14, 0);
    r->size = (uint16_t)n;
    r->flags = NETTXF_more_data;
    for (unsigned i = 0; i < 3; i++) {
        r = nf_tx_slot(&f);
        r->gref = 0xdeadbeef;                /* never looked at */
        r->flags = NETTXF_more_data;
    }
    r = nf_tx_slot(&f);
    r->gref = nf_tx_page(&f, pkt + 14, n - 14, 100);
    r->offset = 100;
    r->size = (uint16_t)(n - 14);
    nf_tx_kick(&f);
    CHECK_EQ(take_all(NETIF_RSP_OKAY, NULL), 5);
    got = net_fake_frame(&f.eng, 0, &len);
    CHECK(got && len == NET_VHDR + n && memcmp(got + NET_VHDR, pkt, n) == 0);
    /* 14 + 17 one-byte slots = 18 slots, 31 bytes: accepted whole. */
    /* The most follow-ons served, 18 one-byte slots after 14 bytes: 19
     * slots, 32 bytes, less than Linux's 128-byte header area: accepted
     * whole. */
    for (unsigned i = 0; i < 32; i++)
        pkt[i] = (uint8_t)(0xa0 + i);
    r = nf_tx_slot(&f);
    r->gref = nf_tx_page(&f, pkt, 14, 0);
    r->size = 32;
    r->flags = NETTXF_more_data;
    for (unsigned i = 0; i < 18; i++) {
        r = nf_tx_slot(&f);
        r->gref = nf_tx_page(&f, pkt + 14 + i, 1, 0);
        r->size = 1;
        r->flags = i < 17 ? NETTXF_more_data : 0;
    }
    nf_tx_kick(&f);
    CHECK_EQ(take_all(NETIF_RSP_OKAY, NULL), 19);
    got = net_fake_frame(&f.eng, 1, &len);
    CHECK(got && len == NET_VHDR + 32 && memcmp(got + NET_VHDR, pkt, 32) == 0);
    CHECK(!nf_grants_held(&f));
    CHECK(!netback_queue_broken(f.nb, 0));
    nf_destroy(&f);
}

/* Headers that reach past the first TX_HDR_COPY bytes (an IPv6 packet
 * with a 512-byte destination-options header, in 100-byte slots): the
 * whole packet is copied, then parsed; the frame is intact. */
static void test_tx_long_headers(void)
{
    const struct virtio_net_hdr *vh;
    size_t len, n = 14 + 40 + 512 + 20 + 200;

    setup(NETBACK_F_ALL);
    memset(pkt, 0, n);
    memset(pkt, 0xee, 12);
    pkt[12] = 0x86, pkt[13] = 0xdd;                  /* IPv6 */
    pkt[14] = 0x60;
    pkt[18] = (uint8_t)((512 + 20 + 200) >> 8), pkt[19] = (uint8_t)(512 + 20 + 200);
    pkt[20] = 60;                                    /* destination options */
    pkt[21] = 64;
    pkt[54] = 6;                                     /* then TCP */
    pkt[55] = 512 / 8 - 1;
    pkt[54 + 512 + 12] = 5 << 4;                     /* data offset 5 */
    for (size_t i = 54 + 512 + 20; i < n; i++)
        pkt[i] = (uint8_t)i;
    nf_tx_packet(&f, pkt, n, 100, NETTXF_csum_blank, 60);
    nf_tx_kick(&f);
    CHECK_EQ(take_all(NETIF_RSP_OKAY, NULL), (n + 99) / 100);
    vh = sent_hdr(0, &len);
    CHECK(vh && len == NET_VHDR + n && memcmp((const uint8_t *)vh + NET_VHDR, pkt, n) == 0);
    CHECK(vh && vh->flags == VIRTIO_NET_HDR_F_NEEDS_CSUM);
    CHECK(vh && vh->csum_start == 54 + 512 && vh->csum_offset == 16);
    CHECK_EQ(f.eng.last_iovcnt, 2);                  /* all of it copied */
    CHECK(!nf_grants_held(&f));
    nf_destroy(&f);
}

/* Netfront's usual GSO packet: the headers alone in the first slot, the
 * payload in whole pages.  Only 256 bytes are copied (the 54 of slot 0 and
 * the start of slot 1); the rest of slot 1 goes out from its mapping. */
static void test_tx_headers_slot(void)
{
    const struct virtio_net_hdr *vh;
    size_t len, n = nf_build(pkt, false, false, 3 * NET_PAGE);
    struct netif_tx_request *r;
    unsigned nulls;

    setup(NETBACK_F_ALL);
    r = nf_tx_slot(&f);
    r->gref = nf_tx_page(&f, pkt, 54, 0);
    r->size = (uint16_t)n;
    r->flags = NETTXF_more_data | NETTXF_csum_blank | NETTXF_extra_info;
    struct netif_extra_info *x = (struct netif_extra_info *)nf_tx_slot(&f);
    memset(x, 0, sizeof(*x));
    x->type = XEN_NETIF_EXTRA_TYPE_GSO;
    x->u.gso.type = XEN_NETIF_GSO_TYPE_TCPV4;
    x->u.gso.size = 1448;
    for (unsigned i = 0; i < 3; i++) {
        r = nf_tx_slot(&f);
        r->gref = nf_tx_page(&f, pkt + 54 + i * NET_PAGE, NET_PAGE, 0);
        r->size = NET_PAGE;
        r->flags = i < 2 ? NETTXF_more_data : 0;
    }
    nf_tx_kick(&f);
    CHECK_EQ(take_all(NETIF_RSP_OKAY, &nulls), 5);
    CHECK_EQ(nulls, 1);
    vh = sent_hdr(0, &len);
    CHECK(vh && len == NET_VHDR + n && memcmp((const uint8_t *)vh + NET_VHDR, pkt, n) == 0);
    CHECK(vh && vh->gso_type == VIRTIO_NET_HDR_GSO_TCPV4 && vh->hdr_len == 54);
    CHECK_EQ(f.eng.last_iov1, 256);
    CHECK_EQ(f.eng.last_iovcnt, 2 + 3);             /* vhdr, copy, rest of slot 1, 2 */
    CHECK(!nf_grants_held(&f));
    nf_destroy(&f);
}

/* Hostile TX packets.  Each: how many follow-on slots, the sizes, and
 * what must happen. */
enum outcome { DROPPED, FATAL };

static void post_slots(unsigned nfrag, uint16_t first_size, uint16_t frag_size,
                       uint16_t first_off)
{
    struct netif_tx_request *r = nf_tx_slot(&f);

    r->gref = nf_tx_page(&f, pkt, NET_PAGE, 0);
    r->size = first_size;
    r->offset = first_off;
    r->flags = nfrag ? NETTXF_more_data : 0;
    for (unsigned i = 0; i < nfrag; i++) {
        r = nf_tx_slot(&f);
        r->gref = nf_tx_page(&f, pkt, NET_PAGE, 0);
        r->size = frag_size;
        r->id = (uint16_t)(i + 1);
        r->flags = i + 1 < nfrag ? NETTXF_more_data : 0;
    }
}

static void expect(enum outcome o, unsigned slots, const char *what)
{
    struct netback_stats st = stats();

    nf_tx_kick(&f);
    if (o == DROPPED) {
        CHECK_EQ(take_all(NETIF_RSP_ERROR, NULL), slots);
        CHECK(!netback_queue_broken(f.nb, 0));
        CHECK_EQ(stats().tx_errors, st.tx_errors + 1);
    } else {
        CHECK_EQ(take_all(NETIF_RSP_OKAY, NULL), 0);
        CHECK(netback_queue_broken(f.nb, 0));
        CHECK(f.bf.logs > 0);
    }
    CHECK_EQ(f.eng.sent, 0);
    CHECK(!nf_grants_held(&f));
    if (check_failures)
        fprintf(stderr, "  (after: %s; last log: %s)\n", what, f.bf.last_log);
}

static void test_tx_hostile(void)
{
    struct netif_tx_request *r;
    struct netif_extra_info *ex;
    const struct { unsigned nfrag; uint16_t first, frag, off; enum outcome o; const char *what; } t[] = {
        { 0, 13, 0, 0, DROPPED, "size < 14" },
        { 0, 0, 0, 0, DROPPED, "size 0" },
        { 2, 100, 50, 0, DROPPED, "first slot < 14 after follow-ons" },
        { 0, 100, 0, 4000, FATAL, "first offset+size > 4096" },
        { 1, 5000, 4097, 0, FATAL, "follow-on crossing a page" },
        { 2, 1000, 900, 0, DROPPED, "follow-on larger than the rest" },
        { 1, 100, 4096, 0, DROPPED, "follow-on larger than the whole packet" },
        { 1, 65535, 4096, 0, FATAL, "first slot of a 64 KiB packet crosses a page" },
        { 19, 19 * 10 + 20, 10, 0, DROPPED, "19 follow-on slots" },
        { 20, 20 * 10 + 20, 10, 0, DROPPED, "20 follow-on slots" },
        { 21, 21 * 10 + 20, 10, 0, FATAL, "21 follow-on slots" },
        { 40, 40 * 10 + 20, 10, 0, FATAL, "40 follow-on slots" },
    };

    for (unsigned i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        setup(NETBACK_F_ALL);
        post_slots(t[i].nfrag, t[i].first, t[i].frag, t[i].off);
        expect(t[i].o, t[i].nfrag + 1, t[i].what);
        nf_destroy(&f);
    }
    /* Extra info: type 0, type 7, GSO size 0, GSO type 3, missing. */
    const struct { uint8_t type, gso_type; uint16_t gso_size; } x[] = {
        { XEN_NETIF_EXTRA_TYPE_NONE, 0, 0 }, { 7, 0, 0 },
        { XEN_NETIF_EXTRA_TYPE_GSO, XEN_NETIF_GSO_TYPE_TCPV4, 0 },
        { XEN_NETIF_EXTRA_TYPE_GSO, 3, 1448 },
    };
    for (unsigned i = 0; i <= sizeof(x) / sizeof(x[0]); i++) {
        setup(NETBACK_F_ALL);
        r = nf_tx_slot(&f);
        r->gref = nf_tx_page(&f, pkt, NET_PAGE, 0);
        r->size = 100;
        r->flags = NETTXF_extra_info;
        if (i < sizeof(x) / sizeof(x[0])) {     /* the last: no extra slot */
            ex = (struct netif_extra_info *)nf_tx_slot(&f);
            ex->type = x[i].type;
            ex->u.gso.type = x[i].gso_type;
            ex->u.gso.size = x[i].gso_size;
        }
        expect(FATAL, 0, "bad extra info");
        nf_destroy(&f);
    }
    /* more_data on the last posted slot. */
    setup(NETBACK_F_ALL);
    post_slots(1, 200, 100, 0);
    RING_GET_REQUEST(&f.tx, f.tx.req_prod_pvt - 1)->flags = NETTXF_more_data;
    expect(FATAL, 0, "packet needs more slots than posted");
    nf_destroy(&f);
    /* A bad grant, and csum_blank on ARP: dropped with ERROR. */
    setup(NETBACK_F_ALL);
    post_slots(0, 100, 0, 0);
    bf_entry(&f.bf, RING_GET_REQUEST(&f.tx, 0)->gref)->flags = 0;
    expect(DROPPED, 1, "revoked grant");
    nf_build(pkt, false, false, 100);
    pkt[12] = 0x08;
    pkt[13] = 0x06;
    post_slots(0, 154, 0, 0);
    RING_GET_REQUEST(&f.tx, f.tx.req_prod_pvt - 1)->flags = NETTXF_csum_blank;
    expect(DROPPED, 1, "csum_blank on ARP");
    nf_destroy(&f);
}

/* Extra-info chains: a guest may chain any number of extras (Linux takes
 * repeated types, each one a slot).  100 multicast extras and the packet
 * is served, one NULL response per extra (more than one response batch);
 * a chain that runs to req_prod without its last extra is fatal, and
 * nothing loops or overflows on the way. */
static void test_tx_extra_chain(void)
{
    struct netif_tx_request *r;
    struct netif_extra_info *ex;
    unsigned nulls;
    size_t n;

    setup(NETBACK_F_ALL);
    n = nf_build(pkt, false, true, 18);
    r = nf_tx_slot(&f);
    r->gref = nf_tx_page(&f, pkt, n, 0);
    r->size = (uint16_t)n;
    r->id = 3;
    r->flags = NETTXF_extra_info;
    for (unsigned i = 0; i < 100; i++) {
        ex = (struct netif_extra_info *)nf_tx_slot(&f);
        ex->type = XEN_NETIF_EXTRA_TYPE_MCAST_ADD;
        ex->flags = i + 1 < 100 ? XEN_NETIF_EXTRA_FLAG_MORE : 0;
    }
    nf_tx_kick(&f);
    CHECK_EQ(take_all(NETIF_RSP_OKAY, &nulls), 101);
    CHECK_EQ(nulls, 100);
    CHECK_EQ(f.eng.sent, 1);
    CHECK(!netback_queue_broken(f.nb, 0));
    nf_destroy(&f);
    /* A whole ring of extras, each saying another follows. */
    setup(NETBACK_F_ALL);
    r = nf_tx_slot(&f);
    r->gref = nf_tx_page(&f, pkt, n, 0);
    r->size = (uint16_t)n;
    r->flags = NETTXF_extra_info;
    while (!RING_FULL(&f.tx)) {
        ex = (struct netif_extra_info *)nf_tx_slot(&f);
        ex->type = XEN_NETIF_EXTRA_TYPE_MCAST_DEL;
        ex->flags = XEN_NETIF_EXTRA_FLAG_MORE;
    }
    expect(FATAL, 0, "extras chained to req_prod");
    CHECK(strstr(f.bf.last_log, "missing extra info") != NULL);
    nf_destroy(&f);
}

/* A 64 KiB GSO packet's grants go to the backend in one map batch and one
 * unmap batch; a bad grant anywhere in it (another domain's, one revoked
 * before posting, one the guest revokes while the backend maps) drops the
 * whole packet, and no grant of it stays mapped. */
static uint32_t revoke_ref;

static void revoke_on_map(uint32_t ref)
{
    if (ref == revoke_ref)
        CHECK(bf_end_access(&f.bf, ref));
}

static void test_tx_grant_batch(void)
{
    size_t n = nf_build(pkt, false, false, 65535 - 54), len;
    unsigned slots = 1 + (unsigned)((n - 4000 + NET_PAGE - 1) / NET_PAGE), nulls;

    setup(NETBACK_F_ALL);
    nf_tx_gso(&f, pkt, n, XEN_NETIF_GSO_TYPE_TCPV4, 1448, 0);
    nf_tx_kick(&f);
    CHECK_EQ(take_all(NETIF_RSP_OKAY, &nulls), slots + 1);
    CHECK_EQ(f.bf.map_batches, 1);
    CHECK_EQ(f.bf.unmap_batches, 1);
    const uint8_t *fr = net_fake_frame(&f.eng, 0, &len);
    CHECK(fr && len == NET_VHDR + n && memcmp(fr + NET_VHDR, pkt, n) == 0);
    /* vhdr, 256 bytes copied, the rest of slot 0, the other slots */
    CHECK_EQ(f.eng.last_iovcnt, 2 + slots);
    CHECK_EQ(f.eng.last_iov1, 256);
    for (unsigned k = 0; k < 3; k++) {
        RING_IDX base = f.tx.req_prod_pvt;
        struct netback_stats st = stats();
        nf_tx_gso(&f, pkt, n, XEN_NETIF_GSO_TYPE_TCPV4, 1448, 0);
        /* Request base + 1 is the extra; base + 9 the 8th follow-on. */
        uint32_t ref = RING_GET_REQUEST(&f.tx, base + 9)->gref;
        if (k == 0)
            bf_entry(&f.bf, ref)->domid = 5;
        else if (k == 1)
            CHECK(bf_end_access(&f.bf, ref));
        revoke_ref = k == 2 ? ref : 0;
        f.bf.on_map = revoke_on_map;
        nf_tx_kick(&f);
        f.bf.on_map = NULL;
        CHECK_EQ(take_all(NETIF_RSP_ERROR, &nulls), slots + 1);
        CHECK_EQ(nulls, 1);
        CHECK_EQ(stats().tx_errors, st.tx_errors + 1);
        CHECK_EQ(f.eng.sent, 1);
        CHECK_EQ(f.bf.unmap_batches, 1);             /* nothing was left to unmap */
        CHECK(!nf_grants_held(&f));
        if (check_failures)
            fprintf(stderr, "  (after bad grant %u)\n", k);
    }
    nf_destroy(&f);
}

/* A guest on another vCPU that takes responses and posts a new packet
 * whenever we write to its ring (from the dirty hook), within the ring's
 * room: each call stops at the budget and says so; all its packets are
 * served. */
static unsigned refills, taken;

static void take_ok(void)
{
    struct netif_tx_response r;

    while (nf_tx_take(&f, &r)) {
        CHECK_EQ(r.status, NETIF_RSP_OKAY);
        taken++;
    }
}

static void refill(void *p, size_t len)
{
    (void)p;
    (void)len;
    take_ok();
    if (refills >= 5000 || RING_FULL(&f.tx))
        return;
    refills++;
    nf_tx_packet(&f, pkt, 60, NET_PAGE, 0, (uint16_t)refills);
    RING_PUSH_REQUESTS(&f.tx);
}

static void test_tx_budget(void)
{
    unsigned calls = 0;

    setup(NETBACK_F_ALL);
    nf_build(pkt, false, true, 18);
    nf_tx_packet(&f, pkt, 60, NET_PAGE, 0, 0);
    RING_PUSH_REQUESTS(&f.tx);
    f.bf.on_dirty = refill;
    while (calls < 100) {
        bool more = netback_tx_event(f.nb, 0);
        calls++;
        take_ok();
        if (!more)
            break;
    }
    f.bf.on_dirty = NULL;
    CHECK_EQ(refills, 5000);
    CHECK_EQ(taken, 5001);
    CHECK(calls >= 5001 / NETBACK_TX_BUDGET);
    CHECK(calls < 100);
    CHECK(!netback_queue_broken(f.nb, 0));
    nf_destroy(&f);
}

/* req_prod running more than a ring ahead (XSA-39): fatal, one log line;
 * a reconnect serves again. */
static void test_tx_prod_jump(void)
{
    size_t n;

    setup(NETBACK_F_ALL);
    f.txs->req_prod += 1000;
    netback_tx_event(f.nb, 0);
    CHECK(netback_queue_broken(f.nb, 0));
    CHECK_EQ(f.bf.logs, 1);
    CHECK(strstr(f.bf.last_log, "impossible number of requests") != NULL);
    netback_tx_event(f.nb, 0);
    CHECK_EQ(f.bf.logs, 1);
    CHECK_EQ(stats().broken_queues, 1);
    netback_disconnect(f.nb);
    SHARED_RING_INIT(f.txs);
    FRONT_RING_INIT(&f.tx, f.txs, NET_PAGE);
    CHECK_EQ(nf_connect(&f, NETBACK_F_ALL), 0);
    n = nf_build(pkt, false, true, 10);
    nf_tx_packet(&f, pkt, n, NET_PAGE, 0, 1);
    nf_tx_kick(&f);
    CHECK_EQ(take_all(NETIF_RSP_OKAY, NULL), 1);
    CHECK_EQ(f.eng.sent, 1);
    nf_destroy(&f);
}

/* A host frame: vnet header + data. */
static size_t host_frame(uint8_t *buf, size_t dlen, uint8_t flags, uint8_t gso,
                         uint16_t gso_size)
{
    struct virtio_net_hdr vh = { .flags = flags, .gso_type = gso, .gso_size = gso_size };

    memcpy(buf, &vh, sizeof(vh));
    nf_build(buf + NET_VHDR, false, false, dlen - 54);
    return NET_VHDR + dlen;
}

static void test_rx_good(void)
{
    static uint8_t fr[NET_VHDR + NETBACK_MAX_FRAME];
    struct netif_rx_response r;
    struct netif_extra_info ex;
    RING_IDX slot;
    size_t n;

    setup(NETBACK_F_ALL);
    nf_rx_post(&f, 64);
    CHECK_EQ(f.bf.notifies[NF_RX_PORT], 0);      /* nothing to say yet */
    /* One slot, checksum needed. */
    n = host_frame(fr, 1000, VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 0);
    CHECK_EQ(netback_rx_frame(f.nb, 0, fr, n), 0);
    CHECK_EQ(nf_rx_take(&f, &r, &slot), 1);
    CHECK_EQ(r.status, 1000);
    CHECK_EQ(r.offset, 0);
    CHECK_EQ(r.id, slot % NF_RING);
    CHECK_EQ(r.flags, NETRXF_csum_blank | NETRXF_data_validated);
    CHECK(memcmp(nf_rx_buf(&f, slot), fr + NET_VHDR, 1000) == 0);
    CHECK_EQ(f.bf.notifies[NF_RX_PORT], 1);
    /* 9000 bytes with feature-sg: 4096 + 4096 + 808. */
    n = host_frame(fr, 9000, VIRTIO_NET_HDR_F_DATA_VALID, 0, 0);
    CHECK_EQ(netback_rx_frame(f.nb, 0, fr, n), 0);
    for (unsigned i = 0; i < 3; i++) {
        CHECK_EQ(nf_rx_take(&f, &r, &slot), 1);
        CHECK_EQ(r.id, slot % NF_RING);
        CHECK_EQ(r.status, i < 2 ? 4096 : 808);
        CHECK_EQ(r.flags, (i == 0 ? NETRXF_data_validated : 0) | (i < 2 ? NETRXF_more_data : 0));
        CHECK(memcmp(nf_rx_buf(&f, slot), fr + NET_VHDR + i * 4096, (size_t)r.status) == 0);
    }
    /* GSO 20000 bytes: data, extra, 4 more data slots. */
    n = host_frame(fr, 20000, VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV4, 1448);
    CHECK_EQ(netback_rx_frame(f.nb, 0, fr, n), 0);
    CHECK_EQ(nf_rx_take(&f, &r, &slot), 1);
    CHECK_EQ(r.flags, NETRXF_csum_blank | NETRXF_data_validated | NETRXF_extra_info |
                      NETRXF_more_data);
    CHECK_EQ(r.status, 4096);
    CHECK_EQ(nf_rx_take(&f, (struct netif_rx_response *)&ex, &slot), 1);
    CHECK_EQ(ex.type, XEN_NETIF_EXTRA_TYPE_GSO);
    CHECK_EQ(ex.u.gso.size, 1448);
    CHECK_EQ(ex.u.gso.type, XEN_NETIF_GSO_TYPE_TCPV4);
    size_t got = 4096;
    while (nf_rx_take(&f, &r, &slot)) {
        CHECK_EQ(r.id, slot % NF_RING);
        CHECK(memcmp(nf_rx_buf(&f, slot), fr + NET_VHDR + got, (size_t)r.status) == 0);
        got += (size_t)r.status;
    }
    CHECK_EQ(got, 20000);
    CHECK_EQ(stats().rx_packets, 3);
    CHECK(!nf_grants_held(&f));
    nf_destroy(&f);
    /* Without feature-sg or GSO, big frames and GSO are dropped. */
    setup(0);
    nf_rx_post(&f, 64);
    n = host_frame(fr, 5000, 0, 0, 0);
    CHECK_EQ(netback_rx_frame(f.nb, 0, fr, n), -ENOBUFS);
    n = host_frame(fr, 3000, 0, VIRTIO_NET_HDR_GSO_TCPV4, 1448);
    CHECK_EQ(netback_rx_frame(f.nb, 0, fr, n), -ENOBUFS);
    n = host_frame(fr, 3000, 0, VIRTIO_NET_HDR_GSO_NONE, 0);
    CHECK_EQ(netback_rx_frame(f.nb, 0, fr, n), 0);
    CHECK_EQ(netback_rx_frame(f.nb, 0, fr, 10), -ENOBUFS);
    CHECK_EQ(stats().rx_dropped, 3);
    CHECK_EQ(stats().rx_packets, 1);
    nf_destroy(&f);
}

/* A guest that never posts RX buffers (XSA-392): the queue stops at its
 * bound and drops; TX on the same vif still works; posting buffers later
 * delivers what was queued. */
static void test_rx_bounded(void)
{
    static uint8_t fr[NET_VHDR + 2000];
    struct netif_rx_response r;
    unsigned ok = 0, delivered = 0;
    size_t n = host_frame(fr, 1500, 0, 0, 0);

    setup(NETBACK_F_ALL);
    for (unsigned i = 0; i < 2000; i++)
        if (netback_rx_frame(f.nb, 0, fr, n) == 0)
            ok++;
    CHECK_EQ(ok, NETBACK_RX_QUEUE_MAX / 1500);
    CHECK(netback_rx_queued(f.nb, 0) <= NETBACK_RX_QUEUE_MAX);
    CHECK_EQ(stats().rx_dropped, 2000 - ok);
    CHECK_EQ(f.bf.notifies[NF_RX_PORT], 0);
    size_t tn = nf_build(pkt, false, true, 10);
    nf_tx_packet(&f, pkt, tn, NET_PAGE, 0, 1);
    nf_tx_kick(&f);
    CHECK_EQ(take_all(NETIF_RSP_OKAY, NULL), 1);
    /* Post buffers a ring at a time; each round delivers what fits. */
    while (delivered < ok) {
        unsigned got = 0;
        nf_rx_post(&f, NF_RING);
        while (nf_rx_take(&f, &r, NULL)) {
            CHECK_EQ(r.status, 1500);
            got++;
        }
        if (!got)
            break;
        delivered += got;
    }
    CHECK_EQ(delivered, ok);
    CHECK_EQ(netback_rx_queued(f.nb, 0), 0);
    nf_destroy(&f);
}

/* Exactly one free slot and a GSO frame (3 slots) at the head: nothing is
 * delivered, req_event asks for the rest, and a later post delivers it. */
static void test_rx_stall(void)
{
    static uint8_t fr[NET_VHDR + 6000];
    struct netif_rx_response r;
    size_t n = host_frame(fr, 5000, VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV4, 1448);
    unsigned k = 0;

    setup(NETBACK_F_ALL);
    nf_rx_post(&f, 1);
    CHECK_EQ(netback_rx_frame(f.nb, 0, fr, n), 0);
    CHECK_EQ(nf_rx_take(&f, &r, NULL), 0);
    CHECK_EQ(f.rxs->req_event, 0 + 3);
    CHECK_EQ(netback_rx_queued(f.nb, 0), 5000);
    nf_rx_post(&f, 2);
    while (nf_rx_take(&f, &r, NULL))
        k++;
    CHECK_EQ(k, 3);
    CHECK_EQ(netback_rx_queued(f.nb, 0), 0);
    nf_destroy(&f);
}

/* Hostile RX: one gref and id posted twice, a request rewritten after the
 * event, a bad gref, then a req_prod jump. */
static void test_rx_hostile(void)
{
    static uint8_t fr[NET_VHDR + 2000];
    struct netif_rx_response r;
    RING_IDX slot;
    size_t n = host_frame(fr, 1200, 0, 0, 0);

    setup(NETBACK_F_ALL);
    for (unsigned i = 0; i < 2; i++) {
        struct netif_rx_request *q = RING_GET_REQUEST(&f.rx, f.rx.req_prod_pvt++);
        q->id = 5;
        q->gref = f.rx_gref[0];
    }
    RING_PUSH_REQUESTS(&f.rx);
    netback_rx_event(f.nb, 0);
    CHECK_EQ(netback_rx_frame(f.nb, 0, fr, n), 0);
    CHECK_EQ(netback_rx_frame(f.nb, 0, fr, n), 0);
    for (unsigned i = 0; i < 2; i++) {
        CHECK_EQ(nf_rx_take(&f, &r, &slot), 1);
        CHECK_EQ(slot, i);
        CHECK_EQ(r.id, 5);
        CHECK_EQ(r.status, 1200);
    }
    /* A bad gref: status ERROR in that slot, the ring goes on. */
    struct netif_rx_request *q = RING_GET_REQUEST(&f.rx, f.rx.req_prod_pvt++);
    q->id = 9;
    q->gref = 4000;                     /* never granted */
    RING_PUSH_REQUESTS(&f.rx);
    CHECK_EQ(netback_rx_frame(f.nb, 0, fr, n), 0);
    CHECK_EQ(nf_rx_take(&f, &r, &slot), 1);
    CHECK_EQ(r.status, NETIF_RSP_ERROR);
    CHECK_EQ(stats().rx_errors, 1);
    CHECK(!netback_queue_broken(f.nb, 0));
    /* req_prod far ahead. */
    f.rxs->req_prod += 5000;
    CHECK_EQ(netback_rx_frame(f.nb, 0, fr, n), 0);
    CHECK(netback_queue_broken(f.nb, 0));
    CHECK(strstr(f.bf.last_log, "RX: impossible") != NULL);
    CHECK_EQ(netback_rx_frame(f.nb, 0, fr, n), -ENOBUFS);
    CHECK(!nf_grants_held(&f));
    nf_destroy(&f);
}

static void test_connect_and_engine(void)
{
    static uint8_t fr[NET_VHDR + 2000];
    struct netback_conn c = { .request_rx_copy = false };
    struct netif_rx_response r;
    size_t n = host_frame(fr, 700, 0, 0, 0);

    setup(NETBACK_F_ALL);
    CHECK_EQ(netback_queue_connect(f.nb, 0, &c), -EPROTONOSUPPORT);
    c.request_rx_copy = true;
    CHECK_EQ(netback_queue_connect(f.nb, 1, &c), -EINVAL);
    CHECK_EQ(nf_connect(&f, NETBACK_F_ALL), -EBUSY);
    netback_disconnect(f.nb);
    f.bf.fail_ring_map = -EINVAL;
    CHECK_EQ(nf_connect(&f, NETBACK_F_ALL), -EINVAL);
    f.bf.fail_ring_map = 0;
    /* Buffers posted before the backend attaches are used. */
    nf_rx_post(&f, 4);
    CHECK_EQ(nf_connect(&f, NETBACK_F_ALL), 0);
    f.eng.in[0] = fr;
    f.eng.in_len[0] = n;
    f.eng.in[1] = fr;
    f.eng.in_len[1] = n;
    f.eng.nin = 2;
    CHECK_EQ(netback_engine_event(f.nb), 2);
    CHECK_EQ(nf_rx_take(&f, &r, NULL), 1);
    CHECK_EQ(r.status, 700);
    CHECK_EQ(nf_rx_take(&f, &r, NULL), 1);
    /* An engine that refuses: counted as dropped, still answered OKAY. */
    f.eng.send_rc = -EAGAIN;
    size_t tn = nf_build(pkt, false, true, 10);
    nf_tx_packet(&f, pkt, tn, NET_PAGE, 0, 1);
    nf_tx_kick(&f);
    CHECK_EQ(take_all(NETIF_RSP_OKAY, NULL), 1);
    CHECK_EQ(stats().tx_dropped, 1);
    nf_destroy(&f);
}

/* Frames from the engine go straight into posted buffers, the rest wait
 * (in order) for the guest's next buffers; and a frame never overtakes
 * one that waits. */
static void test_rx_engine_direct(void)
{
    static uint8_t fr[3][NET_VHDR + 2000];
    struct netif_rx_response r;

    setup(NETBACK_F_ALL);
    nf_rx_post(&f, 1);
    for (unsigned i = 0; i < 3; i++) {
        f.eng.in[i] = fr[i];
        f.eng.in_len[i] = host_frame(fr[i], 700 + i, 0, 0, 0);
    }
    f.eng.nin = 2;
    CHECK_EQ(netback_engine_event(f.nb), 2);
    CHECK_EQ(netback_rx_queued(f.nb, 0), 701);   /* the first went straight in */
    CHECK_EQ(nf_rx_take(&f, &r, NULL), 1);
    CHECK_EQ(r.status, 700);
    CHECK_EQ(nf_rx_take(&f, &r, NULL), 0);
    /* Room now, but 701 waits: 702 goes behind it. */
    nf_rx_post(&f, 2);
    f.eng.nin = 3;
    CHECK_EQ(netback_engine_event(f.nb), 1);
    CHECK_EQ(netback_rx_queued(f.nb, 0), 0);
    CHECK_EQ(nf_rx_take(&f, &r, NULL), 1);
    CHECK_EQ(r.status, 701);
    CHECK_EQ(nf_rx_take(&f, &r, NULL), 1);
    CHECK_EQ(r.status, 702);
    CHECK_EQ(stats().rx_packets, 3);
    CHECK_EQ(stats().rx_dropped, 0);
    nf_destroy(&f);

    /* Twelve 64 KiB GSO frames in one engine event, the guest's ring full
     * of buffers (12 x 17 slots fit in 256): none waits, none is dropped,
     * although together they are more than the queue's bound. */
    static uint8_t big[NET_VHDR + NETBACK_MAX_FRAME];
    size_t n = host_frame(big, NETBACK_MAX_FRAME, VIRTIO_NET_HDR_F_NEEDS_CSUM,
                          VIRTIO_NET_HDR_GSO_TCPV4, 1448);
    CHECK(12 * (n - NET_VHDR) > NETBACK_RX_QUEUE_MAX);
    setup(NETBACK_F_ALL);
    nf_rx_post(&f, NF_RING);
    for (unsigned i = 0; i < 12; i++) {
        f.eng.in[i] = big;
        f.eng.in_len[i] = n;
    }
    f.eng.nin = 12;
    CHECK_EQ(netback_engine_event(f.nb), 12);
    CHECK_EQ(stats().rx_packets, 12);
    CHECK_EQ(stats().rx_dropped, 0);
    CHECK_EQ(netback_rx_queued(f.nb, 0), 0);
    nf_destroy(&f);
}

/* One frame off the RX ring, its data slots put together; *gso: it had
 * a GSO extra.  Its length. */
static size_t rx_frame(uint8_t *out, size_t max, bool *gso)
{
    struct netif_rx_response r, ex;
    size_t n = 0;
    bool more = true, first = true;

    *gso = false;
    while (more && nf_rx_take(&f, &r, NULL)) {
        CHECK(r.status >= 0 && (size_t)r.status + n <= max);
        if (r.status < 0 || (size_t)r.status + n > max)
            return 0;
        memcpy(out + n, nf_rx_buf(&f, r.id) + r.offset, (size_t)r.status);
        n += (size_t)r.status;
        more = r.flags & NETRXF_more_data;
        if (first && (r.flags & NETRXF_extra_info))
            *gso = nf_rx_take(&f, &ex, NULL) == 1;
        first = false;
    }
    return n;
}

/* The direct path (readv into the guest's pages): 64 KiB GSO frames, a
 * 9000-byte frame without GSO, small ones, in every order the slot
 * sizing meets; each arrives whole and unchanged, and the big GSO frame
 * after a big one is read in place (17 iovecs: the header and 16 pages). */
static void test_rx_direct_layouts(void)
{
    static uint8_t gso[NET_VHDR + NETBACK_MAX_FRAME], jumbo[NET_VHDR + 9000],
        small[NET_VHDR + 100], got[NETBACK_MAX_FRAME];
    const struct { const uint8_t *fr; bool gso; unsigned iovs; } in[] = {
        { gso, true, 1 },     /* after nothing big: the copying way */
        { gso, true, 17 },    /* in place */
        { jumbo, false, 17 }, /* big, no GSO: gathered */
        { small, false, 17 }, /* in place in the first slot */
        { small, false, 1 },  /* after a small one: copied */
        { jumbo, false, 1 },
    };
    size_t lens[3] = {
        host_frame(gso, NETBACK_MAX_FRAME, VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV4, 1448),
        host_frame(jumbo, 9000, 0, 0, 0), host_frame(small, 100, 0, 0, 0) };
    bool g;

    for (size_t i = 0; i < sizeof(gso); i++)  /* payload nobody would guess */
        if (i > NET_VHDR + 54)
            gso[i] = (uint8_t)(i * 7 + 3);
    setup(NETBACK_F_ALL);
    for (unsigned i = 0; i < 6; i++) {
        size_t len = in[i].fr == gso ? lens[0] : in[i].fr == jumbo ? lens[1] : lens[2];
        nf_rx_post(&f, NF_RING - (unsigned)(f.rx.req_prod_pvt - f.rx.rsp_cons));
        f.eng.in[i] = in[i].fr;
        f.eng.in_len[i] = len;
        f.eng.nin = i + 1;
        CHECK_EQ(netback_engine_event(f.nb), 1);
        CHECK_EQ(f.eng.recv_iovcnt, in[i].iovs);
        CHECK_EQ(rx_frame(got, sizeof(got), &g), len - NET_VHDR);
        CHECK(memcmp(got, in[i].fr + NET_VHDR, len - NET_VHDR) == 0);
        CHECK_EQ(g, in[i].gso);
    }
    CHECK_EQ(stats().rx_packets, 6);
    CHECK_EQ(stats().rx_dropped, 0);
    CHECK_EQ(netback_rx_queued(f.nb, 0), 0);
    nf_destroy(&f);
}

/* Hostile RX on the direct path: a bad gref among the slots (the map is
 * refused: the copying way answers that slot ERROR), one gref in every
 * slot, a req_prod jump; nothing crashes, no grant stays mapped. */
static void test_rx_direct_hostile(void)
{
    static uint8_t big[NET_VHDR + NETBACK_MAX_FRAME];
    struct netif_rx_response r;
    size_t n = host_frame(big, NETBACK_MAX_FRAME, VIRTIO_NET_HDR_F_NEEDS_CSUM,
                          VIRTIO_NET_HDR_GSO_TCPV4, 1448);
    bool g;
    static uint8_t got[NETBACK_MAX_FRAME];

    setup(NETBACK_F_ALL);
    for (unsigned i = 0; i < 4; i++) {
        f.eng.in[i] = big;
        f.eng.in_len[i] = n;
    }
    nf_rx_post(&f, 17);                 /* exactly one frame's */
    f.eng.nin = 1;                      /* big mode from here */
    CHECK_EQ(netback_engine_event(f.nb), 1);
    CHECK_EQ(rx_frame(got, sizeof(got), &g), n - NET_VHDR);
    /* 17 slots, the 3rd with a gref never granted. */
    for (unsigned i = 0; i < 17; i++) {
        struct netif_rx_request *q = RING_GET_REQUEST(&f.rx, f.rx.req_prod_pvt);
        q->id = (uint16_t)(f.rx.req_prod_pvt % NF_RING);
        q->gref = i == 2 ? 4000 : f.rx_gref[q->id];
        f.rx.req_prod_pvt++;
    }
    RING_PUSH_REQUESTS(&f.rx);
    f.eng.nin = 2;
    CHECK_EQ(netback_engine_event(f.nb), 1);
    CHECK(stats().rx_errors >= 1);
    CHECK(!nf_grants_held(&f));
    while (nf_rx_take(&f, &r, NULL))
        continue;
    /* One gref in all 17 slots: mapped 17 times, the frame garbles itself. */
    for (unsigned i = 0; i < 17; i++) {
        struct netif_rx_request *q = RING_GET_REQUEST(&f.rx, f.rx.req_prod_pvt);
        q->id = (uint16_t)(f.rx.req_prod_pvt % NF_RING);
        q->gref = f.rx_gref[0];
        f.rx.req_prod_pvt++;
    }
    RING_PUSH_REQUESTS(&f.rx);
    f.eng.nin = 3;
    CHECK_EQ(netback_engine_event(f.nb), 1);
    CHECK(!nf_grants_held(&f));
    CHECK(!netback_queue_broken(f.nb, 0));
    /* req_prod far ahead: the queue stops, the frame is dropped. */
    f.rxs->req_prod += 5000;
    f.eng.nin = 4;
    netback_engine_event(f.nb);
    CHECK(netback_queue_broken(f.nb, 0));
    CHECK(!nf_grants_held(&f));
    nf_destroy(&f);
}

/* The empty read keeps its 17 slots mapped: the next engine events reuse
 * them without another map, a frame then lands in them; a frame that
 * comes the copying way (netback_rx_frame) first unmaps them and takes
 * the same slots; the guest cannot end access to an armed buffer; and a
 * disconnect leaves nothing mapped. */
static void test_rx_direct_armed(void)
{
    static uint8_t big[NET_VHDR + NETBACK_MAX_FRAME], got[NETBACK_MAX_FRAME];
    size_t n = host_frame(big, NETBACK_MAX_FRAME, VIRTIO_NET_HDR_F_NEEDS_CSUM,
                          VIRTIO_NET_HDR_GSO_TCPV4, 1448);
    size_t sn;
    bool g;

    setup(NETBACK_F_ALL);
    nf_rx_post(&f, NF_RING);
    f.eng.in[0] = f.eng.in[1] = big;
    f.eng.in_len[0] = f.eng.in_len[1] = n;
    f.eng.nin = 1;
    CHECK_EQ(netback_engine_event(f.nb), 1);          /* copied; big mode */
    CHECK_EQ(rx_frame(got, sizeof(got), &g), n - NET_VHDR);
    CHECK(nf_grants_held(&f));                        /* armed by the empty read */
    unsigned maps = f.bf.map_batches, unmaps = f.bf.unmap_batches;
    RING_IDX next = f.rx.rsp_cons;
    CHECK(!bf_end_access(&f.bf, f.rx_gref[next % NF_RING]));
    CHECK_EQ(netback_engine_event(f.nb), 0);
    CHECK_EQ(netback_engine_event(f.nb), 0);
    CHECK_EQ(f.bf.map_batches, maps);                 /* nothing mapped again */
    CHECK_EQ(f.bf.unmap_batches, unmaps);
    f.eng.nin = 2;                                    /* a frame now: in place */
    CHECK_EQ(netback_engine_event(f.nb), 1);
    CHECK_EQ(f.eng.recv_iovcnt, 17);
    CHECK_EQ(f.bf.map_batches, maps + 1);             /* re-armed after it */
    CHECK_EQ(rx_frame(got, sizeof(got), &g), n - NET_VHDR);
    CHECK(g && memcmp(got, big + NET_VHDR, n - NET_VHDR) == 0);
    CHECK_EQ(stats().rx_packets, 2);
    /* A small frame the copying way while armed: the armed slots are given
     * up first, and it takes the next slot, answered once. */
    static uint8_t small[NET_VHDR + 300];
    sn = host_frame(small, 300, 0, 0, 0);
    next = f.rx.rsp_cons;
    CHECK(nf_grants_held(&f));
    CHECK_EQ(netback_rx_frame(f.nb, 0, small, sn), 0);
    CHECK(!nf_grants_held(&f));
    struct netif_rx_response r;
    RING_IDX slot;
    CHECK_EQ(nf_rx_take(&f, &r, &slot), 1);
    CHECK_EQ(slot, next);
    CHECK_EQ(r.status, 300);
    CHECK(memcmp(nf_rx_buf(&f, slot) + r.offset, small + NET_VHDR, 300) == 0);
    CHECK_EQ(nf_rx_take(&f, &r, NULL), 0);
    /* Armed again, then the frontend goes: nothing stays mapped. */
    nf_rx_post(&f, NF_RING - (unsigned)(f.rx.req_prod_pvt - f.rx.rsp_cons));
    f.eng.in[2] = big;
    f.eng.in_len[2] = n;
    f.eng.nin = 3;
    CHECK_EQ(netback_engine_event(f.nb), 1);
    CHECK_EQ(rx_frame(got, sizeof(got), &g), n - NET_VHDR);
    CHECK(nf_grants_held(&f));
    netback_disconnect(f.nb);
    CHECK(!nf_grants_held(&f));
    nf_destroy(&f);
}

/* A guest vCPU moving req_prod far ahead while the direct path maps its
 * slots: the frame goes into the 17 slots that were posted when their
 * requests were copied, and no further; the next frame finds req_prod
 * impossible, the queue stops and that frame is dropped (net_rx_avail's
 * -1 is never taken for a slot count). */
static bool jumped;
static void prod_jump_on_map(uint32_t ref)
{
    (void)ref;
    if (!jumped)
        f.rxs->req_prod += 5000;
    jumped = true;
}

static void test_rx_direct_prod_jump(void)
{
    static uint8_t big[NET_VHDR + NETBACK_MAX_FRAME];
    size_t n = host_frame(big, NETBACK_MAX_FRAME, VIRTIO_NET_HDR_F_NEEDS_CSUM,
                          VIRTIO_NET_HDR_GSO_TCPV4, 1448);

    setup(NETBACK_F_ALL);
    for (unsigned i = 0; i < 3; i++) {
        f.eng.in[i] = big;
        f.eng.in_len[i] = n;
    }
    nf_rx_post(&f, 17);
    f.eng.nin = 1;                       /* copied; big from here */
    CHECK_EQ(netback_engine_event(f.nb), 1);
    nf_rx_post(&f, 17);
    jumped = false;
    f.bf.on_map = prod_jump_on_map;
    f.eng.nin = 3;
    netback_engine_event(f.nb);
    f.bf.on_map = NULL;
    CHECK(jumped);
    CHECK_EQ(stats().rx_packets, 2);
    CHECK_EQ(f.nb->q[0].rx.req_cons, 34);
    CHECK(netback_queue_broken(f.nb, 0));
    CHECK_EQ(stats().rx_dropped, 1);
    CHECK(!nf_grants_held(&f));
    nf_destroy(&f);
}

static uint64_t fake_now;
static uint64_t fake_clock(void) { return fake_now; }

/* `rate` 10000 bytes per 1000 us: a 128 KiB bucket, then 10 packets of
 * 1000 bytes per simulated millisecond; waiting packets stay on the ring
 * unanswered and unconsumed. */
static void test_tx_rate(void)
{
    size_t n = nf_build(pkt, false, true, 1000 - 42);
    unsigned got;

    CHECK_EQ(n, 1000);
    setup(NETBACK_F_ALL);
    fake_now = 1000000000ull;
    netback_set_clock(f.nb, fake_clock);
    netback_set_rate(f.nb, 10000, 1000);
    for (unsigned i = 0; i < 200; i++)
        nf_tx_packet(&f, pkt, n, NET_PAGE, 0, (uint16_t)i);
    nf_tx_kick(&f);
    got = take_all(NETIF_RSP_OKAY, NULL);
    CHECK_EQ(got, 131);                       /* 131072 / 1000 */
    CHECK_EQ(stats().tx_packets, 131);
    CHECK(stats().tx_throttled >= 1);
    CHECK(netback_tx_waiting(f.nb, 0));
    CHECK_EQ(netback_tx_wait_ns(f.nb, 0), 92800); /* 928 bytes missing */
    fake_now += 50000;                        /* half-way: nothing yet */
    CHECK(!netback_tx_event(f.nb, 0));
    CHECK_EQ(take_all(NETIF_RSP_OKAY, NULL), 0);
    CHECK_EQ(netback_tx_wait_ns(f.nb, 0), 42800);
    fake_now += 1000000;                      /* 1 ms later: 10500 bytes more */
    netback_tx_event(f.nb, 0);
    CHECK_EQ(take_all(NETIF_RSP_OKAY, NULL), 10);
    fake_now += 10000000000ull;               /* long idle: the bucket is capped */
    netback_tx_event(f.nb, 0);
    CHECK_EQ(take_all(NETIF_RSP_OKAY, NULL), 59); /* the rest of the 200 */
    CHECK_EQ(netback_tx_wait_ns(f.nb, 0), 0);
    CHECK(!netback_tx_waiting(f.nb, 0));
    CHECK_EQ(stats().tx_packets, 200);
    /* A 64 KiB packet always gets through a small rate (bucket >= 128 KiB). */
    netback_set_rate(f.nb, 100, 1000000);
    size_t big = nf_build(pkt, false, true, 60000);
    nf_tx_packet(&f, pkt, big, NET_PAGE, NETTXF_csum_blank, 300);
    nf_tx_kick(&f);
    CHECK_EQ(take_all(NETIF_RSP_OKAY, NULL), (unsigned)((big + NET_PAGE - 1) / NET_PAGE));
    /* Rate off again: everything flows. */
    netback_set_rate(f.nb, 0, 0);
    for (unsigned i = 0; i < 150; i++)
        nf_tx_packet(&f, pkt, n, NET_PAGE, 0, (uint16_t)i);
    nf_tx_kick(&f);
    CHECK_EQ(take_all(NETIF_RSP_OKAY, NULL), 150);
    CHECK(!nf_grants_held(&f));
    nf_destroy(&f);
}

/* Host frames spread over the connected queues by flow; one flow stays
 * on one queue; non-IP and truncated frames go to queue 0. */
static void test_rx_spread(void)
{
    static uint8_t fr[NET_VHDR + 2000];
    unsigned hits[NETBACK_MAX_QUEUES] = { 0 };
    size_t n;

    setup(NETBACK_F_ALL);
    f.nb->max_queues = 4;
    for (unsigned q = 0; q < 4; q++)
        f.nb->q[q].connected = true;
    n = host_frame(fr, 700, 0, 0, 0);
    unsigned first = net_rx_pick_queue(f.nb, fr, n);
    for (unsigned port = 0; port < 400; port++) {
        uint8_t *tcp = fr + NET_VHDR + 34;
        tcp[0] = (uint8_t)(port >> 8);
        tcp[1] = (uint8_t)port;
        unsigned q = net_rx_pick_queue(f.nb, fr, n);
        CHECK(q < 4);
        CHECK_EQ(net_rx_pick_queue(f.nb, fr, n), q);   /* stable */
        hits[q]++;
    }
    for (unsigned q = 0; q < 4; q++)
        CHECK(hits[q] > 50);                    /* 400 flows over 4 queues */
    fr[NET_VHDR + 34] = fr[NET_VHDR + 35] = 0;
    CHECK_EQ(net_rx_pick_queue(f.nb, fr, n), first);
    /* Only queues 0 and 1 connected: never 2 or 3. */
    f.nb->q[2].connected = false;
    for (unsigned port = 0; port < 100; port++) {
        fr[NET_VHDR + 35] = (uint8_t)port;
        CHECK(net_rx_pick_queue(f.nb, fr, n) < 2);
    }
    f.nb->q[2].connected = true;
    /* IPv6 spreads too. */
    memset(hits, 0, sizeof(hits));
    nf_build(fr + NET_VHDR, true, true, 100);
    for (unsigned port = 0; port < 200; port++) {
        fr[NET_VHDR + 54 + 1] = (uint8_t)port;
        hits[net_rx_pick_queue(f.nb, fr, NET_VHDR + 162)]++;
    }
    for (unsigned q = 0; q < 4; q++)
        CHECK(hits[q] > 10);
    /* ARP, and every truncation of an IPv4 frame: in range, no overread
     * (ASan), short ones on queue 0. */
    host_frame(fr, 700, 0, 0, 0);
    fr[NET_VHDR + 12] = 0x08;
    fr[NET_VHDR + 13] = 0x06;
    CHECK_EQ(net_rx_pick_queue(f.nb, fr, n), 0);
    fr[NET_VHDR + 13] = 0x00;
    for (size_t len = 0; len < NET_VHDR + 60; len++) {
        uint8_t *copy = malloc(len ? len : 1);
        memcpy(copy, fr, len);
        unsigned q = net_rx_pick_queue(f.nb, copy, len);
        CHECK(q < 4);
        if (len < NET_VHDR + 34)
            CHECK_EQ(q, 0);
        free(copy);
    }
    for (unsigned q = 1; q < 4; q++)
        f.nb->q[q].connected = false;
    f.nb->max_queues = 1;
    nf_destroy(&f);
}

/* The backend attaches at the frontend's rsp_prod, read once: its request
 * and response indexes start equal however the guest changes rsp_prod
 * meanwhile (BACK_RING_ATTACH evaluates its index argument twice).  The
 * ring pages here are PROT_NONE; each access to them faults, and the
 * fault handler bumps rsp_prod before letting that one instruction run
 * (single-step), so every read of rsp_prod sees a new value: a guest vCPU
 * at its worst, deterministically. */
static uint8_t *trap_pages;             /* TX ring, RX ring */

static void trap_segv(int sig, siginfo_t *si, void *uc_)
{
    ucontext_t *uc = uc_;
    uint8_t *a = si->si_addr;

    (void)sig;
    if (a < trap_pages || a >= trap_pages + 2 * NET_PAGE) {
        signal(SIGSEGV, SIG_DFL);       /* a real fault: crash on return */
        return;
    }
    mprotect(trap_pages, 2 * NET_PAGE, PROT_READ | PROT_WRITE);
    for (unsigned i = 0; i < 2; i++)
        ((netif_tx_sring_t *)(void *)(trap_pages + i * NET_PAGE))->rsp_prod += 0x100;
    uc->uc_mcontext.gregs[REG_EFL] |= 0x100;        /* TF: trap after it */
}

static void trap_step(int sig, siginfo_t *si, void *uc_)
{
    ucontext_t *uc = uc_;

    (void)sig;
    (void)si;
    mprotect(trap_pages, 2 * NET_PAGE, PROT_NONE);
    uc->uc_mcontext.gregs[REG_EFL] &= ~0x100;
}

static int trap_ring_map(void *env, uint16_t domid, const uint32_t *refs, unsigned nr,
                         void **ring)
{
    (void)env;
    (void)domid;
    (void)nr;
    *ring = trap_pages + (refs[0] == 2 ? NET_PAGE : 0);
    return 0;
}

static void trap_ring_unmap(void *env, uint16_t domid, const uint32_t *refs, unsigned nr,
                            void *ring)
{
    (void)env, (void)domid, (void)refs, (void)nr, (void)ring;
}

static void test_attach_once(void)
{
    static const struct blkback_env_ops ops = { .ring_map = trap_ring_map,
                                                .ring_unmap = trap_ring_unmap };
    struct netback_params p = { .mtu = 1500 };
    struct netback_conn c = { .tx_ring_ref = 1, .rx_ring_ref = 2, .tx_port = 1,
                              .rx_port = 1, .request_rx_copy = true };
    struct sigaction sa = { .sa_flags = SA_SIGINFO }, old_segv, old_trap;
    struct net_fake eng = { 0 };
    struct netback *nb;
    char err[96];

    trap_pages = mmap(NULL, 2 * NET_PAGE, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(trap_pages != MAP_FAILED);
    if (trap_pages == MAP_FAILED)
        return;
    memset(trap_pages, 0, 2 * NET_PAGE);
    nb = netback_create(&p, &ops, NULL, &net_fake_ops, &eng, err, sizeof(err));
    CHECK(nb != NULL);
    if (!nb)
        return;
    sa.sa_sigaction = trap_segv;
    sigaction(SIGSEGV, &sa, &old_segv);
    sa.sa_sigaction = trap_step;
    sigaction(SIGTRAP, &sa, &old_trap);
    mprotect(trap_pages, 2 * NET_PAGE, PROT_NONE);
    CHECK_EQ(netback_queue_connect(nb, 0, &c), 0);
    mprotect(trap_pages, 2 * NET_PAGE, PROT_READ | PROT_WRITE);
    sigaction(SIGSEGV, &old_segv, NULL);
    sigaction(SIGTRAP, &old_trap, NULL);
    CHECK_EQ(nb->q[0].tx.req_cons, nb->q[0].tx.rsp_prod_pvt);
    CHECK_EQ(nb->q[0].rx.req_cons, nb->q[0].rx.rsp_prod_pvt);
    netback_destroy(nb);
    net_fake_free(&eng);
    munmap(trap_pages, 2 * NET_PAGE);
}

int main(void)
{
    test_tx_good();
    test_tx_tiny_slots();
    test_tx_long_headers();
    test_tx_headers_slot();
    test_tx_hostile();
    test_tx_extra_chain();
    test_tx_grant_batch();
    test_tx_budget();
    test_tx_prod_jump();
    test_rx_good();
    test_rx_bounded();
    test_rx_stall();
    test_rx_hostile();
    test_connect_and_engine();
    test_rx_engine_direct();
    test_rx_direct_armed();
    test_rx_direct_layouts();
    test_rx_direct_hostile();
    test_rx_direct_prod_jump();
    test_tx_rate();
    test_rx_spread();
    test_attach_once();
    return check_done("netback");
}
