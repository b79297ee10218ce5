/* Log lines a guest can cause as often as it likes (each xenstore write
 * of its frontend state, each ring it offers): the first LOG_LIMIT_BURST
 * lines of a source go out, then only the 2^k-th, as blkback logs host
 * I/O errors, so the guest cannot fill the host's log. */
#ifndef XENO_LOG_LIMIT_H
#define XENO_LOG_LIMIT_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define LOG_LIMIT_BURST 64u

/* Count one line of the source whose counter is *n: true to log it. */
static inline bool log_limit(uint64_t *n)
{
    uint64_t k = __atomic_add_fetch(n, 1, __ATOMIC_RELAXED);

    return k <= LOG_LIMIT_BURST || (k & (k - 1)) == 0;
}

/* Past the burst, append to a line log_limit let through which line of
 * its source it is. */
static inline void log_limit_suffix(char *msg, size_t len, uint64_t lines)
{
    size_t n = strlen(msg);

    if (lines > LOG_LIMIT_BURST && n < len)
        snprintf(msg + n, len - n, " (line %" PRIu64 " of this source, others suppressed)",
                 lines);
}

#endif
