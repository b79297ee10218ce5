/* Start-up trace (startup.h).  Marks are kept in memory and printed at
 * flush points, so tracing costs no system call inside the phases. */
#include "vmm/startup.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_MARKS 32

static struct { const char *phase; uint64_t ns; } marks[MAX_MARKS];
static unsigned nmarks, nprinted;
static bool enabled, stop_at_entry;

void startup_trace_init(void)
{
    const char *v = getenv("XENO_STARTUP_TRACE");

    enabled = v && *v && strcmp(v, "0") != 0;
    stop_at_entry = enabled && strcmp(v, "entry") == 0;
}

void startup_mark(const char *phase)
{
    struct timespec t;

    if (!enabled || nmarks == MAX_MARKS)
        return;
    clock_gettime(CLOCK_MONOTONIC, &t);
    marks[nmarks].phase = phase;
    marks[nmarks++].ns = (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

void startup_trace_flush(void)
{
    for (; nprinted < nmarks; nprinted++)
        fprintf(stderr, "startup-trace %s %" PRIu64 "\n", marks[nprinted].phase,
                marks[nprinted].ns);
    fflush(stderr);
}

bool startup_stop_at_entry(void)
{
    return stop_at_entry;
}
