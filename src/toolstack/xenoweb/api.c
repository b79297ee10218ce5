/* The /api route table.  Every route is a client call to xend, the same
 * one xm makes, and xend's refusals come back with its own text; xenoweb
 * adds only login, the CPU history and the config files.
 *
 *   GET  session                    {role, csrf} (401 if not logged in)
 *   POST login {token}  logout
 *   GET  node | dmesg | log         xm info / xm dmesg / xm log
 *   GET  domains                    xm list, plus cpu_pct and cpu_hist
 *   GET  domain/DOM                 xm list -l DOM
 *   GET  domain/DOM/vbd             xm block-list
 *   GET  domain/DOM/vif             xm network-list
 *   GET  domain/DOM/vcpu            xm vcpu-list
 *   GET  domain/DOM/stats           the samples of the last minutes
 *   POST domain/DOM {op[,memory|vcpus]}  pause unpause shutdown reboot
 *                                   destroy mem_set vcpu_set
 *   GET  configs | config/NAME      the config directory
 *   POST create {config|file, vars} xm create
 *   GET  console/DOM (WebSocket)    see console.c */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web.h"

struct route {
    const char *method;
    const char *first;          /* the path's first segment */
    int args;                   /* segments after it: 0, 1 (DOM) or 2 */
    const char *last;           /* with args 2: the last segment */
    enum web_role role;
    void (*fn)(struct wreq *rq, struct wrep *rp, const char *arg);
};

void rep_json(struct wrep *rp, int status, json_object *body)
{
    rp->status = status;
    rp->body = body;
}

/* {"error": text, "code": "ENOENT"}, as xend words its refusals. */
void rep_error(struct wrep *rp, int status, const char *code,
               const char *fmt, ...)
{
    char *msg = NULL;
    va_list ap;
    json_object *o = json_object_new_object();
    va_start(ap, fmt);
    int n = vasprintf(&msg, fmt, ap);
    va_end(ap);
    json_object_object_add(o, "error", json_object_new_string(n < 0 ? "" : msg));
    json_object_object_add(o, "code", json_object_new_string(code));
    free(n < 0 ? NULL : msg);
    rep_json(rp, status, o);
}

/* A handle per request: libxenoctl connects per call anyway. */
struct xenoctl *api_xend(struct web *w, struct wrep *rp)
{
    char err[256];
    struct xenoctl *h = xenoctl_open(w->s.xend, err, sizeof(err));
    if (!h)
        rep_error(rp, 500, "EIO", "%s", err);
    return h;
}

/* Names are [A-Za-z0-9_.-] (as xend checks); ids are digits. */
bool api_dom_ok(const char *dom)
{
    size_t n = strlen(dom);
    return n > 0 && n <= 64 &&
           strspn(dom, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                       "0123456789_.-") == n;
}

void api_forward(struct wreq *rq, struct wrep *rp, const char *method,
                 const char *xpath, json_object *body)
{
    struct xenoctl *h = api_xend(rq->w, rp);
    if (!h)
        return;
    int status = 0;
    char *reply = NULL;
    const char *btext = body ? json_object_to_json_string_ext(body,
        JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE) : NULL;
    int r = xenoctl_request(h, method, xpath, btext, &status, &reply);
    json_object *o = reply ? json_tokener_parse(reply) : NULL;
    if (r < 0)
        rep_error(rp, 502, "EIO", "%s", xenoctl_error(h));
    else if (!o)
        rep_error(rp, 502, "EIO", "malformed reply from xend");
    else
        rep_json(rp, status, json_object_get(o));
    json_object_put(o);
    free(reply);
    xenoctl_close(h);
}

static void r_session(struct wreq *rq, struct wrep *rp, const char *arg)
{
    (void)arg;
    if (rq->sess.role == ROLE_NONE)
        return rep_error(rp, 401, "EACCES", "not logged in");
    json_object *o = json_object_new_object();
    json_object_object_add(o, "role", json_object_new_string(
        rq->sess.role == ROLE_OPERATOR ? "operator" : "viewer"));
    json_object_object_add(o, "csrf", json_object_new_string(rq->sess.csrf));
    rep_json(rp, 200, o);
}

static void r_login(struct wreq *rq, struct wrep *rp, const char *arg)
{
    json_object *t;
    struct session s;
    (void)arg;
    const char *token = json_object_object_get_ex(rq->body, "token", &t) ?
                        json_object_get_string(t) : NULL;
    if (web_login(rq->w, token, &s) == ROLE_NONE)
        return rep_error(rp, 403, "EACCES", "wrong token (see the token "
                         "file or xenoweb's output)");
    snprintf(rp->cookie, sizeof(rp->cookie), "%s=%s; Path=/; HttpOnly; "
             "SameSite=Strict", WEB_COOKIE, s.id);
    rq->sess = s;
    r_session(rq, rp, NULL);
}

static void r_logout(struct wreq *rq, struct wrep *rp, const char *arg)
{
    (void)arg;
    web_logout(rq->w, rq->sess.id);
    snprintf(rp->cookie, sizeof(rp->cookie), "%s=; Path=/; HttpOnly; "
             "SameSite=Strict; Max-Age=0", WEB_COOKIE);
    rep_json(rp, 200, json_object_new_object());
}

static void r_node(struct wreq *rq, struct wrep *rp, const char *arg)
{
    (void)arg;
    api_forward(rq, rp, "GET", "/xend/node", NULL);
}

static void r_dmesg(struct wreq *rq, struct wrep *rp, const char *arg)
{
    (void)arg;
    api_forward(rq, rp, "GET", "/xend/node/dmesg", NULL);
}

static void r_log(struct wreq *rq, struct wrep *rp, const char *arg)
{
    (void)arg;
    api_forward(rq, rp, "GET", "/xend/node/log", NULL);
}

static void r_domains(struct wreq *rq, struct wrep *rp, const char *arg)
{
    json_object *arr;
    (void)arg;
    api_forward(rq, rp, "GET", "/xend/domain", NULL);
    if (rp->status == 200 &&
        json_object_object_get_ex(rp->body, "domains", &arr))
        stats_annotate(rq->w, arr);
}

static void dom_path(const char *dom, const char *suffix, char *buf,
                     size_t len)
{
    snprintf(buf, len, "/xend/domain/%s%s", dom, suffix);
}

/* GET /xend/domain/DOM + suffix, passed through as xend answers it. */
static void forward_get(struct wreq *rq, struct wrep *rp, const char *dom, const char *suffix)
{
    char p[128];
    dom_path(dom, suffix, p, sizeof(p));
    api_forward(rq, rp, "GET", p, NULL);
}

static void r_domain(struct wreq *rq, struct wrep *rp, const char *dom)
{
    forward_get(rq, rp, dom, "");
}

static void r_vbd(struct wreq *rq, struct wrep *rp, const char *dom)
{
    forward_get(rq, rp, dom, "/vbd");
}

static void r_vif(struct wreq *rq, struct wrep *rp, const char *dom)
{
    forward_get(rq, rp, dom, "/vif");
}

static void r_vcpu(struct wreq *rq, struct wrep *rp, const char *dom)
{
    forward_get(rq, rp, dom, "/vcpu");
}

static void r_stats(struct wreq *rq, struct wrep *rp, const char *dom)
{
    json_object *id;
    r_domain(rq, rp, dom);
    if (rp->status != 200)
        return;
    int domid = json_object_object_get_ex(rp->body, "domid", &id) ?
                json_object_get_int(id) : -1;
    json_object_put(rp->body);
    rep_json(rp, 200, stats_history(rq->w, domid));
}

static const char *const plain_ops[] = { "pause", "unpause", "shutdown",
                                         "reboot", "destroy" };

/* A number argument of an op ("memory": MiB, "vcpus": N), positive and an
 * integer in JSON, copied into out as xm's call sends it; xend checks the
 * bounds (maxmem, mem-max, maxvcpus) and words the refusal. */
struct num_op {
    const char *op, *key;
    int64_t max;                /* what xm accepts */
    const char *need;
};

static const struct num_op num_ops[] = {
    { "mem_set", "memory", INT64_MAX, "mem_set needs \"memory\": MiB" },
    { "vcpu_set", "vcpus", 1 << 20, "vcpu_set needs \"vcpus\": the number "
      "of vCPUs, 1 or more" },
};

static bool num_arg(struct wreq *rq, struct wrep *rp, const struct num_op *n,
                    json_object *out)
{
    json_object *v;
    if (!json_object_object_get_ex(rq->body, n->key, &v) ||
        !json_object_is_type(v, json_type_int) ||
        json_object_get_int64(v) <= 0 || json_object_get_int64(v) > n->max) {
        rep_error(rp, 400, "EINVAL", "%s", n->need);
        return false;
    }
    json_object_object_add(out, n->key,
                           json_object_new_int64(json_object_get_int64(v)));
    return true;
}

/* The body xm's call sends for op, or false with rp filled. */
static bool action_body(struct wreq *rq, struct wrep *rp, const char *op,
                        json_object *out)
{
    for (size_t k = 0; k < sizeof(plain_ops) / sizeof(*plain_ops); k++)
        if (strcmp(op, plain_ops[k]) == 0)
            return true;
    for (size_t k = 0; k < sizeof(num_ops) / sizeof(*num_ops); k++)
        if (strcmp(op, num_ops[k].op) == 0)
            return num_arg(rq, rp, &num_ops[k], out);
    rep_error(rp, 400, "EINVAL", "unknown op '%.40s'", op);
    return false;
}

static void r_action(struct wreq *rq, struct wrep *rp, const char *dom)
{
    json_object *v, *body = json_object_new_object();
    char p[128];
    const char *op = json_object_object_get_ex(rq->body, "op", &v) &&
                     json_object_is_type(v, json_type_string) ?
                     json_object_get_string(v) : "";
    if (action_body(rq, rp, op, body)) {
        json_object_object_add(body, "op", json_object_new_string(op));
        dom_path(dom, "", p, sizeof(p));
        api_forward(rq, rp, "POST", p, body);
    }
    json_object_put(body);
}

static void r_create(struct wreq *rq, struct wrep *rp, const char *arg)
{
    (void)arg;
    api_create(rq, rp);
}

static void r_configs(struct wreq *rq, struct wrep *rp, const char *arg)
{
    (void)arg;
    api_configs(rq, rp);
}

static void r_config(struct wreq *rq, struct wrep *rp, const char *name)
{
    api_config_text(rq, rp, name);
}

static const struct route routes[] = {
    { "GET",  "session", 0, NULL,    ROLE_NONE,     r_session },
    { "POST", "login",   0, NULL,    ROLE_NONE,     r_login },
    { "POST", "logout",  0, NULL,    ROLE_VIEWER,   r_logout },
    { "GET",  "node",    0, NULL,    ROLE_VIEWER,   r_node },
    { "GET",  "dmesg",   0, NULL,    ROLE_VIEWER,   r_dmesg },
    { "GET",  "log",     0, NULL,    ROLE_VIEWER,   r_log },
    { "GET",  "domains", 0, NULL,    ROLE_VIEWER,   r_domains },
    { "GET",  "domain",  1, NULL,    ROLE_VIEWER,   r_domain },
    { "GET",  "domain",  2, "vbd",   ROLE_VIEWER,   r_vbd },
    { "GET",  "domain",  2, "vif",   ROLE_VIEWER,   r_vif },
    { "GET",  "domain",  2, "vcpu",  ROLE_VIEWER,   r_vcpu },
    { "GET",  "domain",  2, "stats", ROLE_VIEWER,   r_stats },
    { "POST", "domain",  1, NULL,    ROLE_OPERATOR, r_action },
    { "GET",  "configs", 0, NULL,    ROLE_VIEWER,   r_configs },
    { "GET",  "config",  1, NULL,    ROLE_VIEWER,   r_config },
    { "POST", "create",  0, NULL,    ROLE_OPERATOR, r_create },
};

/* path "domain/VM3/vbd" -> first "domain", arg "VM3", last "vbd". */
struct split {
    char first[16], arg[72], last[16];
    int args;
};

static bool split_path(const char *path, struct split *s)
{
    char buf[128];
    char *seg[4];
    int n = 0;
    if (strlen(path) >= sizeof(buf))
        return false;
    memcpy(buf, path, strlen(path) + 1);
    for (char *save = NULL, *t = strtok_r(buf, "/", &save); t;
         t = strtok_r(NULL, "/", &save)) {
        if (n == 3)
            return false;
        seg[n++] = t;
    }
    if (n == 0 || strlen(seg[0]) >= sizeof(s->first) ||
        (n > 1 && (!api_dom_ok(seg[1]) || strlen(seg[1]) >= sizeof(s->arg))) ||
        (n > 2 && strlen(seg[2]) >= sizeof(s->last)))
        return false;
    memset(s, 0, sizeof(*s));
    snprintf(s->first, sizeof(s->first), "%s", seg[0]);
    if (n > 1)
        snprintf(s->arg, sizeof(s->arg), "%s", seg[1]);
    if (n > 2)
        snprintf(s->last, sizeof(s->last), "%s", seg[2]);
    s->args = n - 1;
    return true;
}

static bool matches(const struct route *r, const struct split *s)
{
    return strcmp(r->first, s->first) == 0 && r->args == s->args &&
           (r->args < 2 || strcmp(r->last, s->last) == 0);
}

void api_dispatch(struct wreq *rq, struct wrep *rp)
{
    struct split s;
    bool other_method = false;
    const char *m = strcmp(rq->method, "HEAD") == 0 ? "GET" : rq->method;
    if (!split_path(rq->path, &s))
        return rep_error(rp, 404, "ENOENT", "no such API path");
    for (size_t k = 0; k < sizeof(routes) / sizeof(*routes); k++) {
        const struct route *r = &routes[k];
        if (!matches(r, &s))
            continue;
        if (strcmp(r->method, m) != 0) {
            other_method = true;
            continue;
        }
        if (rq->sess.role < r->role)
            return rq->sess.role == ROLE_NONE ?
                   rep_error(rp, 401, "EACCES", "not logged in") :
                   rep_error(rp, 403, "EACCES", "the viewer role may not "
                             "do this (log in with the operator token)");
        return r->fn(rq, rp, s.arg);
    }
    if (other_method)
        return rep_error(rp, 405, "EINVAL", "%s not allowed here%s",
                         rq->method, strcmp(m, "GET") == 0 ?
                         " (changes need a POST with a CSRF token)" : "");
    rep_error(rp, 404, "ENOENT", "no such API path");
}
