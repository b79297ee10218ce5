/* Vifs of a running domain: network-attach (checks, tap, xenstore, then
 * nic-attach with the fd), network-detach (nic-detach, then xenstore), and
 * what xend reports: the config, the VMM's counters (nic-stats), the
 * xenstore view that xm network-list prints. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "net.h"
#include "vif_layout.h"
#include "xend.h"

#define ATTACH_TIMEOUT_MS 5000
#define DETACH_TIMEOUT_MS 12000     /* the VMM waits up to 10 s for the guest */

static int running(struct domain *d, char *err, size_t len)
{
    if (d->pid <= 0 || (d->state != DS_RUNNING && d->state != DS_PAUSED))
        return snprintf(err, len, "domain %s is %s", d->cfg.name,
                        dom_state_name(d->state)), -EBUSY;
    return 0;
}

static int vif_index(const struct domain *d, unsigned devid)
{
    for (size_t k = 0; k < d->cfg.n_vifs; k++)
        if (net_devid(&d->cfg.vifs[k]) == devid)
            return (int)k;
    return -1;
}

static json_object *attach_args(const struct net_open *o)
{
    json_object *a = json_object_new_object();
    json_object_object_add(a, "devid", json_object_new_int((int)o->plan.devid));
    json_object_object_add(a, "mac", json_object_new_string(o->plan.mac));
    json_object_object_add(a, "mtu", json_object_new_int((int)o->mtu));
    return a;
}

static int attach_checks(struct domain *d, const struct cfg_vif *v, char *err,
                         size_t len)
{
    int r = running(d, err, len);
    if (r < 0)
        return r;
    if (d->cfg.n_vifs >= CFG_MAX_VIFS)
        return snprintf(err, len, "domain %s has %d vifs, the most there can "
                        "be", d->cfg.name, CFG_MAX_VIFS), -ENOSPC;
    if (v->devid && vif_index(d, net_devid(v)) >= 0)
        return snprintf(err, len, "domain %s already has vif %s",
                        d->cfg.name, v->devid), -EEXIST;
    for (size_t k = 0; v->mac && k < d->cfg.n_vifs; k++)
        if (d->cfg.vifs[k].mac && strcasecmp(d->cfg.vifs[k].mac, v->mac) == 0)
            return snprintf(err, len, "domain %s already has MAC %s",
                            d->cfg.name, v->mac), -EEXIST;
    return 0;
}

/* v becomes d's (taken over, v zeroed) once the VMM has the tap. */
int net_attach(struct xend *x, struct domain *d, struct cfg_vif *v,
               char *err, size_t len)
{
    struct net_open o = { .fd = -1 };
    json_object *rep = NULL;
    int r = attach_checks(d, v, err, len);
    if (r == 0)
        r = net_assign(x, d, v, err, len);
    if (r == 0)
        r = net_open(x, d, v, &o, err, len);
    if (r == 0 && (r = store_vif_write(x, d, &o.plan)) < 0)
        snprintf(err, len, "xenstore: %s", strerror(-r));
    if (r == 0 && (r = vmm_call_fd(d, "nic-attach", attach_args(&o), o.fd,
                                   &rep, ATTACH_TIMEOUT_MS)) < 0) {
        disk_vmm_err(d, "nic-attach", r, rep, err, len);
        store_vif_remove(x, d, (int)o.plan.devid);
    }
    json_object_put(rep);
    if (r < 0) {
        net_close(&o, 1);
        return r;
    }
    net_handed_over(&o, 1);
    d->cfg.vifs[d->cfg.n_vifs++] = *v;
    memset(v, 0, sizeof(*v));
    state_save(x, d);
    if (o.plan.mode == VIF_NAT)
        nat_refresh(x);
    xdmesg(x, "domain %d (%s): vif %u attached as %s (%s, %s)", d->domid,
           d->cfg.name, o.plan.devid, o.plan.ifname, o.plan.mac,
           vif_mode_script(o.plan.mode));
    return 0;
}

int net_detach(struct xend *x, struct domain *d, unsigned devid, char *err,
               size_t len)
{
    int k = vif_index(d, devid), r = running(d, err, len);
    if (r < 0)
        return r;
    if (k < 0)
        return snprintf(err, len, "domain %s has no vif %u", d->cfg.name,
                        devid), -ENOENT;
    json_object *a = json_object_new_object(), *rep = NULL;
    json_object_object_add(a, "devid", json_object_new_int((int)devid));
    r = vmm_call(d, "nic-detach", a, &rep, DETACH_TIMEOUT_MS);
    if (r < 0) {
        disk_vmm_err(d, "nic-detach", r, rep, err, len);
        json_object_put(rep);
        return r;
    }
    json_object_put(rep);
    store_vif_remove(x, d, (int)devid);
    cfg_vif_free(&d->cfg.vifs[k]);
    d->cfg.vifs[k] = d->cfg.vifs[--d->cfg.n_vifs];
    memset(&d->cfg.vifs[d->cfg.n_vifs], 0, sizeof(struct cfg_vif));
    state_save(x, d);
    nat_refresh(x);
    xdmesg(x, "domain %d (%s): vif %u detached", d->domid, d->cfg.name,
           devid);
    return 0;
}

static const char *const counters[] = {
    "tx_packets", "tx_bytes", "tx_dropped", "tx_errors", "rx_packets",
    "rx_bytes", "rx_dropped",
};
#define N_COUNTERS (sizeof(counters) / sizeof(counters[0]))

static json_object *vif_base(struct xend *x, const struct domain *d,
                             const struct cfg_vif *v)
{
    struct vif_plan p;
    char err[256];
    json_object *o = json_object_new_object();
    json_object_object_add(o, "devid", json_object_new_int((int)net_devid(v)));
    json_object_object_add(o, "mac", json_object_new_string(v->mac ? v->mac : ""));
    if (net_plan_of(x, d, v, &p, err, sizeof(err)) < 0)
        return json_object_object_add(o, "error", json_object_new_string(err)), o;
    json_object_object_add(o, "vifname", json_object_new_string(p.ifname));
    json_object_object_add(o, "script", json_object_new_string(vif_mode_script(p.mode)));
    if (p.bridge[0])
        json_object_object_add(o, "bridge", json_object_new_string(p.bridge));
    if (p.ip[0])
        json_object_object_add(o, "ip", json_object_new_string(p.ip));
    if (p.fwd_host) {
        char f[16];
        snprintf(f, sizeof(f), "%u:%u", p.fwd_host, p.fwd_guest);
        json_object_object_add(o, "forward", json_object_new_string(f));
    }
    if (v->rate)
        json_object_object_add(o, "rate", json_object_new_string(v->rate));
    return o;
}

static void add_stats(json_object *o, json_object *s, int64_t *tot)
{
    json_object *v;
    for (size_t k = 0; k < N_COUNTERS; k++) {
        int64_t n = json_object_object_get_ex(s, counters[k], &v) ?
                    json_object_get_int64(v) : 0;
        tot[k] += n;
        json_object_object_add(o, counters[k], json_object_new_int64(n));
    }
    if (json_object_object_get_ex(s, "state", &v))
        json_object_object_add(o, "backend_state", json_object_get(v));
    if (json_object_object_get_ex(s, "queues", &v))
        json_object_object_add(o, "queues", json_object_get(v));
}

/* The VMM's nic-stats answer (to put), or NULL when there is no running
 * VMM with vifs to ask or it did not answer. */
static json_object *nic_stats(struct domain *d)
{
    json_object *stats = NULL;
    if (!d->cfg.n_vifs || d->pid <= 0 || d->state == DS_CREATING ||
        vmm_call(d, "nic-stats", NULL, &stats, 500) != 0) {
        json_object_put(stats);
        return NULL;
    }
    return stats;
}

/* "vif": [...] and "vif_tx_bytes"... totals in the domain record. */
void net_add_json(struct xend *x, struct domain *d, json_object *rec)
{
    json_object *stats = nic_stats(d);
    int64_t tot[N_COUNTERS] = { 0 };
    bool have = stats != NULL;
    json_object *arr = json_object_new_array();
    for (size_t k = 0; k < d->cfg.n_vifs; k++) {
        json_object *o = vif_base(x, d, &d->cfg.vifs[k]);
        json_object *s = have ? stats_entry(stats, "nics", net_devid(&d->cfg.vifs[k])) : NULL;
        if (s)
            add_stats(o, s, tot);
        json_object_array_add(arr, o);
    }
    json_object_put(stats);
    json_object_object_add(rec, "vif", arr);
    json_object_object_add(rec, "nr_vifs", json_object_new_int((int)d->cfg.n_vifs));
    for (size_t k = 0; have && k < N_COUNTERS; k++) {
        char key[32];
        snprintf(key, sizeof(key), "vif_%s", counters[k]);
        json_object_object_add(rec, key, json_object_new_int64(tot[k]));
    }
}

/* One line of xm network-list per vif, as xl prints it: the frontend's
 * state, event channel and rings as the guest wrote them. */
json_object *net_list_json(struct xend *x, struct domain *d)
{
    json_object *arr = json_object_new_array(), *stats = nic_stats(d);
    int64_t tot[N_COUNTERS] = { 0 };
    bool have = stats != NULL;
    for (size_t k = 0; k < d->cfg.n_vifs; k++) {
        struct vif_plan p;
        struct vif_layout l;
        char err[256];
        json_object *o = vif_base(x, d, &d->cfg.vifs[k]);
        json_object *s = have ? stats_entry(stats, "nics", net_devid(&d->cfg.vifs[k])) : NULL;
        if (s)
            add_stats(o, s, tot);
        if (net_plan_of(x, d, &d->cfg.vifs[k], &p, err, sizeof(err)) == 0) {
            vif_layout(d->domid, &p, &l);
            json_object_object_add(o, "backend_id", json_object_new_int(VBD_BACKEND_DOMID));
            json_object_object_add(o, "handle", json_object_new_int((int)p.devid));
            json_object_object_add(o, "state", store_int_json(x, l.fe_dir, "state"));
            json_object_object_add(o, "backend_state", store_int_json(x, l.be_dir, "state"));
            static const char *const evt[] = { "event-channel", "event-channel-tx",
                                               "queue-0/event-channel", "queue-0/event-channel-tx",
                                               NULL };
            static const char *const tx[] = { "tx-ring-ref", "queue-0/tx-ring-ref", NULL };
            static const char *const rx[] = { "rx-ring-ref", "queue-0/rx-ring-ref", NULL };
            json_object_object_add(o, "event_channel", store_first_int_json(x, l.fe_dir, evt));
            json_object_object_add(o, "tx_ring_ref", store_first_int_json(x, l.fe_dir, tx));
            json_object_object_add(o, "rx_ring_ref", store_first_int_json(x, l.fe_dir, rx));
            json_object_object_add(o, "backend", json_object_new_string(l.be_dir));
        }
        json_object_object_add(o, "xenstore", json_object_new_boolean(x->xs != NULL));
        json_object_array_add(arr, o);
    }
    json_object_put(stats);
    json_object *rep = json_object_new_object();
    json_object_object_add(rep, "vifs", arr);
    return rep;
}
