/* A cgroup v2 group per domain, for Xen's credit shares (docs/cpu.md):
 * <cgroup-dir>/dom<ID> with cpu.weight from the weight and cpu.max from
 * the cap (cpushare.h).  xend makes <cgroup-dir> (default
 * /sys/fs/cgroup/xeno), enables the cpu controller on the way, moves the
 * domain's monitor and VMM into the group once the VMM answers, and removes
 * the group with the domain.  A host without a usable cgroup v2 runs
 * domains without groups, unless a weight or cap was asked for: then the
 * create, or sched-credit, fails and says why. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "cpushare.h"
#include "xend.h"

static int write_file(const char *dir, const char *name, const char *val)
{
    char path[XEND_PATH + 64];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -errno;
    ssize_t n = write(fd, val, strlen(val));
    int r = n < 0 ? -errno : (size_t)n == strlen(val) ? 0 : -EIO;
    close(fd);
    return r;
}

static int read_file(const char *dir, const char *name, char *buf, size_t len)
{
    char path[XEND_PATH + 64];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t n = read(fd, buf, len - 1);
    close(fd);
    if (n < 0)
        return -errno;
    buf[n] = '\0';
    return 0;
}

static bool has_word(const char *list, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = list; (p = strstr(p, w)); p += n)
        if ((p == list || p[-1] == ' ') && (!p[n] || p[n] == ' ' || p[n] == '\n'))
            return true;
    return false;
}

/* The cpu controller available in dir's parent and enabled for dir's
 * children: dir/cpu.* then exist, and so do its children's. */
static int base_ready(struct xend *x, char *err, size_t len)
{
    char parent[XEND_PATH], buf[512];
    const char *dir = x->s.cgroup_dir;
    snprintf(parent, sizeof(parent), "%s", dir);
    char *slash = strrchr(parent, '/');
    if (!slash || slash == parent) {
        snprintf(err, len, "cgroup-dir %s: give a directory below a cgroup v2 mount", dir);
        return -EINVAL;
    }
    *slash = '\0';
    if (read_file(parent, "cgroup.controllers", buf, sizeof(buf)) < 0) {
        snprintf(err, len, "no cgroup v2 at %s (no cgroup.controllers: mount -t cgroup2 "
                 "none %s, or boot with systemd.unified_cgroup_hierarchy=1)", parent, parent);
        return -ENOTSUP;
    }
    if (!has_word(buf, "cpu")) {
        snprintf(err, len, "the cgroup v2 cpu controller is not available in %s "
                 "(cgroup.controllers: %.100s): a cgroup v1 hierarchy may hold it, or a "
                 "parent group did not pass it down", parent, strtok(buf, "\n") ? buf : "");
        return -ENOTSUP;
    }
    int r = write_file(parent, "cgroup.subtree_control", "+cpu");
    if (r < 0) {
        snprintf(err, len, "can't enable the cpu controller in %s/cgroup.subtree_control: %s",
                 parent, strerror(-r));
        return r;
    }
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        snprintf(err, len, "can't make %s: %s", dir, strerror(errno));
        return -errno;
    }
    if ((r = write_file(dir, "cgroup.subtree_control", "+cpu")) < 0) {
        snprintf(err, len, "can't enable the cpu controller in %s/cgroup.subtree_control: %s",
                 dir, strerror(-r));
        return r;
    }
    return 0;
}

static void group_path(const struct xend *x, const struct domain *d, char *buf, size_t len)
{
    snprintf(buf, len, "%s/dom%d", x->s.cgroup_dir, d->domid);
}

int cgroup_write_shares(struct xend *x, struct domain *d, unsigned weight, unsigned cap,
                        char *err, size_t len)
{
    char dir[XEND_PATH + 16], w[16], max[48];
    group_path(x, d, dir, sizeof(dir));
    snprintf(w, sizeof(w), "%u", cpushare_cgroup_weight(weight ? weight : CFG_WEIGHT_DEFAULT));
    cpushare_cpu_max(cap, max, sizeof(max));
    int r = write_file(dir, "cpu.weight", w);
    if (r == 0)
        r = write_file(dir, "cpu.max", max);
    if (r < 0)
        snprintf(err, len, "writing %s/cpu.weight and cpu.max: %s", dir, strerror(-r));
    return r;
}

int cgroup_prepare(struct xend *x, struct domain *d, char *err, size_t len)
{
    char why[512], dir[XEND_PATH + 16];
    bool wanted = d->cfg.cpu_weight || d->cfg.cpu_cap;
    d->cgroup = false;
    int r = base_ready(x, why, sizeof(why));
    group_path(x, d, dir, sizeof(dir));
    if (r == 0 && mkdir(dir, 0755) < 0 && errno != EEXIST) {
        r = -errno;
        snprintf(why, sizeof(why), "can't make %s: %s", dir, strerror(errno));
    }
    if (r == 0)
        r = cgroup_write_shares(x, d, d->cfg.cpu_weight, d->cfg.cpu_cap, why, sizeof(why));
    if (r == 0) {
        d->cgroup = true;
        return 0;
    }
    snprintf(x->cgroup_why, sizeof(x->cgroup_why), "%s", why);
    if (!wanted) {
        xlog(x, LOG_INFO, "domain %d (%s) runs without a cgroup: %s", d->domid,
             d->cfg.name, why);
        return 0;
    }
    snprintf(err, len, "cpu_weight/cpu_cap need a cgroup v2 group: %s", why);
    return r;
}

/* The monitor and the VMM (the pid its "info" gave). */
void cgroup_attach(struct xend *x, struct domain *d, int vmm_pid)
{
    char dir[XEND_PATH + 16], pid[24];
    if (!d->cgroup)
        return;
    group_path(x, d, dir, sizeof(dir));
    int pids[2] = { d->pid, vmm_pid };
    for (int k = 0; k < 2; k++) {
        if (pids[k] <= 0)
            continue;
        snprintf(pid, sizeof(pid), "%d", pids[k]);
        int r = write_file(dir, "cgroup.procs", pid);
        if (r < 0)
            xlog(x, LOG_WARN, "domain %d (%s): moving pid %d into %s: %s", d->domid,
                 d->cfg.name, pids[k], dir, strerror(-r));
    }
}

void cgroup_remove(struct xend *x, struct domain *d)
{
    char dir[XEND_PATH + 16];
    if (!d->cgroup)
        return;
    group_path(x, d, dir, sizeof(dir));
    if (rmdir(dir) < 0 && errno != ENOENT)
        xlog(x, LOG_WARN, "removing %s: %s", dir, strerror(errno));
    d->cgroup = false;
}

int cgroup_cpu_usec(struct xend *x, const struct domain *d, uint64_t *usec)
{
    char dir[XEND_PATH + 16], buf[1024];
    if (!d->cgroup)
        return -ENOENT;
    group_path(x, d, dir, sizeof(dir));
    int r = read_file(dir, "cpu.stat", buf, sizeof(buf));
    if (r < 0)
        return r;
    const char *p = strstr(buf, "usage_usec ");
    if (!p)
        return -EPROTO;
    *usec = strtoull(p + 11, NULL, 10);
    return 0;
}

/* After a restart of xend: the group is there if the domain had one. */
void cgroup_adopt(struct xend *x, struct domain *d)
{
    char dir[XEND_PATH + 16];
    struct stat st;
    group_path(x, d, dir, sizeof(dir));
    d->cgroup = stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}
