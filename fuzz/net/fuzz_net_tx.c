/* libFuzzer target: the network backend under a hostile netfront.  The
 * input supplies the grant entries of 32 data pages, the TX ring's
 * requests (raw 12-byte slots: requests and extra-info alike), a req_prod
 * perturbation, RX buffers (well formed, or raw ids and grants with an RX
 * req_prod perturbation) and one host frame, and the bytes in the data
 * pages, so the checksum parser sees hostile headers too.  Invariants
 * checked after every input (abort = finding): no data grant stays mapped
 * but the RX slots an empty in-place read keeps (netback_rx_direct.c), and
 * none at all after a disconnect;
 * unless the queue stopped, every consumed TX slot is answered and no
 * more, and every consumed RX slot too; every TX response other than NULL
 * echoes an id in the ring; the parser's offsets stay inside the bytes it
 * was given. */
#include "backends/net_hdr.h"
#include "net_front.h"

#include <stdlib.h>
#include <string.h>

#define NDATA 32
#define DATA_REF0 300u

struct hdr {
    uint8_t flags;          /* bit 0 perturb req_prod, bit 1 no features,
                               bit 2 RX: post buffers and send a frame,
                               bit 3 TX rate-limited (nrx * 256 bytes per
                               ms, the clock stepping 1 ms per pass),
                               bit 4 RX: raw ids and grants (g[i].domid),
                               req_prod moved by prod_delta,
                               bit 5 RX: the frame twice from the engine
                               (the direct path: readv into the slots),
                               up to 63 buffers, so that slots stay
                               armed after a frame read in place */
    uint8_t nreq;
    uint8_t prod_delta;
    uint8_t nrx;
    struct { uint16_t flags, domid; } g[NDATA];
    struct virtio_net_hdr vh; /* of the RX frame */
};

static struct net_front f;
static uint64_t data_pfn;
static bool ready;

static int setup(void)
{
    if (nf_init(&f, NETBACK_F_ALL))
        return -1;
    bf_alloc(&f.bf, NDATA, &data_pfn);
    return 0;
}

static void set_pages(const struct hdr *h, const uint8_t *tail, size_t tlen)
{
    for (unsigned i = 0; i < NDATA; i++) {
        grant_entry_v1_t *e = bf_entry(&f.bf, DATA_REF0 + i);
        uint8_t *page = bf_pfn_ptr(&f.bf, data_pfn + i);
        e->frame = (uint32_t)(data_pfn + i);
        e->domid = h->g[i].domid & 0x8001 ? h->g[i].domid : 0;
        e->flags = h->g[i].flags;
        memset(page, 0, NET_PAGE);
        if (tlen)
            memcpy(page, tail, tlen < NET_PAGE ? tlen : NET_PAGE);
    }
}

static void check_parser(const uint8_t *p, size_t len)
{
    struct net_l4 l4;

    if (net_parse_l4(p, len, &l4) == 0 &&
        ((size_t)l4.csum_start + l4.csum_offset + 2 > len || l4.hdr_len > len ||
         l4.hdr_len <= l4.csum_start))
        abort();
}

static void reconnect(unsigned features)
{
    netback_disconnect(f.nb);
    memset(f.txs, 0, NET_PAGE);
    SHARED_RING_INIT(f.txs);
    FRONT_RING_INIT(&f.tx, f.txs, NET_PAGE);
    memset(f.rxs, 0, NET_PAGE);
    SHARED_RING_INIT(f.rxs);
    FRONT_RING_INIT(&f.rx, f.rxs, NET_PAGE);
    if (nf_connect(&f, features))
        abort();
}

static void run_rx(const struct hdr *h, const uint8_t *tail, size_t tlen)
{
    static uint8_t frame[NET_VHDR + 4 * NET_PAGE];
    size_t n = tlen < 4 * NET_PAGE ? tlen : 4 * NET_PAGE;
    bool raw = h->flags & 16, engine = h->flags & 32;
    struct net_queue *q = &f.nb->q[0];

    /* Through the engine up to 63 buffers: the direct path wants 17. */
    for (unsigned i = 0; i < h->nrx % (engine ? 64u : 8u); i++) {
        struct netif_rx_request *r = RING_GET_REQUEST(&f.rx, f.rx.req_prod_pvt++);
        uint16_t gd = h->g[i % NDATA].domid, gf = h->g[i % NDATA].flags;
        r->id = raw ? gd : (uint16_t)i;
        r->gref = DATA_REF0 + (gf >> 8) % NDATA;
        if (raw && (gd & 0x8000))
            r->gref = gd * 0x10001u;      /* beyond the table, or reserved */
    }
    RING_PUSH_REQUESTS(&f.rx);
    if (raw)
        f.rxs->req_prod += h->prod_delta;
    memcpy(frame, &h->vh, NET_VHDR);
    memcpy(frame + NET_VHDR, tail, n);
    if (engine) {
        /* Twice: after a big first frame the second is read in place. */
        f.nb->rx_big = false;
        f.eng.in[0] = f.eng.in[1] = frame;
        f.eng.in_len[0] = f.eng.in_len[1] = NET_VHDR + n;
        f.eng.nin = 2;
        f.eng.next_in = 0;
        netback_engine_event(f.nb);
    } else {
        netback_rx_frame(f.nb, 0, frame, NET_VHDR + n);
    }
    netback_rx_event(f.nb, 0);
    if (!q->broken && f.rxs->rsp_prod != q->rx.req_cons)
        abort();
    if (q->rx.req_cons - f.rx.rsp_cons > NF_RING)
        abort();
}

/* The ids a response may carry: those of the 256 ring slots as posted
 * (a perturbed req_prod exposes slots we did not fill). */
static void check_tx(void)
{
    uint16_t ids[NF_RING];
    const unsigned nids = NF_RING;

    for (unsigned i = 0; i < NF_RING; i++)
        ids[i] = RING_GET_REQUEST(&f.tx, i)->id;
    struct netif_tx_response r;
    struct net_queue *q = &f.nb->q[0];
    unsigned n = 0;

    while (nf_tx_take(&f, &r)) {
        bool known = r.status == NETIF_RSP_NULL;
        for (unsigned i = 0; i < nids && !known; i++)
            known = ids[i] == r.id;
        if (!known)
            abort();
        n++;
    }
    if (n > q->tx.req_cons || (!q->broken && f.txs->rsp_prod != q->tx.req_cons))
        abort();
}

/* Maps held on data grants (the rings' own excepted), nested ones each. */
static unsigned data_maps(void)
{
    unsigned n = 0;

    for (uint32_t ref = GNTTAB_NR_RESERVED_ENTRIES; ref < DATA_REF0 + NDATA; ref++)
        if (ref != f.tx_ref && ref != f.rx_ref)
            n += hv_gnttab_map_count(&f.bf.dom, ref);
    return n;
}

static uint64_t fuzz_now;
static uint64_t fuzz_clock(void) { return fuzz_now; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hdr h;
    const uint8_t *p;
    size_t left, tlen;
    unsigned nreq;

    if (!ready) {
        if (setup())
            abort();
        ready = true;
    }
    if (size < sizeof(h))
        return 0;
    memcpy(&h, data, sizeof(h));
    p = data + sizeof(h);
    left = size - sizeof(h);
    nreq = h.nreq;
    if (nreq * sizeof(struct netif_tx_request) > left)
        nreq = (unsigned)(left / sizeof(struct netif_tx_request));
    tlen = left - nreq * sizeof(struct netif_tx_request);
    const uint8_t *tail = p + nreq * sizeof(struct netif_tx_request);
    check_parser(tail, tlen);
    reconnect(h.flags & 2 ? 0 : NETBACK_F_ALL);
    set_pages(&h, tail, tlen);
    for (unsigned i = 0; i < nreq; i++) {
        struct netif_tx_request *r = nf_tx_slot(&f);
        memcpy(r, p + i * sizeof(*r), sizeof(*r));
        if (!(r->gref & 0x80000000u))
            r->gref = DATA_REF0 + r->gref % NDATA;   /* mostly real grants */
    }
    RING_PUSH_REQUESTS(&f.tx);
    if (h.flags & 1)
        f.txs->req_prod += h.prod_delta;
    netback_set_clock(f.nb, fuzz_clock);
    netback_set_rate(f.nb, h.flags & 8 ? (uint64_t)h.nrx * 256 + 1 : 0, 1000);
    netback_tx_event(f.nb, 0);
    for (unsigned pass = 0; (h.flags & 8) && pass < 3; pass++) {
        fuzz_now += 1000000;
        netback_tx_event(f.nb, 0);
    }
    check_tx();
    if (h.flags & 4)
        run_rx(&h, tail, tlen);
    if (data_maps() != f.nb->rxa.n)
        abort();
    netback_disconnect(f.nb);
    if (data_maps() != 0)
        abort();
    return 0;
}
