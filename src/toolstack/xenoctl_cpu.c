/* libxenoctl: vCPUs and CPU shares (docs/cpu.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenoctl_int.h"

static int cpu_op(struct xenoctl *h, const char *dom, const char *op, json_object *body)
{
    char path[128];
    int r = xenoctl_dom_path(h, dom, "", path, sizeof(path));
    json_object_object_add(body, "op", json_object_new_string(op));
    if (r == 0)
        r = xenoctl_call(h, "POST", path, body, NULL);
    json_object_put(body);
    return r;
}

XENOCTL_API int xenoctl_vcpu_set(struct xenoctl *h, const char *dom, unsigned n)
{
    json_object *b = json_object_new_object();
    json_object_object_add(b, "vcpus", json_object_new_int64(n));
    return cpu_op(h, dom, "vcpu_set", b);
}

XENOCTL_API int xenoctl_vcpu_pin(struct xenoctl *h, const char *dom, int vcpu,
                                 const char *cpus)
{
    json_object *b = json_object_new_object();
    json_object_object_add(b, "vcpu", json_object_new_int(vcpu));
    json_object_object_add(b, "cpumap", json_object_new_string(cpus));
    return cpu_op(h, dom, "vcpu_pin", b);
}

XENOCTL_API int xenoctl_sched_credit(struct xenoctl *h, const char *dom, long weight,
                                     long cap)
{
    json_object *b = json_object_new_object();
    if (weight >= 0)
        json_object_object_add(b, "weight", json_object_new_int64(weight));
    if (cap >= 0)
        json_object_object_add(b, "cap", json_object_new_int64(cap));
    return cpu_op(h, dom, "sched_credit", b);
}

static void fill_vcpu(json_object *o, struct xenoctl_vcpu *v)
{
    json_object *f;
    memset(v, 0, sizeof(*v));
    if (json_object_object_get_ex(o, "vcpu", &f))
        v->vcpu = json_object_get_int(f);
    v->cpu = json_object_object_get_ex(o, "cpu", &f) ? json_object_get_int(f) : -1;
    if (json_object_object_get_ex(o, "online", &f))
        v->online = json_object_get_boolean(f);
    if (json_object_object_get_ex(o, "time", &f))
        v->time = json_object_get_double(f);
    if (json_object_object_get_ex(o, "tid", &f))
        v->tid = json_object_get_int(f);
    snprintf(v->state, sizeof(v->state), "%s",
             json_object_object_get_ex(o, "state", &f) ? json_object_get_string(f) : "");
    snprintf(v->affinity, sizeof(v->affinity), "%s",
             json_object_object_get_ex(o, "affinity", &f) ? json_object_get_string(f) : "");
}

XENOCTL_API int xenoctl_vcpu_list(struct xenoctl *h, const char *dom,
                                  struct xenoctl_vcpu **vcpus, size_t *n)
{
    char path[128];
    json_object *rep = NULL, *arr;
    *vcpus = NULL;
    *n = 0;
    int r = xenoctl_dom_path(h, dom, "/vcpu", path, sizeof(path));
    if (r == 0)
        r = xenoctl_call_array(h, path, NULL, "vcpus", &rep, &arr);
    if (r < 0)
        return r;
    size_t cnt = json_object_array_length(arr);
    *vcpus = calloc(cnt ? cnt : 1, sizeof(**vcpus));
    if (!*vcpus) {
        json_object_put(rep);
        return -ENOMEM;
    }
    for (size_t k = 0; k < cnt; k++)
        fill_vcpu(json_object_array_get_idx(arr, k), &(*vcpus)[k]);
    *n = cnt;
    json_object_put(rep);
    return 0;
}
