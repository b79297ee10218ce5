/* libxenoctl: the C client library of xend (the "libxc" of the Xen
 * READMEs).  It talks JSON to xend over xend's unix socket or its HTTP
 * port; it never touches domains itself.
 *
 * Every call returns 0 or a negative errno; xenoctl_error() then says what
 * failed, in words fit for a user.  -ENOENT: no such domain; -EEXIST: name
 * in use; -EACCES: refused by xend; -ENOSPC: not enough memory;
 * -ECONNREFUSED/-ENOENT on open: xend is not running. */
#ifndef XENOCTL_H
#define XENOCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define XENOCTL_DEFAULT_SOCKET "/run/xeno/xend.sock"
#define XENOCTL_ENV "XENO_XEND"     /* unix:PATH, PATH or http://HOST:PORT */
#define XENOCTL_MAX_REPLY (8u << 20)

struct xenoctl;

struct xenoctl_domain {
    int domid;
    char name[72];
    char state[16];         /* running paused shutdown crashed dying ... */
    uint64_t memory_mib;
    uint64_t maxmem_mib;
    unsigned vcpus;
    double cpu_time;        /* seconds */
    double uptime;          /* seconds */
    int64_t start_time;     /* unix seconds, 0: unknown */
    int pid;                /* of the domain's xeno-vmm, 0 for Domain-0 */
    unsigned restarts;
    char console_socket[256];
};

struct xenoctl_node {
    char host[128];
    char release[128];
    char machine[32];
    char version[32];
    unsigned nr_cpus;
    uint64_t total_memory_mib;
    uint64_t free_memory_mib;
    uint64_t dom0_memory_mib;
    double xend_uptime;
    double host_uptime;
    unsigned nr_domains;
};

/* where: NULL (then $XENO_XEND, then XENOCTL_DEFAULT_SOCKET), a socket
 * path, "unix:PATH" or "http://HOST:PORT".  Nothing is connected until
 * the first call.  NULL only when out of memory or where is malformed;
 * err then says why. */
struct xenoctl *xenoctl_open(const char *where, char *err, size_t errlen);
void xenoctl_close(struct xenoctl *h);
const char *xenoctl_error(const struct xenoctl *h);
const char *xenoctl_target(const struct xenoctl *h);

/* Any request: body may be NULL; *reply (malloc'd JSON) may be NULL. */
int xenoctl_request(struct xenoctl *h, const char *method, const char *path,
                    const char *body, int *status, char **reply);

int xenoctl_list(struct xenoctl *h, struct xenoctl_domain **doms, size_t *n);
/* dom: a name or a numeric id.  full_json (optional): the whole record,
 * with the configuration, as JSON text to free(). */
int xenoctl_domain_info(struct xenoctl *h, const char *dom,
                        struct xenoctl_domain *out, char **full_json);
/* config_json: a domain configuration as JSON (see config_to_json()). */
int xenoctl_create(struct xenoctl *h, const char *config_json, int *domid);
int xenoctl_destroy(struct xenoctl *h, const char *dom);
/* wait: return when the domain is gone or timeout_s has passed
 * (-ETIMEDOUT). */
int xenoctl_shutdown(struct xenoctl *h, const char *dom, bool wait,
                     unsigned timeout_s);
int xenoctl_reboot(struct xenoctl *h, const char *dom);
int xenoctl_pause(struct xenoctl *h, const char *dom);
int xenoctl_unpause(struct xenoctl *h, const char *dom);
/* dom "0" or "Domain-0": the memory kept for the host. */
int xenoctl_mem_set(struct xenoctl *h, const char *dom, uint64_t mib);
int xenoctl_uptime(struct xenoctl *h, const char *dom, double *seconds);
int xenoctl_console_path(struct xenoctl *h, const char *dom, char *path,
                         size_t len);

int xenoctl_info(struct xenoctl *h, struct xenoctl_node *out);
/* The lines of xend's message ring (dmesg) or log; *text to free(). */
int xenoctl_dmesg(struct xenoctl *h, bool clear, char **text);
int xenoctl_log(struct xenoctl *h, char **text);

#ifdef __cplusplus
}
#endif

#endif
