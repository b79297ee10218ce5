/* The xenbus side of one virtual network interface (dom0's half of the
 * netif handshake with Linux 6.1's xen-netfront), as pure logic: xenstore
 * only through struct vbd_xs_ops (the same client ops as the disks), the
 * data path only through struct vif_link_ops, so it is unit-tested over a
 * fake xenstore.
 *
 * Backend dir  /local/domain/0/backend/vif/<domid>/<devid>  (ours)
 * Frontend dir /local/domain/<domid>/device/vif/<devid>     (the guest's)
 *
 * vif_xenbus_start() writes the feature keys (feature-rx-copy 1,
 * feature-rx-flip 0, feature-sg / -gso-tcpv4 / -gso-tcpv6 /
 * -ipv6-csum-offload as offered, feature-split-event-channels 1,
 * multi-queue-max-queues) and state 2 (InitWait), and watches the
 * frontend's `state`.  netfront reacts to InitWait by writing its rings
 * and switching itself to Connected; Linux netback connects then, and so
 * do we.  Each watch event goes to vif_xenbus_frontend_changed(), which
 * acts from one table indexed by (frontend state, backend state):
 *
 *   frontend \ backend   InitWait(2)  Connected(4)  Closing(5)  Closed(6)
 *   Unknown/gone (0)     close        close         close       -
 *   Initialising (1)     -            reset         reset       reset
 *   InitWait/Initialised -            -             -           -
 *   Connected (4)        connect      -             -           -
 *   Closing (5)          closing      closing       -           -
 *   Closed (6)           close        close         close       -
 *
 * connect: read request-rx-copy (must be 1), the frontend's feature-*,
 *          multi-queue-num-queues (1..max; flat keys for 1, queue-N/ for
 *          more), per queue tx-ring-ref, rx-ring-ref and event-channel or
 *          event-channel-tx + -rx; the backend's `rate`; bind, connect,
 *          state 4.  Anything wrong -> error node, state 5.
 * closing: disconnect, state 5 (netfront answers Closed).
 * close:   disconnect, state 6.
 * reset:   disconnect, state 2 (netfront re-probing: 5 -> 6 -> 1).
 *
 * Not read by 6.1 netfront, so not written: mtu, feature-ctrl-ring,
 * feature-xdp-headroom (no XDP headroom), feature-multicast-control. */
#ifndef XENO_BACKENDS_VIF_XENBUS_H
#define XENO_BACKENDS_VIF_XENBUS_H

#include <stdbool.h>
#include <stdint.h>

#include "backends/vbd_xenbus.h"   /* struct vbd_xs_ops, vbd_state_name */

#define VIF_MAX_QUEUES 8           /* NETBACK_MAX_QUEUES */

/* NETBACK_F_* bits, as the feature keys name them (same values). */
enum {
    VIF_F_SG = 1u << 0, VIF_F_GSO_TCPV4 = 1u << 1, VIF_F_GSO_TCPV6 = 1u << 2,
    VIF_F_IPV6_CSUM = 1u << 3,
};

/* Which traffic a bound port carries. */
enum vif_port_kind { VIF_PORT_BOTH, VIF_PORT_TX, VIF_PORT_RX };

/* One queue as the frontend described it. */
struct vif_queue_keys {
    uint32_t tx_ref, rx_ref;
    unsigned tx_port, rx_port;     /* equal without split event channels */
};

struct vif_link_ops {
    /* Bind the guest's unbound port (allocated for domain 0) to queue q. */
    int (*bind_port)(void *o, unsigned q, unsigned port, enum vif_port_kind kind);
    void (*unbind_port)(void *o, unsigned port);
    /* features: what the frontend asked for (VIF_F_*). */
    int (*queue_connect)(void *o, unsigned q, const struct vif_queue_keys *k,
                         unsigned features);
    void (*disconnect)(void *o);
    void (*log)(void *o, const char *msg);
};

struct vif_xenbus {
    const struct vbd_xs_ops *xs;
    void *xs_o;
    const struct vif_link_ops *link;
    void *link_o;
    unsigned domid, devid;
    unsigned offered;             /* VIF_F_* we write as feature keys */
    unsigned max_queues;          /* 1..VIF_MAX_QUEUES */

    char be_path[VBD_PATH_MAX], fe_path[VBD_PATH_MAX];
    char token[32];
    int state, fe_state;
    bool state_unwritten;         /* that state's write failed: the next retries */
    bool watching, connected;
    unsigned nr_queues, fe_features;
    bool split;                   /* the frontend used split channels */
    unsigned ports[2 * VIF_MAX_QUEUES], nr_bound;
    /* `rate` from the backend dir at connect: bytes per usec, 0 = none. */
    uint64_t rate_bytes, rate_usec;
    bool detaching, detached, forced;
    uint64_t detach_deadline_ns;
    unsigned connects, failures;
    uint64_t log_lines;           /* log_limit: the guest drives our log */
};

void vif_xenbus_init(struct vif_xenbus *x, unsigned domid, unsigned devid,
                     unsigned offered, unsigned max_queues,
                     const struct vbd_xs_ops *xs, void *xs_o,
                     const struct vif_link_ops *link, void *link_o);
/* Check the backend dir names our frontend, write the feature keys and
 * state 2, watch the frontend state.  0 or -errno. */
int vif_xenbus_start(struct vif_xenbus *x);
void vif_xenbus_frontend_changed(struct vif_xenbus *x);
/* Hot-unplug, as vbd_xenbus_detach; tick forces it after the deadline. */
void vif_xenbus_detach(struct vif_xenbus *x, uint64_t now_ns, uint64_t timeout_ns);
void vif_xenbus_tick(struct vif_xenbus *x, uint64_t now_ns);
/* VMM exit: disconnect, state 6, unwatch. */
void vif_xenbus_stop(struct vif_xenbus *x);

/* "bytes,usec" (Linux netback's rate key): 0 or -EINVAL. */
int vif_parse_rate(const char *s, uint64_t *bytes, uint64_t *usec);

#endif
