/* The canonical text form of a domain_config: one `key = value` per line,
 * fixed order, strings quoted.  Used by golden tests and `xm create -n`. */
#include <stdio.h>

#include "config.h"

static void put_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            fprintf(f, "\\x%02x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void kv_str(FILE *f, const char *key, const char *v)
{
    if (!v)
        return;
    fprintf(f, "%s = ", key);
    put_str(f, v);
    fputc('\n', f);
}

static void dump_vif(FILE *f, size_t k, const struct cfg_vif *v)
{
    const char *names[] = { "mac", "bridge", "ip", "script", "vifname",
                            "model", "rate", "devid", "forward" };
    const char *vals[] = { v->mac, v->bridge, v->ip, v->script, v->vifname,
                           v->model, v->rate, v->devid, v->forward };
    fprintf(f, "vif[%zu] =", k);
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!vals[i])
            continue;
        fprintf(f, " %s=", names[i]);
        put_str(f, vals[i]);
    }
    fputc('\n', f);
}

void config_dump(const struct domain_config *c, FILE *f)
{
    kv_str(f, "name", c->name);
    kv_str(f, "type", c->type ? c->type : "pvh");
    fprintf(f, "memory = %llu\n", (unsigned long long)c->memory_mib);
    fprintf(f, "maxmem = %llu\n", (unsigned long long)c->maxmem_mib);
    fprintf(f, "vcpus = %u\n", c->vcpus);
    if (c->maxvcpus != c->vcpus)
        fprintf(f, "maxvcpus = %u\n", c->maxvcpus);
    if (c->cpus)
        kv_str(f, "cpus", c->cpus);
    if (c->cpu_weight)
        fprintf(f, "cpu_weight = %u\n", c->cpu_weight);
    if (c->cpu_cap)
        fprintf(f, "cpu_cap = %u\n", c->cpu_cap);
    kv_str(f, "kernel", c->kernel);
    kv_str(f, "ramdisk", c->ramdisk);
    kv_str(f, "cmdline", c->cmdline);
    if (c->owner)
        kv_str(f, "owner", c->owner);
    fprintf(f, "on_poweroff = %s\n", cfg_action_name(c->on_poweroff));
    fprintf(f, "on_reboot = %s\n", cfg_action_name(c->on_reboot));
    fprintf(f, "on_crash = %s\n", cfg_action_name(c->on_crash));
    for (size_t k = 0; k < c->n_disks; k++) {
        const struct cfg_disk *d = &c->disks[k];
        fprintf(f, "disk[%zu] = %s ", k,
                d->kind == CFG_DISK_PHY ? "phy" : "file");
        put_str(f, d->target);
        fprintf(f, " vdev=%s devid=%u access=%s%s\n", d->vdev, d->devid,
                d->writable ? "rw" : "ro", d->cdrom ? " devtype=cdrom" : "");
    }
    for (size_t k = 0; k < c->n_vifs; k++)
        dump_vif(f, k, &c->vifs[k]);
}
