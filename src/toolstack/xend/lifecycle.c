/* Supervision: a xeno-vmm's exit status says how the guest ended (exit.h);
 * the domain's on_poweroff/on_reboot/on_crash says what happens next. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/log.h"
#include "net.h"
#include "xend.h"
#include "xeno/exit.h"
#include "xeno/vmm_control.h"

static enum dom_reason classify(const struct domain *d, int st, bool known,
                                char *how, size_t len)
{
    if (!known) {
        snprintf(how, len, "adopted xeno-vmm %d exited", d->pid);
        return d->requested != DR_NONE ? d->requested : DR_CRASH;
    }
    if (WIFSIGNALED(st)) {
        snprintf(how, len, "xeno-vmm killed by signal %d", WTERMSIG(st));
        return DR_CRASH;
    }
    int code = WEXITSTATUS(st);
    snprintf(how, len, "xeno-vmm exit status %d", code);
    switch (code) {
    case XENO_EXIT_POWEROFF:
    case XENO_EXIT_SHUTDOWN_BASE + 2:       /* suspend: no resume yet */
        return DR_POWEROFF;
    case XENO_EXIT_SHUTDOWN_BASE + 1:
    case XENO_EXIT_SHUTDOWN_BASE + 5:       /* soft reset */
        return DR_REBOOT;
    case XENO_EXIT_DESTROYED:
        return DR_DESTROYED;
    default:
        return DR_CRASH;
    }
}

/* Too many restarts in the window: a guest that dies at boot would
 * otherwise spin forever. */
static bool restart_allowed(struct xend *x, struct domain *d)
{
    time_t now = time(NULL);
    if (!d->window_start || now - d->window_start >= (time_t)x->s.restart_window) {
        d->window_start = now;
        d->window_restarts = 0;
    }
    return ++d->window_restarts <= x->s.restart_limit;
}

static void preserve(struct xend *x, struct domain *d, enum dom_reason why)
{
    d->pid = 0;
    d->state = why == DR_CRASH ? DS_CRASHED : DS_SHUTDOWN;
    unlink(d->ctl_path);
    unlink(d->con_path);
    unlink(d->exit_path);
    state_save(x, d);
    if (d->cfg.n_vifs)
        nat_refresh(x);             /* its taps went with its VMM */
}

/* Same id, same config, a new VMM; dom_poll_starting() finishes it. */
static int restart(struct xend *x, struct domain *d)
{
    char err[512];
    d->pid = 0;
    d->requested = DR_NONE;
    d->restarts++;
    d->restarting = true;
    int r = dom_start(x, d, err, sizeof(err));
    if (r < 0)
        xdmesg(x, "domain %d (%s): restart failed: %s", d->domid,
               d->cfg.name, err);
    return r;
}

/* The old domain keeps its memory and becomes NAME-N; a new one starts
 * from the same configuration. */
static void rename_restart(struct xend *x, struct domain *d,
                           enum dom_reason why)
{
    struct domain_config cfg;
    char name[CFG_NAME_MAX + 16], err[512];
    if (config_copy(&cfg, &d->cfg) < 0)
        return preserve(x, d, why);
    for (int n = 1; n < 10000; n++) {
        snprintf(name, sizeof(name), "%.*s-%d", CFG_NAME_MAX - 6, cfg.name, n);
        if (!dom_by_name(x, name))
            break;
    }
    char *old = d->cfg.name;
    d->cfg.name = strdup(name);
    if (!d->cfg.name) {
        d->cfg.name = old;
        old = NULL;
    }
    free(old);
    preserve(x, d, why);
    store_domain_write(x, d);
    xdmesg(x, "domain %d preserved as %s", d->domid, d->cfg.name);
    if (dom_create(x, &cfg, NULL, NULL, err, sizeof(err)) < 0)
        xdmesg(x, "rename-restart of %s failed: %s", cfg.name, err);
    config_free(&cfg);
}

static void exited_while_starting(struct xend *x, struct domain *d, int st)
{
    char why[512], last[160] = "";
    const char *label = "";
    /* A seccomp kill (SIGSYS) says which call in the log: quote it. */
    if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS &&
        crashlog_last_line(d->log_path, d->log_start, &label, last, sizeof(last)) < 0)
        last[0] = '\0';
    snprintf(why, sizeof(why), "xeno-vmm for %s exited during start (%s "
             "%d%s%s%s%s); see %s", d->cfg.name, WIFEXITED(st) ? "status" : "signal",
             WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), last[0] ? ": " : "",
             label, last[0] ? ": " : "", last, d->log_path);
    d->pid = 0;
    dom_start_failed(x, d, why);
}

/* Where to look: the VMM log and, when it wrote a crash report, the last
 * thing the guest printed. */
static void report_crash(struct xend *x, struct domain *d)
{
    char last[160];
    const char *label = "";
    if (crashlog_last_line(d->log_path, d->log_start, &label, last, sizeof(last)) == 0)
        xdmesg(x, "domain %d (%s) crashed: see %s (%s: %s)", d->domid,
               d->cfg.name, d->log_path, label, last);
    else
        xdmesg(x, "domain %d (%s) crashed: see %s", d->domid, d->cfg.name,
               d->log_path);
}

/* Exit statuses only a guest that ran can cause (exit.h): it powered off,
 * rebooted or crashed before xend saw the VMM answer. */
static bool guest_ended(int st)
{
    if (!WIFEXITED(st))
        return false;
    int code = WEXITSTATUS(st);
    return code == XENO_EXIT_POWEROFF || code > XENO_EXIT_SHUTDOWN_BASE;
}

void dom_exited(struct xend *x, struct domain *d, int st, bool known)
{
    char how[96];
    if (d->state == DS_CREATING && known && !d->destroying) {
        if (!guest_ended(st))
            return exited_while_starting(x, d, st);
        dom_started(x, d);              /* then its on_* action below */
    }
    enum dom_reason why = classify(d, st, known, how, sizeof(how));
    if (d->destroying || why == DR_DESTROYED) {
        xdmesg(x, "domain %d (%s) destroyed (%s)", d->domid, d->cfg.name, how);
        d->pid = 0;
        return (void)dom_destroy(x, d);
    }
    enum cfg_action act = why == DR_POWEROFF ? d->cfg.on_poweroff :
                          why == DR_REBOOT ? d->cfg.on_reboot : d->cfg.on_crash;
    if (x->quit && (act == CFG_ACT_RESTART || act == CFG_ACT_RENAME_RESTART))
        act = CFG_ACT_DESTROY;                  /* xend is stopping */
    xdmesg(x, "domain %d (%s) %s (%s); action: %s", d->domid, d->cfg.name,
           why == DR_CRASH ? "crashed" : "shut down", how, cfg_action_name(act));
    if (why == DR_CRASH)
        report_crash(x, d);
    if ((act == CFG_ACT_RESTART || act == CFG_ACT_RENAME_RESTART) &&
        !restart_allowed(x, d)) {
        xdmesg(x, "domain %d (%s) restarted %u times within %u s: giving up",
               d->domid, d->cfg.name, x->s.restart_limit, x->s.restart_window);
        act = CFG_ACT_DESTROY;
    }
    d->pid = 0;
    if (act == CFG_ACT_DESTROY || (act == CFG_ACT_RESTART && restart(x, d) < 0))
        dom_destroy(x, d);
    else if (act == CFG_ACT_PRESERVE)
        preserve(x, d, why);
    else if (act == CFG_ACT_RENAME_RESTART)
        rename_restart(x, d, why);
}

void dom_reap_children(struct xend *x)
{
    int st;
    pid_t pid;
    while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
        struct domain *d = dom_by_pid(x, pid);
        if (d && d->child)
            dom_exited(x, d, st, true);
    }
}

bool dom_any_adopted(const struct xend *x)
{
    for (int k = 0; k < XEND_MAX_DOMAINS; k++)
        if (x->doms[k].used && x->doms[k].pid > 0 && !x->doms[k].child)
            return true;
    return false;
}

/* A VMM that ended without xend as its parent: its monitor left the
 * exit status in a file. */
void dom_ended_elsewhere(struct xend *x, struct domain *d)
{
    int st = 0;
    bool known = vmm_exit_status(d, &st) == 0;
    dom_exited(x, d, st, known);
}

/* Adopted VMMs are not our children: poll whether they still exist. */
void dom_check_adopted(struct xend *x)
{
    for (int k = 0; k < XEND_MAX_DOMAINS; k++) {
        struct domain *d = &x->doms[k];
        if (d->used && d->pid > 0 && !d->child && !vmm_alive(d))
            dom_ended_elsewhere(x, d);
    }
}

static int running_count(const struct xend *x)
{
    int n = 0;
    for (int k = 0; k < XEND_MAX_DOMAINS; k++)
        n += x->doms[k].used && x->doms[k].pid > 0;
    return n;
}

/* xend stopping: ask every domain to power off, wait, destroy the rest. */
void dom_stop_all(struct xend *x)
{
    char err[256];
    x->quit = true;
    if (!x->s.stop_domains || !running_count(x))
        return;
    xlog(x, LOG_INFO, "shutting down %d domains (timeout %u s)",
         running_count(x), x->s.shutdown_timeout);
    for (int k = 0; k < XEND_MAX_DOMAINS; k++)
        if (x->doms[k].used && x->doms[k].pid > 0)
            dom_shutdown(x, &x->doms[k], DR_POWEROFF, err, sizeof(err));
    struct timespec nap = { 0, 50 * 1000 * 1000 };
    time_t deadline = time(NULL) + x->s.shutdown_timeout;
    while (running_count(x) && time(NULL) < deadline) {
        nanosleep(&nap, NULL);
        dom_reap_children(x);
        dom_check_adopted(x);
    }
    for (int k = 0; k < XEND_MAX_DOMAINS; k++)
        if (x->doms[k].used && x->doms[k].pid > 0) {
            xlog(x, LOG_WARN, "domain %d (%s) did not shut down; destroying",
                 x->doms[k].domid, x->doms[k].cfg.name);
            dom_destroy(x, &x->doms[k]);
        }
}
