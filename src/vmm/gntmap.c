/* Grants and rings for the VMM's backends.  A one-page ring is the guest
 * page itself; a multi-page ring (blkif ring-page-order > 0) needs its
 * pages side by side, which guest RAM rarely has, so we map each granted
 * page again from the guest-RAM memfd into one reserved range. */
#include "vmm/gntmap.h"

#include <errno.h>
#include <sys/mman.h>

#include "common/log.h"
#include "common/log_limit.h"

#define PAGE 4096ull

void *gntmap_pages(int fd, const uint8_t *base, uint64_t size,
                   void *const *pages, unsigned n)
{
    uint8_t *va;

    for (unsigned i = 0; i < n; i++) {
        const uint8_t *p = pages[i];
        if (p < base || (uint64_t)(p - base) >= size || (p - base) % PAGE ||
            size - (uint64_t)(p - base) < PAGE) {
            errno = EINVAL;
            return NULL;
        }
    }
    if (n == 0) {
        errno = EINVAL;
        return NULL;
    }
    va = mmap(NULL, n * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (va == MAP_FAILED)
        return NULL;
    for (unsigned i = 0; i < n; i++) {
        off_t off = (off_t)((const uint8_t *)pages[i] - base);
        if (mmap(va + i * PAGE, PAGE, PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_FIXED, fd, off) == MAP_FAILED) {
            int e = errno;
            munmap(va, n * PAGE);
            errno = e;
            return NULL;
        }
    }
    return va;
}

void gntmap_unmap(void *addr, unsigned n)
{
    if (addr && n)
        munmap(addr, n * PAGE);
}

static int env_gnt_map(void *env, uint16_t domid, uint32_t ref, bool readonly,
                       void **page)
{
    struct gntmap *g = env;
    return hv_gnttab_map(g->dom, ref, domid, readonly, page);
}

static void env_gnt_unmap(void *env, uint16_t domid, uint32_t ref, bool readonly)
{
    struct gntmap *g = env;
    (void)domid;
    hv_gnttab_unmap(g->dom, ref, readonly);
}

_Static_assert(BLKBACK_MAX_INDIRECT_SEGS <= HV_GNTTAB_BATCH_MAX,
               "a request's segments fit one batch");

static int env_gnt_map_many(void *env, uint16_t domid, const uint32_t *refs,
                            unsigned n, bool readonly, void **pages, unsigned *failed)
{
    struct gntmap *g = env;
    return hv_gnttab_map_many(g->dom, refs, n, domid, readonly, pages, failed);
}

static void env_gnt_unmap_many(void *env, uint16_t domid, const uint32_t *refs,
                               unsigned n, bool readonly)
{
    struct gntmap *g = env;
    (void)domid;
    hv_gnttab_unmap_many(g->dom, refs, n, readonly);
}

static void unmap_refs(struct gntmap *g, const uint32_t *refs, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        hv_gnttab_unmap(g->dom, refs[i], false);
}

static int env_ring_map(void *env, uint16_t domid, const uint32_t *refs,
                        unsigned nr, void **ring)
{
    struct gntmap *g = env;
    void *pages[BLKBACK_MAX_RING_PAGES];
    unsigned i;
    int rc = 0;

    if (nr == 0 || nr > BLKBACK_MAX_RING_PAGES)
        return -EINVAL;
    for (i = 0; i < nr && !rc; i++)
        rc = hv_gnttab_map(g->dom, refs[i], domid, false, &pages[i]);
    if (rc) {
        unmap_refs(g, refs, i - 1);
        return rc;
    }
    if (nr == 1) {
        *ring = pages[0];
        return 0;
    }
    *ring = gntmap_pages(g->fd, g->base, g->size, pages, nr);
    if (!*ring) {
        rc = -errno;
        unmap_refs(g, refs, nr);
        return rc;
    }
    g->rings_mapped++;
    return 0;
}

static void env_ring_unmap(void *env, uint16_t domid, const uint32_t *refs,
                           unsigned nr, void *ring)
{
    struct gntmap *g = env;
    (void)domid;
    if (nr > 1) {
        gntmap_unmap(ring, nr);
        g->rings_mapped--;
    }
    unmap_refs(g, refs, nr);
}

static void env_notify(void *env, unsigned port)
{
    struct gntmap *g = env;
    hv_evtchn_set_pending(g->dom, port);
}

/* CPU writes into guest memory (responses, bounce copy-out).  The pages
 * behind them are writable grants or ring pages, which hv marks dirty when
 * they are unmapped; this counts the writes themselves. */
static void env_dirty(void *env, void *p, size_t len)
{
    struct gntmap *g = env;
    (void)p; (void)len;
    g->dirty_writes++;
}

/* The backends log a line per ring a guest offers and fails to map: as
 * often as the guest reconnects, so limited. */
static void env_log(void *env, const char *msg)
{
    struct gntmap *g = env;
    char line[256];

    if (!log_limit(&g->log_lines))
        return;
    snprintf(line, sizeof(line), "%s", msg);
    log_limit_suffix(line, sizeof(line), __atomic_load_n(&g->log_lines, __ATOMIC_RELAXED));
    log_warn("blkback: %s", line);
}

const struct blkback_env_ops gntmap_blkback_ops = {
    .gnt_map = env_gnt_map,
    .gnt_unmap = env_gnt_unmap,
    .gnt_map_many = env_gnt_map_many,
    .gnt_unmap_many = env_gnt_unmap_many,
    .ring_map = env_ring_map,
    .ring_unmap = env_ring_unmap,
    .notify = env_notify,
    .dirty = env_dirty,
    .log = env_log,
};
