/* The HTTP/JSON API under /xend/, one table for both transports.
 *
 *   GET    /xend                  index
 *   GET    /xend/node             host information and memory budget
 *   GET    /xend/node/dmesg       domain event ring    POST {"op":"clear"}
 *   GET    /xend/node/log         xend's log ring
 *   GET    /xend/domain           all domains, Domain-0 first
 *   POST   /xend/domain           {"config":{...}} creates a domain
 *   GET    /xend/domain/DOM       one domain, with its configuration
 *   POST   /xend/domain/DOM       {"op":"destroy|shutdown|reboot|pause|
 *                                  unpause|mem_set","memory":MiB}
 *   DELETE /xend/domain/DOM       destroy
 * DOM is a name or an id.  Errors: {"error":"text","code":"ENOENT"}. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_json.h"
#include "xend.h"

typedef void (*route_fn)(struct xend *x, const struct xreq *rq,
                         const char *arg, struct xrep *rp);

void rep_error(struct xrep *rp, int status, const char *code,
               const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    json_object_put(rp->body);
    rp->status = status;
    rp->body = json_object_new_object();
    json_object_object_add(rp->body, "error", json_object_new_string(msg));
    json_object_object_add(rp->body, "code", json_object_new_string(code));
}

static void rep_ok(struct xrep *rp, json_object *body)
{
    rp->status = 200;
    rp->body = body ? body : json_object_new_object();
}

static const char *body_str(const struct xreq *rq, const char *k)
{
    json_object *v;
    if (!rq->body || !json_object_object_get_ex(rq->body, k, &v) ||
        !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

static void r_index(struct xend *x, const struct xreq *rq, const char *arg,
                    struct xrep *rp)
{
    (void)x, (void)rq, (void)arg;
    json_object *o = json_object_new_object(), *a = json_object_new_array();
    json_object_array_add(a, json_object_new_string("/xend/domain"));
    json_object_array_add(a, json_object_new_string("/xend/node"));
    json_object_object_add(o, "resources", a);
    json_object_object_add(o, "version", json_object_new_string("xeno " XENO_VERSION));
    rep_ok(rp, o);
}


static void r_node(struct xend *x, const struct xreq *rq, const char *arg,
                   struct xrep *rp)
{
    (void)rq, (void)arg;
    rep_ok(rp, node_json(x));
}

static void r_dmesg(struct xend *x, const struct xreq *rq, const char *arg,
                    struct xrep *rp)
{
    (void)arg;
    const char *op = body_str(rq, "op");
    if (strcmp(rq->method, "POST") == 0 && (!op || strcmp(op, "clear") != 0))
        return rep_error(rp, 400, "EINVAL", "expected {\"op\":\"clear\"}");
    rep_ok(rp, ring_json(&x->dmesg));
    if (op)
        ring_clear(&x->dmesg);
}

static void r_log(struct xend *x, const struct xreq *rq, const char *arg,
                  struct xrep *rp)
{
    (void)rq, (void)arg;
    rep_ok(rp, ring_json(&x->log));
}


static int by_domid(const void *a, const void *b)
{
    const struct domain *da = *(struct domain *const *)a;
    const struct domain *db = *(struct domain *const *)b;
    return (da->domid > db->domid) - (da->domid < db->domid);
}

static void r_dom_list(struct xend *x, const struct xreq *rq,
                       const char *arg, struct xrep *rp)
{
    (void)rq, (void)arg;
    struct domain *sorted[XEND_MAX_DOMAINS];
    size_t n = 0;
    for (int k = 0; k < XEND_MAX_DOMAINS; k++)
        if (x->doms[k].used)
            sorted[n++] = &x->doms[k];
    qsort(sorted, n, sizeof(sorted[0]), by_domid);
    json_object *o = json_object_new_object(), *a = json_object_new_array();
    json_object_array_add(a, dom0_json(x));
    for (size_t k = 0; k < n; k++)
        json_object_array_add(a, dom_json(x, sorted[k], false));
    json_object_object_add(o, "domains", a);
    rep_ok(rp, o);
}

static void create_error(struct xrep *rp, int r, const char *err)
{
    switch (r) {
    case -EEXIST: return rep_error(rp, 409, "EEXIST", "%s", err);
    case -ENOSPC: return rep_error(rp, 409, "ENOSPC", "%s", err);
    case -EBUSY: return rep_error(rp, 503, "EBUSY", "%s", err);
    case -EINVAL: return rep_error(rp, 400, "EINVAL", "%s", err);
    default: return rep_error(rp, 500, "EIO", "%s", err);
    }
}

static void r_dom_create(struct xend *x, const struct xreq *rq,
                         const char *arg, struct xrep *rp)
{
    (void)arg;
    json_object *cj;
    struct domain_config cfg;
    struct domain *d;
    char err[512];
    if (!rq->body || !json_object_object_get_ex(rq->body, "config", &cj))
        return rep_error(rp, 400, "EINVAL", "expected {\"config\":{...}}");
    if (config_from_json(cj, &cfg, err, sizeof(err)) < 0)
        return rep_error(rp, 400, "EINVAL", "%s", err);
    int r = dom_create(x, &cfg, &rq->from, &d, err, sizeof(err));
    config_free(&cfg);
    if (r < 0)
        return create_error(rp, r, err);
    if (rq->from.kind != W_NONE) {
        rp->status = 0;         /* answered when the VMM is up */
        return;
    }
    json_object *o = json_object_new_object();
    json_object_object_add(o, "domid", json_object_new_int(d->domid));
    json_object_object_add(o, "name", json_object_new_string(d->cfg.name));
    rep_ok(rp, o);
}

static bool is_dom0(const char *arg)
{
    return strcmp(arg, "0") == 0 || strcmp(arg, "Domain-0") == 0;
}

static struct domain *find_or_404(struct xend *x, const char *arg,
                                  struct xrep *rp)
{
    struct domain *d = dom_lookup(x, arg);
    if (!d)
        rep_error(rp, 404, "ENOENT", "domain '%.64s' does not exist", arg);
    return d;
}

static void r_dom_get(struct xend *x, const struct xreq *rq, const char *arg,
                      struct xrep *rp)
{
    (void)rq;
    if (is_dom0(arg))
        return rep_ok(rp, dom0_json(x));
    struct domain *d = find_or_404(x, arg, rp);
    if (d)
        rep_ok(rp, dom_json(x, d, true));
}

static int get_memory(const struct xreq *rq, uint64_t *mib)
{
    json_object *v;
    if (!rq->body || !json_object_object_get_ex(rq->body, "memory", &v) ||
        !json_object_is_type(v, json_type_int) ||
        json_object_get_int64(v) <= 0 ||
        (uint64_t)json_object_get_int64(v) > CFG_MAX_MEMORY_MIB)
        return -EINVAL;
    *mib = (uint64_t)json_object_get_int64(v);
    return 0;
}

static int dom_op(struct xend *x, struct domain *d, const char *op,
                  const struct xreq *rq, char *err, size_t len)
{
    uint64_t mib;
    if (strcmp(op, "destroy") == 0)
        return dom_destroy(x, d);
    if (strcmp(op, "shutdown") == 0 || strcmp(op, "reboot") == 0)
        return dom_shutdown(x, d, op[0] == 's' ? DR_POWEROFF : DR_REBOOT,
                            err, len);
    if (strcmp(op, "pause") == 0 || strcmp(op, "unpause") == 0)
        return dom_pause(x, d, op[0] == 'p', err, len);
    if (strcmp(op, "mem_set") == 0) {
        if (get_memory(rq, &mib) < 0) {
            snprintf(err, len, "mem_set needs \"memory\": MiB");
            return -EINVAL;
        }
        return dom_mem_set(x, d, mib, err, len);
    }
    snprintf(err, len, "unknown operation '%.40s'", op);
    return -EINVAL;
}

static void op_dom0(struct xend *x, const struct xreq *rq, const char *op,
                    struct xrep *rp)
{
    uint64_t mib;
    char err[512];
    if (strcmp(op, "mem_set") != 0)
        return rep_error(rp, 400, "EINVAL", "'%.40s' is not possible on "
                         "Domain-0", op);
    if (get_memory(rq, &mib) < 0)
        return rep_error(rp, 400, "EINVAL", "mem_set needs \"memory\": MiB");
    if (mem_set_dom0(x, mib, err, sizeof(err)) < 0)
        return rep_error(rp, 409, "ENOSPC", "%s", err);
    rep_ok(rp, NULL);
}

static void r_dom_op(struct xend *x, const struct xreq *rq, const char *arg,
                     struct xrep *rp)
{
    const char *op = body_str(rq, "op");
    char err[512] = "";
    if (!op)
        return rep_error(rp, 400, "EINVAL", "expected {\"op\":...}");
    if (is_dom0(arg))
        return op_dom0(x, rq, op, rp);
    struct domain *d = find_or_404(x, arg, rp);
    if (!d)
        return;
    int r = dom_op(x, d, op, rq, err, sizeof(err));
    if (r == -EINVAL)
        rep_error(rp, 400, "EINVAL", "%s", err);
    else if (r == -ENOSPC)
        rep_error(rp, 409, "ENOSPC", "%s", err);
    else if (r < 0)
        rep_error(rp, 409, "EBUSY", "%s", *err ? err : strerror(-r));
    else
        rep_ok(rp, NULL);
}

static void r_dom_delete(struct xend *x, const struct xreq *rq,
                         const char *arg, struct xrep *rp)
{
    (void)rq;
    if (is_dom0(arg))
        return rep_error(rp, 400, "EINVAL", "Domain-0 can not be destroyed");
    struct domain *d = find_or_404(x, arg, rp);
    int r = d ? dom_destroy(x, d) : 0;
    if (d && r == 0)
        rep_ok(rp, NULL);
    else if (d)
        rep_error(rp, 500, "EIO", "destroy failed: %s", strerror(-r));
}

struct route {
    const char *method;
    const char *path;
    bool has_arg;               /* path + "/" + one segment */
    route_fn fn;
};

static const struct route routes[] = {
    { "GET", "/xend", false, r_index },
    { "GET", "/xend/node", false, r_node },
    { "GET", "/xend/node/dmesg", false, r_dmesg },
    { "POST", "/xend/node/dmesg", false, r_dmesg },
    { "GET", "/xend/node/log", false, r_log },
    { "GET", "/xend/domain", false, r_dom_list },
    { "POST", "/xend/domain", false, r_dom_create },
    { "GET", "/xend/domain", true, r_dom_get },
    { "POST", "/xend/domain", true, r_dom_op },
    { "DELETE", "/xend/domain", true, r_dom_delete },
};

/* 1: matches, with *arg set for has_arg routes. */
static bool match(const struct route *rt, const char *path, char *arg,
                  size_t len)
{
    size_t n = strlen(rt->path);
    if (strncmp(path, rt->path, n) != 0)
        return false;
    if (!rt->has_arg)
        return path[n] == '\0';
    const char *seg = path + n;
    if (*seg != '/' || !seg[1] || strchr(seg + 1, '/') || strlen(seg + 1) >= len)
        return false;
    strcpy(arg, seg + 1);
    return true;
}

void route_dispatch(struct xend *x, const struct xreq *rq, struct xrep *rp)
{
    char path[512], arg[128];
    bool path_known = false;
    rp->status = 0;
    rp->body = NULL;
    size_t n = strcspn(rq->path, "?#");
    if (n >= sizeof(path))
        return rep_error(rp, 414, "E2BIG", "path too long");
    memcpy(path, rq->path, n);
    path[n] = '\0';
    while (n > 1 && path[n - 1] == '/')
        path[--n] = '\0';
    for (size_t k = 0; k < sizeof(routes) / sizeof(routes[0]); k++) {
        if (!match(&routes[k], path, arg, sizeof(arg)))
            continue;
        path_known = true;
        if (strcmp(routes[k].method, rq->method) == 0)
            return routes[k].fn(x, rq, arg, rp);
    }
    if (path_known)
        return rep_error(rp, 405, "EOPNOTSUPP", "method %.10s not allowed on "
                         "%.100s", rq->method, path);
    rep_error(rp, 404, "ENOENT", "no such resource: %.100s", path);
}
