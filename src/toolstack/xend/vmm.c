/* xeno-vmm processes: started with the command line of vmm_control.h,
 * talked to over their control sockets (one JSON line each way). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "unix_connect.h"
#include "xend.h"
#include "xeno/exit.h"
#include "xeno/vmm_control.h"

#define MAX_ARGS 32

static void build_argv(struct xend *x, struct domain *d, char bufs[][32],
                       const char **argv)
{
    const struct domain_config *c = &d->cfg;
    int n = 0;
    argv[n++] = x->s.monitor_path;
    argv[n++] = d->exit_path;
    argv[n++] = x->s.vmm_path;
    argv[n++] = "--kernel";
    argv[n++] = c->kernel;
    if (c->ramdisk) {
        argv[n++] = "--ramdisk";
        argv[n++] = c->ramdisk;
    }
    if (c->cmdline) {
        argv[n++] = "--cmdline";
        argv[n++] = c->cmdline;
    }
    snprintf(bufs[0], 32, "%llu", (unsigned long long)c->memory_mib);
    snprintf(bufs[1], 32, "%u", c->vcpus);
    snprintf(bufs[2], 32, "%d", d->domid);
    argv[n++] = "--memory";
    argv[n++] = bufs[0];
    argv[n++] = "--vcpus";
    argv[n++] = bufs[1];
    argv[n++] = "--name";
    argv[n++] = c->name;
    argv[n++] = "--domid";
    argv[n++] = bufs[2];
    argv[n++] = "--log";
    argv[n++] = d->log_path;
    if (x->s.xenstored_dir[0]) {
        argv[n++] = "--xenstored-dir";
        argv[n++] = x->s.xenstored_dir;
    }
    argv[n++] = "--control";
    argv[n++] = d->ctl_path;
    argv[n++] = "--console-socket";
    argv[n++] = d->con_path;
    argv[n++] = "--no-stdio-console";
    argv[n] = NULL;
}

/* In the child: own session (a signal to xend's terminal or xend's death
 * does not reach it), stdio to the domain's log, no inherited fds. */
static void child_exec(const char *log_path, const char *const *argv)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    setsid();
    int in = open("/dev/null", O_RDONLY);
    int out = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0640);
    if (in >= 0)
        dup2(in, 0);
    if (out >= 0) {
        dup2(out, 1);
        dup2(out, 2);
    }
    closefrom(3);
    execv(argv[0], (char *const *)argv);
    dprintf(2, "xend: exec %s: %s\n", argv[0], strerror(errno));
    _exit(XENO_EXIT_VMM_ERROR);
}

int vmm_spawn(struct xend *x, struct domain *d, char *err, size_t len)
{
    char bufs[3][32];
    const char *argv[MAX_ARGS];
    snprintf(d->ctl_path, sizeof(d->ctl_path), "%s/dom%d.ctl", x->s.run_dir,
             d->domid);
    snprintf(d->con_path, sizeof(d->con_path), "%s/dom%d.console",
             x->s.run_dir, d->domid);
    snprintf(d->log_path, sizeof(d->log_path), "%s/domain-%s.log",
             x->s.vmm_log_dir, d->cfg.name);
    snprintf(d->exit_path, sizeof(d->exit_path), "%s/dom%d.exit",
             x->s.run_dir, d->domid);
    unlink(d->exit_path);
    unlink(d->ctl_path);
    unlink(d->con_path);
    build_argv(x, d, bufs, argv);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, len, "fork: %s", strerror(errno));
        return -errno;
    }
    if (pid == 0)
        child_exec(d->log_path, argv);
    d->pid = pid;
    d->child = true;
    d->start_time = time(NULL);
    return 0;
}

static int read_line(int fd, char *buf, size_t len, int timeout_ms)
{
    size_t n = 0;
    while (n + 1 < len) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int r = poll(&p, 1, timeout_ms);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return r == 0 ? -ETIMEDOUT : -errno;
        ssize_t got = read(fd, buf + n, len - n - 1);
        if (got <= 0)
            return got == 0 ? -ECONNRESET : -errno;
        n += (size_t)got;
        buf[n] = '\0';
        if (memchr(buf, '\n', n))
            return 0;
    }
    return -E2BIG;
}

int vmm_call(const struct domain *d, const char *cmd, json_object *args,
             json_object **reply, int timeout_ms)
{
    json_object *req = args ? args : json_object_new_object();
    json_object_object_add(req, "cmd", json_object_new_string(cmd));
    char line[8192];
    int n = snprintf(line, sizeof(line), "%s\n",
                     json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(req);
    if (reply)
        *reply = NULL;
    int fd = unix_connect(d->ctl_path), r = 0;
    if (fd < 0)
        return fd;
    if (send(fd, line, (size_t)n, MSG_NOSIGNAL) != n)
        r = -EIO;
    if (r == 0)
        r = read_line(fd, line, sizeof(line), timeout_ms);
    close(fd);
    json_object *rep = r == 0 ? json_tokener_parse(line) : NULL, *ok;
    if (r == 0 && (!rep || !json_object_object_get_ex(rep, "ok", &ok)))
        r = -EPROTO;
    else if (r == 0 && !json_object_get_boolean(ok))
        r = -EREMOTEIO;
    if (reply && rep)
        *reply = rep;
    else
        json_object_put(rep);
    return r;
}

int vmm_exit_status(const struct domain *d, int *wstatus)
{
    FILE *f = d->exit_path[0] ? fopen(d->exit_path, "r") : NULL;
    char how[16];
    int n, r = -ENOENT;
    if (f && fscanf(f, "%15s %d", how, &n) == 2 && n >= 0 && n < 256) {
        if (strcmp(how, "exited") == 0) {
            *wstatus = n << 8;              /* as waitpid() reports it */
            r = 0;
        } else if (strcmp(how, "signaled") == 0 && n > 0 && n < 128) {
            *wstatus = n;
            r = 0;
        }
    }
    if (f)
        fclose(f);
    return r;
}

/* Up once it answers "info"; a short wait keeps xend's loop moving. */
int vmm_poll_ready(struct domain *d)
{
    return vmm_call(d, "info", NULL, NULL, 50);
}

/* An adopted VMM that exited stays a zombie until its new parent (init,
 * or a subreaper that may never reap) collects it: a zombie is dead. */
static bool is_zombie(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    const char *paren = strrchr(buf, ')');
    return paren && (paren[2] == 'Z' || paren[2] == 'X');
}

bool vmm_alive(const struct domain *d)
{
    return d->pid > 0 && (kill(d->pid, 0) == 0 || errno == EPERM) &&
           !is_zombie(d->pid);
}

/* Waits up to ms for the VMM to go; reaps it when it is our child. */
static bool wait_gone(struct domain *d, int ms)
{
    struct timespec nap = { 0, 10 * 1000 * 1000 };
    for (int t = 0; t <= ms; t += 10) {
        if (d->child && waitpid(d->pid, NULL, WNOHANG) == d->pid)
            return true;
        if (!d->child && !vmm_alive(d))
            return true;
        nanosleep(&nap, NULL);
    }
    return false;
}

/* destroy over the control socket, then SIGTERM, then SIGKILL. */
int vmm_kill(struct xend *x, struct domain *d)
{
    if (d->pid <= 0)
        return 0;
    if (vmm_call(d, "destroy", NULL, NULL, 1000) == 0 && wait_gone(d, 3000))
        goto gone;
    kill(d->pid, SIGTERM);
    if (wait_gone(d, 2000))
        goto gone;
    xlog(x, LOG_WARN, "xeno-vmm %d of domain %d ignores SIGTERM; killing it",
         d->pid, d->domid);
    kill(d->pid, SIGKILL);
    wait_gone(d, 2000);
gone:
    d->pid = 0;
    unlink(d->ctl_path);
    unlink(d->con_path);
    unlink(d->exit_path);
    return 0;
}
