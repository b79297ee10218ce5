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
    char exit_path[XEND_PATH];      /* written by the monitor */
};

struct ring {
    char **lines;
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
};

/* A request from either transport, and its reply. */
struct xreq {
    const char *method;
    const char *path;
    json_object *body;              /* NULL when there was none */
    struct waiter from;             /* how to answer later */
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
void ring_clear(struct ring *r);
json_object *ring_json(const struct ring *r);
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
void dom_poll_starting(struct xend *x);
bool dom_any_starting(const struct xend *x);
void dom_fail_starting(struct xend *x, const char *why);
int dom_destroy(struct xend *x, struct domain *d);
void dom_release(struct xend *x, struct domain *d);     /* no VMM left */
int dom_shutdown(struct xend *x, struct domain *d, enum dom_reason why,
                 char *err, size_t len);
int dom_pause(struct xend *x, struct domain *d, bool pause, char *err,
              size_t len);
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
int vmm_spawn(struct xend *x, struct domain *d, char *err, size_t len);
int vmm_poll_ready(struct domain *d);
int vmm_call(const struct domain *d, const char *cmd, json_object *args,
             json_object **reply, int timeout_ms);
int vmm_kill(struct xend *x, struct domain *d);
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

/* autostart.c */
void autostart(struct xend *x);

#endif
