/* What a crashed domain's VMM log says about the crash: xeno-vmm ends its
 * crash report with "crash: panic message: TEXT" (when the console named
 * the cause) and "crash: last console line: TEXT" (docs/vmm.md); xend
 * quotes one in its dmesg next to the log's path.  The log holds guest
 * output, so the quote is cut and limited to printable ASCII (a guest can
 * print lines that look like the report's: the quote is the guest's word,
 * nothing xend acts on). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xend.h"

#define CRASHLOG_TAIL 65536             /* the report is a few KiB */
static const struct { const char *marker, *label; } markers[] = {
    { "\nxeno-vmm: error: killed by seccomp: ", "killed by seccomp" },
    { "\nxeno-vmm: error: crash: panic message: ", "panic message" },
    { "\nxeno-vmm: error: crash: last console line: ", "last console line" },
};

/* The text after the last occurrence of marker in buf, or NULL. */
static const char *last_after(const char *buf, size_t n, const char *marker)
{
    const char *hit = NULL;
    size_t ml = strlen(marker);
    for (const char *p = buf; (p = memmem(p, n - (size_t)(p - buf), marker, ml)); p++)
        hit = p + ml;
    return hit;
}

int crashlog_last_line(const char *log_path, long long from_off, const char **label,
                       char *out, size_t len)
{
    static char tail[CRASHLOG_TAIL + 2];
    struct stat st;
    int fd = open(log_path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), rc = -ENOENT;

    if (fd < 0)
        return -errno;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || len == 0)
        goto out;
    off_t from = st.st_size > CRASHLOG_TAIL ? st.st_size - CRASHLOG_TAIL : 0;
    if (from_off > from && from_off <= st.st_size)
        from = (off_t)from_off;        /* an older run's report is not this one's */
    tail[0] = '\n';                   /* the first line starts a line too */
    ssize_t n = pread(fd, tail + 1, CRASHLOG_TAIL, from);
    if (n <= 0)
        goto out;
    n++;
    tail[n] = '\0';
    const char *hit = NULL;
    for (size_t m = 0; !hit && m < sizeof(markers) / sizeof(markers[0]); m++)
        if ((hit = last_after(tail, (size_t)n, markers[m].marker)))
            *label = markers[m].label;
    if (!hit)
        goto out;
    size_t k = 0;
    for (; hit[k] && hit[k] != '\n' && k + 1 < len; k++)
        out[k] = (hit[k] >= 0x20 && hit[k] < 0x7f) ? hit[k] : '.';
    out[k] = '\0';
    rc = 0;
out:
    close(fd);
    return rc;
}
