/* xend: the control daemon.  One thread, one poll loop: the HTTP server
 * (libmicrohttpd, external epoll), the unix socket, signals (SIGCHLD for the
 * xeno-vmm children) and a timer for adopted VMMs.  Requests from both
 * transports go through one route table (routes.c). */
#ifndef XEND_H
#define XEND_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "config.h"
#include "policy.h"

#define XEND_MAX_DOMAINS 256
#define XEND_MAX_CLIENTS 64
#define XEND_PATH 256
#define XEND_SUN_PATH 108

struct xend_settings {
    char address[64];
    unsigned port;
    bool http;
    bool privileged_port;
    char unix_path[XEND_SUN_PATH];
    char log_file[XEND_PATH];
    char state_dir[XEND_PATH];
    char run_dir[XEND_PATH];
    char vmm_log_dir[XEND_PATH];
    char vmm_path[XEND_PATH];
    char monitor_path[XEND_PATH];   /* xeno-vmm-monitor */
    char xenstored_dir[XEND_PATH];
    char xenstored_path[XEND_PATH];
    char auto_dir[XEND_PATH];
    uint64_t total_memory_mib;      /* 0: MemTotal of /proc/meminfo */
    uint64_t dom0_memory_mib;       /* 0: default */
    uint64_t dom0_min_mib;
    unsigned shutdown_timeout;      /* s, on xend stop */
    unsigned create_timeout;        /* s, for a VMM to answer */
    unsigned restart_limit;         /* restarts within restart_window... */
    unsigned restart_window;        /* ...before a domain is destroyed */
    size_t max_request;
    bool stop_domains;              /* shut domains down when xend stops */
    /* networks (net.h, docs/network.md) */
    char vif_script[16];            /* default mode: vif-bridge|nat|route */
    char vif_bridge[16];            /* default bridge= */
    char bridge_nic[16];            /* enslaved when xend makes the bridge */
    char nat_bridge[16];
    char nat_subnet[32];            /* the host takes its last address */
    unsigned nat_forward_base;      /* host port base + domid ... */
    unsigned nat_forward_port;      /* ... to this guest port; base 0: off */
    char route_nic[16];             /* vif-route: dom0's outside NIC */
    char dnsmasq_path[XEND_PATH];
    char nft_path[XEND_PATH];
    char cgroup_dir[XEND_PATH];     /* cgroup.c: the domains' groups */
    bool vmm_jail;                  /* VMMs jailed (docs/privilege.md) */
    bool vmm_seccomp;               /* VMM threads under seccomp filters */
    unsigned jail_uid_base;         /* domain N runs as uid/gid base + N */
    unsigned jail_uid_count;        /* ...for N below count */
    /* local users (policy.h, docs/privilege.md) */
    char admin_group[64];           /* may do everything, as root */
    bool user_create;               /* others may create (they own it) */
    char others[8];                 /* list|none: what everyone else gets */
};

enum dom_state { DS_CREATING, DS_RUNNING, DS_PAUSED, DS_SHUTDOWN,
                 DS_CRASHED };

enum dom_reason { DR_NONE, DR_POWEROFF, DR_REBOOT, DR_CRASH, DR_DESTROYED };

/* Who waits for the answer to a create while the VMM starts: xend keeps
 * serving others meanwhile (an HTTP connection is suspended, a unix
 * client is left unpolled), and answers when the VMM is up or has failed. */
enum waiter_kind { W_NONE, W_UNIX, W_HTTP };

struct waiter {
    enum waiter_kind kind;
    int slot;                       /* W_UNIX: client slot */
    void *conn;                     /* W_HTTP: struct MHD_Connection */
    void *upload;                   /* W_HTTP: its struct upload */
};

/* A disk-detach the VMM has not answered yet: xend keeps serving others
 * meanwhile (the guest may take the VMM's full 10 s to let go). */
struct detach {
    bool pending;
    int sock;                       /* to the VMM, for its reply line */
    uint32_t devid;
    struct waiter waiter;
    struct timespec deadline;
    char buf[1024];
    size_t n;
};

struct domain {
    bool used;
    int domid;
    struct domain_config cfg;
    enum dom_state state;
    pid_t pid;                      /* of xeno-vmm-monitor (and so of the
                                       VMM); 0: no VMM (preserved) */
    bool child;                     /* ours to waitpid(); else adopted */
    bool destroying;
    enum dom_reason requested;      /* shutdown/reboot asked for */
    uint64_t target_mib;
    uint64_t max_mib;               /* xm mem-max (0: maxmem) */
    uint64_t mem_kib, held_kib;     /* the VMM's info: populated, memfd */
    time_t start_time;
    double cpu_time;
    unsigned restarts;
    bool restarting;                /* DS_CREATING after a restart */
    struct timespec ready_deadline; /* DS_CREATING: give up after it */
    struct waiter waiter;           /* DS_CREATING: who wants the reply */
    time_t window_start;
    unsigned window_restarts;
    char ctl_path[XEND_SUN_PATH];
    char con_path[XEND_SUN_PATH];
    char log_path[XEND_PATH];
    long long log_start;        /* log size when this VMM started (crashlog) */
    char exit_path[XEND_PATH];      /* written by the monitor */
    struct detach detach;
    bool cgroup;                    /* has <cgroup-dir>/dom<ID> (cgroup.c) */
    bool has_owner;                 /* cfg.owner resolved (owner.c) */
    uid_t owner_uid;
    unsigned vcpus_online;          /* as the VMM last saw them */
    double cpu_percent;             /* over the last refresh interval */
    double cpu_prev;                /* cpu_time at cpu_prev_at */
    struct timespec cpu_prev_at;
};

struct ring {
    char **lines;
    long *tags;                     /* per line: owner uid or -1 (dmesg) */
    size_t cap, head, count;
};

struct xend {
    struct xend_settings s;
    struct domain doms[XEND_MAX_DOMAINS];
    int next_domid;
    uint64_t dom0_mib;
    time_t start_time;
    struct ring dmesg, log;
    int sig_fd;
    int unix_fd;
    struct unix_client *clients[XEND_MAX_CLIENTS];
    struct MHD_Daemon *mhd;
    bool loopback;                  /* the HTTP API is on 127.x.x.x */
    struct xs_handle *xs;
    bool quit;
    pid_t nat_dnsmasq;              /* nat.c: the vif-nat network */
    bool nat_up, nat_bridge_ours;
    char cgroup_why[512];           /* why the last group could not be made */
};

/* A request from either transport, and its reply. */
struct xreq {
    const char *method;
    const char *path;
    json_object *body;              /* NULL when there was none */
    struct waiter from;             /* how to answer later */
    const char *arg2;               /* the route's second '*' segment */
    const struct caller *who;       /* NULL: nobody */
};

struct xrep {
    int status;                     /* 0: deferred, the waiter gets it */
    json_object *body;
};

/* settings.c */
void settings_defaults(struct xend_settings *s);
int settings_load(struct xend_settings *s, const char *path, char *err,
                  size_t len);
int settings_check(const struct xend_settings *s, char *err, size_t len);

/* ring.c: xend's message rings and logging */
void ring_init(struct ring *r, size_t cap);
void ring_push(struct ring *r, const char *line);
void ring_push_tagged(struct ring *r, const char *line, long tag);
void ring_clear(struct ring *r);
json_object *ring_json(const struct ring *r);
/* Only the lines tagged tag. */
json_object *ring_json_tagged(const struct ring *r, long tag);
void xlog(struct xend *x, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A line of the domain message ring (xm dmesg); also logged. */
void xdmesg(struct xend *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* routes.c */
void route_dispatch(struct xend *x, const struct xreq *rq, struct xrep *rp);
void rep_error(struct xrep *rp, int status, const char *code,
               const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* http.c, unixsock.c */
/* Answers a deferred request (takes body). */
void waiter_reply(struct xend *x, const struct waiter *w, int status,
                  json_object *body);
void http_reply_later(struct xend *x, const struct waiter *w, int status,
                      json_object *body);
void unix_reply_later(struct xend *x, int slot, int status,
                      json_object *body);
int http_start(struct xend *x);
void http_stop(struct xend *x);
int http_poll_fd(struct xend *x, int *timeout_ms);
void http_run(struct xend *x);
int unix_start(struct xend *x);
void unix_stop(struct xend *x);
void unix_accept(struct xend *x);
void unix_client_io(struct xend *x, int slot);
int unix_client_fd(struct xend *x, int slot);

/* domain.c: the domain table and lifecycle */
struct domain *dom_lookup(struct xend *x, const char *name_or_id);
struct domain *dom_by_pid(struct xend *x, pid_t pid);
struct domain *dom_by_name(struct xend *x, const char *name);
/* Starts a domain; it is DS_CREATING until its VMM answers (dom_poll_
 * starting), and then the waiter (may be NULL) gets the reply. */
int dom_create(struct xend *x, const struct domain_config *cfg,
               const struct waiter *w, struct domain **out, char *err,
               size_t len);
int dom_start(struct xend *x, struct domain *d, char *err, size_t len);
void dom_start_failed(struct xend *x, struct domain *d, const char *why);
/* The VMM answered (or the guest ran and ended): the creator hears 200. */
void dom_started(struct xend *x, struct domain *d);
void dom_poll_starting(struct xend *x);
bool dom_any_starting(const struct xend *x);
void dom_fail_starting(struct xend *x, const char *why);
int dom_destroy(struct xend *x, struct domain *d);
void dom_release(struct xend *x, struct domain *d);     /* no VMM left */
int dom_shutdown(struct xend *x, struct domain *d, enum dom_reason why,
                 char *err, size_t len);
int dom_pause(struct xend *x, struct domain *d, bool pause, char *err,
              size_t len);
/* dom_memory.c: below this no mem-set or mem-max is taken. */
#define XEND_MEM_FLOOR_MIB 32u
int dom_mem_max(struct xend *x, struct domain *d, uint64_t mib, char *err,
                size_t len);
uint64_t dom_mem_max_mib(const struct domain *d);
uint64_t dom_mem_charge(const struct domain *d);
void dom_mem_from_info(struct domain *d, json_object *rep);
void dom_mem_json(const struct domain *d, json_object *o);
/* Ask every running VMM for its info (CPU time, memory held). */
void dom_refresh(struct domain *d);
void dom_refresh_all(struct xend *x);
int dom_mem_set(struct xend *x, struct domain *d, uint64_t mib, char *err,
                size_t len);
void dom_exited(struct xend *x, struct domain *d, int wstatus, bool known);
void dom_reap_children(struct xend *x);
void dom_check_adopted(struct xend *x);
void dom_ended_elsewhere(struct xend *x, struct domain *d);
bool dom_any_adopted(const struct xend *x);
const char *dom_state_name(enum dom_state s);
json_object *dom_json(struct xend *x, struct domain *d, bool full);
void dom_stop_all(struct xend *x);

/* vmm.c: xeno-vmm processes and their control sockets */
#define VMM_DISK_FD0 3          /* the VMM's first disk fd */
#define VMM_DISK_ARG 128
/* fds: one per d->cfg.disks entry, passed as VMM_DISK_FD0 + k; nics (may
 * be NULL): one per d->cfg.vifs entry, as VMM_NIC_FD0 + k (net.h). */
struct net_open;
int vmm_spawn(struct xend *x, struct domain *d, const int *fds,
              const struct net_open *nics, char *err, size_t len);
/* The --disk argument: "fd=3,devid=51712,mode=w,type=file,name=xvda". */
/* The VMM's --jail argument for domain domid (jail.c in the VMM); 0, or
 * -ERANGE (domid beyond the uid range) or -EPERM (xend is not root: no
 * jail, the caller says so) with buf empty. */
int vmm_jail_arg(const struct xend_settings *s, int domid, char *buf, size_t len);
/* 0 if xend can jail VMMs (root, the uid range mapped), else -EPERM and
 * why (jail_check.c). */
int jail_possible(const struct xend_settings *s, char *why, size_t len);
void vmm_disk_arg(const struct cfg_disk *disk, int fd, char *buf, size_t len);
/* The VMM's --xenstore-token for domid, registered with xenstored
 * (vmm_token.c): 0 (buf "" without xenstored) or -errno. */
#define VMM_XS_TOKEN_LEN 48
int vmm_xs_token(struct xend *x, int domid, char *buf, size_t len);
/* Sends one request (and fd, if >= 0, as SCM_RIGHTS): the connected
 * socket for the reply line, or -errno.  Takes args. */
int vmm_send(const struct domain *d, const char *cmd, json_object *args,
             int fd);
/* A reply line: 0, -EREMOTEIO ({"ok":false}) or -EPROTO; *reply (may be
 * NULL) gets the parsed object either way. */
int vmm_parse_reply(const char *line, json_object **reply);
/* As vmm_call, with fd (>= 0) passed as SCM_RIGHTS with the request. */
int vmm_call_fd(const struct domain *d, const char *cmd, json_object *args,
                int fd, json_object **reply, int timeout_ms);
int vmm_poll_ready(struct domain *d);
int vmm_call(const struct domain *d, const char *cmd, json_object *args,
             json_object **reply, int timeout_ms);
int vmm_kill(struct xend *x, struct domain *d);
/* Host ids of the VMM (the monitor's child) and of its thread whose id in
 * the VMM's own PID namespace is ns_tid (vmm_pidns.c); or -errno. */
int vmm_host_pid(const struct domain *d);
int vmm_host_tid(const struct domain *d, int ns_tid);
bool vmm_alive(const struct domain *d);
/* How the VMM ended, from the monitor's exit file: 0 and *wstatus, or
 * -ENOENT. */
int vmm_exit_status(const struct domain *d, int *wstatus);

/* memory.c: the budget */
uint64_t mem_total(const struct xend *x);
uint64_t mem_used_by_domains(const struct xend *x, const struct domain *skip);
int mem_check(const struct xend *x, const struct domain *skip, uint64_t mib,
              char *err, size_t len);
int mem_set_dom0(struct xend *x, uint64_t mib, char *err, size_t len);
void mem_init(struct xend *x);
json_object *dom0_json(struct xend *x);
json_object *node_json(struct xend *x);

/* state.c: /var/lib/xeno/domains/<id>.json */
int state_save(struct xend *x, const struct domain *d);
void state_remove(struct xend *x, const struct domain *d);
int state_save_node(struct xend *x);
void state_restore(struct xend *x);

/* store.c: the domain's xenstore entries (when a xenstored is reachable) */
void store_connect(struct xend *x);
void store_disconnect(struct xend *x);
void store_domain_write(struct xend *x, const struct domain *d);
void store_domain_remove(struct xend *x, const struct domain *d);
int store_domain_shutdown(struct xend *x, const struct domain *d,
                       const char *reason);
void store_domain_target(struct xend *x, const struct domain *d);
/* cpu/<n>/availability after a vcpu-set, in one transaction. */
int store_vcpus_write(struct xend *x, const struct domain *d);

/* store.c: virtual block devices (vbd_layout.h).  disk NULL: all of d's
 * (written fresh: old directories go first). */
int store_vbd_write(struct xend *x, const struct domain *d,
                    const struct cfg_disk *disk);
void store_vbd_remove(struct xend *x, const struct domain *d,
                      const struct cfg_disk *disk);
char *store_read(struct xend *x, const char *dir, const char *key);

/* disk.c: opening disks, sharing, hot-plug */
int disk_open(const struct domain_config *cfg, const struct cfg_disk *disk,
              int *fd, char *err, size_t len);
int disks_open_all(const struct domain_config *cfg, int *fds, char *err,
                   size_t len);
void disks_close(int *fds, size_t n);
int disk_check_sharing(struct xend *x, const struct cfg_disk *disk, char *err,
                       size_t len);
int disk_attach(struct xend *x, struct domain *d, const struct cfg_disk *disk,
                char *err, size_t len);
/* With a waiter (W_UNIX/W_HTTP): 1, the answer comes later to w.  Without:
 * waits for the VMM; 0, and warn set when the detach was forced. */
int disk_detach(struct xend *x, struct domain *d, const char *vdev,
                const struct waiter *w, char *warn, size_t wlen, char *err,
                size_t len);
/* From the main loop: answers detaches the VMM has finished. */
void disk_poll_detaching(struct xend *x);
bool disk_any_detaching(const struct xend *x);
/* d goes away: a pending detach is answered. */
void disk_detach_abandon(struct xend *x, struct domain *d);

/* The VMM's error text for cmd (or strerror(-r)) into err. */
void disk_vmm_err(const struct domain *d, const char *cmd, int r,
                  json_object *rep, char *err, size_t len);

/* disk_info.c */
void disk_add_json(struct domain *d, json_object *rec);
json_object *disk_list_json(struct xend *x, struct domain *d);
/* The entry of devid in a VMM's stats reply list (e.g. "disks"), or NULL. */
json_object *stats_entry(json_object *stats, const char *list, int64_t devid);
/* A xenstore number, or -1 when absent (as xl prints it). */
json_object *store_int_json(struct xend *x, const char *dir, const char *key);
json_object *store_first_int_json(struct xend *x, const char *dir, const char *const *keys);

/* cgroup.c: a cgroup v2 group per domain for weights and caps.  prepare
 * (before the VMM starts): 0 with d->cgroup set, 0 without a group when
 * none is usable and no weight or cap is configured, else -errno and err. */
int cgroup_prepare(struct xend *x, struct domain *d, char *err, size_t len);
void cgroup_attach(struct xend *x, struct domain *d, int vmm_pid);
void cgroup_adopt(struct xend *x, struct domain *d);
void cgroup_remove(struct xend *x, struct domain *d);
int cgroup_write_shares(struct xend *x, struct domain *d, unsigned weight, unsigned cap,
                        char *err, size_t len);
int cgroup_cpu_usec(struct xend *x, const struct domain *d, uint64_t *usec);

/* vcpu.c: vcpu-set, vcpu-list, vcpu-pin (vcpu -1: all), sched-credit (-1:
 * keep); errors leave everything as it was. */
struct cpumask;
int host_cpus(struct cpumask *m, char *err, size_t len);
int dom_vcpu_set(struct xend *x, struct domain *d, long n, char *err, size_t len);
int dom_vcpu_pin(struct xend *x, struct domain *d, long vcpu, const char *cpus,
                 char *err, size_t len);
int dom_vcpu_list(struct xend *x, struct domain *d, json_object **out, char *err,
                  size_t len);
int dom_sched_credit(struct xend *x, struct domain *d, long weight, long cap, char *err,
                     size_t len);
void vcpu_apply_config(struct xend *x, struct domain *d);
int dom_cpu_op(struct xend *x, struct domain *d, const char *op, json_object *body,
               char *err, size_t len);

/* owner.c: domain owners and the modes of a domain's files */
struct policy xend_policy(const struct xend_settings *s);
/* d's owner from d->cfg.owner: 0, or -EINVAL and err (no such user). */
int owner_resolve(struct domain *d, char *err, size_t len);
/* A create by c: c's config may name no owner but c (unless c is an
 * admin); a user's domain is owned by its creator.  0 or -errno, err. */
int owner_for_create(const struct caller *c, struct domain_config *cfg, char *err,
                     size_t len);
/* The target of a request on d, for policy_allows(). */
struct target owner_target(const struct domain *d, char *name, size_t len);
/* Console socket 0660 and log 0640, owner:admin-group; never others'. */
void owner_apply_modes(struct xend *x, const struct domain *d);
/* A caller identified on a socket: unix (SO_PEERCRED) or TCP (sock_diag). */
void caller_of_socket(struct xend *x, int fd, bool tcp, struct caller *c);

/* autostart.c */
void autostart(struct xend *x);

/* crashlog.c: from the crash report at the end of a VMM log (written past
 * offset from: this run's part), the panic message, else the last console
 * line, cut to len - 1 printable characters; *label says which.  0,
 * -ENOENT (no report) or -errno. */
int crashlog_last_line(const char *log_path, long long from, const char **label,
                       char *out, size_t len);

#endif
