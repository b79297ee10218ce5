/* Where the guest's console output goes: stdout (unless disabled), the
 * log file, the attached `xm console` client, and a 16 KiB history that
 * is replayed to a client when it connects. */
#include "vmm/vm.h"

#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#define HISTORY 16384
/* A guest decides how much it prints; the host's disk is not its to fill.
 * Past this the log file gets a note and nothing more (stdout and the
 * console client still see everything). */
#define LOG_CAP (64ull << 20)

static pthread_mutex_t con_lock = PTHREAD_MUTEX_INITIALIZER;
static char history[HISTORY];
static size_t hist_head, hist_len;
static int out_fd = -1, log_fd = -1, client_fd = -1;
static uint64_t log_written;

int conout_init(struct vm *vm)
{
    if (vm->cfg.stdio_console)
        out_fd = STDOUT_FILENO;
    if (vm->cfg.log_path) {
        log_fd = open(vm->cfg.log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        if (log_fd < 0)
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
    pthread_mutex_lock(&con_lock);
    for (size_t i = 0; i < len; i++) {
        history[(hist_head + hist_len) % HISTORY] = buf[i];
        if (hist_len < HISTORY)
            hist_len++;
        else
            hist_head = (hist_head + 1) % HISTORY;
    }
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
        size_t first = hist_len < HISTORY - hist_head ? hist_len : HISTORY - hist_head;
        write_all(fd, history + hist_head, first);
        write_all(fd, history, hist_len - first);
    }
    pthread_mutex_unlock(&con_lock);
}
