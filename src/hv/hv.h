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
};

struct hv_memmap_entry {
    uint64_t addr, size;
    uint32_t type;
};

struct hv_domain {
    uint16_t domid;
    unsigned nr_vcpus;
    uint64_t ram_pages;        /* current reservation */
    uint64_t max_pages;

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

/* Guest memory.  RAM regions are added before the guest runs. */
int hv_add_region(struct hv_domain *d, uint64_t gpa, uint64_t size,
                  uint8_t *host, bool ram);
void hv_set_memmap(struct hv_domain *d, const struct hv_memmap_entry *e,
                   unsigned n);
void *hv_gpa_ptr(struct hv_domain *d, uint64_t gpa, uint64_t len);
bool hv_gpa_is_ram(struct hv_domain *d, uint64_t gpa, uint64_t len);

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
 * (and writing, unless readonly), returns the frame's gpa in *gpa. */
int hv_gnttab_check(struct hv_domain *d, uint32_t ref, uint16_t domid,
                    bool readonly, uint64_t *gpa);

#endif
