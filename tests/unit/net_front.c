/* Synthetic netfront: see net_front.h. */
#include "net_front.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

int nf_connect(struct net_front *f, unsigned features)
{
    struct netback_conn c = {
        .tx_ring_ref = f->tx_ref, .rx_ring_ref = f->rx_ref,
        .tx_port = NF_TX_PORT, .rx_port = NF_RX_PORT,
        .request_rx_copy = true, .features = features,
    };
    return netback_queue_connect(f->nb, 0, &c);
}

/* Rings and RX buffers live at the top of guest RAM, which bf_alloc
 * never hands out (it wraps below it), so TX data pages can be recycled
 * without touching them. */
static void *top_alloc(struct blk_front *bf, unsigned n, uint64_t *pfn)
{
    bf->ring_page -= n;
    *pfn = bf->ring_page;
    return bf_pfn_ptr(bf, *pfn);
}

int nf_init(struct net_front *f, unsigned features)
{
    return nf_init_engine(f, features, &net_fake_ops, &f->eng);
}

int nf_init_engine(struct net_front *f, unsigned features,
                   const struct net_engine_ops *ops, void *engine)
{
    struct netback_params p = { .mac = { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff },
                                .features = features };
    uint64_t pfn;
    char err[128];

    memset(f, 0, sizeof(*f));
    if (bf_init(&f->bf, 16))
        return -1;
    f->txs = top_alloc(&f->bf, 1, &pfn);
    memset(f->txs, 0, NET_PAGE);
    SHARED_RING_INIT(f->txs);
    FRONT_RING_INIT(&f->tx, f->txs, NET_PAGE);
    f->tx_ref = bf_grant(&f->bf, pfn, false);
    f->rxs = top_alloc(&f->bf, 1, &pfn);
    memset(f->rxs, 0, NET_PAGE);
    SHARED_RING_INIT(f->rxs);
    FRONT_RING_INIT(&f->rx, f->rxs, NET_PAGE);
    f->rx_ref = bf_grant(&f->bf, pfn, false);
    top_alloc(&f->bf, NF_RING, &f->rx_pfn);
    for (unsigned i = 0; i < NF_RING; i++)
        f->rx_gref[i] = bf_grant(&f->bf, f->rx_pfn + i, false);
    f->nb = netback_create(&p, &bf_env_ops, &f->bf, ops, engine, err, sizeof(err));
    if (!f->nb)
        return -1;
    return nf_connect(f, features);
}

void nf_destroy(struct net_front *f)
{
    netback_destroy(f->nb);
    net_fake_free(&f->eng);
    bf_destroy(&f->bf);
}

struct netif_tx_request *nf_tx_slot(struct net_front *f)
{
    struct netif_tx_request *r = RING_GET_REQUEST(&f->tx, f->tx.req_prod_pvt);

    f->tx.req_prod_pvt++;
    memset(r, 0, sizeof(*r));
    return r;
}

uint32_t nf_tx_page(struct net_front *f, const void *data, size_t len, unsigned off)
{
    uint64_t pfn;
    uint8_t *p = bf_alloc(&f->bf, 1, &pfn);

    memset(p, 0xee, NET_PAGE);
    if (len && off < NET_PAGE)
        memcpy(p + off, data, len > NET_PAGE - off ? NET_PAGE - off : len);
    return bf_grant(&f->bf, pfn, true);
}

void nf_tx_kick(struct net_front *f)
{
    RING_PUSH_REQUESTS(&f->tx);
    netback_tx_event(f->nb, 0);
}

int nf_tx_take(struct net_front *f, struct netif_tx_response *rsp)
{
    RING_IDX rp = __atomic_load_n(&f->txs->rsp_prod, __ATOMIC_ACQUIRE);

    if (f->tx.rsp_cons == rp)
        return 0;
    RING_COPY_RESPONSE(&f->tx, f->tx.rsp_cons, rsp);
    f->tx.rsp_cons++;
    f->txs->rsp_event = f->tx.rsp_cons + 1;
    return 1;
}

void nf_tx_packet(struct net_front *f, const uint8_t *pkt, size_t len,
                  size_t chunk, uint16_t flags, uint16_t id0)
{
    size_t off = 0;
    unsigned i = 0;

    do {
        size_t n = len - off < chunk ? len - off : chunk;
        struct netif_tx_request *r = nf_tx_slot(f);
        r->gref = nf_tx_page(f, pkt + off, n, 0);
        r->size = (uint16_t)(i == 0 ? len : n);
        r->id = (uint16_t)(id0 + i);
        r->flags = (uint16_t)((i == 0 ? flags : 0) | (off + n < len ? NETTXF_more_data : 0));
        off += n;
        i++;
    } while (off < len);
}

void nf_tx_gso(struct net_front *f, const uint8_t *pkt, size_t len, uint8_t type,
               uint16_t mss, uint16_t id0)
{
    struct netif_tx_request *r0 = nf_tx_slot(f);
    struct netif_extra_info *ex = (struct netif_extra_info *)nf_tx_slot(f);
    size_t off = len < 4000 ? len : 4000;

    r0->gref = nf_tx_page(f, pkt, off, 0);
    r0->size = (uint16_t)len;
    r0->id = id0;
    r0->flags = NETTXF_csum_blank | NETTXF_extra_info | (off < len ? NETTXF_more_data : 0);
    ex->type = XEN_NETIF_EXTRA_TYPE_GSO;
    ex->u.gso.size = mss;
    ex->u.gso.type = type;
    for (uint16_t id = (uint16_t)(id0 + 1); off < len; id++) {
        size_t c = len - off < NET_PAGE ? len - off : NET_PAGE;
        struct netif_tx_request *r = nf_tx_slot(f);
        r->gref = nf_tx_page(f, pkt + off, c, 0);
        r->size = (uint16_t)c;
        r->id = id;
        off += c;
        r->flags = off < len ? NETTXF_more_data : 0;
    }
}

void nf_rx_post(struct net_front *f, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        RING_IDX s = f->rx.req_prod_pvt++;
        struct netif_rx_request *r = RING_GET_REQUEST(&f->rx, s);
        r->id = (uint16_t)(s % NF_RING);
        r->gref = f->rx_gref[s % NF_RING];
    }
    RING_PUSH_REQUESTS(&f->rx);
    netback_rx_event(f->nb, 0);
}

int nf_rx_take(struct net_front *f, struct netif_rx_response *rsp, RING_IDX *slot)
{
    RING_IDX rp = __atomic_load_n(&f->rxs->rsp_prod, __ATOMIC_ACQUIRE);

    if (f->rx.rsp_cons == rp)
        return 0;
    RING_COPY_RESPONSE(&f->rx, f->rx.rsp_cons, rsp);
    if (slot)
        *slot = f->rx.rsp_cons;
    f->rx.rsp_cons++;
    f->rxs->rsp_event = f->rx.rsp_cons + 1;
    return 1;
}

uint8_t *nf_rx_buf(struct net_front *f, RING_IDX slot)
{
    return bf_pfn_ptr(&f->bf, f->rx_pfn + slot % NF_RING);
}

int nf_tap_up(const char *name)
{
    char path[96];
    FILE *fp;

    snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", name);
    fp = fopen(path, "w");
    if (fp) {
        fputs("1", fp);
        fclose(fp);
    }
    return net_tap_up(name);
}

bool nf_grants_held(struct net_front *f)
{
    for (uint32_t ref = GNTTAB_NR_RESERVED_ENTRIES; ref < 4096; ref++) {
        if (ref == f->tx_ref || ref == f->rx_ref)
            continue;
        if (bf_entry(&f->bf, ref)->flags & (GTF_reading | GTF_writing))
            return true;
    }
    return false;
}

size_t nf_build(uint8_t *b, bool ipv6, bool udp, size_t payload)
{
    size_t l3 = ipv6 ? 40 : 20, l4 = udp ? 8 : 20, n = 14 + l3 + l4 + payload;
    uint8_t *ip = b + 14, *th = ip + l3;

    memset(b, 0, 14 + l3 + l4);
    memcpy(b, "\x00\x16\x3e\x00\x00\x01\xfe\xff\xff\xff\xff\xff", 12);
    b[12] = ipv6 ? 0x86 : 0x08;
    b[13] = ipv6 ? 0xdd : 0x00;
    if (ipv6) {
        ip[0] = 0x60;
        ip[4] = (uint8_t)((l4 + payload) >> 8);
        ip[5] = (uint8_t)(l4 + payload);
        ip[6] = udp ? IPPROTO_UDP : IPPROTO_TCP;
        ip[7] = 64;
    } else {
        ip[0] = 0x45;
        ip[2] = (uint8_t)((l3 + l4 + payload) >> 8);
        ip[3] = (uint8_t)(l3 + l4 + payload);
        ip[6] = 0x40;           /* DF */
        ip[8] = 64;
        ip[9] = udp ? IPPROTO_UDP : IPPROTO_TCP;
    }
    if (!udp)
        th[12] = 5 << 4;
    for (size_t i = 0; i < payload; i++)
        th[l4 + i] = (uint8_t)i;
    return n;
}
