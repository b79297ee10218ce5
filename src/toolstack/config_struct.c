/* struct domain_config: defaults, copies, validation, action names. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static const char *const action_names[] = {
    [CFG_ACT_DESTROY] = "destroy",
    [CFG_ACT_RESTART] = "restart",
    [CFG_ACT_PRESERVE] = "preserve",
    [CFG_ACT_RENAME_RESTART] = "rename-restart",
};

const char *cfg_action_name(enum cfg_action a)
{
    if ((unsigned)a >= sizeof(action_names) / sizeof(action_names[0]))
        return "destroy";
    return action_names[a];
}

int cfg_action_parse(const char *s, enum cfg_action *out)
{
    for (size_t k = 0; k < sizeof(action_names) / sizeof(action_names[0]); k++)
        if (strcmp(s, action_names[k]) == 0) {
            *out = (enum cfg_action)k;
            return 0;
        }
    return -EINVAL;
}

bool cfg_owner_valid(const char *o)
{
    size_t n = strlen(o), digits = strspn(o, "0123456789");
    if (n == 0 || n > 32)
        return false;
    if (digits == n)
        return n <= 10;
    if (!islower((unsigned char)o[0]) && o[0] != '_')
        return false;
    for (const char *p = o; *p; p++)
        if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) &&
            !strchr("_.-", *p))
            return false;
    return true;
}

bool cfg_name_valid(const char *name)
{
    size_t n = strlen(name);
    bool digits_only = true;
    if (n == 0 || n > CFG_NAME_MAX || strcmp(name, "Domain-0") == 0)
        return false;
    for (const char *p = name; *p; p++) {
        if (!isalnum((unsigned char)*p) && !strchr("_.-", *p))
            return false;
        if (!isdigit((unsigned char)*p))
            digits_only = false;
    }
    return !digits_only && name[0] != '-' && name[0] != '.';
}

void config_init(struct domain_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->memory_mib = 128;
    cfg->maxmem_mib = 128;
    cfg->vcpus = 1;
    cfg->maxvcpus = 1;
    cfg->on_poweroff = CFG_ACT_DESTROY;
    cfg->on_reboot = CFG_ACT_RESTART;
    cfg->on_crash = CFG_ACT_RESTART;
}

void config_free(struct domain_config *cfg)
{
    free(cfg->name);
    free(cfg->type);
    free(cfg->kernel);
    free(cfg->ramdisk);
    free(cfg->cmdline);
    free(cfg->owner);
    free(cfg->cpus);
    for (size_t k = 0; k < cfg->n_disks && k < CFG_MAX_DISKS; k++)
        cfg_disk_free(&cfg->disks[k]);
    for (size_t k = 0; k < cfg->n_vifs && k < CFG_MAX_VIFS; k++)
        cfg_vif_free(&cfg->vifs[k]);
    config_init(cfg);
}

static int dup_opt(char **dst, const char *src)
{
    *dst = NULL;
    if (src && !(*dst = strdup(src)))
        return -ENOMEM;
    return 0;
}

int config_copy(struct domain_config *dst, const struct domain_config *src)
{
    *dst = *src;
    int r = dup_opt(&dst->name, src->name) | dup_opt(&dst->type, src->type) |
            dup_opt(&dst->kernel, src->kernel) |
            dup_opt(&dst->ramdisk, src->ramdisk) |
            dup_opt(&dst->cmdline, src->cmdline) | dup_opt(&dst->cpus, src->cpus) |
            dup_opt(&dst->owner, src->owner);
    for (size_t k = 0; k < src->n_disks; k++) {
        const struct cfg_disk *s = &src->disks[k];
        r |= dup_opt(&dst->disks[k].target, s->target) |
             dup_opt(&dst->disks[k].vdev, s->vdev);
    }
    for (size_t k = 0; k < src->n_vifs; k++) {
        const struct cfg_vif *s = &src->vifs[k];
        struct cfg_vif *d = &dst->vifs[k];
        r |= dup_opt(&d->mac, s->mac) | dup_opt(&d->bridge, s->bridge) |
             dup_opt(&d->ip, s->ip) | dup_opt(&d->script, s->script) |
             dup_opt(&d->vifname, s->vifname) | dup_opt(&d->model, s->model) |
             dup_opt(&d->rate, s->rate) | dup_opt(&d->devid, s->devid) |
             dup_opt(&d->forward, s->forward);
    }
    if (r) {
        config_free(dst);
        return -ENOMEM;
    }
    return 0;
}

static int verr(char *err, size_t len, const char *msg, const char *arg)
{
    snprintf(err, len, msg, arg);
    return -EINVAL;
}

static int validate_devices(const struct domain_config *c, char *err,
                            size_t len)
{
    for (size_t k = 0; k < c->n_disks; k++)
        for (size_t j = 0; j < k; j++)
            if (c->disks[j].devid == c->disks[k].devid)
                return verr(err, len, "disk: virtual device %s used twice",
                            c->disks[k].vdev);
    for (size_t k = 0; k < c->n_vifs; k++)
        for (size_t j = 0; j < k && c->vifs[k].mac; j++)
            if (c->vifs[j].mac && strcmp(c->vifs[j].mac, c->vifs[k].mac) == 0)
                return verr(err, len, "vif: MAC address %s used twice",
                            c->vifs[k].mac);
    for (size_t k = 0; k < c->n_vifs; k++)
        for (size_t j = 0; j < k && c->vifs[k].devid; j++)
            if (c->vifs[j].devid && strcmp(c->vifs[j].devid, c->vifs[k].devid) == 0)
                return verr(err, len, "vif: devid %s used twice",
                            c->vifs[k].devid);
    return 0;
}

int config_validate(const struct domain_config *c, char *err, size_t len)
{
    if (!c->name)
        return verr(err, len, "%s", "missing required key 'name'");
    if (!cfg_name_valid(c->name))
        return verr(err, len, "invalid domain name '%.64s'", c->name);
    if (c->type && strcmp(c->type, "pvh") != 0)
        return verr(err, len, "type '%.20s' is not supported", c->type);
    if (!c->kernel)
        return verr(err, len, "%s", "missing required key 'kernel'");
    if (c->memory_mib == 0 || c->memory_mib > CFG_MAX_MEMORY_MIB)
        return verr(err, len, "%s", "memory out of range");
    if (c->maxmem_mib < c->memory_mib || c->maxmem_mib > CFG_MAX_MEMORY_MIB) {
        snprintf(err, len, "maxmem (%llu MiB) is less than memory (%llu MiB)",
                 (unsigned long long)c->maxmem_mib,
                 (unsigned long long)c->memory_mib);
        return -EINVAL;
    }
    if (c->vcpus == 0 || c->vcpus > CFG_MAX_VCPUS)
        return verr(err, len, "%s", "vcpus out of range (1 to 128)");
    if (c->maxvcpus < c->vcpus || c->maxvcpus > CFG_MAX_VCPUS) {
        snprintf(err, len, "maxvcpus (%u) must be vcpus (%u) to 128", c->maxvcpus,
                 c->vcpus);
        return -EINVAL;
    }
    if (c->cpu_weight > CFG_WEIGHT_MAX)
        return verr(err, len, "%s", "cpu_weight is 1 to 65535");
    if (c->cpu_cap > 100u * c->maxvcpus) {
        snprintf(err, len, "cpu_cap %u is more than %u vCPUs can use (100 per vCPU)",
                 c->cpu_cap, c->maxvcpus);
        return -EINVAL;
    }
    if (c->owner && !cfg_owner_valid(c->owner))
        return verr(err, len, "owner '%.40s' is not a user name or uid", c->owner);
    if (c->n_disks > CFG_MAX_DISKS || c->n_vifs > CFG_MAX_VIFS)
        return verr(err, len, "%s", "too many devices");
    return validate_devices(c, err, len);
}

char *cfg_trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}
