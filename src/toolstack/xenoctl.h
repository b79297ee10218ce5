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
    uint64_t target_mib;        /* balloon target (xm mem-set) */
    uint64_t mem_max_mib;       /* the VMM's limit (xm mem-max) */
    uint64_t held_kib;          /* host memory behind the guest (0: unknown) */
    unsigned vcpus;
    double cpu_time;        /* seconds */
    double uptime;          /* seconds */
    int64_t start_time;     /* unix seconds, 0: unknown */
    int pid;                /* of the domain's xeno-vmm, 0 for Domain-0 */
    unsigned restarts;
    char console_socket[256];
    /* Virtual block devices: how many, and the VMM's counters summed over
     * them (0 when the VMM gave none). */
    unsigned nr_vbds;
    uint64_t vbd_rd_req, vbd_wr_req, vbd_rd_bytes, vbd_wr_bytes;
    /* Vifs: how many, and the VMM's counters summed over them (tx: what
     * the guest sent, rx: what it received). */
    unsigned nr_vifs;
    uint64_t vif_tx_bytes, vif_rx_bytes, vif_tx_packets, vif_rx_packets;
    /* CPU (docs/cpu.md): the guest's CPUs, those it uses now, the VMM's CPU
     * use over xend's last two looks, Xen credit weight and cap. */
    unsigned maxvcpus, vcpus_online;
    double cpu_percent;
    unsigned cpu_weight, cpu_cap;
};

/* One vCPU (xm vcpu-list): the host CPU it last ran on (-1: offline), Xen's
 * state letters (r running, b blocked, p paused; "---" offline), CPU
 * seconds, the host CPUs it may use ("all" or "0-3"), its VMM thread. */
struct xenoctl_vcpu {
    int vcpu;
    int cpu;
    bool online;
    char state[8];
    double time;
    char affinity[256];
    int tid;
};

/* One virtual block device as xenstore shows it (xm block-list); -1 for
 * what the guest has not written yet. */
struct xenoctl_vbd {
    char vdev[24];              /* the name given: xvda, sda1, hdc */
    uint32_t devid;             /* Xen virtual-device number */
    int backend_id;
    int state;                  /* the frontend's xenbus state */
    int backend_state;
    int event_channel;
    int ring_ref;
    char backend[96];           /* its backend directory */
    char target[256];           /* host file or device */
    char type[8];               /* file | phy */
    char mode[4];               /* r | w */
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
/* The most a running domain may populate, up to its maxmem. */
int xenoctl_mem_max(struct xenoctl *h, const char *dom, uint64_t mib);
int xenoctl_uptime(struct xenoctl *h, const char *dom, double *seconds);
int xenoctl_console_path(struct xenoctl *h, const char *dom, char *path,
                         size_t len);

/* vCPUs (docs/cpu.md).  vcpu_set: n online, 1 to maxvcpus.  vcpu_pin: vcpu
 * -1 for all; cpus "0-3,^1" or "all".  sched_credit: weight 1-65535, cap %
 * of one host CPU (0: none); -1 keeps either. */
int xenoctl_vcpu_set(struct xenoctl *h, const char *dom, unsigned n);
int xenoctl_vcpu_pin(struct xenoctl *h, const char *dom, int vcpu, const char *cpus);
int xenoctl_sched_credit(struct xenoctl *h, const char *dom, long weight, long cap);
/* *vcpus to free(). */
int xenoctl_vcpu_list(struct xenoctl *h, const char *dom, struct xenoctl_vcpu **vcpus,
                      size_t *n);

/* Hot-plug (xm block-attach DOM TARGET VDEV MODE): target as in a config,
 * 'phy:sda7', 'file:/img' (absolute), or a path; mode r or w. */
int xenoctl_block_attach(struct xenoctl *h, const char *dom,
                         const char *target, const char *vdev,
                         const char *mode);
/* vdev: a name or number.  warning (optional, may be NULL): set when the
 * guest did not let go in time and the VMM forced the disk closed. */
int xenoctl_block_detach(struct xenoctl *h, const char *dom, const char *vdev,
                         char *warning, size_t wlen);
/* *vbds to free(). */
int xenoctl_block_list(struct xenoctl *h, const char *dom,
                       struct xenoctl_vbd **vbds, size_t *n);

/* One vif as xend and xenstore show it (xm network-list); -1 for what the
 * guest has not written yet. */
struct xenoctl_vif {
    unsigned devid;
    int backend_id;
    int state;                  /* the frontend's xenbus state */
    int backend_state;
    int event_channel;
    int tx_ring_ref, rx_ring_ref;
    char mac[24];
    char vifname[16];
    char script[16];            /* vif-bridge | vif-nat | vif-route */
    char bridge[16];
    char ip[64];
    char forward[16];           /* vif-nat: HOSTPORT:GUESTPORT */
    char backend[96];
    uint64_t tx_bytes, rx_bytes, tx_packets, rx_packets;
};

/* Hot-plug (xm network-attach DOM key=value...): spec as in a config's
 * vif = [ '...' ] entry. */
int xenoctl_network_attach(struct xenoctl *h, const char *dom,
                           const char *spec);
int xenoctl_network_detach(struct xenoctl *h, const char *dom,
                           unsigned devid);
/* *vifs to free(). */
int xenoctl_network_list(struct xenoctl *h, const char *dom,
                         struct xenoctl_vif **vifs, size_t *n);

int xenoctl_info(struct xenoctl *h, struct xenoctl_node *out);
/* The lines of xend's message ring (dmesg) or log; *text to free(). */
int xenoctl_dmesg(struct xenoctl *h, bool clear, char **text);
int xenoctl_log(struct xenoctl *h, char **text);

#ifdef __cplusplus
}
#endif

#endif
