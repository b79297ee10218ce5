/* xm console: the domain's console socket on this terminal, raw, until
 * Ctrl-] or the domain goes away. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "unix_connect.h"
#include "xm.h"

#define ESCAPE_CHAR 0x1d        /* Ctrl-] */

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* stdin -> socket; returns 1 on the escape character, -1 at EOF/error. */
static int from_tty(int sock)
{
    char buf[4096];
    ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
    if (n <= 0)
        return -1;
    char *esc = memchr(buf, ESCAPE_CHAR, (size_t)n);
    size_t len = esc ? (size_t)(esc - buf) : (size_t)n;
    if (write_all(sock, buf, len) < 0)
        return -1;
    return esc ? 1 : 0;
}

static int to_tty(int sock)
{
    char buf[4096];
    ssize_t n = read(sock, buf, sizeof(buf));
    if (n <= 0)
        return -1;
    return write_all(STDOUT_FILENO, buf, (size_t)n);
}

static void pump(int sock)
{
    struct pollfd p[2] = { { .fd = STDIN_FILENO, .events = POLLIN },
                           { .fd = sock, .events = POLLIN } };
    bool stdin_open = true;
    for (;;) {
        p[0].fd = stdin_open ? STDIN_FILENO : -1;
        if (poll(p, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        if (p[1].revents && to_tty(sock) < 0)
            return;
        if (p[0].revents) {
            int r = from_tty(sock);
            if (r == 1)
                return;
            if (r < 0)
                stdin_open = false;     /* piped input ended: keep reading */
        }
    }
}

int xm_console_attach(struct xm *xm, const char *dom)
{
    char path[256];
    struct xenoctl *h = xm_handle(xm);
    if (!h)
        return XM_FAIL;
    int r = xenoctl_console_path(h, dom, path, sizeof(path));
    if (r < 0)
        return xm_fail(xm, r);
    int sock = unix_connect(path);
    if (sock < 0)
        return xm_error("can't connect to the console of %s (%s): %s", dom,
                        path, strerror(-sock));
    struct termios saved, raw;
    bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
    if (tty) {
        raw = saved;
        cfmakeraw(&raw);
        tcsetattr(STDIN_FILENO, TCSANOW, &raw);
    }
    pump(sock);
    if (tty)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    close(sock);
    if (tty)
        fputs("\r\n", stderr);
    return XM_OK;
}

int cmd_console(struct xm *xm, int argc, char **argv)
{
    if (argc != 2)
        return xm_usage(xm);
    return xm_console_attach(xm, argv[1]);
}
