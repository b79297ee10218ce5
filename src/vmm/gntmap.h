/* Guest memory for the VMM's backends: grants mapped through hv, and
 * multi-page rings mapped contiguously from the guest-RAM memfd.  No KVM
 * here, so the benchmarks and tests run the same code over a memfd guest. */
#ifndef XENO_VMM_GNTMAP_H
#define XENO_VMM_GNTMAP_H

#include <stdint.h>

#include "backends/blkback.h"
#include "hv/hv.h"

/* One domain's guest RAM as the backends see it: the memfd and its whole
 * MAP_SHARED mapping (struct vm's mem_fd, mem, mem_size). */
struct gntmap {
    struct hv_domain *dom;
    int fd;
    uint8_t *base;
    uint64_t size;
    uint64_t rings_mapped;     /* multi-page rings currently mapped */
    uint64_t dirty_writes;     /* backend CPU writes into guest memory */
    uint64_t log_lines;        /* log_limit of the backends' lines */
};

/* The blkback environment: env is a struct gntmap *.  Grants through
 * hv_gnttab_map/unmap (batches: hv_gnttab_map_many/unmap_many), notify
 * through hv_evtchn_set_pending, log to the VMM log. */
extern const struct blkback_env_ops gntmap_blkback_ops;

/* Map n pages of the memfd mapping contiguously: pages[i] are page-aligned
 * host addresses inside [base, base + size).  Reserves n pages of address
 * space, then maps each page MAP_FIXED|MAP_SHARED from its offset in fd.
 * Returns the address or NULL with errno set. */
void *gntmap_pages(int fd, const uint8_t *base, uint64_t size,
                   void *const *pages, unsigned n);
void gntmap_unmap(void *addr, unsigned n);

#endif
