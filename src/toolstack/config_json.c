/* domain_config <-> JSON.  Parsing goes back through the spec parsers and
 * config_validate(), so JSON from the network gets the same checks as a
 * config file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_json.h"
#include "cpumask.h"

static void put_str(json_object *o, const char *k, const char *v)
{
    if (v)
        json_object_object_add(o, k, json_object_new_string(v));
}

json_object *config_disk_to_json(const struct cfg_disk *d)
{
    json_object *o = json_object_new_object();
    put_str(o, "kind", d->kind == CFG_DISK_PHY ? "phy" : "file");
    put_str(o, "target", d->target);
    put_str(o, "vdev", d->vdev);
    json_object_object_add(o, "writable", json_object_new_boolean(d->writable));
    json_object_object_add(o, "cdrom", json_object_new_boolean(d->cdrom));
    return o;
}

static const char *const vif_fields[] = { "mac", "bridge", "ip", "script",
                                          "vifname", "model", "rate",
                                          "devid", "forward" };

static const char *vif_get(const struct cfg_vif *v, size_t k)
{
    const char *vals[] = { v->mac, v->bridge, v->ip, v->script, v->vifname,
                           v->model, v->rate, v->devid, v->forward };
    return vals[k];
}

static json_object *vif_to_json(const struct cfg_vif *v)
{
    json_object *o = json_object_new_object();
    for (size_t k = 0; k < sizeof(vif_fields) / sizeof(vif_fields[0]); k++)
        put_str(o, vif_fields[k], vif_get(v, k));
    return o;
}

json_object *config_to_json(const struct domain_config *c)
{
    json_object *o = json_object_new_object(), *disks, *vifs;
    put_str(o, "name", c->name);
    put_str(o, "type", c->type ? c->type : "pvh");
    json_object_object_add(o, "memory", json_object_new_int64((int64_t)c->memory_mib));
    json_object_object_add(o, "maxmem", json_object_new_int64((int64_t)c->maxmem_mib));
    json_object_object_add(o, "vcpus", json_object_new_int((int)c->vcpus));
    json_object_object_add(o, "maxvcpus", json_object_new_int((int)c->maxvcpus));
    if (c->cpus)
        put_str(o, "cpus", c->cpus);
    if (c->cpu_weight)
        json_object_object_add(o, "cpu_weight", json_object_new_int((int)c->cpu_weight));
    if (c->cpu_cap)
        json_object_object_add(o, "cpu_cap", json_object_new_int((int)c->cpu_cap));
    put_str(o, "kernel", c->kernel);
    put_str(o, "ramdisk", c->ramdisk);
    put_str(o, "cmdline", c->cmdline);
    if (c->owner)
        put_str(o, "owner", c->owner);
    put_str(o, "on_poweroff", cfg_action_name(c->on_poweroff));
    put_str(o, "on_reboot", cfg_action_name(c->on_reboot));
    put_str(o, "on_crash", cfg_action_name(c->on_crash));
    disks = json_object_new_array();
    for (size_t k = 0; k < c->n_disks; k++)
        json_object_array_add(disks, config_disk_to_json(&c->disks[k]));
    json_object_object_add(o, "disks", disks);
    vifs = json_object_new_array();
    for (size_t k = 0; k < c->n_vifs; k++)
        json_object_array_add(vifs, vif_to_json(&c->vifs[k]));
    json_object_object_add(o, "vifs", vifs);
    return o;
}

/* ---- parsing ---- */

struct jctx {
    char *err;
    size_t len;
};

static int jerr(struct jctx *j, const char *fmt, const char *arg)
{
    snprintf(j->err, j->len, fmt, arg);
    return -EINVAL;
}

static int get_str(struct jctx *j, json_object *o, const char *k,
                   char **out, bool required)
{
    json_object *v;
    if (!json_object_object_get_ex(o, k, &v) || json_object_is_type(v, json_type_null))
        return required ? jerr(j, "config: '%s' missing", k) : 0;
    if (!json_object_is_type(v, json_type_string))
        return jerr(j, "config: '%s' must be a string", k);
    const char *s = json_object_get_string(v);
    if (strlen(s) != (size_t)json_object_get_string_len(v) || strlen(s) > 4096)
        return jerr(j, "config: '%s' has a NUL byte or is too long", k);
    free(*out);
    *out = strdup(s);
    return *out ? 0 : -ENOMEM;
}

static int get_uint(struct jctx *j, json_object *o, const char *k,
                    uint64_t max, uint64_t *out)
{
    json_object *v;
    if (!json_object_object_get_ex(o, k, &v))
        return 0;
    if (!json_object_is_type(v, json_type_int))
        return jerr(j, "config: '%s' must be an integer", k);
    int64_t i = json_object_get_int64(v);
    if (i < 1 || (uint64_t)i > max)
        return jerr(j, "config: '%s' out of range", k);
    *out = (uint64_t)i;
    return 0;
}

static int get_action(struct jctx *j, json_object *o, const char *k,
                      enum cfg_action *out)
{
    char *s = NULL;
    int r = get_str(j, o, k, &s, false);
    if (r == 0 && s && cfg_action_parse(s, out) < 0)
        r = jerr(j, "config: unknown action for '%s'", k);
    free(s);
    return r;
}

static int disk_from_json(struct jctx *j, json_object *d, struct cfg_disk *out)
{
    char *target = NULL, *vdev = NULL, *spec = NULL, *kind = NULL;
    json_object *w, *cd;
    bool writable = json_object_object_get_ex(d, "writable", &w) &&
                    json_object_get_boolean(w);
    bool cdrom = json_object_object_get_ex(d, "cdrom", &cd) &&
                 json_object_get_boolean(cd);
    int r = get_str(j, d, "target", &target, true);
    if (r == 0)
        r = get_str(j, d, "vdev", &vdev, true);
    if (r == 0 && asprintf(&spec, "vdev=%s,access=%s%s,target=%s", vdev,
                           writable ? "rw" : "ro", cdrom ? ",devtype=cdrom" : "",
                           target) < 0) {
        spec = NULL;
        r = -ENOMEM;
    }
    if (r == 0 && cfg_disk_parse(spec, out, j->err, j->len) < 0)
        r = -EINVAL;
    if (r == 0 && (r = get_str(j, d, "kind", &kind, false)) == 0 && kind) {
        if (strcmp(kind, "phy") == 0 || strcmp(kind, "file") == 0)
            out->kind = kind[0] == 'p' ? CFG_DISK_PHY : CFG_DISK_FILE;
        else
            r = jerr(j, "%s", "config: disk 'kind' is phy or file");
    }
    free(kind);
    if (r < 0)
        cfg_disk_free(out);
    free(target);
    free(vdev);
    free(spec);
    return r;
}

int config_disk_from_json(json_object *obj, struct cfg_disk *out, char *err,
                          size_t errlen)
{
    struct jctx j = { err, errlen };
    memset(out, 0, sizeof(*out));
    if (!json_object_is_type(obj, json_type_object))
        return jerr(&j, "%s", "disk: expected an object");
    return disk_from_json(&j, obj, out);
}

static int vif_from_json(struct jctx *j, json_object *v, struct cfg_vif *out)
{
    char spec[2048] = "", *val = NULL;
    size_t n = 0;
    int r = 0;
    for (size_t k = 0; r == 0 && k < sizeof(vif_fields) / sizeof(vif_fields[0]); k++) {
        r = get_str(j, v, vif_fields[k], &val, false);
        if (r == 0 && val && strchr(val, ','))
            r = jerr(j, "config: vif '%s' contains a comma", vif_fields[k]);
        if (r == 0 && val)
            n += (size_t)snprintf(spec + n, sizeof(spec) - n, "%s=%s,",
                                  vif_fields[k], val);
        free(val);
        val = NULL;
        if (n >= sizeof(spec))
            r = jerr(j, "%s", "config: vif too long");
    }
    if (r == 0 && cfg_vif_parse(spec, out, j->err, j->len) < 0)
        r = -EINVAL;
    return r;
}

static int devices_from_json(struct jctx *j, json_object *o,
                             struct domain_config *c)
{
    json_object *a;
    int r = 0;
    if (json_object_object_get_ex(o, "disks", &a)) {
        if (!json_object_is_type(a, json_type_array) ||
            json_object_array_length(a) > CFG_MAX_DISKS)
            return jerr(j, "%s", "config: 'disks' must be a list of at most 16");
        for (size_t k = 0; r == 0 && k < json_object_array_length(a); k++)
            if ((r = disk_from_json(j, json_object_array_get_idx(a, k),
                                    &c->disks[k])) == 0)
                c->n_disks++;
    }
    if (r == 0 && json_object_object_get_ex(o, "vifs", &a)) {
        if (!json_object_is_type(a, json_type_array) ||
            json_object_array_length(a) > CFG_MAX_VIFS)
            return jerr(j, "%s", "config: 'vifs' must be a list of at most 8");
        for (size_t k = 0; r == 0 && k < json_object_array_length(a); k++)
            if ((r = vif_from_json(j, json_object_array_get_idx(a, k),
                                   &c->vifs[k])) == 0)
                c->n_vifs++;
    }
    return r;
}

/* maxvcpus (default vcpus), cpus, cpu_weight, cpu_cap. */
static int cpu_from_json(struct jctx *j, json_object *o, struct domain_config *c)
{
    uint64_t maxv = c->vcpus, w = 0, cap = 0;
    int r = get_uint(j, o, "maxvcpus", CFG_MAX_VCPUS, &maxv);
    if (r == 0)
        r = get_uint(j, o, "cpu_weight", CFG_WEIGHT_MAX, &w);
    if (r == 0)
        r = get_uint(j, o, "cpu_cap", 100ull * CFG_MAX_VCPUS, &cap);
    if (r == 0)
        r = get_str(j, o, "cpus", &c->cpus, false);
    c->maxvcpus = (unsigned)maxv;
    c->cpu_weight = (unsigned)w;
    c->cpu_cap = (unsigned)cap;
    struct cpumask m;
    char err[160];
    if (r == 0 && c->cpus && cpumask_parse(c->cpus, &m, err, sizeof(err)) < 0)
        return jerr(j, "config: cpus: %s", err);
    return r;
}

int config_from_json(json_object *o, struct domain_config *c, char *err,
                     size_t errlen)
{
    struct jctx j = { err, errlen };
    uint64_t vcpus = 1;
    config_init(c);
    if (!json_object_is_type(o, json_type_object))
        return jerr(&j, "%s", "config must be a JSON object");
    int r = get_str(&j, o, "name", &c->name, true);
    if (r == 0)
        r = get_str(&j, o, "type", &c->type, false);
    if (r == 0)
        r = get_str(&j, o, "kernel", &c->kernel, true);
    if (r == 0)
        r = get_str(&j, o, "ramdisk", &c->ramdisk, false);
    if (r == 0)
        r = get_str(&j, o, "cmdline", &c->cmdline, false);
    if (r == 0)
        r = get_str(&j, o, "owner", &c->owner, false);
    if (r == 0)
        r = get_uint(&j, o, "memory", CFG_MAX_MEMORY_MIB, &c->memory_mib);
    c->maxmem_mib = c->memory_mib;
    if (r == 0)
        r = get_uint(&j, o, "maxmem", CFG_MAX_MEMORY_MIB, &c->maxmem_mib);
    if (r == 0 && (r = get_uint(&j, o, "vcpus", CFG_MAX_VCPUS, &vcpus)) == 0)
        c->vcpus = (unsigned)vcpus;
    if (r == 0)
        r = cpu_from_json(&j, o, c);
    if (r == 0)
        r = get_action(&j, o, "on_poweroff", &c->on_poweroff);
    if (r == 0)
        r = get_action(&j, o, "on_reboot", &c->on_reboot);
    if (r == 0)
        r = get_action(&j, o, "on_crash", &c->on_crash);
    if (r == 0)
        r = devices_from_json(&j, o, c);
    if (r == 0)
        r = config_validate(c, err, errlen);
    if (r < 0)
        config_free(c);
    return r;
}
