/* Starting a domain's VMM without stopping xend: the VMM is spawned, then
 * polled from the main loop until it answers "info"; an exit or the
 * create-timeout ends the attempt.  The creator's reply waits (waiter). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "net.h"
#include "xend.h"

static void deadline_in(struct timespec *t, unsigned seconds)
{
    clock_gettime(CLOCK_MONOTONIC, t);
    t->tv_sec += seconds;
}

static bool passed(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > t->tv_sec ||
           (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

/* Opens the disks and the taps and writes their xenstore directories,
 * then spawns the VMM with their fds; the state file says "creating"
 * before it exists.  On failure nothing of it is left (the caller
 * releases d). */
int dom_start(struct xend *x, struct domain *d, char *err, size_t len)
{
    int fds[CFG_MAX_DISKS];
    struct net_open nics[CFG_MAX_VIFS];
    d->state = DS_CREATING;
    int r = disks_open_all(&d->cfg, fds, err, len);
    if (r < 0)
        return r;
    if ((r = net_open_all(x, d, nics, err, len)) < 0) {
        disks_close(fds, d->cfg.n_disks);
        return r;
    }
    if ((r = store_vbd_write(x, d, NULL)) < 0 ||
        (r = store_vif_write(x, d, NULL)) < 0)
        snprintf(err, len, "xenstore directories of the devices: %s",
                 strerror(-r));
    if (r == 0)
        r = cgroup_prepare(x, d, err, len);
    if (r == 0 && (r = state_save(x, d)) < 0)
        snprintf(err, len, "can't write the state file: %s", strerror(-r));
    if (r == 0)
        r = vmm_spawn(x, d, fds, nics, err, len);
    if (r == 0)
        r = state_save(x, d);
    if (r == 0)
        deadline_in(&d->ready_deadline, x->s.create_timeout);
    disks_close(fds, d->cfg.n_disks);
    if (r < 0) {
        net_close(nics, d->cfg.n_vifs);
        store_vbd_remove(x, d, NULL);
        store_vif_remove(x, d, -1);
    } else {
        net_handed_over(nics, d->cfg.n_vifs);
        if (d->cfg.n_vifs)
            nat_refresh(x);
    }
    return r;
}

static struct waiter take_waiter(struct domain *d)
{
    struct waiter w = d->waiter;
    d->waiter.kind = W_NONE;
    return w;
}

/* The VMM's host pid (for its cgroup): the monitor's child.  Not its
 * info's pid: a jailed VMM reports its own PID namespace's, 1. */
static int vmm_pid(const struct domain *d)
{
    int pid = vmm_host_pid(d);
    return pid > 0 ? pid : 0;
}

void dom_started(struct xend *x, struct domain *d)
{
    d->state = DS_RUNNING;
    owner_apply_modes(x, d);
    cgroup_attach(x, d, d->cgroup ? vmm_pid(d) : 0);
    vcpu_apply_config(x, d);
    store_domain_write(x, d);
    state_save(x, d);
    if (d->restarting)
        xdmesg(x, "domain %d (%s) restarted (%u), pid %d", d->domid,
               d->cfg.name, d->restarts, d->pid);
    else
        xdmesg(x, "domain %d (%s) started: xeno-vmm pid %d, %llu MiB, "
               "%u vCPUs", d->domid, d->cfg.name, d->pid,
               (unsigned long long)d->cfg.memory_mib, d->cfg.vcpus);
    d->restarting = false;
    struct waiter w = take_waiter(d);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "domid", json_object_new_int(d->domid));
    json_object_object_add(o, "name", json_object_new_string(d->cfg.name));
    waiter_reply(x, &w, 200, o);
}

/* The VMM is killed, the domain removed, then the creator told why. */
void dom_start_failed(struct xend *x, struct domain *d, const char *why)
{
    struct waiter w = take_waiter(d);
    xdmesg(x, "domain %d (%s) failed to %s: %s", d->domid, d->cfg.name,
           d->restarting ? "restart" : "start", why);
    json_object *e = json_object_new_object();
    json_object_object_add(e, "error", json_object_new_string(why));
    json_object_object_add(e, "code", json_object_new_string("EIO"));
    vmm_kill(x, d);
    dom_release(x, d);
    waiter_reply(x, &w, 500, e);
}

void dom_poll_starting(struct xend *x)
{
    char why[512];
    for (int k = 0; k < XEND_MAX_DOMAINS; k++) {
        struct domain *d = &x->doms[k];
        if (!d->used || d->state != DS_CREATING || d->pid <= 0)
            continue;
        if (vmm_poll_ready(d) == 0) {
            dom_started(x, d);
        } else if (passed(&d->ready_deadline)) {
            snprintf(why, sizeof(why), "xeno-vmm for %s did not answer "
                     "within %u s; see %s", d->cfg.name, x->s.create_timeout,
                     d->log_path);
            dom_start_failed(x, d, why);
        }
    }
}

bool dom_any_starting(const struct xend *x)
{
    for (int k = 0; k < XEND_MAX_DOMAINS; k++)
        if (x->doms[k].used && x->doms[k].state == DS_CREATING)
            return true;
    return false;
}

void dom_fail_starting(struct xend *x, const char *why)
{
    for (int k = 0; k < XEND_MAX_DOMAINS; k++)
        if (x->doms[k].used && x->doms[k].state == DS_CREATING)
            dom_start_failed(x, &x->doms[k], why);
}

void waiter_reply(struct xend *x, const struct waiter *w, int status,
                  json_object *body)
{
    if (w->kind == W_UNIX)
        unix_reply_later(x, w->slot, status, body);
    else if (w->kind == W_HTTP)
        http_reply_later(x, w, status, body);
    else
        json_object_put(body);
}
