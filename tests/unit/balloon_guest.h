/* A synthetic balloon guest for tests and benchmarks: guest RAM in a
 * memfd (as the VMM has it), one hv domain over it, and helpers that put
 * a xen_memory_reservation and its extent list into guest memory and make
 * the memory_op call as Linux's balloon driver does. */
#ifndef XENO_TESTS_BALLOON_GUEST_H
#define XENO_TESTS_BALLOON_GUEST_H

#include <stdint.h>

#include "hv/hv.h"

/* Guest-physical layout of the synthetic guest (flat: gva == gpa). */
#define BG_RESV_GPA 0x1000ull   /* the xen_memory_reservation */
#define BG_LIST_GPA 0x2000ull   /* extent list: up to BG_LIST_MAX gfns */
#define BG_LIST_MAX 4096u
#define BG_FIRST_FREE_GFN 16u   /* the pages above the list: free to balloon */

struct balloon_guest {
    int fd;
    uint8_t *ram;
    uint64_t pages;
    struct hv_domain dom;
    struct hv_vcpu_state vs;
    unsigned discards;          /* ops->discard calls */
};

/* pages of RAM, all in the reservation, limit max_pages.  0 or -errno. */
int bg_init(struct balloon_guest *g, uint64_t pages, uint64_t max_pages);
void bg_destroy(struct balloon_guest *g);

/* memory_op(cmd) on a reservation of the n gfns (written to the list
 * first when gfns is not NULL), as DOMID_SELF, order 0. */
long bg_call(struct balloon_guest *g, unsigned cmd, const uint64_t *gfns,
             unsigned n);
/* The same with every field given (hostile callers). */
long bg_call_raw(struct balloon_guest *g, uint64_t cmd, uint64_t list_gva,
                 uint64_t nr, unsigned order, uint16_t domid);

/* Bytes of the memfd the host really holds (st_blocks * 512). */
uint64_t bg_held_bytes(const struct balloon_guest *g);

#endif
