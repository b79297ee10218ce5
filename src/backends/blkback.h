/* The domain-0 half of Xen's split block driver (blkif), the data path.
 *
 * One struct blkback per virtual disk: a host fd, its size and mode, and up
 * to BLKBACK_MAX_QUEUES rings (blkif "multi-queue"), each with its own
 * event channel.  The xenbus side (xenstore keys, states) lives elsewhere
 * and drives this API:
 *
 *     b = blkback_create(&params, &env_ops, env, &err)   // at InitWait
 *     blkback_info(b, &info)            // -> sectors, info, feature keys
 *     blkback_queue_connect(b, q, ...)  // per queue, when the frontend is
 *                                       // Initialised (state 3)
 *     ... blkback_queue_event(b, q)     // guest kicked the queue's port
 *     ... blkback_io_event(b)           // blkback_io_fd(b) became readable
 *                                       // (I/O done, or a coalescing timer)
 *     blkback_disconnect(b)             // Closing/Closed: waits for the I/O
 *                                       // in flight, releases every grant
 *     blkback_destroy(b)                // closes the fd
 *
 * Threads: every blkback_* call for one disk must come from one thread (the
 * VMM's I/O thread).  vCPU threads never call in: when the guest sends on a
 * queue's port, the VMM's hv backend_notify hook only wakes the I/O thread
 * (an eventfd), which then calls blkback_queue_event.  Disk I/O never blocks
 * that thread either: it goes to an I/O engine (io_uring) whose completions
 * signal blkback_io_fd().  Only blkback_disconnect waits, for I/O already
 * submitted.
 *
 * Guest memory is reached only through struct blkback_env_ops (grant
 * map/unmap, ring map/unmap, notify), so the core is unit-tested and fuzzed
 * over fake guest memory.  The VMM's implementation is gntmap_blkback_ops
 * in src/vmm/gntmap.h (env = a struct gntmap describing the guest-RAM
 * memfd).  Every request is copied out of the ring once and only the copy
 * is validated and used; a malformed request gets
 * BLKIF_RSP_ERROR, a malformed ring (req_prod running more than a ring
 * ahead) marks the queue broken with one log line.  Guest-reachable paths
 * never abort.
 *
 * Units: sector_number, `sectors` and every request field are in 512-byte
 * units, whatever sector-size is advertised.  feature-persistent is never
 * offered: each data grant is mapped for one request and unmapped (its
 * GTF_reading/GTF_writing cleared) before the response is pushed. */
#ifndef XENO_BACKENDS_BLKBACK_H
#define XENO_BACKENDS_BLKBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BLKBACK_MAX_QUEUES 4           /* multi-queue-max-queues */
#define BLKBACK_MAX_RING_ORDER 4       /* max-ring-page-order: 16 pages */
#define BLKBACK_MAX_RING_PAGES (1u << BLKBACK_MAX_RING_ORDER)
#define BLKBACK_MAX_INDIRECT_SEGS 256  /* feature-max-indirect-segments */

/* What the backend needs from the VMM.  `env` is passed back unchanged.
 * All functions return 0 or a negative errno unless said otherwise. */
struct blkback_env_ops {
    /* Map one page the guest granted, for one request.  `domid` is the
     * grantee the entry must name: us, the backend (0, domain 0), not the
     * guest (the VMM serves one guest).  Check the grant entry
     * (permit_access, domid, readonly vs write) and set
     * GTF_reading (and GTF_writing unless readonly) before returning the
     * host address of the 4 KiB page in *page. */
    int (*gnt_map)(void *env, uint16_t domid, uint32_t ref, bool readonly,
                   void **page);
    /* Undo one gnt_map (same ref and readonly).  When the ref's last
     * mapping goes, its GTF flags are cleared; a writable mapping also
     * marks the page dirty (live migration). */
    void (*gnt_unmap)(void *env, uint16_t domid, uint32_t ref, bool readonly);
    /* gnt_map of refs[0..n) in one go (n at most BLKBACK_MAX_INDIRECT_SEGS,
     * one readonly for all), each ref checked as gnt_map checks it.  All
     * or nothing: 0 with pages[i] for refs[i], or the error of refs[*failed]
     * with none of the batch left mapped.  Cheaper per page than gnt_map
     * (one lock for the batch). */
    int (*gnt_map_many)(void *env, uint16_t domid, const uint32_t *refs,
                        unsigned n, bool readonly, void **pages, unsigned *failed);
    /* gnt_unmap of each of refs[0..n). */
    void (*gnt_unmap_many)(void *env, uint16_t domid, const uint32_t *refs,
                           unsigned n, bool readonly);
    /* Map the nr (1..16) granted pages of a shared ring, writable and
     * contiguous, for the life of the connection. */
    int (*ring_map)(void *env, uint16_t domid, const uint32_t *refs,
                    unsigned nr, void **ring);
    void (*ring_unmap)(void *env, uint16_t domid, const uint32_t *refs,
                       unsigned nr, void *ring);
    /* Raise the guest's side of event channel `port` (the local port the
     * VMM bound for this queue). */
    void (*notify)(void *env, unsigned port);
    /* The backend wrote len bytes of guest memory at host address p
     * outside a grant mapping's lifetime (ring responses).  May be NULL. */
    void (*dirty)(void *env, void *p, size_t len);
    /* One line, no trailing newline.  May be NULL. */
    void (*log)(void *env, const char *msg);
};

enum blkback_engine {
    BLKBACK_ENGINE_URING = 0,          /* io_uring (liburing): production */
    BLKBACK_ENGINE_SYNC,               /* pread/pwrite inline: unit tests */
};

struct blkback_params {
    int fd;                 /* open O_RDONLY (mode r) or O_RDWR (mode w);
                               owned by the backend from create on */
    uint16_t domid;         /* the grantee blkfront's grant entries name:
                               the backend's domain, 0 (not the guest's) */
    bool readonly;          /* mode=r: writes/discards/FUA -> BLKIF_RSP_ERROR */
    bool cdrom;             /* device-type cdrom: VDISK_CDROM in `info` */
    bool no_direct;         /* do not try O_DIRECT on the fd */
    enum blkback_engine engine;
    unsigned max_queues;    /* 0 = BLKBACK_MAX_QUEUES */
};

/* What xenbus writes for the frontend (backend dir keys). */
struct blkback_info {
    uint64_t sectors;               /* `sectors`, 512-byte units */
    unsigned info;                  /* `info`: VDISK_READONLY | VDISK_CDROM */
    unsigned sector_size;           /* `sector-size`: 512 */
    unsigned physical_sector_size;  /* `physical-sector-size` */
    bool flush;                     /* `feature-flush-cache`, `feature-barrier` */
    bool discard;                   /* `feature-discard` (+ granularity) */
    unsigned discard_granularity;   /* bytes */
    unsigned max_indirect_segs;     /* `feature-max-indirect-segments` */
    unsigned max_ring_order;        /* `max-ring-page-order` */
    unsigned max_queues;            /* `multi-queue-max-queues` */
};

/* disk-stats counters (one disk, all queues). */
struct blkback_stats {
    uint64_t rd_req, wr_req, flush_req, discard_req;
    uint64_t rd_bytes, wr_bytes;
    uint64_t errors;                /* responses other than BLKIF_RSP_OKAY */
    uint64_t io_errors;             /* of those, I/O the host refused (ENOSPC, EIO...) */
    uint64_t notifies;              /* events sent to the guest */
    uint64_t kicks;                 /* blkback_queue_event calls */
    uint64_t bounced;               /* requests that needed a bounce buffer */
    unsigned broken_queues;         /* queues stopped for a corrupt ring */
};

struct blkback;

/* Takes ownership of p->fd (closed by blkback_destroy, or on failure).
 * Finds the size itself (fstat, or BLKGETSIZE64 for a block device).
 * NULL on failure with a message in err. */
struct blkback *blkback_create(const struct blkback_params *p,
                               const struct blkback_env_ops *ops, void *env,
                               char *err, size_t errlen);
void blkback_destroy(struct blkback *b);

void blkback_info(const struct blkback *b, struct blkback_info *info);

/* Re-read the disk size (after the host file or device grew); returns the
 * new size in 512-byte sectors or -errno.  xenbus then rewrites `sectors`
 * and `state`=4 so the frontend picks it up. */
int64_t blkback_refresh_size(struct blkback *b);

/* Connect queue q (0..max_queues-1) to the ring the frontend granted:
 * 1 << ring_order refs (ring-ref, or ring-ref0..N-1), its event channel as
 * bound by the VMM (port), and the frontend's `protocol` key (NULL or ""
 * = native; only x86_64-abi is served).  -EINVAL for an absurd order or
 * count, -EPROTONOSUPPORT for another ABI, -EBUSY if q is connected,
 * or the ring_map error.  Processes requests already on the ring. */
int blkback_queue_connect(struct blkback *b, unsigned q, const uint32_t *refs,
                          unsigned ring_order, unsigned port,
                          const char *protocol);

/* Requests consumed per queue per blkback_queue_event / blkback_io_event
 * call: a guest refilling its ring as fast as we answer (requests that
 * fail at once, or I/O the page cache serves inline) must not keep the
 * I/O thread. */
#define BLKBACK_QUEUE_BUDGET 1024u
/* The guest kicked queue q: consume its requests. */
void blkback_queue_event(struct blkback *b, unsigned q);
/* Queue q stopped on its budget with requests left: no event will come
 * for them, so call blkback_queue_event again after the I/O thread's
 * other events. */
bool blkback_queue_more(const struct blkback *b, unsigned q);

/* The queue whose local event-channel port is `port`, or -1. */
int blkback_port_queue(const struct blkback *b, unsigned port);

/* One fd per disk to watch for EPOLLIN (level-triggered); call
 * blkback_io_event when it is readable.  It is an epoll set holding the
 * I/O engine's completion eventfd and the response-coalescing timer.
 * -1 for the sync engine, which completes inline. */
int blkback_io_fd(const struct blkback *b);
void blkback_io_event(struct blkback *b);

/* Disconnect every queue: wait for the I/O in flight, release all data
 * grants, unmap the rings.  The disk stays open; queues may connect again
 * (frontend reconnect, kexec).  Idempotent. */
void blkback_disconnect(struct blkback *b);

bool blkback_queue_connected(const struct blkback *b, unsigned q);
bool blkback_queue_broken(const struct blkback *b, unsigned q);

void blkback_stats(const struct blkback *b, struct blkback_stats *st);

#endif
