/* The domain table: create, destroy, shutdown, pause, memory, records. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "config_json.h"
#include "net.h"
#include "xend.h"

const char *dom_state_name(enum dom_state s)
{
    static const char *const names[] = { "creating", "running", "paused",
                                         "shutdown", "crashed" };
    return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}

struct domain *dom_by_name(struct xend *x, const char *name)
{
    for (int k = 0; k < XEND_MAX_DOMAINS; k++)
        if (x->doms[k].used && strcmp(x->doms[k].cfg.name, name) == 0)
            return &x->doms[k];
    return NULL;
}

struct domain *dom_by_pid(struct xend *x, pid_t pid)
{
    for (int k = 0; k < XEND_MAX_DOMAINS; k++)
        if (x->doms[k].used && x->doms[k].pid == pid)
            return &x->doms[k];
    return NULL;
}

struct domain *dom_lookup(struct xend *x, const char *s)
{
    char *end;
    long id = strtol(s, &end, 10);
    if (*s && !*end) {
        for (int k = 0; k < XEND_MAX_DOMAINS; k++)
            if (x->doms[k].used && x->doms[k].domid == id)
                return &x->doms[k];
        return NULL;
    }
    return dom_by_name(x, s);
}

static bool domid_in_use(struct xend *x, int id)
{
    for (int k = 0; k < XEND_MAX_DOMAINS; k++)
        if (x->doms[k].used && x->doms[k].domid == id)
            return true;
    return false;
}

/* Ids count up from 1 like Xen's and are not reused until they wrap. */
static struct domain *dom_alloc(struct xend *x)
{
    for (int k = 0; k < XEND_MAX_DOMAINS; k++) {
        struct domain *d = &x->doms[k];
        if (d->used)
            continue;
        memset(d, 0, sizeof(*d));
        do {
            if (x->next_domid < 1 || x->next_domid >= 0x7ff0)
                x->next_domid = 1;
            d->domid = x->next_domid++;
        } while (domid_in_use(x, d->domid));
        d->used = true;
        return d;
    }
    return NULL;
}

void dom_release(struct xend *x, struct domain *d)
{
    if (d->waiter.kind != W_NONE) {
        struct waiter w = d->waiter;
        json_object *e = json_object_new_object();
        d->waiter.kind = W_NONE;
        json_object_object_add(e, "error", json_object_new_string(
            "the domain was destroyed before it started"));
        json_object_object_add(e, "code", json_object_new_string("EIO"));
        waiter_reply(x, &w, 500, e);
    }
    disk_detach_abandon(x, d);
    store_vbd_remove(x, d, NULL);
    store_vif_remove(x, d, -1);
    store_domain_remove(x, d);
    cgroup_remove(x, d);
    state_remove(x, d);
    bool had_vifs = d->cfg.n_vifs > 0;
    config_free(&d->cfg);
    memset(d, 0, sizeof(*d));
    state_save_node(x);
    if (had_vifs)
        nat_refresh(x);
}

static int check_sharing(struct xend *x, const struct domain_config *cfg,
                         char *err, size_t len)
{
    int r = 0;
    for (size_t i = 0; r == 0 && i < cfg->n_disks; i++)
        r = disk_check_sharing(x, &cfg->disks[i], err, len);
    return r;
}

int dom_create(struct xend *x, const struct domain_config *cfg,
               const struct waiter *w, struct domain **out, char *err,
               size_t len)
{
    if (dom_by_name(x, cfg->name)) {
        snprintf(err, len, "a domain named '%s' already exists", cfg->name);
        return -EEXIST;
    }
    int r = check_sharing(x, cfg, err, len);
    if (r == 0)
        dom_refresh_all(x);
    if (r == 0)
        r = mem_check(x, NULL, cfg->memory_mib, err, len);
    if (r < 0)
        return r;
    struct domain *d = dom_alloc(x);
    if (!d) {
        snprintf(err, len, "too many domains (max %d)", XEND_MAX_DOMAINS);
        return -EBUSY;
    }
    if (config_copy(&d->cfg, cfg) < 0) {
        d->used = false;
        snprintf(err, len, "out of memory");
        return -ENOMEM;
    }
    d->target_mib = d->cfg.memory_mib;
    if ((r = owner_resolve(d, err, len)) < 0 ||
        (r = net_assign_all(x, d, err, len)) < 0) {
        config_free(&d->cfg);
        memset(d, 0, sizeof(*d));
        return r;
    }
    state_save_node(x);
    if ((r = dom_start(x, d, err, len)) < 0) {
        xdmesg(x, "domain %d (%s) failed to start: %s", d->domid,
               d->cfg.name, err);
        vmm_kill(x, d);
        dom_release(x, d);
        return r;
    }
    if (w)
        d->waiter = *w;
    if (out)
        *out = d;
    return 0;
}

int dom_destroy(struct xend *x, struct domain *d)
{
    d->destroying = true;
    vmm_kill(x, d);
    xdmesg(x, "domain %d (%s) destroyed", d->domid, d->cfg.name);
    dom_release(x, d);
    return 0;
}

int dom_shutdown(struct xend *x, struct domain *d, enum dom_reason why,
                 char *err, size_t len)
{
    const char *reason = why == DR_REBOOT ? "reboot" : "poweroff";
    if (d->pid <= 0 || d->state == DS_CREATING) {
        snprintf(err, len, "domain %s is not running", d->cfg.name);
        return -EBUSY;
    }
    json_object *args = json_object_new_object();
    json_object_object_add(args, "reason", json_object_new_string(reason));
    int via_vmm = vmm_call(d, "shutdown", args, NULL, 2000);
    int via_xs = store_domain_shutdown(x, d, reason);
    if (via_vmm < 0 && via_xs < 0) {
        snprintf(err, len, "can't ask %s to %s: no xenstore and the VMM "
                 "has no shutdown command; use 'xm destroy'", d->cfg.name,
                 reason);
        return -EOPNOTSUPP;
    }
    d->requested = why;
    xdmesg(x, "domain %d (%s): %s requested", d->domid, d->cfg.name, reason);
    return 0;
}

int dom_pause(struct xend *x, struct domain *d, bool pause, char *err,
              size_t len)
{
    if (d->pid <= 0 || (d->state != DS_RUNNING && d->state != DS_PAUSED)) {
        snprintf(err, len, "domain %s is %s", d->cfg.name,
                 dom_state_name(d->state));
        return -EBUSY;
    }
    int r = vmm_call(d, pause ? "pause" : "unpause", NULL, NULL, 2000);
    if (r < 0) {
        snprintf(err, len, "xeno-vmm of %s: %s", d->cfg.name, strerror(-r));
        return r;
    }
    d->state = pause ? DS_PAUSED : DS_RUNNING;
    state_save(x, d);
    xdmesg(x, "domain %d (%s) %s", d->domid, d->cfg.name,
           pause ? "paused" : "unpaused");
    return 0;
}

/* CPU % over the time since the last look (at least 0.5 s, else the last
 * value stands); the first look averages over the domain's life. */
static void cpu_percent(struct domain *d)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double dt = (double)(now.tv_sec - d->cpu_prev_at.tv_sec) +
                (double)(now.tv_nsec - d->cpu_prev_at.tv_nsec) / 1e9;
    if (d->cpu_prev_at.tv_sec == 0 || d->cpu_time < d->cpu_prev) {
        double up = difftime(time(NULL), d->start_time);
        d->cpu_percent = up > 0 ? d->cpu_time * 100.0 / up : 0;
    } else if (dt >= 0.5) {
        d->cpu_percent = (d->cpu_time - d->cpu_prev) * 100.0 / dt;
    } else {
        return;
    }
    d->cpu_prev = d->cpu_time;
    d->cpu_prev_at = now;
}

void dom_refresh(struct domain *d)
{
    json_object *rep, *v;
    if (d->pid <= 0 || d->state == DS_CREATING ||
        vmm_call(d, "info", NULL, &rep, 500) < 0)
        return;
    if (json_object_object_get_ex(rep, "cpu_time_ns", &v))
        d->cpu_time = (double)json_object_get_int64(v) / 1e9;
    if (json_object_object_get_ex(rep, "vcpus_online", &v))
        d->vcpus_online = (unsigned)json_object_get_int(v);
    dom_mem_from_info(d, rep);
    json_object_put(rep);
    cpu_percent(d);
}

void dom_refresh_all(struct xend *x)
{
    for (int k = 0; k < XEND_MAX_DOMAINS; k++)
        if (x->doms[k].used)
            dom_refresh(&x->doms[k]);
}

json_object *dom_json(struct xend *x, struct domain *d, bool full)
{
    (void)x;
    json_object *o = json_object_new_object();
    dom_refresh(d);
    double up = d->pid > 0 ? difftime(time(NULL), d->start_time) : 0;
    json_object_object_add(o, "domid", json_object_new_int(d->domid));
    json_object_object_add(o, "name", json_object_new_string(d->cfg.name));
    json_object_object_add(o, "state", json_object_new_string(dom_state_name(d->state)));
    if (d->has_owner) {
        json_object_object_add(o, "owner", json_object_new_string(d->cfg.owner));
        json_object_object_add(o, "owner_uid", json_object_new_int64(d->owner_uid));
    }
    dom_mem_json(d, o);
    json_object_object_add(o, "maxmem", json_object_new_int64((int64_t)d->cfg.maxmem_mib));
    json_object_object_add(o, "vcpus", json_object_new_int((int)d->cfg.vcpus));
    json_object_object_add(o, "cpu_time", json_object_new_double(d->cpu_time));
    json_object_object_add(o, "maxvcpus", json_object_new_int((int)d->cfg.maxvcpus));
    json_object_object_add(o, "vcpus_online", json_object_new_int(d->pid > 0 ? (int)d->vcpus_online : 0));
    json_object_object_add(o, "cpu_percent", json_object_new_double(d->pid > 0 ? d->cpu_percent : 0));
    json_object_object_add(o, "cpu_weight", json_object_new_int(d->cfg.cpu_weight ? (int)d->cfg.cpu_weight : CFG_WEIGHT_DEFAULT));
    json_object_object_add(o, "cpu_cap", json_object_new_int((int)d->cfg.cpu_cap));
    json_object_object_add(o, "cgroup", json_object_new_boolean(d->cgroup));
    json_object_object_add(o, "uptime", json_object_new_double(up));
    json_object_object_add(o, "start_time", json_object_new_int64(d->start_time));
    json_object_object_add(o, "pid", json_object_new_int(d->pid));
    json_object_object_add(o, "restarts", json_object_new_int((int)d->restarts));
    if (d->pid > 0) {
        json_object_object_add(o, "console_socket", json_object_new_string(d->con_path));
        json_object_object_add(o, "control_socket", json_object_new_string(d->ctl_path));
    }
    json_object_object_add(o, "log", json_object_new_string(d->log_path));
    disk_add_json(d, o);
    net_add_json(x, d, o);
    if (full)
        json_object_object_add(o, "config", config_to_json(&d->cfg));
    return o;
}
