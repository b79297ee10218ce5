/* The domain-0 half of Xen's split network driver (netif), the data path.
 *
 * One struct netback per vif: its MAC, MTU and offered features, an output
 * engine (the tap device, behind struct net_engine_ops) and up to
 * NETBACK_MAX_QUEUES queues, each a TX ring and an RX ring with one event
 * channel or a split pair.  The xenbus side (feature keys, states, the
 * frontend's ring refs) lives elsewhere and drives this API:
 *
 *     nb = netback_create(&params, &env_ops, env, &engine_ops, engine, ...)
 *     netback_queue_connect(nb, q, &conn)  // frontend Connected
 *     ... netback_tx_event(nb, q)          // guest kicked the TX port;
 *                                          //  true: call again (budget)
 *     ... netback_rx_event(nb, q)          // guest kicked the RX port
 *                                          //  (posted RX buffers)
 *     ... netback_engine_event(nb)         // the tap fd became readable
 *     netback_disconnect(nb)               // Closing/Closed
 *     netback_destroy(nb)
 *
 * Guest memory is reached only through struct blkback_env_ops, the same
 * environment the block backend uses (the VMM's gntmap_blkback_ops), so
 * the core is unit-tested and fuzzed over fake guest memory.  Every TX and
 * RX request is copied out of the ring once and only the copy is checked
 * and used (XSA-155).  A malformed packet gets NETIF_RSP_ERROR on every
 * slot it used; a malformed ring (what Linux netback calls fatal) stops the
 * queue with one log line until it reconnects.  Guest paths never abort.
 *
 * Threads: every netback_* call for one vif comes from one thread (the
 * VMM's I/O thread); vCPU threads only signal it. */
#ifndef XENO_BACKENDS_NETBACK_H
#define XENO_BACKENDS_NETBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "backends/blkback.h"   /* struct blkback_env_ops: grants, rings */

#define NETBACK_MAX_QUEUES 8
/* XSA-392: host->guest bytes queued per queue before frames are dropped
 * (Linux netback's rx_queue_max: 128 pages). */
#define NETBACK_RX_QUEUE_MAX (512u * 1024u)
/* Largest frame either way, without the vnet header. */
#define NETBACK_MAX_FRAME 65535u

/* Features the vif offers (the backend's feature-* keys). */
enum {
    NETBACK_F_SG = 1u << 0,           /* feature-sg */
    NETBACK_F_GSO_TCPV4 = 1u << 1,    /* feature-gso-tcpv4 */
    NETBACK_F_GSO_TCPV6 = 1u << 2,    /* feature-gso-tcpv6 */
    NETBACK_F_IPV6_CSUM = 1u << 3,    /* feature-ipv6-csum-offload */
    NETBACK_F_ALL = 0xfu,
};

/* Where TX frames go and RX frames come from: the tap device (net_tap.c)
 * or a fake (net_fake.c).  Every frame starts with a struct virtio_net_hdr
 * (10 bytes, the tap's TUNSETVNETHDRSZ). */
struct net_engine_ops {
    /* Send one frame; 0 or -errno (-EAGAIN: the host queue is full, the
     * frame is dropped like on a busy NIC). */
    int (*send)(void *engine, const struct iovec *iov, unsigned n);
    /* Receive one frame, scattered over iov: its length, or -errno
     * (-EAGAIN when none). */
    ssize_t (*recv)(void *engine, const struct iovec *iov, unsigned n);
};

struct netback_params {
    uint8_t mac[6];         /* the vif's MAC (the frontend has its own) */
    unsigned mtu;           /* 0 = 1500 */
    unsigned features;      /* NETBACK_F_* offered */
    uint16_t domid;         /* grantee in netfront's grant entries: 0 */
    unsigned max_queues;    /* 0 = 1; at most NETBACK_MAX_QUEUES */
};

/* One queue's connection, from the frontend's keys. */
struct netback_conn {
    uint32_t tx_ring_ref, rx_ring_ref;
    unsigned tx_port, rx_port;   /* equal without split event channels */
    bool request_rx_copy;        /* must be set (feature-rx-copy) */
    unsigned features;           /* what the frontend wrote (NETBACK_F_*);
                                    used only where we offer it too */
};

struct netback_stats {
    uint64_t tx_packets, tx_bytes;
    uint64_t tx_errors;          /* packets answered NETIF_RSP_ERROR */
    uint64_t tx_dropped;         /* good packets the engine refused */
    uint64_t rx_packets, rx_bytes;
    uint64_t rx_dropped;         /* frames dropped: queue over its bound,
                                    too large, or bad vnet header */
    uint64_t rx_errors;          /* RX slots answered NETIF_RSP_ERROR */
    uint64_t notifies, kicks;
    unsigned broken_queues;
    uint64_t tx_throttled;       /* passes stopped by the rate limit */
};

struct netback;

struct netback *netback_create(const struct netback_params *p,
                               const struct blkback_env_ops *env_ops, void *env,
                               const struct net_engine_ops *eng_ops, void *engine,
                               char *err, size_t errlen);
void netback_destroy(struct netback *nb);

/* Map queue q's rings (the backend only attaches: the frontend initialised
 * them and may have posted RX buffers already).  -EINVAL for a bad queue,
 * -EPROTONOSUPPORT without request-rx-copy, -EBUSY if connected, or the
 * ring_map error.  Serves requests already on the rings. */
int netback_queue_connect(struct netback *nb, unsigned q,
                          const struct netback_conn *c);
/* TX packets served per netback_tx_event call. */
#define NETBACK_TX_BUDGET 256u
/* The guest kicked queue q's TX port.  true: the budget ran out with
 * requests left (a guest refilling as fast as we serve); call again after
 * the I/O thread's other events, since no event will come for them. */
bool netback_tx_event(struct netback *nb, unsigned q);
void netback_rx_event(struct netback *nb, unsigned q);
/* Both, for a queue with one event channel; returns as netback_tx_event. */
bool netback_queue_event(struct netback *nb, unsigned q);
/* Read frames from the engine (until -EAGAIN or a budget of 64) and give
 * each to a connected queue chosen by a hash of its flow (addresses and
 * TCP/UDP ports; queue 0 for non-IP).  Returns the frames read. */
int netback_engine_event(struct netback *nb);
/* Queue one host frame (starting with a virtio_net_hdr) for the guest on
 * queue q and deliver what fits.  0, or -ENOBUFS when dropped. */
int netback_rx_frame(struct netback *nb, unsigned q, const void *frame,
                     size_t len);
/* Unmap every ring, free queued RX frames.  Idempotent. */
void netback_disconnect(struct netback *nb);

/* Guest TX limited to `bytes` per `usec` (Linux netback's `rate` key, a
 * token bucket holding at most max(bytes, 128 KiB)); bytes 0 = unlimited.
 * A packet waits, unconsumed, until the bucket holds its size. */
void netback_set_rate(struct netback *nb, uint64_t bytes, uint64_t usec);
/* Tests: the clock the bucket fills by (default CLOCK_MONOTONIC). */
void netback_set_clock(struct netback *nb, uint64_t (*now_ns)(void));
/* Nanoseconds until queue q's waiting packet may go: 0 if none waits (or
 * the time has come: call netback_tx_event). */
uint64_t netback_tx_wait_ns(const struct netback *nb, unsigned q);
/* A packet on queue q waits for credit. */
bool netback_tx_waiting(const struct netback *nb, unsigned q);

bool netback_queue_connected(const struct netback *nb, unsigned q);
bool netback_queue_broken(const struct netback *nb, unsigned q);
size_t netback_rx_queued(const struct netback *nb, unsigned q);
void netback_stats(const struct netback *nb, struct netback_stats *st);

#endif
