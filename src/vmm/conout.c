/* Where the guest's console output goes: stdout (unless disabled), the
 * log file, the attached `xm console` client, and a 16 KiB history that
 * is replayed to a client when it connects and quoted by crash reports.
 * Every way a guest prints (PV console ring, HYPERVISOR_console_io, port
 * 0xE9, the UART) ends here, so the log file has all of it. */
#include "vmm/vm.h"

#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
/* A guest decides how much it prints; the host's disk is not its to fill.
 * Past this the log file gets a note and nothing more (stdout and the
 * console client still see everything). */
#define LOG_CAP (64ull << 20)

static pthread_mutex_t con_lock = PTHREAD_MUTEX_INITIALIZER;
static struct console_history history;
static int out_fd = -1, log_fd = -1, client_fd = -1;
static uint64_t log_written;
static char last_char = '\n';

static bool same_file(int a, int b)
{
    struct stat sa, sb;
    return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

int conout_init(struct vm *vm)
{
    if (vm->cfg.stdio_console)
        out_fd = STDOUT_FILENO;
    if (vm->cfg.log_path) {
        log_fd = open(vm->cfg.log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        if (log_fd < 0)
            return -1;
        /* The VMM's own messages (a crash report above all) belong in the
         * same file; xend already points stderr at it. */
        if (!same_file(log_fd, STDERR_FILENO) && log_open_file(vm->cfg.log_path) < 0)
            return -1;
    }
    return 0;
}

static void write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n <= 0)
            return; /* a full disk or a gone client must not stop the guest */
        buf += n;
        len -= (size_t)n;
    }
}

void conout_write(const char *buf, size_t len)
{
    if (!len)
        return;
    pthread_mutex_lock(&con_lock);
    console_history_add(&history, buf, len);
    last_char = buf[len - 1];
    if (out_fd >= 0)
        write_all(out_fd, buf, len);
    if (log_fd >= 0 && log_written < LOG_CAP) {
        size_t n = len < LOG_CAP - log_written ? len : (size_t)(LOG_CAP - log_written);
        write_all(log_fd, buf, n);
        log_written += n;
        if (log_written >= LOG_CAP) {
            static const char note[] = "\n[xeno-vmm: console log reached 64 MiB; "
                                       "further output is not logged]\n";
            write_all(log_fd, note, sizeof(note) - 1);
        }
    }
    if (client_fd >= 0)
        write_all(client_fd, buf, len);
    pthread_mutex_unlock(&con_lock);
}

void conout_set_client(int fd)
{
    pthread_mutex_lock(&con_lock);
    if (client_fd >= 0)
        close(client_fd);
    client_fd = fd;
    if (fd >= 0) {
        const char *a, *b;
        size_t al, bl;
        console_history_spans(&history, &a, &al, &b, &bl);
        write_all(fd, a, al);
        write_all(fd, b, bl);
    }
    pthread_mutex_unlock(&con_lock);
}

/* Ends an unfinished console line in the log, so that a VMM message that
 * follows starts on a line of its own. */
void conout_break_line(void)
{
    pthread_mutex_lock(&con_lock);
    if (last_char != '\n') {
        if (out_fd >= 0)
            write_all(out_fd, "\n", 1);
        if (log_fd >= 0 && log_written < LOG_CAP)
            write_all(log_fd, "\n", 1);
        last_char = '\n';
    }
    pthread_mutex_unlock(&con_lock);
}

unsigned conout_last_lines(unsigned n, void (*fn)(void *opaque, const char *line),
                           void *opaque)
{
    pthread_mutex_lock(&con_lock);
    unsigned got = console_history_lines(&history, n, fn, opaque);
    pthread_mutex_unlock(&con_lock);
    return got;
}
