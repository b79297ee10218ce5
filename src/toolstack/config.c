/* From the interpreter's variables to a struct domain_config: the table of
 * known keys and what each accepts. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg_int.h"
#include "cpumask.h"

int key_err(struct build *b, const struct sym *s, const char *fmt, ...)
{
    char msg[CFG_MSG_MAX - 128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (s->from_cli)
        snprintf(b->ps->diag->error, sizeof(b->ps->diag->error),
                 "command line: %.64s: %s", s->name, msg);
    else
        perr(b->ps, s->v.line ? s->v.line : s->line,
             s->v.line ? s->v.col : s->col, "%s: %s", s->name, msg);
    return -EINVAL;
}

static int want_str(struct build *b, struct sym *s, const char **out)
{
    if (s->v.t != V_STR) {
        char *r = val_repr(&s->v);
        key_err(b, s, "expected a string, got %s %s", val_type_name(s->v.t),
                r ? r : "");
        free(r);
        return -EINVAL;
    }
    *out = s->v.s;
    return 0;
}

static int want_int(struct build *b, struct sym *s, long long lo,
                    long long hi, long long *out)
{
    long long v = s->v.i;
    if (s->v.t == V_STR) {          /* xm accepted memory = "64" */
        char *end;
        errno = 0;
        v = strtoll(s->v.s, &end, 10);
        if (errno || end == s->v.s || *end)
            return key_err(b, s, "expected an integer, got '%.40s'", s->v.s);
    } else if (s->v.t != V_INT) {
        return key_err(b, s, "expected an integer, got %s",
                       val_type_name(s->v.t));
    }
    if (v < lo || v > hi)
        return key_err(b, s, "%lld is out of range (%lld to %lld)", v, lo, hi);
    *out = v;
    return 0;
}

static int set_str(struct build *b, struct sym *s, char **field)
{
    const char *v;
    int r = want_str(b, s, &v);
    if (r < 0)
        return r;
    if (!*v)
        return key_err(b, s, "must not be empty");
    free(*field);
    *field = strdup(v);
    return *field ? 0 : -ENOMEM;
}

static int k_name(struct build *b, struct sym *s)
{
    int r = set_str(b, s, &b->cfg->name);
    if (r == 0 && !cfg_name_valid(b->cfg->name))
        return key_err(b, s, "invalid domain name '%.64s' (1-%d characters "
                       "of A-Z a-z 0-9 _ . -, not only digits, not "
                       "Domain-0)", b->cfg->name, CFG_NAME_MAX);
    return r;
}

static int k_type(struct build *b, struct sym *s)
{
    const char *v;
    int r = want_str(b, s, &v);
    if (r == 0 && strcmp(v, "pvh") != 0)
        return key_err(b, s, "type '%.20s' is not supported: xeno runs PVH "
                       "guests (type = \"pvh\")", v);
    return r;
}

static int k_builder(struct build *b, struct sym *s)
{
    const char *v;
    int r = want_str(b, s, &v);
    if (r == 0 && strcmp(v, "linux") != 0)
        return key_err(b, s, "builder '%.20s' is not supported (only "
                       "'linux')", v);
    return r;
}

static int k_memory(struct build *b, struct sym *s)
{
    long long v;
    int r = want_int(b, s, 1, (long long)CFG_MAX_MEMORY_MIB, &v);
    bool is_max = strcmp(s->name, "maxmem") == 0;
    if (r == 0 && is_max) {
        b->cfg->maxmem_mib = (uint64_t)v;
        b->cl.maxmem_set = true;
    } else if (r == 0) {
        b->cfg->memory_mib = (uint64_t)v;
        b->cl.memory_set = true;
    }
    return r;
}

static int k_vcpus(struct build *b, struct sym *s)
{
    long long v;
    int r = want_int(b, s, 1, CFG_MAX_VCPUS, &v);
    if (r == 0)
        b->cfg->vcpus = (unsigned)v;
    return r;
}

static int k_maxvcpus(struct build *b, struct sym *s)
{
    long long v;
    int r = want_int(b, s, 1, CFG_MAX_VCPUS, &v);
    if (r == 0)
        b->cfg->maxvcpus = (unsigned)v;
    return r;
}

/* cpus = "0-3,^1": checked here for syntax, by xend against the host. */
static int k_cpus(struct build *b, struct sym *s)
{
    struct cpumask m;
    char err[160];
    int r = set_str(b, s, &b->cfg->cpus);
    if (r == 0 && cpumask_parse(b->cfg->cpus, &m, err, sizeof(err)) < 0)
        return key_err(b, s, "%s", err);
    return r;
}

static int k_cpu_share(struct build *b, struct sym *s)
{
    long long v;
    bool weight = strcmp(s->name, "cpu_weight") == 0;
    int r = want_int(b, s, weight ? 1 : 0,
                     weight ? CFG_WEIGHT_MAX : 100LL * CFG_MAX_VCPUS, &v);
    if (r == 0 && weight)
        b->cfg->cpu_weight = (unsigned)v;
    else if (r == 0)
        b->cfg->cpu_cap = (unsigned)v;
    return r;
}

static int k_kernel(struct build *b, struct sym *s)
{
    return set_str(b, s, strcmp(s->name, "kernel") == 0 ? &b->cfg->kernel
                                                        : &b->cfg->ramdisk);
}

/* owner = 'alice' or owner = 1001 (kept as "1001"). */
static int k_owner(struct build *b, struct sym *s)
{
    char num[24];
    if (s->v.t == V_INT) {
        if (s->v.i < 0 || s->v.i > 0xfffffffeLL)
            return key_err(b, s, "uid %lld is out of range", s->v.i);
        snprintf(num, sizeof(num), "%lld", s->v.i);
        free(b->cfg->owner);
        b->cfg->owner = strdup(num);
        return b->cfg->owner ? 0 : -ENOMEM;
    }
    int r = set_str(b, s, &b->cfg->owner);
    if (r == 0 && !cfg_owner_valid(b->cfg->owner))
        return key_err(b, s, "'%.40s' is not a user name or uid", b->cfg->owner);
    return r;
}

static int k_action(struct build *b, struct sym *s)
{
    const char *v;
    enum cfg_action a;
    int r = want_str(b, s, &v);
    if (r == 0 && cfg_action_parse(v, &a) < 0)
        return key_err(b, s, "unknown action '%.30s' (destroy, restart, "
                       "preserve, rename-restart)", v);
    if (r == 0 && strcmp(s->name, "on_poweroff") == 0)
        b->cfg->on_poweroff = a;
    else if (r == 0 && strcmp(s->name, "on_reboot") == 0)
        b->cfg->on_reboot = a;
    else if (r == 0)
        b->cfg->on_crash = a;
    return r;
}

/* xm 2.0's restart = 'onreboot' | 'always' | 'never'. */
static int k_restart(struct build *b, struct sym *s)
{
    const char *v;
    int r = want_str(b, s, &v);
    if (r < 0)
        return r;
    struct domain_config *c = b->cfg;
    if (strcmp(v, "always") == 0) {
        c->on_poweroff = c->on_reboot = c->on_crash = CFG_ACT_RESTART;
    } else if (strcmp(v, "never") == 0) {
        c->on_poweroff = c->on_reboot = c->on_crash = CFG_ACT_DESTROY;
    } else if (strcmp(v, "onreboot") == 0) {
        c->on_poweroff = c->on_crash = CFG_ACT_DESTROY;
        c->on_reboot = CFG_ACT_RESTART;
    } else {
        return key_err(b, s, "unknown value '%.30s' (onreboot, always, "
                       "never)", v);
    }
    return 0;
}

/* A list of spec strings, or one string. */
static int spec_list(struct build *b, struct sym *s, size_t max,
                     const struct val **items, size_t *n)
{
    if (s->v.t == V_STR) {
        *items = &s->v;
        *n = 1;
    } else if (s->v.t == V_LIST || s->v.t == V_TUPLE) {
        *items = s->v.items;
        *n = s->v.n;
    } else {
        return key_err(b, s, "expected a list of strings");
    }
    if (*n > max)
        return key_err(b, s, "too many entries (%zu, max %zu)", *n, max);
    for (size_t k = 0; k < *n; k++)
        if ((*items)[k].t != V_STR)
            return key_err(b, s, "entry %zu: expected a string, got %s", k,
                           val_type_name((*items)[k].t));
    return 0;
}

static int item_err(struct build *b, const struct sym *s,
                    const struct val *it, size_t k, const char *msg)
{
    struct sym at = *s;
    if (it->line) {
        at.v.line = it->line;
        at.v.col = it->col;
    }
    return key_err(b, &at, "entry %zu '%.80s': %s", k, it->s, msg);
}

static int k_disk(struct build *b, struct sym *s)
{
    const struct val *it;
    size_t n;
    char err[256];
    int r = spec_list(b, s, CFG_MAX_DISKS, &it, &n);
    for (size_t k = 0; r == 0 && k < n; k++) {
        struct cfg_disk *d = &b->cfg->disks[b->cfg->n_disks];
        if (cfg_disk_parse(it[k].s, d, err, sizeof(err)) < 0)
            return item_err(b, s, &it[k], k, err);
        b->cfg->n_disks++;
        for (size_t j = 0; j + 1 < b->cfg->n_disks; j++)
            if (b->cfg->disks[j].devid == d->devid)
                return item_err(b, s, &it[k], k, "virtual device used twice");
    }
    return r;
}

static int k_vif(struct build *b, struct sym *s)
{
    const struct val *it;
    size_t n;
    char err[256];
    int r = spec_list(b, s, CFG_MAX_VIFS, &it, &n);
    for (size_t k = 0; r == 0 && k < n; k++) {
        struct cfg_vif *v = &b->cfg->vifs[b->cfg->n_vifs];
        if (cfg_vif_parse(it[k].s, v, err, sizeof(err)) < 0)
            return item_err(b, s, &it[k], k, err);
        b->cfg->n_vifs++;
        for (size_t j = 0; v->mac && j + 1 < b->cfg->n_vifs; j++)
            if (b->cfg->vifs[j].mac && strcmp(b->cfg->vifs[j].mac, v->mac) == 0)
                return item_err(b, s, &it[k], k, "MAC address used twice");
    }
    return r;
}

#define PART(f) \
    static int k_##f(struct build *b, struct sym *s) \
    { return want_str(b, s, &b->cl.f); }
PART(cmdline) PART(root) PART(extra) PART(ip) PART(netmask) PART(gateway)
PART(hostname) PART(dhcp) PART(nfs_server) PART(nfs_root) PART(interface)
#undef PART

static int k_ignored(struct build *b, struct sym *s)
{
    if (!s->from_cli)
        pwarn(b->ps, s->line, s->col, "'%s' is not supported yet; ignored",
              s->name);
    return 0;
}

static int k_bootloader(struct build *b, struct sym *s)
{
    return key_err(b, s, "bootloaders are not supported: give kernel (and "
                   "ramdisk)");
}

struct key_def {
    const char *name;
    int (*apply)(struct build *b, struct sym *s);
};

static const struct key_def keys[] = {
    { "name", k_name }, { "type", k_type }, { "builder", k_builder },
    { "memory", k_memory }, { "maxmem", k_memory }, { "vcpus", k_vcpus },
    { "kernel", k_kernel }, { "ramdisk", k_kernel },
    { "on_poweroff", k_action }, { "on_reboot", k_action },
    { "on_crash", k_action }, { "restart", k_restart },
    { "disk", k_disk }, { "vif", k_vif },
    { "cmdline", k_cmdline }, { "root", k_root }, { "extra", k_extra },
    { "ip", k_ip }, { "netmask", k_netmask }, { "gateway", k_gateway },
    { "hostname", k_hostname }, { "dhcp", k_dhcp },
    { "nfs_server", k_nfs_server }, { "nfs_root", k_nfs_root },
    { "interface", k_interface },
    { "bootloader", k_bootloader },
    { "cpu", k_ignored }, { "cpus", k_cpus }, { "nics", k_ignored },
    { "uuid", k_ignored }, { "cpu_weight", k_cpu_share },
    { "cpu_cap", k_cpu_share }, { "localtime", k_ignored },
    { "maxvcpus", k_maxvcpus }, { "owner", k_owner },
};

static const struct key_def *key_find(const char *name)
{
    for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
        if (strcmp(keys[k].name, name) == 0)
            return &keys[k];
    return NULL;
}

/* restart must apply before on_* so the explicit keys win. */
int apply_keys(struct build *b)
{
    struct sym *restart = sym_find(b->ps, "restart");
    int r = restart ? k_restart(b, restart) : 0;
    for (size_t k = 0; r == 0 && k < b->ps->n_syms; k++) {
        struct sym *s = &b->ps->syms[k];
        const struct key_def *kd = key_find(s->name);
        if (kd && kd->apply != k_restart)
            r = kd->apply(b, s);
        else if (!kd && !s->used && !s->from_cli)
            pwarn(b->ps, s->line, s->col, "unknown key '%s' ignored",
                  s->name);
    }
    return r;
}
