/* Internals of the network backend, shared by netback*.c and the tests. */
#ifndef XENO_BACKENDS_NETBACK_INT_H
#define XENO_BACKENDS_NETBACK_INT_H

#include <stdint.h>

#ifndef xen_mb
#define xen_mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define xen_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define xen_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#endif
#include <xen/io/netif.h>
#include <xen/io/ring.h>
#include <linux/virtio_net.h>

#include "backends/netback.h"

#define NET_PAGE 4096u
#define NET_ETH_HLEN 14u
/* Follow-on slots, as Linux xenvif_count_requests counts them: up to 18
 * are served (XEN_NETIF_NR_SLOTS_MIN), 19 or 20 drop the packet, more than
 * 20 are fatal (fatal_skb_slots).  netfront never sends more than 17. */
#define NET_TX_DROP_SLOTS XEN_NETIF_NR_SLOTS_MIN
#define NET_TX_FATAL_SLOTS 20u
#define NET_VHDR sizeof(struct virtio_net_hdr)

/* A host frame waiting for RX slots. */
struct net_rx_frame {
    struct net_rx_frame *next;
    struct virtio_net_hdr vh;
    size_t len;                   /* data bytes after the header */
    uint8_t data[];
};

struct net_queue {
    struct netback *nb;
    unsigned idx;
    bool connected, broken;
    unsigned tx_port, rx_port;
    uint32_t tx_ref, rx_ref;
    void *tx_va, *rx_va;
    netif_tx_back_ring_t tx;
    netif_rx_back_ring_t rx;
    bool tx_pending, rx_pending;  /* responses written, not yet pushed */
    struct net_rx_frame *head, *tail;
    size_t queued;                /* data bytes in the list */
    unsigned features;            /* offered and requested */
    uint32_t tx_need;             /* bytes the rate-limited head packet
                                     waits for (0: none waits) */
};

/* netback_rx_direct.c: a GSO frame of NETBACK_MAX_FRAME takes its data
 * slots and the extra. */
#define NET_RXD_SLOTS ((NETBACK_MAX_FRAME + NET_PAGE - 1) / NET_PAGE + 1)

/* Queue 0's next RX slots, copied and mapped for an in-place read: kept
 * from a read that found the engine empty to the next one, while nothing
 * else consumes the slots (req_cons still `cons`). */
struct net_rx_armed {
    struct netif_rx_request req[NET_RXD_SLOTS];
    uint32_t ref[NET_RXD_SLOTS];
    void *page[NET_RXD_SLOTS];
    unsigned n;                   /* slots mapped; 0: not armed */
    RING_IDX cons;                /* req_cons when they were copied */
};

struct netback {
    const struct blkback_env_ops *ops;
    void *env;
    const struct net_engine_ops *eng;
    void *engine;
    uint8_t mac[6];
    unsigned mtu, features, max_queues;
    uint16_t domid;
    uint8_t *tx_buf;              /* one gathered TX frame */
    uint8_t *rx_buf;              /* one frame read from the engine */
    bool rx_big;                  /* the last frame was over a page:
                                     read the next one in place */
    struct net_rx_armed rxa;
    struct net_queue q[NETBACK_MAX_QUEUES];
    struct netback_stats st;
    /* TX token bucket (netback_set_rate): 0 bytes = unlimited. */
    uint64_t rate_bytes, rate_usec;
    uint64_t credit, credit_max, credit_ns;
    uint64_t (*now_ns)(void);
};

/* netback.c */
void net_log(struct netback *nb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void net_queue_fatal(struct net_queue *q, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void net_pushed(struct net_queue *q, void *rsp_prod, int notify, unsigned port);
void net_guest_write(struct netback *nb, void *dst, const void *src, size_t len);
/* n items of len bytes each to dst, stride bytes apart (ring entries):
 * one dirty mark for the span. */
void net_guest_write_strided(struct netback *nb, void *dst, size_t stride,
                             const void *src, size_t len, unsigned n);

/* n items of len bytes into ring entries (stride apart, ring_size a power
 * of 2) from *prod on, which it advances: one guest write per run up to
 * the ring's end. */
void net_ring_write(struct netback *nb, void *ring0, unsigned ring_size, size_t stride,
                    RING_IDX *prod, const void *items, size_t len, unsigned n);

/* netback_tx.c */
bool net_tx_pass(struct net_queue *q);
uint64_t net_clock_ns(void);

/* netback_rx.c: which connected queue a host frame (vnet header first)
 * goes to, by a hash of its addresses and ports; 0 for anything else. */
unsigned net_rx_pick_queue(const struct netback *nb, const uint8_t *frame, size_t len);

/* netback_rx.c */
/* One frame to deliver: its header as copied, its data where it lies. */
struct rx_pkt {
    struct virtio_net_hdr vh;
    const uint8_t *data;
    size_t len;                   /* data bytes after the header */
};
bool net_rx_is_gso(const struct rx_pkt *f);
unsigned net_rx_slots(const struct rx_pkt *f);   /* data slots + GSO extra */
const char *net_rx_refuse(const struct net_queue *q, const struct virtio_net_hdr *vh,
                          size_t dlen);
int net_rx_avail(struct net_queue *q);           /* posted slots, -1: broken */
/* Responses (and with placed == NULL the copies) for f into the next
 * slots; placed[k]: slot k's request, copied before, its page filled. */
void net_rx_deliver(struct net_queue *q, const struct rx_pkt *f,
                    const struct netif_rx_request *placed);
void net_rx_push(struct net_queue *q);
void net_rx_pass(struct net_queue *q);
void net_rx_flush_queue(struct net_queue *q);
int net_rx_enqueue(struct net_queue *q, const void *frame, size_t len);
/* A frame from the engine: into the guest now when nothing waits before
 * it and the guest's slots are posted (responses pushed by the next
 * net_rx_pass), else queued.  0, or -ENOBUFS when dropped. */
int net_rx_offer(struct net_queue *q, const void *frame, size_t len);

/* netback_rx_direct.c: the next engine frame read straight into the
 * guest's buffers of queue 0.  1: a frame handled (delivered, queued or
 * dropped); 0: the engine had none; -1: not now (the last frame was
 * small, more queues, a frame waiting, too few slots posted, a map
 * refused): read it the copying way. */
int net_rx_direct(struct netback *nb);
/* Unmap the slots an in-place read kept mapped (before anything else
 * consumes queue 0's requests, and at disconnect). */
void net_rx_disarm(struct netback *nb);

#endif
