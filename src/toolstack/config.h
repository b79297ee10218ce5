/* Domain configuration files: the xm/xl format (a small subset of Python)
 * parsed into a typed struct domain_config.  Pure: no I/O except in
 * config_parse_file(), which only reads the file. */
#ifndef XENO_TOOLSTACK_CONFIG_H
#define XENO_TOOLSTACK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CFG_MAX_DISKS 16
#define CFG_MAX_VIFS 8
#define CFG_NAME_MAX 64
#define CFG_MAX_VCPUS 128
#define CFG_WEIGHT_DEFAULT 256
#define CFG_WEIGHT_MAX 65535
#define CFG_MAX_MEMORY_MIB (1024ULL * 1024)  /* 1 TiB */
#define CFG_MAX_FILE (1024 * 1024)
#define CFG_MAX_WARNINGS 16
#define CFG_MSG_MAX 512

enum cfg_action {
    CFG_ACT_DESTROY,
    CFG_ACT_RESTART,
    CFG_ACT_PRESERVE,
    CFG_ACT_RENAME_RESTART,
};

enum cfg_disk_kind { CFG_DISK_PHY, CFG_DISK_FILE };

struct cfg_disk {
    enum cfg_disk_kind kind;
    char *target;               /* device node or image file */
    char *vdev;                 /* name the guest sees: xvda, sda1, hdc */
    uint32_t devid;             /* its Xen virtual-device number (vdev.h) */
    bool writable;
    bool cdrom;
};

struct cfg_vif {
    char *mac;                  /* NULL: xend picks one */
    char *bridge;
    char *ip;
    char *script;
    char *vifname;
    char *model;
    char *rate;                 /* Xen's '10Mb/s[@50ms]' (cfg_vif_rate) */
    char *devid;                /* NULL: xend numbers the vifs 0, 1, .. */
    char *forward;              /* vif-nat: host port[:guest port] or 'none' */
};

struct domain_config {
    char *name;
    char *type;                 /* always "pvh" for now */
    uint64_t memory_mib;
    uint64_t maxmem_mib;
    unsigned vcpus;             /* online at start */
    unsigned maxvcpus;          /* the guest's CPUs (vcpus <= maxvcpus) */
    char *cpus;                 /* host CPUs its vCPUs may use (cpumask.h); NULL: all */
    unsigned cpu_weight;        /* Xen credit weight 1-65535; 0: not set (256) */
    unsigned cpu_cap;           /* % of one host CPU; 0: none */
    char *kernel;
    char *ramdisk;
    char *cmdline;
    char *owner;                /* a user name or uid; NULL: admins only */
    enum cfg_action on_poweroff, on_reboot, on_crash;
    struct cfg_disk disks[CFG_MAX_DISKS];
    size_t n_disks;
    struct cfg_vif vifs[CFG_MAX_VIFS];
    size_t n_vifs;
};

/* Variables given on the command line (`xm create cfg vmid=3`): visible to
 * the file, and they override the file's value of a known key. */
struct cfg_var {
    const char *name;
    const char *value;
};

/* The result of a parse besides the config: the error (when the call
 * failed) and warnings (unknown keys, ignored constructs), each message
 * "file:line:col: text". */
struct cfg_diag {
    char error[CFG_MSG_MAX];
    char warnings[CFG_MAX_WARNINGS][CFG_MSG_MAX];
    size_t n_warnings;
    size_t n_dropped;           /* warnings beyond CFG_MAX_WARNINGS */
};

int config_parse(const char *file, const char *text, size_t len,
                 const struct cfg_var *vars, size_t n_vars,
                 struct domain_config *out, struct cfg_diag *diag);
int config_parse_file(const char *path, const struct cfg_var *vars,
                      size_t n_vars, struct domain_config *out,
                      struct cfg_diag *diag);
/* Checks a config built by other means (e.g. received as JSON). */
int config_validate(const struct domain_config *cfg, char *err, size_t errlen);
void config_init(struct domain_config *cfg);
void config_free(struct domain_config *cfg);
int config_copy(struct domain_config *dst, const struct domain_config *src);
void config_dump(const struct domain_config *cfg, FILE *f);
/* Relative kernel and ramdisk paths made absolute against dir. */
int config_paths_relative_to(struct domain_config *cfg, const char *dir);

const char *cfg_action_name(enum cfg_action a);
int cfg_action_parse(const char *s, enum cfg_action *out);

/* One disk or vif spec string; err gets a message without location. */
int cfg_disk_parse(const char *spec, struct cfg_disk *out, char *err,
                   size_t errlen);
void cfg_disk_free(struct cfg_disk *d);
int cfg_vif_parse(const char *spec, struct cfg_vif *out, char *err,
                  size_t errlen);
void cfg_vif_free(struct cfg_vif *v);
/* A vif rate, Xen's syntax: NUMBER[K|M|G](B|b)/s[@NUMBER(s|ms|us)], e.g.
 * '10Mb/s', '1MB/s@20ms' (default interval 50 ms): the credit Linux
 * netback reads from the backend's 'rate' ("bytes,usec").  0 or -EINVAL. */
int cfg_vif_rate(const char *s, uint64_t *bytes, uint64_t *usec);
bool cfg_name_valid(const char *name);
/* A user name ([a-z_][a-z0-9_.-]*, 1-32) or a uid (digits). */
bool cfg_owner_valid(const char *owner);
char *cfg_trim(char *s);     /* in place: leading and trailing blanks */

#endif
