/* Domains on disk: STATE_DIR/<id>.json, written before a VMM is started
 * (state "creating") and after every change, so that a restarted xend
 * adopts the VMMs that still run and removes half-created domains.
 * STATE_DIR/node.json keeps Domain-0's memory and the next id. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "config_json.h"
#include "xend.h"

static int write_atomic(const char *path, const char *text)
{
    char tmp[XEND_PATH + 8];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    size_t n = strlen(text);
    int r = write(fd, text, n) == (ssize_t)n && fsync(fd) == 0 ? 0 : -EIO;
    close(fd);
    if (r == 0 && rename(tmp, path) < 0)
        r = -errno;
    if (r < 0)
        unlink(tmp);
    return r;
}

static void dom_path(const struct xend *x, int domid, char *buf, size_t len)
{
    snprintf(buf, len, "%s/%d.json", x->s.state_dir, domid);
}

int state_save(struct xend *x, const struct domain *d)
{
    char path[XEND_PATH];
    json_object *o = json_object_new_object();
    json_object_object_add(o, "domid", json_object_new_int(d->domid));
    json_object_object_add(o, "state", json_object_new_string(dom_state_name(d->state)));
    json_object_object_add(o, "pid", json_object_new_int(d->pid));
    json_object_object_add(o, "start_time", json_object_new_int64(d->start_time));
    json_object_object_add(o, "restarts", json_object_new_int((int)d->restarts));
    json_object_object_add(o, "target", json_object_new_int64((int64_t)d->target_mib));
    json_object_object_add(o, "mem_max", json_object_new_int64((int64_t)d->max_mib));
    json_object_object_add(o, "control", json_object_new_string(d->ctl_path));
    json_object_object_add(o, "console", json_object_new_string(d->con_path));
    json_object_object_add(o, "log", json_object_new_string(d->log_path));
    if (d->has_owner)
        json_object_object_add(o, "owner_uid", json_object_new_int64(d->owner_uid));
    json_object_object_add(o, "config", config_to_json(&d->cfg));
    dom_path(x, d->domid, path, sizeof(path));
    int r = write_atomic(path, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
    json_object_put(o);
    if (r < 0)
        xlog(x, LOG_ERR, "saving %s: %s", path, strerror(-r));
    return r;
}

void state_remove(struct xend *x, const struct domain *d)
{
    char path[XEND_PATH];
    dom_path(x, d->domid, path, sizeof(path));
    if (unlink(path) < 0 && errno != ENOENT)
        xlog(x, LOG_WARN, "removing %s: %s", path, strerror(errno));
}

int state_save_node(struct xend *x)
{
    char path[XEND_PATH];
    json_object *o = json_object_new_object();
    json_object_object_add(o, "dom0_memory", json_object_new_int64((int64_t)x->dom0_mib));
    json_object_object_add(o, "next_domid", json_object_new_int(x->next_domid));
    snprintf(path, sizeof(path), "%s/node.json", x->s.state_dir);
    int r = write_atomic(path, json_object_to_json_string(o));
    json_object_put(o);
    return r;
}

static void load_node(struct xend *x)
{
    char path[XEND_PATH];
    json_object *o, *v;
    snprintf(path, sizeof(path), "%s/node.json", x->s.state_dir);
    if (!(o = json_object_from_file(path)))
        return;
    if (json_object_object_get_ex(o, "dom0_memory", &v) &&
        json_object_get_int64(v) > 0)      /* the last mem-set 0 wins */
        x->dom0_mib = (uint64_t)json_object_get_int64(v);
    if (json_object_object_get_ex(o, "next_domid", &v))
        x->next_domid = json_object_get_int(v);
    json_object_put(o);
}

static void copy_str(json_object *o, const char *k, char *dst, size_t len)
{
    json_object *v;
    if (json_object_object_get_ex(o, k, &v))
        snprintf(dst, len, "%s", json_object_get_string(v));
}

static int64_t get_int(json_object *o, const char *k)
{
    json_object *v;
    return json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) : 0;
}

static int parse_domain(json_object *o, struct domain *d, char *err,
                        size_t len)
{
    json_object *cfg, *st;
    memset(d, 0, sizeof(*d));
    if (!json_object_object_get_ex(o, "config", &cfg) ||
        config_from_json(cfg, &d->cfg, err, len) < 0)
        return -EINVAL;
    d->domid = (int)get_int(o, "domid");
    d->pid = (pid_t)get_int(o, "pid");
    d->start_time = get_int(o, "start_time");
    d->restarts = (unsigned)get_int(o, "restarts");
    d->target_mib = (uint64_t)get_int(o, "target");
    d->max_mib = (uint64_t)get_int(o, "mem_max");
    json_object *ou;
    char oerr[128];
    if (json_object_object_get_ex(o, "owner_uid", &ou)) {
        d->has_owner = d->cfg.owner != NULL;    /* as resolved at create */
        d->owner_uid = (uid_t)json_object_get_int64(ou);
    } else {
        owner_resolve(d, oerr, sizeof(oerr));   /* no such user: admins' */
    }
    copy_str(o, "control", d->ctl_path, sizeof(d->ctl_path));
    copy_str(o, "console", d->con_path, sizeof(d->con_path));
    copy_str(o, "log", d->log_path, sizeof(d->log_path));
    const char *s = json_object_object_get_ex(o, "state", &st) ?
                    json_object_get_string(st) : "";
    d->state = !strcmp(s, "running") ? DS_RUNNING : !strcmp(s, "paused") ?
               DS_PAUSED : !strcmp(s, "shutdown") ? DS_SHUTDOWN :
               !strcmp(s, "crashed") ? DS_CRASHED : DS_CREATING;
    d->used = true;
    return d->domid > 0 ? 0 : -EINVAL;
}

/* Is pid still the VMM of this domain?  Its control socket must say so. */
static bool still_ours(struct domain *d)
{
    json_object *rep, *v;
    if (!vmm_alive(d) || vmm_call(d, "info", NULL, &rep, 1000) < 0)
        return false;
    bool ok = json_object_object_get_ex(rep, "domid", &v) &&
              json_object_get_int(v) == d->domid;
    json_object_put(rep);
    return ok;
}

/* Before it answers on its control socket, a VMM is recognised by its
 * command line, which names its control socket: pids get reused. */
static bool cmdline_is_ours(const struct domain *d)
{
    char path[64], buf[4096];
    snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)d->pid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    if (f)
        fclose(f);
    size_t want = strlen(d->ctl_path) + 1;
    for (size_t k = 0; d->ctl_path[0] && k + want <= n; k++)
        if (memcmp(buf + k, d->ctl_path, want) == 0)
            return true;
    return false;
}

/* A half-created domain (xend died while starting it): its VMM, if any,
 * is killed and every trace removed. */
static void discard(struct xend *x, struct domain *d, const char *why)
{
    if (d->pid > 0 && vmm_alive(d) && still_ours(d))
        vmm_kill(x, d);
    else if (d->pid > 0 && vmm_alive(d) && cmdline_is_ours(d))
        kill(d->pid, SIGKILL);
    xdmesg(x, "domain %d (%s) %s; removed", d->domid, d->cfg.name, why);
    d->pid = 0;
    store_domain_remove(x, d);
    state_remove(x, d);
    unlink(d->ctl_path);
    unlink(d->con_path);
    unlink(d->exit_path);
    config_free(&d->cfg);
    memset(d, 0, sizeof(*d));
}

static void adopt_one(struct xend *x, struct domain *d)
{
    if (d->state == DS_CREATING)
        return discard(x, d, "was being created when xend stopped");
    if (d->state == DS_SHUTDOWN || d->state == DS_CRASHED) {
        d->pid = 0;
        xlog(x, LOG_INFO, "domain %d (%s) kept %s", d->domid, d->cfg.name,
             dom_state_name(d->state));
        return;
    }
    d->child = false;
    if (!still_ours(d) && vmm_alive(d))
        return discard(x, d, "has a VMM that does not answer");
    if (!vmm_alive(d)) {
        int st;
        if (vmm_exit_status(d, &st) < 0)
            return discard(x, d, "ended while xend was not running");
        xdmesg(x, "domain %d (%s) ended while xend was not running",
               d->domid, d->cfg.name);
        return dom_ended_elsewhere(x, d);
    }
    store_domain_write(x, d);
    cgroup_adopt(x, d);
    xdmesg(x, "domain %d (%s) adopted: xeno-vmm pid %d", d->domid,
           d->cfg.name, d->pid);
}

static int load_file(struct xend *x, const char *name)
{
    char path[XEND_PATH + 300], err[256];
    snprintf(path, sizeof(path), "%s/%s", x->s.state_dir, name);
    json_object *o = json_object_from_file(path);
    struct domain *slot = NULL;
    for (int k = 0; k < XEND_MAX_DOMAINS && !slot; k++)
        if (!x->doms[k].used)
            slot = &x->doms[k];
    int r = !o ? -EINVAL : !slot ? -ENOSPC : parse_domain(o, slot, err, sizeof(err));
    json_object_put(o);
    if (r == 0)
        snprintf(slot->exit_path, sizeof(slot->exit_path), "%s/dom%d.exit",
                 x->s.run_dir, slot->domid);
    if (r < 0) {
        xlog(x, LOG_ERR, "ignoring state file %s: %s", path,
             r == -EINVAL ? "unreadable or invalid" : strerror(-r));
        if (slot)
            memset(slot, 0, sizeof(*slot));
        return r;
    }
    adopt_one(x, slot);
    return 0;
}

static int is_state_file(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return n > 5 && strcmp(e->d_name + n - 5, ".json") == 0 &&
           strcmp(e->d_name, "node.json") != 0;
}

void state_restore(struct xend *x)
{
    struct dirent **ents;
    load_node(x);
    int n = scandir(x->s.state_dir, &ents, is_state_file, alphasort);
    for (int k = 0; k < n; k++) {
        load_file(x, ents[k]->d_name);
        free(ents[k]);
    }
    if (n > 0)
        free(ents);
    for (int k = 0; k < XEND_MAX_DOMAINS; k++)
        if (x->doms[k].used && x->doms[k].domid >= x->next_domid)
            x->next_domid = x->doms[k].domid + 1;
    state_save_node(x);
}
