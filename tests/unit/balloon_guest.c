/* The synthetic balloon guest (balloon_guest.h). */
#include "balloon_guest.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xen/memory.h>
#include <xen/xen.h>

#define PAGE 4096ull

static void bg_discard(void *opaque, uint8_t *host, uint64_t len)
{
    struct balloon_guest *g = opaque;

    g->discards++;
    fallocate(g->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
              (off_t)(host - g->ram), (off_t)len);
}

static int bg_map(void *opaque, uint64_t gpa, void *host, uint64_t len)
{
    (void)opaque; (void)gpa; (void)host; (void)len;
    return 0;
}

static const struct hv_ops bg_ops = { .discard = bg_discard, .map_frame = bg_map };

int bg_init(struct balloon_guest *g, uint64_t pages, uint64_t max_pages)
{
    memset(g, 0, sizeof(*g));
    g->pages = pages;
    g->fd = memfd_create("bg-ram", MFD_CLOEXEC);
    if (g->fd < 0 || ftruncate(g->fd, (off_t)(pages * PAGE)) < 0)
        return -errno;
    g->ram = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, g->fd, 0);
    if (g->ram == MAP_FAILED)
        return -errno;
    g->vs = (struct hv_vcpu_state){ .id = 0, .long_mode = true };
    if (hv_domain_init(&g->dom, 1, 1, &bg_ops, g) ||
        hv_add_region(&g->dom, 0, pages * PAGE, g->ram, true) ||
        hv_balloon_init(&g->dom, g->ram, pages, max_pages))
        return -ENOMEM;
    /* The call's own pages are touched once, so held-bytes deltas are
     * the balloon's alone. */
    memset(g->ram + BG_RESV_GPA, 0, BG_LIST_GPA + BG_LIST_MAX * sizeof(uint64_t) - BG_RESV_GPA);
    return 0;
}

void bg_destroy(struct balloon_guest *g)
{
    hv_domain_destroy(&g->dom);
    munmap(g->ram, g->pages * PAGE);
    close(g->fd);
}

long bg_call_raw(struct balloon_guest *g, uint64_t cmd, uint64_t list_gva,
                 uint64_t nr, unsigned order, uint16_t domid)
{
    struct xen_memory_reservation r = { .nr_extents = nr, .extent_order = order,
                                        .domid = domid };
    uint64_t a[6] = { cmd, BG_RESV_GPA, 0, 0, 0, 0 };

    r.extent_start.p = (xen_pfn_t *)(uintptr_t)list_gva;
    memcpy(g->ram + BG_RESV_GPA, &r, sizeof(r));
    return hv_hypercall(&g->dom, &g->vs, __HYPERVISOR_memory_op, a);
}

long bg_call(struct balloon_guest *g, unsigned cmd, const uint64_t *gfns,
             unsigned n)
{
    if (gfns) {
        if (n > BG_LIST_MAX)
            return -E2BIG;
        memcpy(g->ram + BG_LIST_GPA, gfns, n * sizeof(uint64_t));
    }
    return bg_call_raw(g, cmd, BG_LIST_GPA, n, 0, DOMID_SELF);
}

uint64_t bg_held_bytes(const struct balloon_guest *g)
{
    struct stat st;
    return fstat(g->fd, &st) ? 0 : (uint64_t)st.st_blocks * 512;
}
