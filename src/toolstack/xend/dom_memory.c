/* A running domain's memory: its balloon target (xm mem-set, written to
 * memory/target), the VMM's limit (xm mem-max, a control command), and
 * what the VMM says the guest holds (pages populated; memfd bytes).  The
 * budget charges a domain the larger of its target and what it holds:
 * a guest that has not ballooned down yet still has those pages. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "xend.h"

uint64_t dom_mem_max_mib(const struct domain *d)
{
    return d->max_mib ? d->max_mib : d->cfg.maxmem_mib;
}

uint64_t dom_mem_charge(const struct domain *d)
{
    uint64_t held = (d->mem_kib + 1023) / 1024;
    return held > d->target_mib ? held : d->target_mib;
}

/* The fields of the VMM's info reply (absent from older VMMs: then 0). */
void dom_mem_from_info(struct domain *d, json_object *rep)
{
    json_object *v;
    if (json_object_object_get_ex(rep, "mem_kib", &v))
        d->mem_kib = (uint64_t)json_object_get_int64(v);
    if (json_object_object_get_ex(rep, "held_kib", &v))
        d->held_kib = (uint64_t)json_object_get_int64(v);
}

static int check_floor(const struct domain *d, uint64_t mib, const char *what,
                       char *err, size_t len)
{
    if (mib >= XEND_MEM_FLOOR_MIB)
        return 0;
    snprintf(err, len, "%s %llu MiB for %s is below the floor of %u MiB "
             "(a guest with less cannot keep running)", what,
             (unsigned long long)mib, d->cfg.name, XEND_MEM_FLOOR_MIB);
    return -EINVAL;
}

int dom_mem_set(struct xend *x, struct domain *d, uint64_t mib, char *err,
                size_t len)
{
    uint64_t max = dom_mem_max_mib(d);
    int r = check_floor(d, mib, "memory target", err, len);
    if (r < 0)
        return r;
    if (mib > max) {
        snprintf(err, len, "%llu MiB is above the maximum of %s (mem-max %llu "
                 "MiB, maxmem = %llu)", (unsigned long long)mib, d->cfg.name,
                 (unsigned long long)max, (unsigned long long)d->cfg.maxmem_mib);
        return -EINVAL;
    }
    dom_refresh_all(x);
    r = mib > dom_mem_charge(d) ? mem_check(x, d, mib, err, len) : 0;
    if (r < 0)
        return r;
    d->target_mib = mib;
    store_domain_target(x, d);
    state_save(x, d);
    xdmesg(x, "domain %d (%s) memory target %llu MiB", d->domid, d->cfg.name,
           (unsigned long long)mib);
    return 0;
}

int dom_mem_max(struct xend *x, struct domain *d, uint64_t mib, char *err,
                size_t len)
{
    int r = check_floor(d, mib, "mem-max", err, len);
    if (r < 0)
        return r;
    if (mib > d->cfg.maxmem_mib) {
        snprintf(err, len, "mem-max %llu MiB for %s is above its maxmem of %llu "
                 "MiB (the memory map it booted with)", (unsigned long long)mib,
                 d->cfg.name, (unsigned long long)d->cfg.maxmem_mib);
        return -EINVAL;
    }
    if (mib < d->target_mib) {
        snprintf(err, len, "mem-max %llu MiB for %s is below its target of %llu "
                 "MiB: lower the target first (xm mem-set)", (unsigned long long)mib,
                 d->cfg.name, (unsigned long long)d->target_mib);
        return -EINVAL;
    }
    if (d->pid <= 0 || (d->state != DS_RUNNING && d->state != DS_PAUSED)) {
        snprintf(err, len, "domain %s is %s", d->cfg.name, dom_state_name(d->state));
        return -EBUSY;
    }
    json_object *args = json_object_new_object();
    json_object_object_add(args, "kib", json_object_new_int64((int64_t)(mib * 1024)));
    json_object *rep = NULL, *msg;
    r = vmm_call(d, "mem-max", args, &rep, 2000);
    if (r < 0) {
        snprintf(err, len, "xeno-vmm of %s: %s", d->cfg.name,
                 rep && json_object_object_get_ex(rep, "error", &msg)
                     ? json_object_get_string(msg) : strerror(-r));
        json_object_put(rep);
        return r;
    }
    json_object_put(rep);
    d->max_mib = mib;
    state_save(x, d);
    xdmesg(x, "domain %d (%s) memory maximum %llu MiB", d->domid, d->cfg.name,
           (unsigned long long)mib);
    return 0;
}

void dom_mem_json(const struct domain *d, json_object *o)
{
    bool known = d->pid > 0 && d->mem_kib;
    uint64_t mem = known ? (d->mem_kib + 1023) / 1024 : d->target_mib;
    json_object_object_add(o, "memory", json_object_new_int64((int64_t)mem));
    json_object_object_add(o, "target", json_object_new_int64((int64_t)d->target_mib));
    json_object_object_add(o, "mem_max", json_object_new_int64((int64_t)dom_mem_max_mib(d)));
    if (known)
        json_object_object_add(o, "held_kib", json_object_new_int64((int64_t)d->held_kib));
}
