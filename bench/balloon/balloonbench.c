/* Ballooning cost in the VMM, host side: a synthetic guest (guest RAM in a
 * memfd, hv's memory_op, as tests/unit/balloon_guest.h) gives back SIZE
 * MiB in 512-extent decrease_reservation calls, as Linux's balloon driver
 * sends them, and takes it again with populate_physmap; then touches it
 * (what the guest's use costs the host).  Prints times and the memfd's
 * st_blocks at each step.
 *
 *   balloonbench [-s MiB] [-n PAIRS]
 *   -s: how much to give back (default 1024)
 *   -n: instead, PAIRS decrease+populate calls of 512 extents on the same
 *       2 MiB and nothing else (for callgrind: instructions per call) */
#include "balloon_guest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xen/memory.h>

#define BATCH 512u
#define PAGE 4096ull

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t list[BATCH];

/* Every page of [first, first+n) through cmd, 512 a call.  -1 on a short
 * answer (Linux would panic on a short decrease). */
static int sweep(struct balloon_guest *g, unsigned cmd, uint64_t first, uint64_t n)
{
    for (uint64_t done = 0; done < n; done += BATCH) {
        unsigned k = n - done < BATCH ? (unsigned)(n - done) : BATCH;
        for (unsigned i = 0; i < k; i++)
            list[i] = first + done + i;
        if (bg_call(g, cmd, list, k) != k) {
            fprintf(stderr, "balloonbench: short answer at gfn %llu\n",
                    (unsigned long long)(first + done));
            return -1;
        }
    }
    return 0;
}

static void held(const struct balloon_guest *g, const char *when)
{
    printf("%-34s memfd holds %8.1f MiB\n", when, (double)bg_held_bytes(g) / (1 << 20));
}

static int pairs(struct balloon_guest *g, long n)
{
    for (long i = 0; i < n; i++)
        if (sweep(g, XENMEM_decrease_reservation, BG_FIRST_FREE_GFN, BATCH) ||
            sweep(g, XENMEM_populate_physmap, BG_FIRST_FREE_GFN, BATCH))
            return 1;
    printf("%ld decrease+populate pairs of %u extents\n", n, BATCH);
    return 0;
}

int main(int argc, char **argv)
{
    uint64_t mib = 1024;
    long n = 0;
    int o;

    while ((o = getopt(argc, argv, "s:n:")) != -1) {
        if (o == 's')
            mib = strtoull(optarg, NULL, 0);
        else if (o == 'n')
            n = strtol(optarg, NULL, 0);
        else {
            fprintf(stderr, "usage: balloonbench [-s MiB] [-n PAIRS]\n");
            return 2;
        }
    }
    uint64_t pages = mib * 256, total = pages + BG_FIRST_FREE_GFN;
    struct balloon_guest g;
    if (mib == 0 || bg_init(&g, total, total)) {
        fprintf(stderr, "balloonbench: cannot make a %llu MiB guest\n", (unsigned long long)mib);
        return 1;
    }
    if (n > 0)
        return pairs(&g, n);

    double t = now();
    memset(g.ram + BG_FIRST_FREE_GFN * PAGE, 0x5a, pages * PAGE);
    printf("guest touches %llu MiB: %.3f s\n", (unsigned long long)mib, now() - t);
    held(&g, "before:");
    t = now();
    if (sweep(&g, XENMEM_decrease_reservation, BG_FIRST_FREE_GFN, pages))
        return 1;
    double down = now() - t;
    printf("give back %llu MiB (%llu calls): %.3f s, %.2f us a call\n", (unsigned long long)mib,
           (unsigned long long)(pages / BATCH), down, down * 1e6 / (double)(pages / BATCH));
    held(&g, "after decrease_reservation:");
    t = now();
    if (sweep(&g, XENMEM_populate_physmap, BG_FIRST_FREE_GFN, pages))
        return 1;
    double up = now() - t;
    printf("take %llu MiB again (populate_physmap): %.3f s, %.2f us a call\n",
           (unsigned long long)mib, up, up * 1e6 / (double)(pages / BATCH));
    held(&g, "after populate_physmap:");
    t = now();
    memset(g.ram + BG_FIRST_FREE_GFN * PAGE, 0x5a, pages * PAGE);
    printf("guest touches them again (host page faults): %.3f s\n", now() - t);
    held(&g, "after the guest used them:");
    bg_destroy(&g);
    return 0;
}
