/* xenstored: options, start-up (journal replay, sockets), the event loop,
 * clean shutdown on SIGTERM/SIGINT. */
#include "io.h"
#include "journal.h"

#include "common/log.h"

#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

struct options {
    bool no_fork;
    bool internal_db;
    bool verbose;
    bool output_pid;
    const char *trace;
    const char *db_dir;
    const char *pid_file;
};

static const struct option long_opts[] = {
    { "no-fork", no_argument, NULL, 'N' },
    { "trace-file", required_argument, NULL, 'T' },
    { "verbose", no_argument, NULL, 'V' },
    { "internal-db", optional_argument, NULL, 'I' },
    { "entry-nb", required_argument, NULL, 'E' },
    { "entry-size", required_argument, NULL, 'S' },
    { "watch-nb", required_argument, NULL, 'W' },
    { "transaction", required_argument, NULL, 't' },
    { "perm-nb", required_argument, NULL, 'A' },
    { "path-max", required_argument, NULL, 'M' },
    { "output-pid", no_argument, NULL, 'P' },
    { "db-dir", required_argument, NULL, 'D' },
    { "pid-file", required_argument, NULL, 'F' },
    { "quota", required_argument, NULL, 'Q' },
    { "help", no_argument, NULL, 'H' },
    { NULL, 0, NULL, 0 },
};

static void usage(FILE *f)
{
    fprintf(f,
            "Usage: xenstored [options]\n"
            "  -N, --no-fork           stay in the foreground\n"
            "  -T, --trace-file FILE   log every request to FILE\n"
            "  -V, --verbose           verbose logging\n"
            "  -I, --internal-db[=on|off]  keep the store in memory only\n"
            "  -E, -S, -W, -t, -A, -M N    Xen's shortcuts for the quotas nodes,\n"
            "                          node-size, watches, transactions,\n"
            "                          permissions, path-max\n"
            "  -P, --output-pid        print the daemon's pid on stdout\n"
            "  -D, --db-dir DIR        journal and snapshot directory\n"
            "                          (default /var/lib/xenstored)\n"
            "  -F, --pid-file FILE     write the daemon's pid to FILE\n"
            "  -Q, --quota NAME=VALUE  set a quota (nodes, node-size, watches,\n"
            "                          transactions, transaction-nodes,\n"
            "                          outstanding, path-max, permissions)\n"
            "Sockets live in $XENSTORED_RUNDIR (default /run/xenstored).\n");
}

static int set_quota_opt(const char *arg)
{
    char name[64];
    const char *eq = strchr(arg, '=');
    char *end;
    unsigned long v;
    int q;

    if (!eq || (size_t)(eq - arg) >= sizeof(name))
        return -EINVAL;
    memcpy(name, arg, (size_t)(eq - arg));
    name[eq - arg] = 0;
    q = quota_find(name);
    v = strtoul(eq + 1, &end, 10);
    if (q < 0 || *end || !eq[1] || v == 0 || v > UINT32_MAX)
        return -EINVAL;
    xsd.core.quota[q] = (uint32_t)v;
    return 0;
}

/* Xen's one-letter quota options. */
static const struct {
    char opt;
    const char *quota;
} quota_letters[] = {
    { 'E', "nodes" }, { 'S', "node-size" }, { 'W', "watches" },
    { 't', "transactions" }, { 'A', "permissions" }, { 'M', "path-max" },
};

static int quota_letter(int c, const char *arg)
{
    char buf[80];
    for (size_t i = 0; i < sizeof(quota_letters) / sizeof(*quota_letters); i++) {
        if (quota_letters[i].opt != c)
            continue;
        snprintf(buf, sizeof(buf), "%s=%s", quota_letters[i].quota, arg);
        return set_quota_opt(buf);
    }
    return 1; /* not a quota letter */
}

static int parse_opts(int argc, char **argv, struct options *o)
{
    int c, q;
    o->db_dir = "/var/lib/xenstored";
    while ((c = getopt_long(argc, argv, "NT:VI::D:F:Q:HE:S:W:t:A:M:P",
                            long_opts, NULL)) != -1) {
        q = quota_letter(c, optarg);
        if (q < 0) {
            fprintf(stderr, "xenstored: bad value for -%c\n", c);
            return -1;
        }
        if (q == 0)
            continue;
        switch (c) {
        case 'N': o->no_fork = true; break;
        case 'T': o->trace = optarg; break;
        case 'V': o->verbose = true; break;
        case 'I':
            o->internal_db = !optarg || strcmp(optarg, "off");
            break;
        case 'P': o->output_pid = true; break;
        case 'D': o->db_dir = optarg; break;
        case 'F': o->pid_file = optarg; break;
        case 'Q':
            if (set_quota_opt(optarg)) {
                fprintf(stderr, "xenstored: bad quota '%s'\n", optarg);
                return -1;
            }
            break;
        case 'H': usage(stdout); exit(0);
        default: usage(stderr); return -1;
        }
    }
    return optind == argc ? 0 : -1;
}

static int write_pid(const char *file)
{
    FILE *f = fopen(file, "w");
    if (!f)
        return -errno;
    fprintf(f, "%ld\n", (long)getpid());
    return fclose(f) ? -errno : 0;
}

static void print_pid(bool yes)
{
    if (!yes)
        return;
    printf("%ld\n", (long)getpid());
    fflush(stdout);
}

static int daemonize(bool output_pid)
{
    pid_t pid = fork();
    if (pid < 0)
        return -errno;
    if (pid > 0)
        _exit(0);
    setsid();
    pid = fork();
    if (pid < 0)
        return -errno;
    if (pid > 0)
        _exit(0);
    if (chdir("/"))
        return -errno;
    print_pid(output_pid);
    int fd = open("/dev/null", O_RDWR);
    if (fd >= 0) {
        dup2(fd, 0);
        dup2(fd, 1);
        if (fd > 2)
            close(fd);
    }
    return 0;
}

static struct ev sig_ev;

static void on_signal(struct ev *ev, uint32_t events)
{
    struct signalfd_siginfo si;
    (void)events;
    if (read(ev->fd, &si, sizeof(si)) == sizeof(si)) {
        log_info("signal %u, shutting down", si.ssi_signo);
        xsd.stop = true;
    }
}

static int setup_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    sig_ev.fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    sig_ev.cb = on_signal;
    return sig_ev.fd < 0 ? -errno : loop_add(&sig_ev, EPOLLIN);
}

static int open_store(const struct options *o, struct journal **j)
{
    int rc;
    *j = NULL;
    if (o->internal_db) {
        tree_init(&xsd.core);
        return 0;
    }
    rc = journal_open(o->db_dir, j);
    if (rc) {
        log_err("cannot open journal in %s: %s", o->db_dir, strerror(-rc));
        return rc;
    }
    rc = journal_load(*j, &xsd.core);
    if (rc) {
        log_err("cannot replay journal: %s", strerror(-rc));
        return rc;
    }
    log_info("store loaded from %s: %zu nodes", o->db_dir,
             xsd.core.base.count);
    journal_attach(*j, &xsd.core);
    tree_init(&xsd.core);
    xs_core_commit(&xsd.core);
    return journal_snapshot(*j, &xsd.core);
}

static int setup_rundir(void)
{
    const char *d = getenv("XENSTORED_RUNDIR");
    xsd.rundir = d && *d ? d : "/run/xenstored";
    if (mkdir(xsd.rundir, 0755) && errno != EEXIST) {
        log_err("cannot create %s: %s", xsd.rundir, strerror(errno));
        return -errno;
    }
    return 0;
}

static void run(void)
{
    while (!xsd.stop) {
        bool partial = ringio_poll_partial(false);
        if (loop_wait(xsd.dirty ? 0 : partial ? 1 : -1) < 0)
            break;
        ringio_poll_partial(true);
        io_run_dirty();
        io_reap();
    }
}

int main(int argc, char **argv)
{
    struct options o = { 0 };
    struct journal *j = NULL;

    log_init("xenstored", LOG_INFO);
    if (xs_core_init(&xsd.core))
        return 1;
    if (parse_opts(argc, argv, &o))
        return 2;
    if (o.verbose)
        log_set_level(LOG_DEBUG);
    if (o.trace && !(xsd.trace = fopen(o.trace, "a"))) {
        log_err("cannot open trace file %s: %s", o.trace, strerror(errno));
        return 1;
    }
    io_reserve_fd();
    if (setup_rundir() || loop_init() || open_store(&o, &j) ||
        sock_listen_all(xsd.rundir) || ring_listen(xsd.rundir))
        return 1;
    if (o.no_fork)
        print_pid(o.output_pid);
    else if (daemonize(o.output_pid))
        return 1;
    if (setup_signals() || (o.pid_file && write_pid(o.pid_file)))
        return 1;
    log_info("ready in %s", xsd.rundir);
    run();
    if (j) {
        journal_snapshot(j, &xsd.core);
        journal_close(j);
        xsd.core.persist = NULL;
    }
    while (xsd.conns) {
        struct io_conn *ioc = xsd.conns;
        xsd.conns = ioc->next;
        io_destroy(ioc);
    }
    xs_core_destroy(&xsd.core);
    return 0;
}
