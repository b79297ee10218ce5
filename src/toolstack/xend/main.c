/* xend [-f CONFIG] [-v]: the control daemon.  Runs in the foreground (for
 * systemd); SIGTERM/SIGINT stop it cleanly (domains are shut down, then
 * destroyed after shutdown-timeout); SIGKILL leaves the domains running
 * and the next xend adopts them. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "net.h"
#include "xend.h"

#define DEFAULT_CONF "/etc/xeno/xend.conf"
#define ADOPTED_POLL_MS 200
#define STARTING_POLL_MS 20

static int mkdirs(const char *path)
{
    char buf[XEND_PATH];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0755) < 0 && errno != EEXIST)
            return -errno;
        *p = '/';
    }
    return mkdir(buf, 0755) < 0 && errno != EEXIST ? -errno : 0;
}

static void parent_dir(const char *path, char *buf, size_t len)
{
    snprintf(buf, len, "%s", path);
    char *slash = strrchr(buf, '/');
    if (slash && slash != buf)
        *slash = '\0';
    else
        snprintf(buf, len, ".");
}

static int prepare_dirs(struct xend *x)
{
    char sock_dir[XEND_SUN_PATH], log_dir[XEND_PATH];
    parent_dir(x->s.unix_path, sock_dir, sizeof(sock_dir));
    parent_dir(x->s.log_file[0] ? x->s.log_file : ".", log_dir,
               sizeof(log_dir));
    const char *dirs[] = { x->s.state_dir, x->s.run_dir, x->s.vmm_log_dir,
                           sock_dir, log_dir };
    for (size_t k = 0; k < sizeof(dirs) / sizeof(dirs[0]); k++) {
        int r = mkdirs(dirs[k]);
        if (r < 0) {
            xlog(x, LOG_ERR, "creating %s: %s", dirs[k], strerror(-r));
            return r;
        }
    }
    return 0;
}

static int setup_signals(struct xend *x)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGCHLD);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    x->sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    return x->sig_fd < 0 ? -errno : 0;
}

static void on_signals(struct xend *x)
{
    struct signalfd_siginfo si;
    while (read(x->sig_fd, &si, sizeof(si)) == sizeof(si)) {
        if (si.ssi_signo == SIGCHLD)
            dom_reap_children(x);
        else if (si.ssi_signo == SIGHUP)
            xlog(x, LOG_INFO, "SIGHUP ignored (restart xend to reload)");
        else {
            xlog(x, LOG_INFO, "signal %u: stopping", si.ssi_signo);
            x->quit = true;
        }
    }
}

enum { FD_SIG, FD_UNIX, FD_HTTP, FD_CLIENTS };

static void loop_once(struct xend *x)
{
    struct pollfd p[FD_CLIENTS + XEND_MAX_CLIENTS];
    int timeout = dom_any_starting(x) || disk_any_detaching(x) ?
                  STARTING_POLL_MS :
                  dom_any_adopted(x) ? ADOPTED_POLL_MS : 60000;
    p[FD_SIG] = (struct pollfd){ .fd = x->sig_fd, .events = POLLIN };
    p[FD_UNIX] = (struct pollfd){ .fd = x->unix_fd, .events = POLLIN };
    p[FD_HTTP] = (struct pollfd){ .fd = http_poll_fd(x, &timeout), .events = POLLIN };
    for (int k = 0; k < XEND_MAX_CLIENTS; k++)
        p[FD_CLIENTS + k] = (struct pollfd){ .fd = unix_client_fd(x, k),
                                             .events = POLLIN };
    if (poll(p, FD_CLIENTS + XEND_MAX_CLIENTS, timeout) < 0 && errno != EINTR)
        return;
    if (p[FD_SIG].revents)
        on_signals(x);
    if (p[FD_UNIX].revents)
        unix_accept(x);
    for (int k = 0; k < XEND_MAX_CLIENTS; k++)
        if (p[FD_CLIENTS + k].revents && x->clients[k])
            unix_client_io(x, k);
    dom_poll_starting(x);
    disk_poll_detaching(x);
    dom_check_adopted(x);
    http_run(x);
}

static int parse_args(int argc, char **argv, const char **conf, bool *verbose)
{
    static const struct option opts[] = {
        { "config", 1, 0, 'f' }, { "verbose", 0, 0, 'v' }, { "help", 0, 0, 'h' },
        { 0, 0, 0, 0 },
    };
    int c;
    while ((c = getopt_long(argc, argv, "f:vh", opts, NULL)) != -1) {
        if (c == 'f')
            *conf = optarg;
        else if (c == 'v')
            *verbose = true;
        else if (c == 'h')
            return 1;
        else
            return -1;
    }
    return optind == argc ? 0 : -1;
}

static int load_settings(struct xend *x, const char *conf, bool explicit)
{
    char err[512];
    settings_defaults(&x->s);
    int r = settings_load(&x->s, conf, err, sizeof(err));
    if (r == -ENOENT && !explicit)
        r = 0;                  /* no file: the defaults */
    if (r == 0)
        r = settings_check(&x->s, err, sizeof(err));
    if (r < 0)
        log_err("%s", err);
    return r;
}

/* Loudly, at start, when VMMs will not be jailed (docs/privilege.md). */
static void warn_unjailed(struct xend *x)
{
    char why[200] = "";
    if (!x->s.vmm_jail)
        snprintf(why, sizeof(why), "vmm-jail = no");
    else if (jail_possible(&x->s, why, sizeof(why)) == 0 && !x->s.vmm_seccomp)
        snprintf(why, sizeof(why), "vmm-seccomp = no");
    if (why[0])
        xlog(x, LOG_WARN, "WARNING: VMMs are NOT jailed: %s; a guest that subverts its VMM "
             "gets %s (docs/privilege.md)", why, geteuid() ? "xend's user" : "root");
}


static int start(struct xend *x)
{
    int r = prepare_dirs(x);
    if (r == 0 && x->s.log_file[0] && (r = log_open_file(x->s.log_file)) < 0)
        log_err("log file %s: %s", x->s.log_file, strerror(-r));
    if (r == 0)
        r = setup_signals(x);
    if (r == 0)
        r = unix_start(x);
    if (r == 0)
        r = http_start(x);
    if (r < 0)
        return r;
    mem_init(x);
    store_connect(x);
    state_restore(x);
    nat_restore(x);
    autostart(x);
    warn_unjailed(x);
    xlog(x, LOG_INFO, "xend %s ready (host %llu MiB, Domain-0 %llu MiB)",
         XENO_VERSION, (unsigned long long)mem_total(x),
         (unsigned long long)x->dom0_mib);
    return 0;
}

int main(int argc, char **argv)
{
    static struct xend x;
    const char *conf = DEFAULT_CONF;
    bool verbose = false;
    log_init("xend", LOG_INFO);
    int pa = parse_args(argc, argv, &conf, &verbose);
    if (pa) {
        fprintf(pa > 0 ? stdout : stderr,
                "usage: xend [-f|--config CONFIG] [-v|--verbose]\n"
                "The xeno control daemon: HTTP/JSON on 127.0.0.1:8000 (/xend/...) and a\n"
                "unix socket for xm.  Settings: %s (see xend.conf).\n", DEFAULT_CONF);
        return pa > 0 ? 0 : 2;
    }
    if (verbose)
        log_set_level(LOG_DEBUG);
    x.unix_fd = x.sig_fd = -1;
    x.next_domid = 1;
    x.start_time = time(NULL);
    ring_init(&x.dmesg, 1000);
    ring_init(&x.log, 1000);
    if (load_settings(&x, conf, strcmp(conf, DEFAULT_CONF) != 0) < 0)
        return 1;
    int r = start(&x);
    while (r == 0 && !x.quit)
        loop_once(&x);
    dom_fail_starting(&x, "xend is stopping");
    http_run(&x);
    http_stop(&x);
    unix_stop(&x);
    if (r == 0)
        dom_stop_all(&x);
    nat_refresh(&x);                /* down unless domains stay running */
    store_disconnect(&x);
    xlog(&x, LOG_INFO, "xend stopped");
    return r == 0 ? 0 : 1;
}
