/* /etc/xeno/xend.conf: `key = value` lines, `#` comments.  The key names
 * follow xend-config.sxp where one existed (xend-port, xend-address,
 * xend-privileged-port, dom0-min-mem, logfile). */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_plan.h"
#include "xend.h"

void settings_defaults(struct xend_settings *s)
{
    memset(s, 0, sizeof(*s));
    strcpy(s->address, "127.0.0.1");
    s->port = 8000;
    s->http = true;
    strcpy(s->unix_path, "/run/xeno/xend.sock");
    strcpy(s->log_file, "/var/log/xeno/xend.log");
    strcpy(s->state_dir, "/var/lib/xeno/domains");
    strcpy(s->run_dir, "/run/xeno");
    strcpy(s->vmm_log_dir, "/var/log/xeno");
    strcpy(s->vmm_path, XENO_VMM_PATH);
    strcpy(s->monitor_path, XENO_MONITOR_PATH);
    strcpy(s->auto_dir, "/etc/xeno/auto");
    s->dom0_min_mib = 256;
    s->shutdown_timeout = 60;
    s->create_timeout = 30;
    s->restart_limit = 5;
    s->restart_window = 60;
    s->max_request = 1 << 20;
    s->stop_domains = true;
    strcpy(s->vif_script, "vif-bridge");
    strcpy(s->vif_bridge, "xenbr0");
    strcpy(s->nat_bridge, "xennat0");
    strcpy(s->nat_subnet, "10.0.10.0/24");
    s->nat_forward_base = 2200;
    s->nat_forward_port = 22;
    strcpy(s->dnsmasq_path, "dnsmasq");
    strcpy(s->nft_path, "nft");
    strcpy(s->cgroup_dir, "/sys/fs/cgroup/xeno");
    s->vmm_jail = true;            /* docs/privilege.md: off only for debugging */
    s->vmm_seccomp = true;
    s->jail_uid_base = 800000;
    s->jail_uid_count = 32768;
    strcpy(s->admin_group, "xeno");
    s->user_create = false;
    strcpy(s->others, "list");
}

enum kind { K_STR, K_SUN, K_UINT, K_U64, K_BOOL, K_SIZE };

struct setting {
    const char *key;
    enum kind kind;
    size_t off;
    size_t size;
};

#define S(k, kind, f) { k, kind, offsetof(struct xend_settings, f), \
                        sizeof(((struct xend_settings *)0)->f) }
static const struct setting table[] = {
    S("xend-address", K_STR, address),
    S("xend-port", K_UINT, port),
    S("xend-http-server", K_BOOL, http),
    S("xend-privileged-port", K_BOOL, privileged_port),
    S("xend-unix-path", K_SUN, unix_path),
    S("logfile", K_STR, log_file),
    S("state-dir", K_STR, state_dir),
    S("run-dir", K_STR, run_dir),
    S("vmm-log-dir", K_STR, vmm_log_dir),
    S("vmm-path", K_STR, vmm_path),
    S("vmm-monitor-path", K_STR, monitor_path),
    S("xenstored-dir", K_STR, xenstored_dir),
    S("xenstored-path", K_STR, xenstored_path),
    S("auto-dir", K_STR, auto_dir),
    S("total-memory", K_U64, total_memory_mib),
    S("dom0-memory", K_U64, dom0_memory_mib),
    S("dom0-min-mem", K_U64, dom0_min_mib),
    S("shutdown-timeout", K_UINT, shutdown_timeout),
    S("create-timeout", K_UINT, create_timeout),
    S("restart-limit", K_UINT, restart_limit),
    S("restart-window", K_UINT, restart_window),
    S("max-request", K_SIZE, max_request),
    S("stop-domains-on-exit", K_BOOL, stop_domains),
    S("vif-script", K_STR, vif_script),
    S("vif-bridge", K_STR, vif_bridge),
    S("bridge-nic", K_STR, bridge_nic),
    S("nat-bridge", K_STR, nat_bridge),
    S("nat-subnet", K_STR, nat_subnet),
    S("nat-forward-base", K_UINT, nat_forward_base),
    S("nat-forward-port", K_UINT, nat_forward_port),
    S("route-nic", K_STR, route_nic),
    S("dnsmasq-path", K_STR, dnsmasq_path),
    S("nft-path", K_STR, nft_path),
    S("cgroup-dir", K_STR, cgroup_dir),
    S("vmm-jail", K_BOOL, vmm_jail),
    S("vmm-seccomp", K_BOOL, vmm_seccomp),
    S("vmm-jail-uid-base", K_UINT, jail_uid_base),
    S("vmm-jail-uid-count", K_UINT, jail_uid_count),
    S("xend-admin-group", K_STR, admin_group),
    S("xend-user-create", K_BOOL, user_create),
    S("xend-others", K_STR, others),
};
#undef S

static int parse_bool(const char *v, bool *out)
{
    if (!strcmp(v, "1") || !strcmp(v, "yes") || !strcmp(v, "true") ||
        !strcmp(v, "on"))
        *out = true;
    else if (!strcmp(v, "0") || !strcmp(v, "no") || !strcmp(v, "false") ||
             !strcmp(v, "off"))
        *out = false;
    else
        return -EINVAL;
    return 0;
}

static int parse_num(const char *v, unsigned long long max,
                     unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (errno || end == v || *end || v[0] == '-' || n > max)
        return -EINVAL;
    *out = n;
    return 0;
}

static int apply(struct xend_settings *s, const struct setting *st,
                 const char *v)
{
    char *field = (char *)s + st->off;
    unsigned long long n;
    switch (st->kind) {
    case K_STR:
    case K_SUN:
        if (strlen(v) >= st->size || (st->kind == K_SUN && !*v))
            return -ENAMETOOLONG;
        strcpy(field, v);
        return 0;
    case K_BOOL:
        return parse_bool(v, (bool *)field);
    case K_UINT:
        if (parse_num(v, 1000000, &n) < 0)
            return -EINVAL;
        *(unsigned *)field = (unsigned)n;
        return 0;
    case K_U64:
        if (parse_num(v, 1ULL << 40, &n) < 0)
            return -EINVAL;
        *(uint64_t *)field = n;
        return 0;
    default:
        if (parse_num(v, 64 << 20, &n) < 0 || n < 1024)
            return -EINVAL;
        *(size_t *)field = (size_t)n;
        return 0;
    }
}

static int parse_line(struct xend_settings *s, char *line, const char *path,
                      int lineno, char *err, size_t len)
{
    char *hash = strchr(line, '#');
    if (hash)
        *hash = '\0';
    char *t = cfg_trim(line);
    if (!*t)
        return 0;
    char *eq = strchr(t, '=');
    if (!eq) {
        snprintf(err, len, "%s:%d: expected 'key = value'", path, lineno);
        return -EINVAL;
    }
    *eq = '\0';
    char *k = cfg_trim(t), *v = cfg_trim(eq + 1);
    size_t vl = strlen(v);
    if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) {
        v[vl - 1] = '\0';
        v++;
    }
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (strcmp(table[i].key, k) != 0)
            continue;
        if (apply(s, &table[i], v) < 0) {
            snprintf(err, len, "%s:%d: bad value '%.60s' for %s", path,
                     lineno, v, k);
            return -EINVAL;
        }
        return 0;
    }
    snprintf(err, len, "%s:%d: unknown setting '%.60s'", path, lineno, k);
    return -EINVAL;
}

int settings_load(struct xend_settings *s, const char *path, char *err,
                  size_t len)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, len, "%s: %s", path, strerror(errno));
        return -errno;
    }
    char line[1024];
    int lineno = 0, r = 0;
    while (r == 0 && fgets(line, sizeof(line), f))
        r = parse_line(s, line, path, ++lineno, err, len);
    fclose(f);
    return r;
}

/* Paths are built from these directories into fixed buffers: sockets into
 * sun_path (108 bytes), files into XEND_PATH. */
int settings_check(const struct xend_settings *s, char *err, size_t len)
{
    const char *dirs[] = { s->state_dir, s->vmm_log_dir, s->auto_dir };
    if (strlen(s->run_dir) > 80 || !s->run_dir[0]) {
        snprintf(err, len, "run-dir must be 1 to 80 characters (it holds "
                 "unix sockets)");
        return -ENAMETOOLONG;
    }
    for (size_t k = 0; k < sizeof(dirs) / sizeof(dirs[0]); k++)
        if (strlen(dirs[k]) > XEND_PATH - 100 || !dirs[k][0]) {
            snprintf(err, len, "directory '%.60s...' too long or empty",
                     dirs[k]);
            return -ENAMETOOLONG;
        }
    if (s->vmm_jail && (s->jail_uid_base == 0 || s->jail_uid_count == 0)) {
        snprintf(err, len, "vmm-jail-uid-base and vmm-jail-uid-count must not be 0 "
                 "(the jail never runs a VMM as root)");
        return -EINVAL;
    }
    if (strcmp(s->others, "list") != 0 && strcmp(s->others, "none") != 0) {
        snprintf(err, len, "xend-others must be 'list' or 'none'");
        return -EINVAL;
    }
    if (s->port == 0 || s->port > 65535) {
        snprintf(err, len, "xend-port must be 1 to 65535");
        return -EINVAL;
    }
    return net_settings_check(s, err, len);
}
