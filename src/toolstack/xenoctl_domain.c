/* libxenoctl: domain calls. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xenoctl_int.h"

static const char *jstr(json_object *o, const char *k)
{
    json_object *v;
    return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) : "";
}

static int64_t jint(json_object *o, const char *k)
{
    json_object *v;
    return json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) : 0;
}

static double jdouble(json_object *o, const char *k)
{
    json_object *v;
    return json_object_object_get_ex(o, k, &v) ? json_object_get_double(v) : 0;
}

void xenoctl_fill_domain(json_object *o, struct xenoctl_domain *d)
{
    memset(d, 0, sizeof(*d));
    d->domid = (int)jint(o, "domid");
    snprintf(d->name, sizeof(d->name), "%s", jstr(o, "name"));
    snprintf(d->state, sizeof(d->state), "%s", jstr(o, "state"));
    d->memory_mib = (uint64_t)jint(o, "memory");
    d->maxmem_mib = (uint64_t)jint(o, "maxmem");
    d->target_mib = (uint64_t)jint(o, "target");
    d->mem_max_mib = (uint64_t)jint(o, "mem_max");
    d->held_kib = (uint64_t)jint(o, "held_kib");
    d->vcpus = (unsigned)jint(o, "vcpus");
    d->cpu_time = jdouble(o, "cpu_time");
    d->uptime = jdouble(o, "uptime");
    d->start_time = jint(o, "start_time");
    d->pid = (int)jint(o, "pid");
    d->restarts = (unsigned)jint(o, "restarts");
    snprintf(d->console_socket, sizeof(d->console_socket), "%s",
             jstr(o, "console_socket"));
    d->nr_vbds = (unsigned)jint(o, "nr_vbds");
    d->vbd_rd_req = (uint64_t)jint(o, "vbd_rd_req");
    d->vbd_wr_req = (uint64_t)jint(o, "vbd_wr_req");
    d->vbd_rd_bytes = (uint64_t)jint(o, "vbd_rd_bytes");
    d->vbd_wr_bytes = (uint64_t)jint(o, "vbd_wr_bytes");
    d->nr_vifs = (unsigned)jint(o, "nr_vifs");
    d->vif_tx_bytes = (uint64_t)jint(o, "vif_tx_bytes");
    d->vif_rx_bytes = (uint64_t)jint(o, "vif_rx_bytes");
    d->vif_tx_packets = (uint64_t)jint(o, "vif_tx_packets");
    d->vif_rx_packets = (uint64_t)jint(o, "vif_rx_packets");
    d->maxvcpus = (unsigned)jint(o, "maxvcpus");
    d->vcpus_online = (unsigned)jint(o, "vcpus_online");
    d->cpu_percent = jdouble(o, "cpu_percent");
    d->cpu_weight = (unsigned)jint(o, "cpu_weight");
    d->cpu_cap = (unsigned)jint(o, "cpu_cap");
}

XENOCTL_API int xenoctl_list(struct xenoctl *h, struct xenoctl_domain **doms,
                             size_t *n)
{
    json_object *rep, *arr;
    *doms = NULL;
    *n = 0;
    int r = xenoctl_call_array(h, "/xend/domain", NULL, "domains", &rep, &arr);
    if (r < 0)
        return r;
    size_t cnt = json_object_array_length(arr);
    *doms = calloc(cnt ? cnt : 1, sizeof(**doms));
    if (!*doms) {
        json_object_put(rep);
        return -ENOMEM;
    }
    for (size_t k = 0; k < cnt; k++)
        xenoctl_fill_domain(json_object_array_get_idx(arr, k), &(*doms)[k]);
    *n = cnt;
    json_object_put(rep);
    return 0;
}

XENOCTL_API int xenoctl_domain_info(struct xenoctl *h, const char *dom,
                                    struct xenoctl_domain *out,
                                    char **full_json)
{
    char path[128];
    json_object *rep;
    int r = xenoctl_dom_path(h, dom, "", path, sizeof(path));
    if (r == 0)
        r = xenoctl_call(h, "GET", path, NULL, &rep);
    if (r < 0)
        return r;
    if (out)
        xenoctl_fill_domain(rep, out);
    if (full_json)
        *full_json = strdup(json_object_to_json_string_ext(rep, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(rep);
    return 0;
}

XENOCTL_API int xenoctl_create(struct xenoctl *h, const char *config_json,
                               int *domid)
{
    json_object *cfg = json_tokener_parse(config_json), *body, *rep;
    if (!cfg)
        return xenoctl_set_error(h, -EINVAL, "configuration is not JSON");
    body = json_object_new_object();
    json_object_object_add(body, "config", cfg);
    int r = xenoctl_call(h, "POST", "/xend/domain", body, &rep);
    json_object_put(body);
    if (r == 0) {
        if (domid)
            *domid = (int)jint(rep, "domid");
        json_object_put(rep);
    }
    return r;
}

static int domain_op(struct xenoctl *h, const char *dom, const char *op,
                     json_object *extra)
{
    char path[128];
    int r = xenoctl_dom_path(h, dom, "", path, sizeof(path));
    json_object *body = extra ? extra : json_object_new_object();
    json_object_object_add(body, "op", json_object_new_string(op));
    if (r == 0)
        r = xenoctl_call(h, "POST", path, body, NULL);
    json_object_put(body);
    return r;
}

XENOCTL_API int xenoctl_destroy(struct xenoctl *h, const char *dom)
{
    return domain_op(h, dom, "destroy", NULL);
}

static int crashed_error(struct xenoctl *h, const struct xenoctl_domain *d)
{
    return xenoctl_set_error(h, -EIO, "domain %d (%s) crashed instead of shutting down: "
                             "xm dmesg says why", d->domid, d->name);
}

/* Whether xend's last word on how this domain ended (its message ring:
 * "domain N (NAME) crashed ..." or "... shut down ...") says it crashed: a
 * domain whose on_crash destroyed it is gone like one that shut down, and
 * only xend's messages tell them apart. */
static bool ended_in_crash(struct xenoctl *h, const struct xenoctl_domain *d)
{
    char who[96], *text = NULL;
    bool crash = false;

    snprintf(who, sizeof(who), "domain %d (%s) ", d->domid, d->name);
    if (xenoctl_dmesg(h, false, &text) < 0 || !text)
        return false;
    for (const char *p = text; (p = strstr(p, who)); ) {
        p += strlen(who);
        if (strncmp(p, "crashed", 7) == 0)
            crash = true;
        else if (strncmp(p, "shut down", 9) == 0)
            crash = false;
    }
    free(text);
    return crash;
}

/* Done when the domain is gone, preserved, or restarted (on_poweroff or
 * on_reboot = restart: a new VMM); an error when it crashed instead. */
static int wait_gone(struct xenoctl *h, const char *dom,
                     const struct xenoctl_domain *before, unsigned timeout_s)
{
    struct timespec start, now, nap = { 0, 100 * 1000 * 1000 };
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        struct xenoctl_domain d;
        int r = xenoctl_domain_info(h, dom, &d, NULL);
        if (r == -ENOENT)
            return ended_in_crash(h, before) ? crashed_error(h, before) : 0;
        if (r < 0)
            return r;
        if (strcmp(d.state, "crashed") == 0)
            return crashed_error(h, &d);
        if (strcmp(d.state, "shutdown") == 0 ||
            d.domid != before->domid || d.restarts != before->restarts)
            return 0;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec >= (time_t)timeout_s)
            return xenoctl_set_error(h, -ETIMEDOUT, "domain %s did not shut "
                                     "down within %u s", dom, timeout_s);
        nanosleep(&nap, NULL);
    }
}

XENOCTL_API int xenoctl_shutdown(struct xenoctl *h, const char *dom,
                                 bool wait, unsigned timeout_s)
{
    struct xenoctl_domain before;
    int r = wait ? xenoctl_domain_info(h, dom, &before, NULL) : 0;
    if (r == 0)
        r = domain_op(h, dom, "shutdown", NULL);
    return r == 0 && wait ? wait_gone(h, dom, &before, timeout_s) : r;
}

XENOCTL_API int xenoctl_reboot(struct xenoctl *h, const char *dom)
{
    return domain_op(h, dom, "reboot", NULL);
}

XENOCTL_API int xenoctl_pause(struct xenoctl *h, const char *dom)
{
    return domain_op(h, dom, "pause", NULL);
}

XENOCTL_API int xenoctl_unpause(struct xenoctl *h, const char *dom)
{
    return domain_op(h, dom, "unpause", NULL);
}

XENOCTL_API int xenoctl_mem_set(struct xenoctl *h, const char *dom,
                                uint64_t mib)
{
    json_object *body = json_object_new_object();
    json_object_object_add(body, "memory", json_object_new_int64((int64_t)mib));
    return domain_op(h, dom, "mem_set", body);
}

XENOCTL_API int xenoctl_mem_max(struct xenoctl *h, const char *dom,
                                uint64_t mib)
{
    json_object *body = json_object_new_object();
    json_object_object_add(body, "memory", json_object_new_int64((int64_t)mib));
    return domain_op(h, dom, "mem_max", body);
}

XENOCTL_API int xenoctl_uptime(struct xenoctl *h, const char *dom,
                               double *seconds)
{
    struct xenoctl_domain d;
    int r = xenoctl_domain_info(h, dom, &d, NULL);
    if (r == 0)
        *seconds = d.uptime;
    return r;
}

XENOCTL_API int xenoctl_console_path(struct xenoctl *h, const char *dom,
                                     char *path, size_t len)
{
    struct xenoctl_domain d;
    int r = xenoctl_domain_info(h, dom, &d, NULL);
    if (r == 0 && !d.console_socket[0])
        r = xenoctl_set_error(h, -ENOENT, "domain %s has no console", dom);
    if (r == 0)
        snprintf(path, len, "%s", d.console_socket);
    return r;
}
