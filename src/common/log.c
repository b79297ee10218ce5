#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *log_prog = "xeno";
static enum log_level log_level = LOG_INFO;
static int log_fd = -1;

static const char *const level_names[] = {
    [LOG_ERR] = "error", [LOG_WARN] = "warning",
    [LOG_INFO] = "info", [LOG_DEBUG] = "debug",
};

void log_init(const char *prog, enum log_level level)
{
    log_prog = prog;
    log_level = level;
}

int log_open_file(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0)
        return -errno;
    if (log_fd >= 0)
        close(log_fd);
    log_fd = fd;
    return 0;
}

void log_set_level(enum log_level level) { log_level = level; }
enum log_level log_get_level(void) { return log_level; }

void log_write_raw(const char *line, size_t len)
{
    if (write(STDERR_FILENO, line, len) < 0) {
        /* nothing sensible to do */
    }
    if (log_fd >= 0 && write(log_fd, line, len) < 0) {
        /* nor here */
    }
}

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
    char line[1024];
    int n;

    if (level > log_level)
        return;
    n = snprintf(line, sizeof(line), "%s: %s: ", log_prog, level_names[level]);
    if (n < 0)
        return;
    vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    n = (int)strnlen(line, sizeof(line) - 2);
    line[n++] = '\n';
    /* One write per line keeps lines whole when threads log at once. */
    if (write(STDERR_FILENO, line, (size_t)n) < 0) {
        /* nothing sensible to do */
    }
    if (log_fd >= 0 && write(log_fd, line, (size_t)n) < 0) {
        /* a full disk must not stop the VMM */
    }
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(level, fmt, ap);
    va_end(ap);
}
