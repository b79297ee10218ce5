/* A domain's vCPUs: vcpu-set (cpu/<n>/availability), vcpu-list (the VMM's
 * vCPU threads as /proc shows them), vcpu-pin and the cpus key
 * (sched_setaffinity on those threads), sched-credit (cgroup.c). */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "cpumask.h"
#include "xend.h"

#define HOST_CPUS_FILE "/sys/devices/system/cpu/online"

int host_cpus(struct cpumask *m, char *err, size_t len)
{
    char buf[512];
    FILE *f = fopen(HOST_CPUS_FILE, "re");
    bool ok = f && fgets(buf, sizeof(buf), f);
    if (f)
        fclose(f);
    buf[ok ? strcspn(buf, "\n") : 0] = '\0';
    if (!ok || cpumask_parse(buf, m, err, len) < 0) {
        snprintf(err, len, "can't read the host's CPUs from %s", HOST_CPUS_FILE);
        return -EIO;
    }
    return 0;
}

static bool running(const struct domain *d)
{
    return d->pid > 0 && (d->state == DS_RUNNING || d->state == DS_PAUSED);
}

int dom_vcpu_set(struct xend *x, struct domain *d, long n, char *err, size_t len)
{
    if (n < 1 || n > (long)d->cfg.maxvcpus) {
        snprintf(err, len, "%s has maxvcpus = %u: give 1 to %u vCPUs (asked for %ld)",
                 d->cfg.name, d->cfg.maxvcpus, d->cfg.maxvcpus, n);
        return -EINVAL;
    }
    if (!running(d)) {
        snprintf(err, len, "%s is %s", d->cfg.name, dom_state_name(d->state));
        return -EBUSY;
    }
    if (!x->xs) {
        snprintf(err, len, "vcpu-set needs xenstore (the guest follows "
                 "cpu/<n>/availability) and xend has no xenstored");
        return -ENOTCONN;
    }
    unsigned old = d->cfg.vcpus;
    d->cfg.vcpus = (unsigned)n;
    int r = store_vcpus_write(x, d);
    if (r < 0) {
        d->cfg.vcpus = old;
        snprintf(err, len, "writing cpu/<n>/availability: %s", strerror(-r));
        return r;
    }
    state_save(x, d);
    xdmesg(x, "domain %d (%s) vCPUs %u -> %ld (of %u)", d->domid, d->cfg.name, old, n,
           d->cfg.maxvcpus);
    return 0;
}

/* The VMM's "vcpus" reply (the caller puts it) and its array. */
static int vmm_vcpus(const struct domain *d, json_object **rep, json_object **arr,
                     char *err, size_t len)
{
    if (!running(d)) {
        snprintf(err, len, "%s is %s", d->cfg.name, dom_state_name(d->state));
        return -EBUSY;
    }
    int r = vmm_call(d, "vcpus", NULL, rep, 2000);
    if (r < 0 || !json_object_object_get_ex(*rep, "vcpus", arr) ||
        !json_object_is_type(*arr, json_type_array)) {
        snprintf(err, len, "xeno-vmm of %s: vcpus: %s", d->cfg.name,
                 r < 0 ? strerror(-r) : "no list");
        if (r == 0)
            json_object_put(*rep);
        return r < 0 ? r : -EPROTO;
    }
    return 0;
}

static int jint(json_object *o, const char *k)
{
    json_object *v;
    return json_object_object_get_ex(o, k, &v) ? json_object_get_int(v) : 0;
}

/* vCPU k's thread as the host knows it (the VMM reports its own PID
 * namespace's tid); 0 while it has none. */
static int vcpu_tid(const struct domain *d, json_object *arr, long k)
{
    int tid = jint(json_object_array_get_idx(arr, (size_t)k), "tid");
    return tid > 0 ? (tid = vmm_host_tid(d, tid)) > 0 ? tid : 0 : 0;
}

static bool jbool(json_object *o, const char *k)
{
    json_object *v;
    return json_object_object_get_ex(o, k, &v) && json_object_get_boolean(v);
}

static int pin_tid(int tid, const struct cpumask *m)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    for (unsigned c = 0; c < CPU_SETSIZE && c < CPUMASK_MAX; c++)
        if (cpumask_test(m, c))
            CPU_SET(c, &set);
    return sched_setaffinity(tid, sizeof(set), &set) < 0 ? -errno : 0;
}

/* cpus within the host's CPUs ("all": all of them); else err names the first
 * that does not exist. */
static int pin_mask(const char *cpus, struct cpumask *m, char *err, size_t len)
{
    struct cpumask host;
    char list[256];
    int r = host_cpus(&host, err, len);
    if (r == 0)
        r = cpumask_parse(cpus, m, err, len);
    if (r < 0)
        return r;
    if (strcmp(cpus, "all") == 0)
        cpumask_and(m, &host);
    int bad = cpumask_first_not_in(m, &host);
    if (bad >= 0) {
        cpumask_format(&host, list, sizeof(list));
        snprintf(err, len, "host CPU %d does not exist (this host has CPUs %s)", bad, list);
        return -EINVAL;
    }
    return 0;
}

int dom_vcpu_pin(struct xend *x, struct domain *d, long vcpu, const char *cpus,
                 char *err, size_t len)
{
    struct cpumask m;
    json_object *rep, *arr;
    int r = pin_mask(cpus, &m, err, len);
    if (r < 0 || (r = vmm_vcpus(d, &rep, &arr, err, len)) < 0)
        return r;
    long n = (long)json_object_array_length(arr);
    if (vcpu < -1 || vcpu >= n) {
        snprintf(err, len, "%s has vCPUs 0 to %ld (asked for %ld)", d->cfg.name, n - 1, vcpu);
        r = -EINVAL;
    }
    for (long k = 0; r == 0 && k < n; k++)
        if ((vcpu < 0 || k == vcpu) && vcpu_tid(d, arr, k) <= 0) {
            snprintf(err, len, "vCPU %ld of %s has no thread yet", k, d->cfg.name);
            r = -EBUSY;
        }
    for (long k = 0; r == 0 && k < n; k++) {
        if (vcpu >= 0 && k != vcpu)
            continue;
        int tid = vcpu_tid(d, arr, k);
        if ((r = pin_tid(tid, &m)) < 0)
            snprintf(err, len, "sched_setaffinity(vCPU %ld, thread %d): %s", k, tid,
                     strerror(-r));
    }
    json_object_put(rep);
    if (r == 0)
        xdmesg(x, "domain %d (%s) vCPU %s pinned to CPUs %s", d->domid, d->cfg.name,
               vcpu < 0 ? "all" : (snprintf(err, len, "%ld", vcpu), err), cpus);
    return r;
}

/* The cpus key, when the VMM is up. */
void vcpu_apply_config(struct xend *x, struct domain *d)
{
    char err[512];
    if (d->cfg.cpus && dom_vcpu_pin(x, d, -1, d->cfg.cpus, err, sizeof(err)) < 0)
        xdmesg(x, "domain %d (%s): cpus = \"%s\" not applied: %s", d->domid,
               d->cfg.name, d->cfg.cpus, err);
}

/* /proc/<tid>/stat: state (field 3), utime+stime (14, 15) in ticks, the
 * CPU it last ran on (39). */
struct tstat {
    char state;
    double seconds;
    int cpu;
};

/* /proc/<tid>/stat sums the whole process; the thread's own is under its
 * process's task/ (Tgid in /proc/<tid>/status). */
static int thread_group(int tid)
{
    char path[64], line[128];
    int tgid = 0;
    snprintf(path, sizeof(path), "/proc/%d/status", tid);
    FILE *f = fopen(path, "re");
    while (f && fgets(line, sizeof(line), f))
        if (sscanf(line, "Tgid: %d", &tgid) == 1)
            break;
    if (f)
        fclose(f);
    return tgid;
}

static int thread_stat(int tid, struct tstat *t)
{
    char path[96], buf[1024];
    snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", thread_group(tid), tid);
    FILE *f = fopen(path, "re");
    size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (!p)
        return -ENOENT;
    unsigned long long ut = 0, st = 0;
    int field = 3;
    t->cpu = -1;
    for (char *tok = strtok(p + 1, " "); tok; tok = strtok(NULL, " "), field++) {
        if (field == 3)
            t->state = tok[0];
        else if (field == 14)
            ut = strtoull(tok, NULL, 10);
        else if (field == 15)
            st = strtoull(tok, NULL, 10);
        else if (field == 39)
            t->cpu = atoi(tok);
    }
    t->seconds = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
    return 0;
}

static void affinity_text(int tid, char *buf, size_t len)
{
    cpu_set_t set;
    struct cpumask m, host;
    char err[160];
    cpumask_clear(&m);
    if (sched_getaffinity(tid, sizeof(set), &set) < 0) {
        snprintf(buf, len, "?");
        return;
    }
    for (unsigned c = 0; c < CPU_SETSIZE && c < CPUMASK_MAX; c++)
        if (CPU_ISSET(c, &set))
            cpumask_set(&m, c);
    if (host_cpus(&host, err, sizeof(err)) == 0 && cpumask_first_not_in(&host, &m) < 0)
        snprintf(buf, len, "all");
    else
        cpumask_format(&m, buf, len);
}

/* Xen's vcpu-list states: r running, b blocked, p paused, "-" offline. */
static const char *vcpu_state(const struct domain *d, bool online, char thread)
{
    if (d->state == DS_PAUSED)
        return online ? "--p" : "---";
    if (!online)
        return "---";
    return thread == 'R' ? "r--" : "-b-";
}

int dom_vcpu_list(struct xend *x, struct domain *d, json_object **out, char *err,
                  size_t len)
{
    json_object *rep, *arr;
    (void)x;
    int r = vmm_vcpus(d, &rep, &arr, err, len);
    if (r < 0)
        return r;
    json_object *list = json_object_new_array();
    for (size_t k = 0; k < json_object_array_length(arr); k++) {
        json_object *v = json_object_array_get_idx(arr, k), *e = json_object_new_object();
        int tid = vcpu_tid(d, arr, (long)k);
        bool online = jbool(v, "online");
        struct tstat t = { '?', 0, -1 };
        char aff[256] = "?";
        if (tid > 0 && thread_stat(tid, &t) == 0)
            affinity_text(tid, aff, sizeof(aff));
        json_object_object_add(e, "vcpu", json_object_new_int((int)k));
        json_object_object_add(e, "cpu", json_object_new_int(online ? t.cpu : -1));
        json_object_object_add(e, "state", json_object_new_string(vcpu_state(d, online, t.state)));
        json_object_object_add(e, "online", json_object_new_boolean(online));
        json_object_object_add(e, "time", json_object_new_double(t.seconds));
        json_object_object_add(e, "affinity", json_object_new_string(aff));
        json_object_object_add(e, "tid", json_object_new_int(tid));
        json_object_array_add(list, e);
    }
    json_object_put(rep);
    *out = list;
    return 0;
}

int dom_sched_credit(struct xend *x, struct domain *d, long weight, long cap, char *err,
                     size_t len)
{
    if (weight != -1 && (weight < 1 || weight > CFG_WEIGHT_MAX)) {
        snprintf(err, len, "weight %ld: give 1 to %d (Xen's default is %d)", weight,
                 CFG_WEIGHT_MAX, CFG_WEIGHT_DEFAULT);
        return -EINVAL;
    }
    if (cap != -1 && (cap < 0 || cap > 100L * d->cfg.maxvcpus)) {
        snprintf(err, len, "cap %ld: give 0 (no cap) to %u (%% of one host CPU, 100 per vCPU)",
                 cap, 100 * d->cfg.maxvcpus);
        return -EINVAL;
    }
    if (weight == -1 && cap == -1)
        return 0;
    if (!running(d)) {
        snprintf(err, len, "%s is %s", d->cfg.name, dom_state_name(d->state));
        return -EBUSY;
    }
    if (!d->cgroup) {
        snprintf(err, len, "%s has no cgroup: %s", d->cfg.name,
                 x->cgroup_why[0] ? x->cgroup_why : "cgroup v2 is not usable here");
        return -ENOTSUP;
    }
    unsigned w = weight == -1 ? d->cfg.cpu_weight : (unsigned)weight;
    unsigned c = cap == -1 ? d->cfg.cpu_cap : (unsigned)cap;
    int r = cgroup_write_shares(x, d, w, c, err, len);
    if (r < 0)
        return r;
    d->cfg.cpu_weight = w;
    d->cfg.cpu_cap = c;
    state_save(x, d);
    xdmesg(x, "domain %d (%s) weight %u, cap %u", d->domid, d->cfg.name,
           w ? w : CFG_WEIGHT_DEFAULT, c);
    return 0;
}

/* A body member as a number: *out, or keep when absent (-EINVAL if not an
 * integer). */
static int body_long(json_object *body, const char *k, long *out)
{
    json_object *v;
    if (!body || !json_object_object_get_ex(body, k, &v))
        return 0;
    if (!json_object_is_type(v, json_type_int))
        return -EINVAL;
    int64_t n = json_object_get_int64(v);
    *out = n < -2 ? -2 : n > 1000000 ? 1000000 : (long)n;
    return 0;
}

/* The CPU operations of POST /xend/domain/<dom> (routes.c): vcpu_set
 * {"vcpus":N}, vcpu_pin {"vcpu":V|-1,"cpumap":"0-3"}, sched_credit
 * {"weight":W,"cap":C} (either may be left out).  -ENOSYS: not one. */
int dom_cpu_op(struct xend *x, struct domain *d, const char *op, json_object *body,
               char *err, size_t len)
{
    long a = -2, b = -1;
    if (strcmp(op, "vcpu_set") == 0) {
        if (body_long(body, "vcpus", &a) < 0 || a == -2) {
            snprintf(err, len, "vcpu_set needs \"vcpus\": a number");
            return -EINVAL;
        }
        return dom_vcpu_set(x, d, a, err, len);
    }
    if (strcmp(op, "vcpu_pin") == 0) {
        json_object *v;
        const char *map = body && json_object_object_get_ex(body, "cpumap", &v) &&
                          json_object_is_type(v, json_type_string) ?
                          json_object_get_string(v) : NULL;
        if (body_long(body, "vcpu", &a) < 0 || a == -2 || !map) {
            snprintf(err, len, "vcpu_pin needs \"vcpu\" (a number, -1: all) and "
                     "\"cpumap\" (\"0-3,^1\" or \"all\")");
            return -EINVAL;
        }
        return dom_vcpu_pin(x, d, a, map, err, len);
    }
    if (strcmp(op, "sched_credit") == 0) {
        a = -1;
        if (body_long(body, "weight", &a) < 0 || body_long(body, "cap", &b) < 0) {
            snprintf(err, len, "sched_credit takes \"weight\" and \"cap\" as numbers");
            return -EINVAL;
        }
        if (a == -2 || b == -2) {
            snprintf(err, len, "weight is 1 to 65535, cap 0 or more");
            return -EINVAL;
        }
        return dom_sched_credit(x, d, a, b, err, len);
    }
    return -ENOSYS;
}
