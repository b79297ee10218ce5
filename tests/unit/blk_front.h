/* A synthetic blkif frontend over a memfd "guest": guest RAM, a grant
 * table and rings exactly as a guest lays them out, served by the real
 * hv grant code and the VMM's gntmap.  Used by the unit tests, the fuzzer
 * and bench/blk. */
#ifndef XENO_TESTS_BLK_FRONT_H
#define XENO_TESTS_BLK_FRONT_H

#include "backends/blkback_int.h"
#include "hv/hv_internal.h"
#include "vmm/gntmap.h"

#include <xen/grant_table.h>

struct blk_front {
    struct hv_domain dom;
    int memfd;
    uint8_t *ram;
    uint64_t ram_pages, next_page, ring_page;
    uint32_t next_ref;
    /* The environment blkback sees: gntmap plus counters and faults. */
    struct gntmap gm;
    unsigned notifies[BLKBACK_MAX_QUEUES + 8];  /* by port */
    unsigned logs;
    char last_log[256];
    int fail_ring_map;          /* ring_map returns this if non-zero */
    void (*on_dirty)(void *p, size_t len); /* each backend write, if set */
    /* Each data/indirect grant map, if set: a guest vCPU acting while the
     * backend works through a request. */
    void (*on_map)(uint32_t ref);
    unsigned map_batches, unmap_batches;  /* gnt_map_many/gnt_unmap_many calls */
};

struct bf_ring {
    blkif_front_ring_t ring;
    uint32_t refs[BLKBACK_MAX_RING_PAGES];
    unsigned order, port;
    blkif_sring_t *sring;
};

extern const struct blkback_env_ops bf_env_ops;

int bf_init(struct blk_front *f, unsigned ram_mib);
void bf_destroy(struct blk_front *f);
/* n contiguous guest pages; returns the host address, *pfn the first. */
void *bf_alloc(struct blk_front *f, unsigned n, uint64_t *pfn);
uint32_t bf_grant(struct blk_front *f, uint64_t pfn, bool readonly);
grant_entry_v1_t *bf_entry(struct blk_front *f, uint32_t ref);
/* Linux's gnttab_end_foreign_access_ref: fails while the backend maps it. */
bool bf_end_access(struct blk_front *f, uint32_t ref);
void *bf_pfn_ptr(struct blk_front *f, uint64_t pfn);

int bf_ring_init(struct blk_front *f, struct bf_ring *r, unsigned order,
                 unsigned port);
struct blkif_request *bf_next(struct bf_ring *r);
void bf_push(struct bf_ring *r);
/* Take one response: 1, or 0 when none. */
int bf_take(struct bf_ring *r, struct blkif_response *rsp);

#endif
