/* What xend reports about a domain's disks: the config, the VMM's
 * counters (disk-stats) in the domain record, and the xenstore view that
 * xm block-list prints. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vbd_layout.h"
#include "xend.h"

static const char *const counters[] = {
    "rd_req", "wr_req", "flush_req", "discard_req", "rd_bytes", "wr_bytes",
    "errors",
};
#define N_COUNTERS (sizeof(counters) / sizeof(counters[0]))

static json_object *disk_base(const struct cfg_disk *disk)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "vdev", json_object_new_string(disk->vdev));
    json_object_object_add(o, "devid", json_object_new_int64(disk->devid));
    json_object_object_add(o, "type", json_object_new_string(
        disk->kind == CFG_DISK_PHY ? "phy" : "file"));
    json_object_object_add(o, "target", json_object_new_string(disk->target));
    json_object_object_add(o, "mode", json_object_new_string(disk->writable ? "w" : "r"));
    json_object_object_add(o, "device_type", json_object_new_string(
        disk->cdrom ? "cdrom" : "disk"));
    return o;
}

json_object *stats_entry(json_object *stats, const char *list, int64_t devid)
{
    json_object *arr, *v;
    if (!stats || !json_object_object_get_ex(stats, list, &arr) ||
        !json_object_is_type(arr, json_type_array))
        return NULL;
    for (size_t k = 0; k < json_object_array_length(arr); k++) {
        json_object *s = json_object_array_get_idx(arr, k);
        if (json_object_object_get_ex(s, "devid", &v) &&
            json_object_get_int64(v) == devid)
            return s;
    }
    return NULL;
}

/* The VMM's fields for one disk, copied; the numbers summed in tot. */
static void add_stats(json_object *o, json_object *s, int64_t *tot)
{
    json_object *v;
    static const char *const extra[] = { "state", "sectors", "access" };
    for (size_t k = 0; k < N_COUNTERS; k++) {
        int64_t n = json_object_object_get_ex(s, counters[k], &v) ?
                    json_object_get_int64(v) : 0;
        tot[k] += n;
        json_object_object_add(o, counters[k], json_object_new_int64(n));
    }
    for (size_t k = 0; k < sizeof(extra) / sizeof(extra[0]); k++)
        if (json_object_object_get_ex(s, extra[k], &v))
            json_object_object_add(o, extra[k], json_object_get(v));
}

/* "vbd": [...] and "vbd_rd_req"... totals, in the domain record.  The
 * counters come from the VMM; without an answer they are absent. */
void disk_add_json(struct domain *d, json_object *rec)
{
    json_object *stats = NULL;
    int64_t tot[N_COUNTERS] = { 0 };
    bool have = d->cfg.n_disks && d->pid > 0 && d->state != DS_CREATING &&
                vmm_call(d, "disk-stats", NULL, &stats, 500) == 0;
    json_object *arr = json_object_new_array();
    for (size_t k = 0; k < d->cfg.n_disks; k++) {
        json_object *o = disk_base(&d->cfg.disks[k]);
        json_object *s = have ? stats_entry(stats, "disks", d->cfg.disks[k].devid) : NULL;
        if (s)
            add_stats(o, s, tot);
        json_object_array_add(arr, o);
    }
    json_object_put(stats);
    json_object_object_add(rec, "vbd", arr);
    json_object_object_add(rec, "nr_vbds", json_object_new_int((int)d->cfg.n_disks));
    for (size_t k = 0; have && k < N_COUNTERS; k++) {
        char key[32];
        snprintf(key, sizeof(key), "vbd_%s", counters[k]);
        json_object_object_add(rec, key, json_object_new_int64(tot[k]));
    }
}

/* A xenstore number, or -1 when absent (as xl prints it). */
json_object *store_int_json(struct xend *x, const char *dir, const char *key)
{
    char *v = store_read(x, dir, key), *end;
    long n = v ? strtol(v, &end, 10) : -1;
    if (v && (*end || !*v))
        n = -1;
    free(v);
    return json_object_new_int64(n);
}

/* The first of keys (NULL-terminated) that dir holds as an integer, or
 * -1: a frontend writes its ring and channel at the top of its directory
 * with one queue, under queue-0/ with several, and splits the channel in
 * two (event-channel-tx/-rx) when the backend offers that. */
json_object *store_first_int_json(struct xend *x, const char *dir, const char *const *keys)
{
    for (; *keys; keys++) {
        json_object *o = store_int_json(x, dir, *keys);
        if (json_object_get_int64(o) >= 0)
            return o;
        json_object_put(o);
    }
    return json_object_new_int64(-1);
}

/* One line of xm block-list: the frontend's state, event channel and ring
 * as the guest wrote them, and the backend's path. */
json_object *disk_list_json(struct xend *x, struct domain *d)
{
    json_object *arr = json_object_new_array();
    for (size_t k = 0; k < d->cfg.n_disks; k++) {
        struct vbd_layout l;
        vbd_layout(d->domid, &d->cfg.disks[k], &l);
        json_object *o = disk_base(&d->cfg.disks[k]);
        json_object_object_add(o, "backend_id", json_object_new_int(VBD_BACKEND_DOMID));
        json_object_object_add(o, "handle", json_object_new_int64(d->cfg.disks[k].devid));
        json_object_object_add(o, "state", store_int_json(x, l.fe_dir, "state"));
        json_object_object_add(o, "backend_state", store_int_json(x, l.be_dir, "state"));
        static const char *const evt[] = { "event-channel", "queue-0/event-channel", NULL };
        static const char *const ring[] = { "ring-ref", "ring-ref0", "queue-0/ring-ref",
                                            "queue-0/ring-ref0", NULL };
        json_object_object_add(o, "event_channel", store_first_int_json(x, l.fe_dir, evt));
        json_object_object_add(o, "ring_ref", store_first_int_json(x, l.fe_dir, ring));
        json_object_object_add(o, "backend", json_object_new_string(l.be_dir));
        json_object_object_add(o, "xenstore", json_object_new_boolean(x->xs != NULL));
        json_object_array_add(arr, o);
    }
    json_object *rep = json_object_new_object();
    json_object_object_add(rep, "vbds", arr);
    return rep;
}
