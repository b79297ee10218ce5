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
 *                                  unpause|mem_set|mem_max","memory":MiB}
 *   DELETE /xend/domain/DOM       destroy
 *   GET    /xend/domain/DOM/vbd   its disks as xenstore shows them
 *   POST   /xend/domain/DOM/vbd   {"disk":{...}} hot-plugs one
 *   DELETE /xend/domain/DOM/vbd/VDEV  unplugs one (VDEV: name or number)
 *   GET    /xend/domain/DOM/vif   its vifs as xenstore shows them
 *   POST   /xend/domain/DOM/vif   {"vif":"mac=..,bridge=.."} hot-plugs one
 *   DELETE /xend/domain/DOM/vif/DEVID  unplugs one
 * DOM is a name or an id.  Errors: {"error":"text","code":"ENOENT"}.
 * Every route (and every domain operation) says what access it needs;
 * route_dispatch asks the policy (policy.h) before anything is done. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "config_json.h"
#include "net.h"
#include "xend.h"

/* arg: the path's first '*' segment (DOM); rq->arg2 the second. */
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

static bool is_admin(const struct xreq *rq)
{
    return rq->who && rq->who->known && rq->who->admin;
}

/* A user who is not an admin sees the lines of the domains they own. */
static void r_dmesg(struct xend *x, const struct xreq *rq, const char *arg,
                    struct xrep *rp)
{
    (void)arg;
    const char *op = body_str(rq, "op");
    if (strcmp(rq->method, "POST") == 0 && (!op || strcmp(op, "clear") != 0))
        return rep_error(rp, 400, "EINVAL", "expected {\"op\":\"clear\"}");
    if (!is_admin(rq))
        return rep_ok(rp, ring_json_tagged(&x->dmesg, rq->who && rq->who->known ?
                                           (long)rq->who->uid : -2));
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
    (void)arg;
    struct domain *sorted[XEND_MAX_DOMAINS];
    struct caller nobody = { .known = false };
    struct policy p = xend_policy(&x->s);
    char name[CFG_NAME_MAX + 1];
    size_t n = 0;
    for (int k = 0; k < XEND_MAX_DOMAINS; k++) {
        struct target t;
        if (!x->doms[k].used)
            continue;
        t = owner_target(&x->doms[k], name, sizeof(name));
        if (policy_sees(&p, rq->who ? rq->who : &nobody, &t))
            sorted[n++] = &x->doms[k];
    }
    qsort(sorted, n, sizeof(sorted[0]), by_domid);
    json_object *o = json_object_new_object(), *a = json_object_new_array();
    json_object_array_add(a, dom0_json(x));
    for (size_t k = 0; k < n; k++)
        json_object_array_add(a, dom_json(x, sorted[k], false));
    json_object_object_add(o, "domains", a);
    rep_ok(rp, o);
}

/* A negative errno from the domain code as an HTTP status and code. */
static void errno_reply(struct xrep *rp, int r, const char *err)
{
    static const struct { int err, status; const char *code; } map[] = {
        { ENOENT, 404, "ENOENT" }, { EEXIST, 409, "EEXIST" },
        { ENOSPC, 409, "ENOSPC" }, { EBUSY, 409, "EBUSY" },
        { EACCES, 403, "EACCES" }, { EPERM, 403, "EACCES" },
        { EROFS, 403, "EACCES" }, { EINVAL, 400, "EINVAL" },
        { EISDIR, 400, "EINVAL" }, { ENOTBLK, 400, "EINVAL" },
    };
    for (size_t k = 0; k < sizeof(map) / sizeof(map[0]); k++)
        if (-r == map[k].err)
            return rep_error(rp, map[k].status, map[k].code, "%s", err);
    rep_error(rp, 500, "EIO", "%s", err);
}

/* Too many domains is the server's limit, not a conflict. */
static void create_error(struct xrep *rp, int r, const char *err)
{
    if (r == -EBUSY)
        return rep_error(rp, 503, "EBUSY", "%s", err);
    errno_reply(rp, r, err);
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
    int r = owner_for_create(rq->who, &cfg, err, sizeof(err));
    if (r < 0) {
        config_free(&cfg);
        xlog(x, LOG_WARN, "refused: %s", err);
        return errno_reply(rp, r, err);
    }
    r = dom_create(x, &cfg, &rq->from, &d, err, sizeof(err));
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
    if (strcmp(op, "mem_max") == 0) {
        if (get_memory(rq, &mib) < 0) {
            snprintf(err, len, "mem_max needs \"memory\": MiB");
            return -EINVAL;
        }
        return dom_mem_max(x, d, mib, err, len);
    }
    int r = dom_cpu_op(x, d, op, rq->body, err, len);
    if (r != -ENOSYS)
        return r;
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

static void r_vcpu_list(struct xend *x, const struct xreq *rq,
                        const char *arg, struct xrep *rp)
{
    char err[512];
    json_object *list;
    (void)rq;
    struct domain *d = find_or_404(x, arg, rp);
    if (!d)
        return;
    int r = dom_vcpu_list(x, d, &list, err, sizeof(err));
    if (r < 0)
        return errno_reply(rp, r, err);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "vcpus", list);
    rep_ok(rp, o);
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

static void r_vbd_list(struct xend *x, const struct xreq *rq,
                       const char *arg, struct xrep *rp)
{
    (void)rq;
    struct domain *d = find_or_404(x, arg, rp);
    if (d)
        rep_ok(rp, disk_list_json(x, d));
}

/* xm's words: target 'phy:sda7' / 'file:/img' / a path, vdev, mode. */
static int disk_from_words(const struct xreq *rq, struct cfg_disk *disk,
                           char *err, size_t len)
{
    const char *t = body_str(rq, "target"), *v = body_str(rq, "vdev"),
               *m = body_str(rq, "mode");
    char *spec = NULL;
    if (!t || !v || !m) {
        snprintf(err, len, "expected {\"target\":..,\"vdev\":..,\"mode\":..} "
                 "or {\"disk\":{...}}");
        return -EINVAL;
    }
    if (strchr(v, ',') || strchr(m, ',') || strchr(v, '=') || strchr(m, '=')) {
        snprintf(err, len, "invalid virtual device or mode");
        return -EINVAL;
    }
    static const char *const pfx[] = { "phy:", "file:", "tap:aio:",
                                       "tap2:aio:", "aio:" };
    size_t plen = 0;
    for (size_t k = 0; k < sizeof(pfx) / sizeof(pfx[0]) && !plen; k++)
        if (strncmp(t, pfx[k], strlen(pfx[k])) == 0)
            plen = strlen(pfx[k]);
    /* A target with a comma only fits the keyword form, last. */
    int n = plen && !strchr(t, ',') ?
            asprintf(&spec, "%s,%s,%s", t, v, m) :
            asprintf(&spec, "vdev=%s,access=%s,target=%s", v, m, t + plen);
    if (n < 0)
        return -ENOMEM;
    int r = cfg_disk_parse(spec, disk, err, len);
    if (r == 0 && plen && strchr(t, ','))
        disk->kind = t[0] == 'p' ? CFG_DISK_PHY : CFG_DISK_FILE;
    free(spec);
    return r;
}

/* {"disk":{"kind","target","vdev","writable","cdrom"}} as in a config. */
static void r_vbd_attach(struct xend *x, const struct xreq *rq,
                         const char *arg, struct xrep *rp)
{
    json_object *dj;
    struct cfg_disk disk;
    char err[1024];
    if (is_dom0(arg))
        return rep_error(rp, 400, "EINVAL", "Domain-0 has no virtual disks");
    struct domain *d = find_or_404(x, arg, rp);
    if (!d)
        return;
    if (rq->body && json_object_object_get_ex(rq->body, "disk", &dj)) {
        if (config_disk_from_json(dj, &disk, err, sizeof(err)) < 0)
            return rep_error(rp, 400, "EINVAL", "%s", err);
    } else if (disk_from_words(rq, &disk, err, sizeof(err)) < 0) {
        return rep_error(rp, 400, "EINVAL", "%s", err);
    }
    int r = disk_attach(x, d, &disk, err, sizeof(err));
    if (r < 0)
        errno_reply(rp, r, err);
    else
        rep_ok(rp, disk_list_json(x, d));
    cfg_disk_free(&disk);
}

static void r_vbd_detach(struct xend *x, const struct xreq *rq,
                         const char *arg, struct xrep *rp)
{
    char err[1024], warn[512];
    struct domain *d = find_or_404(x, arg, rp);
    if (!d)
        return;
    int r = disk_detach(x, d, rq->arg2, &rq->from, warn, sizeof(warn), err,
                        sizeof(err));
    if (r < 0)
        return errno_reply(rp, r, err);
    if (r > 0) {
        rp->status = 0;         /* answered when the VMM is done */
        return;
    }
    json_object *o = json_object_new_object();
    if (*warn)
        json_object_object_add(o, "warning", json_object_new_string(warn));
    rep_ok(rp, o);
}

static void r_vif_list(struct xend *x, const struct xreq *rq,
                       const char *arg, struct xrep *rp)
{
    (void)rq;
    struct domain *d = find_or_404(x, arg, rp);
    if (d)
        rep_ok(rp, net_list_json(x, d));
}

/* {"vif":"key=value,..."}: a vif spec as in a config's vif = [...]. */
static void r_vif_attach(struct xend *x, const struct xreq *rq,
                         const char *arg, struct xrep *rp)
{
    struct cfg_vif v;
    char err[1024];
    const char *spec = body_str(rq, "vif");
    if (is_dom0(arg))
        return rep_error(rp, 400, "EINVAL", "Domain-0 has no virtual NICs");
    struct domain *d = find_or_404(x, arg, rp);
    if (!d)
        return;
    if (!spec)
        return rep_error(rp, 400, "EINVAL", "expected {\"vif\":\"key=value,"
                         "...\"}");
    if (cfg_vif_parse(spec, &v, err, sizeof(err)) < 0)
        return rep_error(rp, 400, "EINVAL", "vif: %s", err);
    int r = net_attach(x, d, &v, err, sizeof(err));
    if (r < 0)
        errno_reply(rp, r, err);
    else
        rep_ok(rp, net_list_json(x, d));
    cfg_vif_free(&v);
}

static void r_vif_detach(struct xend *x, const struct xreq *rq,
                         const char *arg, struct xrep *rp)
{
    char err[1024], *end;
    struct domain *d = find_or_404(x, arg, rp);
    if (!d)
        return;
    unsigned long id = strtoul(rq->arg2, &end, 10);
    if (!*rq->arg2 || *end || id > 255)
        return rep_error(rp, 400, "EINVAL", "'%s' is not a vif devid",
                         rq->arg2);
    int r = net_detach(x, d, (unsigned)id, err, sizeof(err));
    if (r < 0)
        return errno_reply(rp, r, err);
    rep_ok(rp, NULL);
}

/* ACC_BY_OP: the route's {"op"} says (ops[] below). */
#define ACC_BY_OP ((enum access)-1)

struct route {
    const char *method;
    const char *path;           /* '*' matches one segment */
    route_fn fn;
    enum access need;
    const char *verb;           /* for the refusal: "may not VERB" */
    bool on_domain;             /* the first '*' is a domain */
};

static const struct route routes[] = {
    { "GET", "/xend", r_index, ACC_LIST, "use xend", false },
    { "GET", "/xend/node", r_node, ACC_LIST, "read the host's information", false },
    { "GET", "/xend/node/dmesg", r_dmesg, ACC_LIST, "read the message ring", false },
    { "POST", "/xend/node/dmesg", r_dmesg, ACC_ADMIN, "clear the message ring", false },
    { "GET", "/xend/node/log", r_log, ACC_ADMIN, "read xend's log", false },
    { "GET", "/xend/domain", r_dom_list, ACC_LIST, "list domains", false },
    { "POST", "/xend/domain", r_dom_create, ACC_CREATE, "create domains", false },
    { "GET", "/xend/domain/*", r_dom_get, ACC_READ, "read", true },
    { "POST", "/xend/domain/*", r_dom_op, ACC_BY_OP, NULL, true },
    { "DELETE", "/xend/domain/*", r_dom_delete, ACC_OPERATE, "destroy", true },
    { "GET", "/xend/domain/*/vbd", r_vbd_list, ACC_READ, "read the disks of", true },
    { "GET", "/xend/domain/*/vcpu", r_vcpu_list, ACC_READ, "read the vCPUs of", true },
    { "POST", "/xend/domain/*/vbd", r_vbd_attach, ACC_ADMIN, "attach disks to", true },
    { "DELETE", "/xend/domain/*/vbd/*", r_vbd_detach, ACC_ADMIN, "detach disks from", true },
    { "GET", "/xend/domain/*/vif", r_vif_list, ACC_READ, "read the vifs of", true },
    { "POST", "/xend/domain/*/vif", r_vif_attach, ACC_ADMIN, "attach vifs to", true },
    { "DELETE", "/xend/domain/*/vif/*", r_vif_detach, ACC_ADMIN, "detach vifs from", true },
};

/* POST /xend/domain/DOM {"op":..}: an owner operates its domain; devices,
 * limits and placement stay with the admins; an unknown op needs admin
 * (and is then refused as unknown). */
static const struct { const char *op, *verb; enum access need; } ops[] = {
    { "pause", "pause", ACC_OPERATE }, { "unpause", "unpause", ACC_OPERATE },
    { "shutdown", "shut down", ACC_OPERATE }, { "reboot", "reboot", ACC_OPERATE },
    { "destroy", "destroy", ACC_OPERATE }, { "mem_set", "mem-set", ACC_OPERATE },
    { "vcpu_set", "vcpu-set", ACC_OPERATE }, { "mem_max", "mem-max", ACC_ADMIN },
    { "vcpu_pin", "vcpu-pin", ACC_ADMIN }, { "sched_credit", "sched-credit", ACC_ADMIN },
};

static enum access op_need(const struct xreq *rq, const char **verb)
{
    const char *op = body_str(rq, "op");
    for (size_t k = 0; op && k < sizeof(ops) / sizeof(ops[0]); k++)
        if (strcmp(ops[k].op, op) == 0) {
            *verb = ops[k].verb;
            return ops[k].need;
        }
    *verb = "run this operation on";
    return ACC_ADMIN;
}

/* true: go on; false: rp has the refusal (403) or the 404. */
static bool permitted(struct xend *x, const struct route *rt, const struct xreq *rq,
                      const char *arg, struct xrep *rp)
{
    static const struct caller nobody = { .known = false };
    const struct caller *who = rq->who ? rq->who : &nobody;
    const char *verb = rt->verb;
    enum access need = rt->need == ACC_BY_OP ? op_need(rq, &verb) : rt->need;
    struct target t = { .domain = false };
    char owner[CFG_NAME_MAX + 1] = "", msg[512];
    if (who->known && who->admin)
        return true;
    if (rt->on_domain && is_dom0(arg)) {
        t = (struct target){ .domain = true, .domid = 0 };
    } else if (rt->on_domain) {
        struct domain *d = find_or_404(x, arg, rp);
        if (!d)
            return false;
        t = owner_target(d, owner, sizeof(owner));
    }
    struct policy p = xend_policy(&x->s);
    if (policy_allows(&p, who, need, &t))
        return true;
    policy_refusal(who, verb, &t, msg, sizeof(msg));
    xlog(x, LOG_WARN, "refused %s %s: %s", rq->method, rq->path, msg);
    rep_error(rp, 403, "EACCES", "%s", msg);
    return false;
}

#define ROUTE_ARGS 2
#define ROUTE_ARG_MAX 128

/* Segment by segment; each '*' takes one non-empty segment into args. */
static bool match(const char *pat, const char *path,
                  char args[ROUTE_ARGS][ROUTE_ARG_MAX])
{
    int n = 0;
    while (*pat && *path) {
        if (*pat == '*') {
            size_t len = strcspn(path, "/");
            if (len == 0 || len >= ROUTE_ARG_MAX || n >= ROUTE_ARGS)
                return false;
            memcpy(args[n], path, len);
            args[n++][len] = '\0';
            path += len;
            pat++;
        } else if (*pat++ != *path++) {
            return false;
        }
    }
    return !*pat && !*path;
}

void route_dispatch(struct xend *x, const struct xreq *rq, struct xrep *rp)
{
    char path[512], args[ROUTE_ARGS][ROUTE_ARG_MAX] = { "", "" };
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
        if (!match(routes[k].path, path, args))
            continue;
        path_known = true;
        if (strcmp(routes[k].method, rq->method) == 0) {
            struct xreq sub = *rq;
            sub.arg2 = args[1];
            if (!permitted(x, &routes[k], &sub, args[0], rp))
                return;
            return routes[k].fn(x, &sub, args[0], rp);
        }
    }
    if (path_known)
        return rep_error(rp, 405, "EOPNOTSUPP", "method %.10s not allowed on "
                         "%.100s", rq->method, path);
    rep_error(rp, 404, "ENOENT", "no such resource: %.100s", path);
}
