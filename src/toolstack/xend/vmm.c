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
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "net.h"
#include "unix_connect.h"
#include "xend.h"
#include "xeno/exit.h"
#include "xeno/vmm_control.h"

#define MAX_ARGS (40 + 2 * CFG_MAX_DISKS + 2 * CFG_MAX_VIFS)

/* Disk k is inherited as fd VMM_DISK_FD0 + k (child_exec puts it there). */
static int disk_argv(const struct domain *d, char dbufs[][VMM_DISK_ARG],
                     const char **argv, int n)
{
    for (size_t k = 0; k < d->cfg.n_disks; k++) {
        vmm_disk_arg(&d->cfg.disks[k], VMM_DISK_FD0 + (int)k, dbufs[k],
                     VMM_DISK_ARG);
        argv[n++] = "--disk";
        argv[n++] = dbufs[k];
    }
    return n;
}

/* Vif k is inherited as fd VMM_NIC_FD0 + k. */
static int nic_argv(const struct domain *d, const struct net_open *nics,
                    char nbufs[][VMM_NIC_ARG], const char **argv, int n)
{
    for (size_t k = 0; nics && k < d->cfg.n_vifs; k++) {
        vmm_nic_arg(&nics[k], VMM_NIC_FD0 + (int)k, nbufs[k], VMM_NIC_ARG);
        argv[n++] = "--nic";
        argv[n++] = nbufs[k];
    }
    return n;
}

int vmm_jail_arg(const struct xend_settings *s, int domid, char *buf, size_t len)
{
    buf[0] = '\0';
    if (domid < 0 || (unsigned)domid >= s->jail_uid_count)
        return -ERANGE;
    char why[160];
    if (jail_possible(s, why, sizeof(why)) < 0)
        return -EPERM;
    unsigned id = s->jail_uid_base + (unsigned)domid;
    snprintf(buf, len, "uid=%u,gid=%u", id, id);
    return 0;
}

static void build_argv(struct xend *x, struct domain *d, char bufs[][32],
                       char dbufs[][VMM_DISK_ARG], const struct net_open *nics,
                       char nbufs[][VMM_NIC_ARG], const char *xs_token,
                       const char **argv)
{
    const struct domain_config *c = &d->cfg;
    int n = 0;
    argv[n++] = x->s.monitor_path;
    if (bufs[5][0])
        argv[n++] = "--new-pid-ns"; /* the jailed VMM is its own init */
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
    if (c->maxmem_mib > c->memory_mib) { /* booted pre-ballooned */
        snprintf(bufs[3], 32, "%llu", (unsigned long long)c->maxmem_mib);
        argv[n++] = "--maxmem";
        argv[n++] = bufs[3];
    }
    argv[n++] = "--vcpus";
    argv[n++] = bufs[1];
    snprintf(bufs[4], 32, "%u", c->maxvcpus);
    argv[n++] = "--maxvcpus";
    argv[n++] = bufs[4];
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
    if (xs_token[0]) {
        argv[n++] = "--xenstore-token";
        argv[n++] = xs_token;
    }
    argv[n++] = "--control";
    argv[n++] = d->ctl_path;
    argv[n++] = "--console-socket";
    argv[n++] = d->con_path;
    argv[n++] = "--no-stdio-console";
    if (bufs[5][0]) {
        argv[n++] = "--jail";
        argv[n++] = bufs[5];
    }
    if (!x->s.vmm_seccomp)
        argv[n++] = "--no-seccomp"; /* filters are the VMM's default */
    n = disk_argv(d, dbufs, argv, n);
    n = nic_argv(d, nics, nbufs, argv, n);
    argv[n] = NULL;
}

void vmm_disk_arg(const struct cfg_disk *disk, int fd, char *buf, size_t len)
{
    snprintf(buf, len, "fd=%d,devid=%u,mode=%s,type=%s,name=%s", fd,
             disk->devid, disk->writable ? "w" : "r",
             disk->kind == CFG_DISK_PHY ? "phy" : "file", disk->vdev);
}

/* The disks' fds (O_CLOEXEC in xend) become VMM_DISK_FD0.., the taps'
 * VMM_NIC_FD0.., without it: first out of the way (above every target),
 * then into place; nothing else stays open. */
static int place_fds(const int *fds, size_t n, const struct net_open *nics,
                     size_t n_nics)
{
    int high[CFG_MAX_DISKS + CFG_MAX_VIFS];
    for (size_t k = 0; k < n + n_nics; k++)
        if ((high[k] = fcntl(k < n ? fds[k] : nics[k - n].fd,
                             F_DUPFD_CLOEXEC, 64)) < 0)
            return -1;
    for (size_t k = 0; k < n + n_nics; k++)
        if (dup2(high[k], k < n ? VMM_DISK_FD0 + (int)k
                                : VMM_NIC_FD0 + (int)(k - n)) < 0)
            return -1;
    for (int fd = VMM_DISK_FD0 + (int)n; fd < VMM_NIC_FD0; fd++)
        close(fd);
    closefrom(VMM_NIC_FD0 + (int)n_nics);
    return 0;
}

/* In the child: own session (a signal to xend's terminal or xend's death
 * does not reach it), stdio to the domain's log, no inherited fds but
 * the domain's disks and taps. */
static void child_exec(const char *log_path, const char *const *argv,
                       const int *fds, size_t n_fds,
                       const struct net_open *nics, size_t n_nics)
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
    if (place_fds(fds, n_fds, nics, n_nics) < 0) {
        dprintf(2, "xend: passing the disks and taps: %s\n", strerror(errno));
        _exit(XENO_EXIT_VMM_ERROR);
    }
    execv(argv[0], (char *const *)argv);
    dprintf(2, "xend: exec %s: %s\n", argv[0], strerror(errno));
    _exit(XENO_EXIT_VMM_ERROR);
}

int vmm_spawn(struct xend *x, struct domain *d, const int *fds,
              const struct net_open *nics, char *err, size_t len)
{
    char bufs[6][32], dbufs[CFG_MAX_DISKS][VMM_DISK_ARG],
         nbufs[CFG_MAX_VIFS][VMM_NIC_ARG], xs_token[VMM_XS_TOKEN_LEN];
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
    bufs[5][0] = '\0';
    if (x->s.vmm_jail) {
        int r = vmm_jail_arg(&x->s, d->domid, bufs[5], sizeof(bufs[5]));
        if (r == -ERANGE) {
            snprintf(err, len, "domain id %d has no uid in the jail's range (vmm-jail-uid-count "
                     "%u)", d->domid, x->s.jail_uid_count);
            return r;
        }
    }
    int t = vmm_xs_token(x, d->domid, xs_token, sizeof(xs_token));
    if (t) { /* never a VMM with domain 0's xenstore rights */
        snprintf(err, len, "xenstored refused the VMM's token: %s", strerror(-t));
        return t;
    }
    build_argv(x, d, bufs, dbufs, nics, nbufs, xs_token, argv);
    d->max_mib = d->mem_kib = d->held_kib = 0; /* a new VMM: the limit is maxmem */
    struct stat st;
    d->log_start = stat(d->log_path, &st) == 0 ? (long long)st.st_size : 0;
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, len, "fork: %s", strerror(errno));
        return -errno;
    }
    if (pid == 0)
        child_exec(d->log_path, argv, fds, d->cfg.n_disks, nics,
                   nics ? d->cfg.n_vifs : 0);
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

/* One line out, with fd (when >= 0) as SCM_RIGHTS in the same message. */
static int send_line(int sock, const char *line, size_t n, int fd)
{
    struct iovec iov = { .iov_base = (void *)line, .iov_len = n };
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } u;
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
    if (fd >= 0) {
        memset(&u, 0, sizeof(u));
        msg.msg_control = u.buf;
        msg.msg_controllen = sizeof(u.buf);
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
    }
    ssize_t w = sendmsg(sock, &msg, MSG_NOSIGNAL);
    return w == (ssize_t)n ? 0 : -EIO;
}

int vmm_send(const struct domain *d, const char *cmd, json_object *args,
             int fd)
{
    json_object *req = args ? args : json_object_new_object();
    json_object_object_add(req, "cmd", json_object_new_string(cmd));
    char line[8192];
    int n = snprintf(line, sizeof(line), "%s\n",
                     json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(req);
    int sock = unix_connect(d->ctl_path);
    if (sock < 0)
        return sock;
    int r = send_line(sock, line, (size_t)n, fd);
    if (r < 0) {
        close(sock);
        return r;
    }
    return sock;
}

int vmm_parse_reply(const char *line, json_object **reply)
{
    json_object *rep = json_tokener_parse(line), *ok;
    int r = 0;
    if (!rep || !json_object_object_get_ex(rep, "ok", &ok))
        r = -EPROTO;
    else if (!json_object_get_boolean(ok))
        r = -EREMOTEIO;
    if (reply)
        *reply = rep;
    else
        json_object_put(rep);
    return r;
}

int vmm_call_fd(const struct domain *d, const char *cmd, json_object *args,
                int fd, json_object **reply, int timeout_ms)
{
    char line[8192];
    if (reply)
        *reply = NULL;
    int sock = vmm_send(d, cmd, args, fd);
    if (sock < 0)
        return sock;
    int r = read_line(sock, line, sizeof(line), timeout_ms);
    close(sock);
    return r < 0 ? r : vmm_parse_reply(line, reply);
}

int vmm_call(const struct domain *d, const char *cmd, json_object *args,
             json_object **reply, int timeout_ms)
{
    return vmm_call_fd(d, cmd, args, -1, reply, timeout_ms);
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
