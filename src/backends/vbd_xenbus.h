/* The xenbus side of one virtual block device (dom0's half of the blkif
 * handshake), as pure logic: it reads and writes xenstore only through
 * struct vbd_xs_ops and reaches the data path only through struct
 * vbd_link_ops, so it is unit-tested over a fake xenstore.
 *
 * Backend dir  /local/domain/0/backend/vbd/<domid>/<devid>  (ours)
 * Frontend dir /local/domain/<domid>/device/vbd/<devid>     (the guest's)
 *
 * vbd_xenbus_start() writes the feature keys and state 2 (InitWait) and
 * watches the frontend's `state`.  Each watch event is handed to
 * vbd_xenbus_frontend_changed(), which reads the frontend state and acts
 * from one table indexed by (frontend state, backend state):
 *
 *   frontend \ backend   InitWait(2)  Connected(4)  Closing(5)  Closed(6)
 *   Unknown/gone (0)     close        close         close       -
 *   Initialising (1)     -            reset         reset       reset
 *   Initialised (3)      connect      -             -           -
 *   Connected (4)        connect      -             -           -
 *   Closing (5)          closing      closing       -           -
 *   Closed (6)           close        close         close       -
 *
 * connect: read and validate the ring keys, bind the event channels,
 *          connect every queue, write sectors/info/sector sizes, state 4.
 *          Anything wrong -> error node, state 5 (the frontend then
 *          closes; the VMM keeps running).
 * closing: disconnect the queues, state 5 (the frontend answers Closed).
 * close:   disconnect, state 6.
 * reset:   disconnect, state 2 (the kexec/kdump reset 5 -> 6 -> 1).
 *
 * vbd_xenbus_detach() is the toolstack's hot-unplug: state 5, then wait
 * for the frontend's Closed (vbd_xenbus_tick() forces it after the
 * deadline); vbd_xenbus_stop() is the VMM's exit: disconnect, state 6. */
#ifndef XENO_BACKENDS_VBD_XENBUS_H
#define XENO_BACKENDS_VBD_XENBUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VBD_MAX_QUEUES 4          /* must not exceed BLKBACK_MAX_QUEUES */
#define VBD_MAX_RING_ORDER 4      /* XENBUS_MAX_RING_GRANT_ORDER */
#define VBD_PATH_MAX 128

/* xenstore, as the VMM's client sees it (domain 0).  Return 0 / length or
 * a negative errno; a missing node is -ENOENT. */
struct vbd_xs_ops {
    int (*read)(void *o, const char *path, char *buf, size_t len);
    int (*write)(void *o, const char *path, const char *val);
    int (*watch)(void *o, const char *path, const char *token);
    void (*unwatch)(void *o, const char *path, const char *token);
};

/* The data path and event channels, for one disk. */
struct vbd_link_ops {
    /* Bind the guest's unbound port (allocated for domain 0) to queue q. */
    int (*bind_port)(void *o, unsigned q, unsigned port);
    void (*unbind_port)(void *o, unsigned q, unsigned port);
    int (*queue_connect)(void *o, unsigned q, const uint32_t *refs,
                         unsigned order, unsigned port, const char *protocol);
    /* Every queue: wait for I/O in flight, release grants and rings. */
    void (*disconnect)(void *o);
    void (*log)(void *o, const char *msg);
};

/* What the backend advertises (static per disk). */
struct vbd_features {
    uint64_t sectors;             /* 512-byte units */
    unsigned info;                /* VDISK_* bits */
    unsigned sector_size, physical_sector_size;
    bool flush, discard;
    unsigned discard_granularity;
    unsigned max_indirect_segs;
    unsigned max_ring_order;      /* <= VBD_MAX_RING_ORDER */
    unsigned max_queues;          /* 1..VBD_MAX_QUEUES */
};

/* One ring as the frontend described it (after validation). */
struct vbd_ring_keys {
    uint32_t refs[1u << VBD_MAX_RING_ORDER];
    unsigned port;
};

struct vbd_xenbus {
    const struct vbd_xs_ops *xs;
    void *xs_o;
    const struct vbd_link_ops *link;
    void *link_o;
    unsigned domid, devid;
    struct vbd_features feat;

    char be_path[VBD_PATH_MAX], fe_path[VBD_PATH_MAX];
    char token[32];
    int state;                    /* backend state we last wrote */
    bool state_unwritten;         /* that write failed: the next one retries */
    int fe_state;                 /* frontend state last read (-1 none) */
    bool watching;
    bool connected;               /* queues connected (or being) */
    unsigned nr_queues, ring_order;
    unsigned ports[VBD_MAX_QUEUES];
    unsigned nr_bound;
    bool detaching, detached;
    uint64_t detach_deadline_ns;
    bool forced;                  /* the detach deadline passed */
    unsigned connects, failures;  /* counters for tests and stats */
    uint64_t log_lines;           /* log_limit: the guest drives our log */
};

void vbd_xenbus_init(struct vbd_xenbus *x, unsigned domid, unsigned devid,
                     const struct vbd_features *f,
                     const struct vbd_xs_ops *xs, void *xs_o,
                     const struct vbd_link_ops *link, void *link_o);

/* Check the backend dir names our frontend, write the feature keys and
 * state 2, watch the frontend state.  0 or -errno (nothing to undo). */
int vbd_xenbus_start(struct vbd_xenbus *x);

/* A watch event with this disk's token fired. */
void vbd_xenbus_frontend_changed(struct vbd_xenbus *x);

/* Hot-unplug: backend Closing, then wait until the frontend is Closed or
 * now_ns + timeout_ns passes (see tick).  x->detached is set once the
 * backend is Closed and disconnected (at once if the frontend never
 * connected); x->forced if the deadline passed first. */
void vbd_xenbus_detach(struct vbd_xenbus *x, uint64_t now_ns, uint64_t timeout_ns);

/* Call periodically: forces a pending detach closed after its deadline. */
void vbd_xenbus_tick(struct vbd_xenbus *x, uint64_t now_ns);

/* VMM exit: disconnect, state 6, unwatch. */
void vbd_xenbus_stop(struct vbd_xenbus *x);

const char *vbd_state_name(int state);

/* Shared with vif_xenbus: strict decimal (digits only, <= max), 0 or
 * -EINVAL/-ERANGE; a guest string made printable ('?' for the rest). */
int xenbus_parse_uint(const char *s, uint64_t max, uint64_t *out);
void xenbus_printable(char *dst, size_t len, const char *src);

#endif
