/* A stand-in for xeno-vmm in toolstack tests: the same command line and
 * control/console socket protocol (xeno/vmm_control.h), no KVM.  Extra:
 *   {"cmd":"shutdown","reason":"poweroff"|"reboot"}  exits 0 / 101
 *   {"cmd":"test-exit","status":N}                   exits N
 *   FAKE_VMM_START_DELAY_MS=N   wait before opening the control socket
 *   FAKE_VMM_NO_SHUTDOWN=1      no shutdown command (like xeno-vmm today)
 *   fake-vmm --ctl-send SOCKET JSON                  client mode
 * A kernel that can't be opened ends it with status 1, like the real one. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "xeno/exit.h"
#include "xeno/vmm_control.h"

struct fake {
    const char *kernel, *name, *control, *console, *log;
    int domid, vcpus;
    long memory;
    bool paused;
    time_t start;
    int ctl_fd, con_fd, con_client;
    int exit_status;            /* -1: keep running */
};

static volatile sig_atomic_t got_term;

static void on_term(int sig)
{
    (void)sig;
    got_term = 1;
}

static int listen_on(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    unlink(path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        listen(fd, 8) < 0)
        return -1;
    return fd;
}

static int connect_to(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        return -1;
    return fd;
}

static void info_reply(struct fake *f, char *out, size_t len)
{
    struct timespec cpu;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
    snprintf(out, len, "{\"ok\":true,\"name\":\"%s\",\"domid\":%d,\"pid\":%d,"
             "\"memory_mib\":%ld,\"vcpus\":%d,\"state\":\"%s\","
             "\"cpu_time_ns\":%lld,\"start_time\":%lld}\n", f->name, f->domid,
             (int)getpid(), f->memory, f->vcpus,
             f->paused ? "paused" : "running",
             (long long)cpu.tv_sec * 1000000000LL + cpu.tv_nsec,
             (long long)f->start);
}

static void command(struct fake *f, json_object *req, char *out, size_t len)
{
    json_object *c, *v;
    const char *cmd = json_object_object_get_ex(req, "cmd", &c) ?
                      json_object_get_string(c) : "";
    snprintf(out, len, "{\"ok\":true}\n");
    if (strcmp(cmd, "info") == 0)
        info_reply(f, out, len);
    else if (strcmp(cmd, "pause") == 0 || strcmp(cmd, "unpause") == 0)
        f->paused = cmd[0] == 'p';
    else if (strcmp(cmd, "destroy") == 0)
        f->exit_status = XENO_EXIT_DESTROYED;
    else if (strcmp(cmd, "shutdown") == 0 && getenv("FAKE_VMM_NO_SHUTDOWN"))
        snprintf(out, len, "{\"ok\":false,\"error\":\"unknown command\"}\n");
    else if (strcmp(cmd, "shutdown") == 0)
        f->exit_status = json_object_object_get_ex(req, "reason", &v) &&
                         strcmp(json_object_get_string(v), "reboot") == 0 ?
                         XENO_EXIT_SHUTDOWN_BASE + 1 : XENO_EXIT_POWEROFF;
    else if (strcmp(cmd, "test-exit") == 0)
        f->exit_status = json_object_object_get_ex(req, "status", &v) ?
                         json_object_get_int(v) : 1;
    else if (strcmp(cmd, "sysrq") != 0)
        snprintf(out, len, "{\"ok\":false,\"error\":\"unknown command\"}\n");
}

static void serve_control(struct fake *f)
{
    int c = accept4(f->ctl_fd, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0)
        return;
    char line[4096], out[1024];
    size_t n = 0;
    struct pollfd p = { .fd = c, .events = POLLIN };
    while (n + 1 < sizeof(line) && poll(&p, 1, 1000) > 0) {
        ssize_t r = read(c, line + n, sizeof(line) - n - 1);
        if (r <= 0)
            break;
        n += (size_t)r;
        line[n] = '\0';
        char *nl = memchr(line, '\n', n);
        if (!nl)
            continue;
        *nl = '\0';
        json_object *req = json_tokener_parse(line);
        if (req)
            command(f, req, out, sizeof(out));
        else
            snprintf(out, sizeof(out), "{\"ok\":false,\"error\":\"malformed request\"}\n");
        json_object_put(req);
        if (write(c, out, strlen(out)) < 0)
            break;
        size_t rest = n - (size_t)(nl + 1 - line);
        memmove(line, nl + 1, rest);
        n = rest;
        if (f->exit_status >= 0)
            break;
    }
    close(c);
}

static void serve_console(struct fake *f, bool accept_new)
{
    char buf[1024];
    if (accept_new) {
        int c = accept4(f->con_fd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0)
            return;
        if (f->con_client >= 0)
            close(f->con_client);   /* a second client replaces the first */
        f->con_client = c;
        int n = snprintf(buf, sizeof(buf), "fake console of %s (domid %d)\r\n",
                         f->name, f->domid);
        if (write(c, buf, (size_t)n) < 0)
            return;
        return;
    }
    ssize_t n = read(f->con_client, buf, sizeof(buf));
    if (n <= 0 || write(f->con_client, buf, (size_t)n) < 0) {   /* echo */
        close(f->con_client);
        f->con_client = -1;
    }
}

static int run(struct fake *f)
{
    while (f->exit_status < 0 && !got_term) {
        struct pollfd p[3] = { { .fd = f->ctl_fd, .events = POLLIN },
                               { .fd = f->con_fd, .events = POLLIN },
                               { .fd = f->con_client, .events = POLLIN } };
        if (poll(p, 3, 1000) < 0 && errno != EINTR)
            return XENO_EXIT_VMM_ERROR;
        if (p[0].revents)
            serve_control(f);
        if (p[1].revents)
            serve_console(f, true);
        if (p[2].revents)
            serve_console(f, false);
    }
    unlink(f->control);
    if (f->console)
        unlink(f->console);
    fprintf(stderr, "fake-vmm %s: exit %d\n", f->name,
            got_term ? XENO_EXIT_DESTROYED : f->exit_status);
    return got_term ? XENO_EXIT_DESTROYED : f->exit_status;
}

static int ctl_send(const char *path, const char *json)
{
    int fd = connect_to(path);
    char buf[4096];
    if (fd < 0 || write(fd, json, strlen(json)) < 0 || write(fd, "\n", 1) < 0) {
        perror(path);
        return 1;
    }
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    if (n > 0 && fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
        return 1;
    close(fd);
    return n > 0 ? 0 : 1;
}

static int parse(struct fake *f, int argc, char **argv)
{
    static const struct option opts[] = {
        { "kernel", 1, 0, 'k' }, { "ramdisk", 1, 0, 'r' },
        { "cmdline", 1, 0, 'c' }, { "memory", 1, 0, 'm' },
        { "vcpus", 1, 0, 'v' }, { "name", 1, 0, 'n' }, { "domid", 1, 0, 'd' },
        { "log", 1, 0, 'l' }, { "xenstored-dir", 1, 0, 'x' },
        { "control", 1, 0, 'C' }, { "console-socket", 1, 0, 'S' },
        { "no-stdio-console", 0, 0, 'N' }, { 0, 0, 0, 0 } };
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'k': f->kernel = optarg; break;
        case 'm': f->memory = atol(optarg); break;
        case 'v': f->vcpus = atoi(optarg); break;
        case 'n': f->name = optarg; break;
        case 'd': f->domid = atoi(optarg); break;
        case 'l': f->log = optarg; break;
        case 'C': f->control = optarg; break;
        case 'S': f->console = optarg; break;
        case 'r': case 'c': case 'x': case 'N': break;
        default: return -1;
        }
    }
    return f->kernel && f->control ? 0 : -1;
}

int main(int argc, char **argv)
{
    struct fake f = { .name = "", .vcpus = 1, .memory = 128, .con_fd = -1,
                      .con_client = -1, .exit_status = -1 };
    if (argc == 4 && strcmp(argv[1], "--ctl-send") == 0)
        return ctl_send(argv[2], argv[3]);
    if (parse(&f, argc, argv) < 0) {
        fprintf(stderr, "usage: fake-vmm --kernel K --control SOCK [...]\n");
        return XENO_EXIT_USAGE;
    }
    if (access(f.kernel, R_OK) < 0) {
        fprintf(stderr, "fake-vmm: can't open kernel %s: %s\n", f.kernel,
                strerror(errno));
        return XENO_EXIT_VMM_ERROR;
    }
    signal(SIGTERM, on_term);
    signal(SIGPIPE, SIG_IGN);
    const char *delay = getenv("FAKE_VMM_START_DELAY_MS");
    if (delay)
        usleep((useconds_t)atoi(delay) * 1000);
    f.start = time(NULL);
    f.ctl_fd = listen_on(f.control);
    if (f.console)
        f.con_fd = listen_on(f.console);
    if (f.ctl_fd < 0 || (f.console && f.con_fd < 0)) {
        perror("fake-vmm: listen");
        return XENO_EXIT_VMM_ERROR;
    }
    return run(&f);
}
