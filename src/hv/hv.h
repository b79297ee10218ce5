/* hv: the Xen hypervisor interface as pure logic.
 *
 * A struct hv_domain holds one guest's Xen state: guest memory regions,
 * shared_info and vcpu_info locations, event channels (2-level), grant
 * table (v1), HVM params.  The VMM feeds it hypercalls with the calling
 * vCPU's paging state and gets side effects back through struct hv_ops
 * (inject an upcall, map a frame outside RAM, shutdown, console output).
 * Nothing here includes linux/kvm.h: the module is unit-tested and fuzzed
 * against fake guest memory.
 *
 * Every value read from guest memory is copied once, validated, then used.
 * Guest-reachable paths never abort: they return a Xen errno (negative). */
#ifndef XENO_HV_H
#define XENO_HV_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HV_MAX_VCPUS 128
#define HV_MAX_REGIONS 96
#define HV_NR_PORTS 4096            /* 2-level ABI: 64 * 64 */
#define HV_GNTTAB_MAX_FRAMES 64     /* QEMU's default */
#define HV_GNTTAB_PER_FRAME 512     /* v1 entries (8 bytes) per 4 KiB frame */
#define HV_MAX_MEMMAP 16
#define HV_POLL_MAX_PORTS 128

/* One contiguous range of guest-physical memory backed by host memory. */
struct hv_region {
    uint64_t gpa;
    uint64_t size;      /* 0 = unused / retired */
    uint8_t *host;
    bool ram;           /* part of the guest's RAM (vs an overlay frame) */
};

/* What the VMM knows about the calling vCPU. */
struct hv_vcpu_state {
    unsigned id;
    bool long_mode;     /* 64-bit code segment: 64-bit calling convention */
    uint64_t cr0, cr3, cr4, efer;
};

struct hv_ops {
    /* Inject the upcall vector on a vCPU (KVM_SIGNAL_MSI). */
    void (*upcall)(void *opaque, unsigned vcpu, uint8_t vector);
    /* Make host memory visible at gpa (a KVM memslot), replacing any
     * overlay previously mapped there.  0 or -errno. */
    int (*map_frame)(void *opaque, uint64_t gpa, void *host, uint64_t len);
    void (*shutdown)(void *opaque, unsigned reason);
    void (*console_write)(void *opaque, const char *buf, size_t len);
    /* The guest sent on a port bound to a dom0 backend. */
    void (*backend_notify)(void *opaque, unsigned port);
    void (*yield)(void *opaque, unsigned vcpu);
    /* Block the vCPU until one of the ports is pending, the timeout
     * (absolute ns, 0 = none) passes, or another event arrives. */
    void (*poll_wait)(void *opaque, unsigned vcpu, uint64_t timeout_ns);
    /* Wake anyone in poll_wait (after a port became pending). */
    void (*poll_kick)(void *opaque);
    void (*log)(void *opaque, const char *msg);
    uint64_t (*now_ns)(void *opaque);
    /* VCPUOP_up/down changed vcpu's down flag (may be NULL). */
    void (*vcpu_updown)(void *opaque, unsigned vcpu);
    /* Give the host memory behind [host, host+len) of guest RAM back
     * (fallocate PUNCH_HOLE on the memfd); later reads see zeros. */
    void (*discard)(void *opaque, uint8_t *host, uint64_t len);
};

enum evtchn_state {
    ECS_FREE = 0,
    ECS_RESERVED,      /* port 0 */
    ECS_UNBOUND,
    ECS_INTERDOMAIN,
    ECS_VIRQ,
    ECS_IPI,
    ECS_BACKEND,       /* interdomain with a dom0 backend inside the VMM */
};

struct hv_evtchn {
    uint8_t state;
    uint16_t vcpu;         /* notify vCPU */
    uint16_t remote_dom;   /* UNBOUND: who may bind; INTERDOMAIN: peer */
    uint16_t remote_port;  /* INTERDOMAIN (loopback): peer port */
    uint16_t virq;
};

struct hv_vcpu {
    uint64_t info_gpa;        /* where vcpu_info lives, if registered */
    uint8_t *info;            /* host pointer to the 64-byte vcpu_info */
    uint8_t upcall_vector;    /* 0 = none */
    bool upcall_seen;         /* watchdog: pending at the last tick */
    uint32_t apic_id;
    uint16_t virq_port[24];   /* by VIRQ number (NR_VIRQS) */
    bool down;                /* VCPUOP_down: not run until VCPUOP_up */
};

struct hv_memmap_entry {
    uint64_t addr, size;
    uint32_t type;
};

struct hv_domain {
    uint16_t domid;
    unsigned nr_vcpus;
    uint64_t ram_pages;        /* current reservation (under balloon_lock) */
    uint64_t max_pages;        /* the limit populate stops at */
    /* Ballooning (balloon.c): a 16-bit state per page of guest RAM, which
     * is one host mapping starting at ram_base (the memfd). */
    uint16_t *page_state;
    uint8_t *ram_base;
    uint64_t ram_nr_pages;
    pthread_mutex_t balloon_lock;  /* page_state, ram_pages, max_pages */

    const struct hv_ops *ops;
    void *opaque;
    pthread_mutex_t lock;      /* event channels, grant table, params */

    struct hv_region regions[HV_MAX_REGIONS];
    unsigned nr_regions;       /* published with release semantics */

    uint8_t *shared_info;      /* host pointer, NULL until mapped */
    uint64_t shared_info_gpa;
    uint8_t *shared_info_own;  /* page we allocated when placed outside RAM */

    struct hv_vcpu vcpu[HV_MAX_VCPUS];
    struct hv_evtchn port[HV_NR_PORTS];

    uint8_t *gnttab_frame[HV_GNTTAB_MAX_FRAMES]; /* host pointers */
    uint8_t *gnttab_own[HV_GNTTAB_MAX_FRAMES];   /* pages we allocated */
    uint64_t gnttab_gpa[HV_GNTTAB_MAX_FRAMES];   /* ~0 = not mapped */
    unsigned gnttab_nr_frames;
    unsigned gnttab_max_frames;
    /* Backend mappings per ref (under lock): all, and writable ones.
     * GTF_reading/GTF_writing stay set while the count is non-zero. */
    uint8_t gnttab_maps[HV_GNTTAB_MAX_FRAMES * HV_GNTTAB_PER_FRAME];
    uint8_t gnttab_wmaps[HV_GNTTAB_MAX_FRAMES * HV_GNTTAB_PER_FRAME];
    /* The gfn a mapped ref's maps use, read at its first map (Xen's
     * active entry): the guest cannot move a mapping by editing the entry. */
    uint32_t gnttab_act_gfn[HV_GNTTAB_MAX_FRAMES * HV_GNTTAB_PER_FRAME];
    /* Its page's balloon index, pinned by the first map (HV_NO_PAGE: a
     * page the balloon does not track): the last unmap unpins it without
     * looking the page up again. */
    uint32_t gnttab_act_page[HV_GNTTAB_MAX_FRAMES * HV_GNTTAB_PER_FRAME];
    uint64_t dirty_pages;      /* pages the backends wrote (see hv_mark_dirty) */

    uint64_t wc_boot_ns;       /* wall clock (Unix ns) at system time 0 */
    uint64_t params[64];       /* HVM_NR_PARAMS in params.h is 39 */

    struct hv_memmap_entry memmap[HV_MAX_MEMMAP];
    unsigned nr_memmap;

    uint8_t unknown_logged[64]; /* bitmap: hypercall numbers logged once */
};

/* Lifecycle.  ops must outlive the domain. */
int hv_domain_init(struct hv_domain *d, uint16_t domid, unsigned nr_vcpus,
                   const struct hv_ops *ops, void *opaque);
void hv_domain_destroy(struct hv_domain *d);
/* VCPUOP_down was called on vcpu and no VCPUOP_up since. */
bool hv_vcpu_is_down(struct hv_domain *d, unsigned vcpu);

/* Guest memory.  RAM regions are added before the guest runs. */
int hv_add_region(struct hv_domain *d, uint64_t gpa, uint64_t size,
                  uint8_t *host, bool ram);
void hv_set_memmap(struct hv_domain *d, const struct hv_memmap_entry *e,
                   unsigned n);
void *hv_gpa_ptr(struct hv_domain *d, uint64_t gpa, uint64_t len);
bool hv_gpa_is_ram(struct hv_domain *d, uint64_t gpa, uint64_t len);

/* Ballooning.  Guest RAM (every RAM region) lies in one host mapping of
 * nr_pages pages from ram_base; all of it starts in the reservation, and
 * populate stops at max_pages.  Without this, the reservation calls are
 * -ENOSYS.  0 or -ENOMEM. */
int hv_balloon_init(struct hv_domain *d, uint8_t *ram_base, uint64_t nr_pages,
                    uint64_t max_pages);
void hv_balloon_destroy(struct hv_domain *d);
/* The VMM's limit (xm mem-max); may be below the current reservation. */
void hv_set_max_pages(struct hv_domain *d, uint64_t max_pages);

/* The hypercall entry: nr and up to 6 arguments as the guest passed them
 * (already picked from the right registers for its mode).  Returns the
 * value for RAX (0/positive or a negative Xen errno). */
long hv_hypercall(struct hv_domain *d, const struct hv_vcpu_state *vs,
                  uint64_t nr, const uint64_t args[6]);

/* Event channels, for the VMM and its backends. */
int hv_evtchn_bind_backend(struct hv_domain *d, unsigned port);
int hv_evtchn_alloc_backend(struct hv_domain *d, unsigned vcpu);
int hv_evtchn_set_pending(struct hv_domain *d, unsigned port);
bool hv_evtchn_is_pending(struct hv_domain *d, unsigned port);

/* Call every few milliseconds: re-injects upcalls the guest did not take.
 * Returns how many were re-asserted. */
unsigned hv_upcall_watchdog(struct hv_domain *d);

/* HVM params the VMM presets (store/console pfn and port). */
void hv_set_param(struct hv_domain *d, unsigned idx, uint64_t value);
uint64_t hv_get_param(struct hv_domain *d, unsigned idx);

/* Grant table access for backends (v1).  Checks the entry permits domid
 * (and writing, unless readonly), returns the frame's gpa in *gpa.  Sets no
 * flags: a probe only; backends that touch the page use hv_gnttab_map. */
int hv_gnttab_check(struct hv_domain *d, uint32_t ref, uint16_t domid,
                    bool readonly, uint64_t *gpa);

/* Map granted page `ref` for backend domain `domid` (0): the entry must be
 * GTF_permit_access (not sub-page, not transitive), for domid, and not
 * GTF_readonly unless readonly.  GTF_reading (and GTF_writing for a
 * writable map) is set by compare-and-swap of {flags, domid} BEFORE the
 * page is touched, at most HV_GNTTAB_CAS_TRIES times (a guest flipping the
 * entry cannot livelock us: -XEN_EAGAIN).  Mappings of one ref nest, up to
 * 255.  *page = host address of the 4 KiB guest page (RAM only).
 * Returns 0, -XEN_EINVAL (bad ref), -XEN_EPERM (entry refuses),
 * -XEN_EFAULT (frame not RAM), -XEN_EBUSY (too many maps), -XEN_EAGAIN. */
#define HV_GNTTAB_CAS_TRIES 5
int hv_gnttab_map(struct hv_domain *d, uint32_t ref, uint16_t domid,
                  bool readonly, void **page);
/* Undo one hv_gnttab_map with the same readonly.  A writable map marks
 * the page dirty; the last writable map clears GTF_writing, the last map
 * GTF_reading.  Call before the response that completes the access is
 * visible to the guest. */
void hv_gnttab_unmap(struct hv_domain *d, uint32_t ref, bool readonly);
/* Batches, for backends mapping a packet's or a request's pages: n refs
 * (at most HV_GNTTAB_BATCH_MAX) under one lock, each checked and claimed
 * exactly as hv_gnttab_map does, in order (a ref given twice nests).  All
 * or nothing: 0 with pages[i] for refs[i]; or the error of refs[*failed],
 * with the refs before it unmapped again (flags and pins as they were, no
 * page marked dirty) and pages[] meaningless.  n > HV_GNTTAB_BATCH_MAX:
 * -XEN_E2BIG, nothing looked at, *failed = HV_GNTTAB_BATCH_MAX. */
#define HV_GNTTAB_BATCH_MAX 256
int hv_gnttab_map_many(struct hv_domain *d, const uint32_t *refs, unsigned n,
                       uint16_t domid, bool readonly, void **pages,
                       unsigned *failed);
/* hv_gnttab_unmap of each of refs[0..n) under one lock. */
void hv_gnttab_unmap_many(struct hv_domain *d, const uint32_t *refs, unsigned n,
                          bool readonly);
/* Current backend mappings of ref (tests, leak checks). */
unsigned hv_gnttab_map_count(struct hv_domain *d, uint32_t ref);

/* The one place backend writes to guest memory are accounted: counts the
 * pages of [gpa, gpa+len) in d->dirty_pages.  A live-migration dirty log
 * will record them here. */
void hv_mark_dirty(struct hv_domain *d, uint64_t gpa, uint64_t len);

#endif
