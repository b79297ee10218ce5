/* Internals shared by the hv source files. */
#ifndef XENO_HV_INTERNAL_H
#define XENO_HV_INTERNAL_H

#include "hv/hv.h"

#include <xen/errno.h>

/* Copy between guest-virtual memory and the host, page by page.
 * 0 or -XEN_EFAULT. */
int guest_read(struct hv_domain *d, const struct hv_vcpu_state *vs,
               uint64_t gva, void *buf, size_t len);
int guest_write(struct hv_domain *d, const struct hv_vcpu_state *vs,
                uint64_t gva, const void *buf, size_t len);

/* Translate one guest-virtual address.  0 or -XEN_EFAULT. */
int guest_translate(struct hv_domain *d, const struct hv_vcpu_state *vs,
                    uint64_t gva, bool write, uint64_t *gpa);

void hv_log(struct hv_domain *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Sub-op handlers: (domain, vcpu state, cmd, guest arg pointer, count). */
typedef long (*hv_subop_fn)(struct hv_domain *d,
                            const struct hv_vcpu_state *vs, uint64_t arg);

struct hv_subop {
    hv_subop_fn fn;
    const char *name;
};

/* Look up cmd in a table indexed by sub-op number. */
long hv_subop_dispatch(struct hv_domain *d, const struct hv_vcpu_state *vs,
                       const struct hv_subop *table, size_t n, uint64_t cmd,
                       uint64_t arg, const char *what);

long hv_xen_version(struct hv_domain *d, const struct hv_vcpu_state *vs,
                    const uint64_t a[6]);
long hv_console_io(struct hv_domain *d, const struct hv_vcpu_state *vs,
                   const uint64_t a[6]);
long hv_memory_op(struct hv_domain *d, const struct hv_vcpu_state *vs,
                  const uint64_t a[6]);
long hv_hvm_op(struct hv_domain *d, const struct hv_vcpu_state *vs,
               const uint64_t a[6]);
long hv_vcpu_op(struct hv_domain *d, const struct hv_vcpu_state *vs,
                const uint64_t a[6]);
long hv_sched_op(struct hv_domain *d, const struct hv_vcpu_state *vs,
                 const uint64_t a[6]);
long hv_event_channel_op(struct hv_domain *d, const struct hv_vcpu_state *vs,
                         const uint64_t a[6]);
long hv_grant_table_op(struct hv_domain *d, const struct hv_vcpu_state *vs,
                       const uint64_t a[6]);

/* Shared state helpers. */
int hv_map_shared_info(struct hv_domain *d, uint64_t gpfn);
int hv_gnttab_map_frame(struct hv_domain *d, uint64_t idx, uint64_t gpfn);
int hv_gnttab_grow(struct hv_domain *d, unsigned nr_frames);
uint8_t *hv_vcpu_info(struct hv_domain *d, unsigned vcpu);
void hv_vcpu_mark_all_pending(struct hv_domain *d, unsigned vcpu);
void hv_vcpu_reassert_upcall(struct hv_domain *d, unsigned vcpu);
/* Place a page at gpfn: adopt the RAM page in place, or map `*own` there
 * (allocated when NULL; a page we own is reused, never freed while mapped). */
uint8_t *hv_overlay_page(struct hv_domain *d, uint64_t gpfn, uint8_t **own);

/* balloon.c: reservation calls (start = the continuation's first extent),
 * and pins that keep a RAM page alive while a backend or a Xen frame uses
 * it.  hv_page_pin: 0, or -XEN_EBUSY when the page has too many pins; a
 * frame pin is for life.  Pages outside tracked RAM are not pinned. */
long hv_mem_decrease(struct hv_domain *d, const struct hv_vcpu_state *vs,
                     uint64_t arg, uint64_t start);
long hv_mem_populate(struct hv_domain *d, const struct hv_vcpu_state *vs,
                     uint64_t arg, uint64_t start);
long hv_mem_pod_target(struct hv_domain *d, const struct hv_vcpu_state *vs,
                       uint64_t arg);
int hv_page_pin(struct hv_domain *d, const uint8_t *host, bool frame);
void hv_page_unpin(struct hv_domain *d, const uint8_t *host);
int64_t hv_page_index_of(struct hv_domain *d, const uint8_t *host);
/* Several backend pins under one balloon_lock: hv_pins_begin takes it
 * (false, and no lock, for a domain without balloon state), then
 * hv_page_pin_held/hv_page_unpin_held with its answer do what
 * hv_page_pin(d, host, false)/hv_page_unpin do, then hv_pins_end.  Lock
 * order: d->lock, then balloon_lock.  The pin names its page by the index
 * hv_page_index_of gave (HV_NO_PAGE: untracked, nothing to do), so the
 * unpin needs no lookup. */
#define HV_NO_PAGE UINT32_MAX
bool hv_pins_begin(struct hv_domain *d);
void hv_pins_end(struct hv_domain *d, bool locked);
uint32_t hv_page_slot(struct hv_domain *d, const uint8_t *host);
int hv_page_pin_held(struct hv_domain *d, bool locked, uint32_t page);
void hv_page_unpin_held(struct hv_domain *d, bool locked, uint32_t page);
/* Host address of [gpa, gpa+len) if it is guest RAM, else NULL. */
uint8_t *hv_ram_ptr(struct hv_domain *d, uint64_t gpa, uint64_t len);

#define HV_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Dispatch cmd through a sub-op table. */
#define HV_SUBOP(d, vs, table, cmd, arg, what) \
    hv_subop_dispatch((d), (vs), (table), HV_ARRAY_SIZE(table), (cmd), (arg), (what))

#define HV_PAGE_SHIFT 12
#define HV_PAGE_SIZE 4096ull

#endif
