/* A synthetic netfront over the synthetic guest of blk_front.h: TX and RX
 * rings laid out as Linux's xen-netfront lays them out, a netback on the
 * fake engine, and helpers to post packets and buffers.  Used by the unit
 * tests and the fuzzer. */
#ifndef XENO_TESTS_NET_FRONT_H
#define XENO_TESTS_NET_FRONT_H

#include "blk_front.h"
#include "backends/net_tap.h"
#include "backends/netback_int.h"

#define NF_TX_PORT 3
#define NF_RX_PORT 4
#define NF_RING __CONST_RING_SIZE(netif_rx, NET_PAGE)   /* 256 */

struct net_front {
    struct blk_front bf;
    netif_tx_front_ring_t tx;
    netif_rx_front_ring_t rx;
    netif_tx_sring_t *txs;
    netif_rx_sring_t *rxs;
    uint32_t tx_ref, rx_ref;
    struct net_fake eng;
    struct netback *nb;
    uint64_t rx_pfn;            /* 256 RX buffer pages, one per ring slot */
    uint32_t rx_gref[NF_RING];
};

/* Guest, rings, a netback offering and taking `features`, connected. */
int nf_init(struct net_front *f, unsigned features);
/* The same with another engine (bench/net: the tap). */
int nf_init_engine(struct net_front *f, unsigned features,
                   const struct net_engine_ops *ops, void *engine);
void nf_destroy(struct net_front *f);
int nf_connect(struct net_front *f, unsigned features);

/* TX: the next request slot (zeroed), data in a fresh granted page at
 * offset off (returns the grant ref), push + kick, take one response. */
struct netif_tx_request *nf_tx_slot(struct net_front *f);
uint32_t nf_tx_page(struct net_front *f, const void *data, size_t len, unsigned off);
void nf_tx_kick(struct net_front *f);
int nf_tx_take(struct net_front *f, struct netif_tx_response *rsp);
/* One whole packet split into chunks of `chunk` bytes (the first chunk
 * holds the total size), with the given first-slot flags. */
void nf_tx_packet(struct net_front *f, const uint8_t *pkt, size_t len,
                  size_t chunk, uint16_t flags, uint16_t id0);

/* A GSO packet: first slot 4000 bytes + csum_blank, the GSO extra, then
 * 4 KiB follow-ons; ids from id0 (the extra slot has none). */
void nf_tx_gso(struct net_front *f, const uint8_t *pkt, size_t len, uint8_t type,
               uint16_t mss, uint16_t id0);

/* RX: post n buffers (slot i's id is i % ring size, its buffer page
 * rx_pfn + i % ring size), push + kick; take a response (1/0) and the
 * request slot it sits in. */
void nf_rx_post(struct net_front *f, unsigned n);
int nf_rx_take(struct net_front *f, struct netif_rx_response *rsp, RING_IDX *slot);
uint8_t *nf_rx_buf(struct net_front *f, RING_IDX slot);

/* Bring tap `name` up without IPv6, so that the kernel sends nothing of
 * its own (router and neighbour solicitations) out of it: net_tap_up's
 * result. */
int nf_tap_up(const char *name);

/* Any grant still mapped by the backend among refs 8..4095? */
bool nf_grants_held(struct net_front *f);

/* Build Ethernet/IPv4 (or IPv6)/TCP (or UDP) with payload bytes i & 0xff. */
size_t nf_build(uint8_t *buf, bool ipv6, bool udp, size_t payload);

#endif
