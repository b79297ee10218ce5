/* The vif-nat network, as the Demo CD had it: guests on nat-subnet behind
 * the nat-bridge, which holds the host's address (the subnet's last); a
 * dnsmasq that xend starts and stops serves each guest its fixed address
 * by DHCP; nftables masquerades what leaves and forwards host ports to
 * guests (net_plan.c writes the rules).  Up with the first NAT vif, down
 * with the last. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "net.h"
#include "netdev.h"
#include "xend.h"

#define NAT_RULES_MAX 16384

static void nat_path(struct xend *x, const char *file, char *buf, size_t len)
{
    snprintf(buf, len, "%s/nat-%s", x->s.run_dir, file);
}

/* prog, or prog found in $PATH, is executable. */
static bool have_program(const char *prog)
{
    if (strchr(prog, '/'))
        return access(prog, X_OK) == 0;
    const char *path = getenv("PATH");
    char buf[4096], full[4200];
    snprintf(buf, sizeof(buf), "%s", path ? path : "/usr/sbin:/usr/bin:/sbin:/bin");
    for (char *save = NULL, *d = strtok_r(buf, ":", &save); d;
         d = strtok_r(NULL, ":", &save)) {
        snprintf(full, sizeof(full), "%s/%s", d, prog);
        if (access(full, X_OK) == 0)
            return true;
    }
    return false;
}

/* Runs argv with stdout/stderr to log (append); waits when wait is set:
 * its exit status, else its pid. */
static int run_prog(const char *const *argv, const char *log, bool wait)
{
    pid_t pid = fork();
    if (pid < 0)
        return -errno;
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        setsid();
        int in = open("/dev/null", O_RDONLY);
        int out = open(log, O_WRONLY | O_CREAT | O_APPEND, 0640);
        if (in >= 0)
            dup2(in, 0);
        if (out >= 0) {
            dup2(out, 1);
            dup2(out, 2);
        }
        closefrom(3);
        execvp(argv[0], (char *const *)argv);
        dprintf(2, "xend: exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    if (!wait)
        return pid;
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -errno;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int nft_apply(struct xend *x, const char *script)
{
    char file[XEND_PATH], log[XEND_PATH];
    nat_path(x, "rules.nft", file, sizeof(file));
    nat_path(x, "nft.log", log, sizeof(log));
    FILE *f = fopen(file, "w");
    if (!f)
        return -errno;
    fputs(script, f);
    if (fclose(f) != 0)
        return -EIO;
    const char *argv[] = { x->s.nft_path, "-f", file, NULL };
    int st = run_prog(argv, log, true);
    if (st != 0)
        xlog(x, LOG_WARN, "%s -f %s failed (%d): see %s", x->s.nft_path, file,
             st, log);
    return st == 0 ? 0 : -EIO;
}

static void kill_dnsmasq(struct xend *x)
{
    if (x->nat_dnsmasq > 0) {
        kill(x->nat_dnsmasq, SIGTERM);
        for (int k = 0; k < 100 && waitpid(x->nat_dnsmasq, NULL, WNOHANG) == 0; k++)
            usleep(10000);
    }
    x->nat_dnsmasq = 0;
}

/* Its hosts are arguments (dnsmasq drops root before it would read a
 * file in xend's run-dir): a change of them restarts it. */
static int start_dnsmasq(struct xend *x, const struct nat_net *n,
                         const struct vif_plan *v, size_t nv)
{
    char gw[20], base[20], mask[20], pid[XEND_PATH], leases[XEND_PATH],
         log[XEND_PATH];
    char a_if[64], a_range[96], a_router[48], a_pid[XEND_PATH + 20],
         a_leases[XEND_PATH + 20], a_listen[48];
    net_ip_str(nat_gateway(n), gw, sizeof(gw));
    net_ip_str(n->base, base, sizeof(base));
    net_ip_str(~0u << (32 - n->prefix), mask, sizeof(mask));
    nat_path(x, "dnsmasq.pid", pid, sizeof(pid));
    nat_path(x, "leases", leases, sizeof(leases));
    snprintf(log, sizeof(log), "%s/dnsmasq-nat.log", x->s.vmm_log_dir);
    snprintf(a_if, sizeof(a_if), "--interface=%s", x->s.nat_bridge);
    snprintf(a_listen, sizeof(a_listen), "--listen-address=%s", gw);
    snprintf(a_range, sizeof(a_range), "--dhcp-range=%s,static,%s,12h", base,
             mask);
    snprintf(a_router, sizeof(a_router), "--dhcp-option=option:router,%s", gw);
    snprintf(a_pid, sizeof(a_pid), "--pid-file=%s", pid);
    snprintf(a_leases, sizeof(a_leases), "--dhcp-leasefile=%s", leases);
    const char *base_argv[] = { x->s.dnsmasq_path, "--keep-in-foreground",
        "--conf-file=/dev/null", "--bind-interfaces", a_if, a_listen,
        "--except-interface=lo", a_range, a_router, "--dhcp-authoritative",
        a_pid, a_leases, "--log-dhcp", "--log-facility=-" };
    size_t nb = sizeof(base_argv) / sizeof(base_argv[0]);
    static char hostarg[XEND_MAX_DOMAINS * CFG_MAX_VIFS][48];
    static const char *argv[XEND_MAX_DOMAINS * CFG_MAX_VIFS + 32];
    size_t na = 0;
    for (size_t k = 0; k < nb; k++)
        argv[na++] = base_argv[k];
    for (size_t k = 0; k < nv && k < XEND_MAX_DOMAINS * CFG_MAX_VIFS; k++) {
        snprintf(hostarg[k], sizeof(hostarg[k]), "--dhcp-host=%s,%s",
                 v[k].mac, v[k].ip);
        argv[na++] = hostarg[k];
    }
    argv[na] = NULL;
    int p = run_prog(argv, log, false);
    if (p < 0)
        return p;
    x->nat_dnsmasq = p;
    xlog(x, LOG_INFO, "vif-nat: dnsmasq %d serves %s/%u on %s (log %s)", p,
         base, n->prefix, x->s.nat_bridge, log);
    return 0;
}

/* A dnsmasq a previous xend started (its pid file). */
static void kill_stale_dnsmasq(struct xend *x)
{
    char pidf[XEND_PATH];
    nat_path(x, "dnsmasq.pid", pidf, sizeof(pidf));
    FILE *f = fopen(pidf, "r");
    int pid = 0;
    if (f && fscanf(f, "%d", &pid) == 1 && pid > 1 && pid != x->nat_dnsmasq)
        kill(pid, SIGTERM);
    if (f)
        fclose(f);
    unlink(pidf);
}

int nat_ready(struct xend *x, char *err, size_t len)
{
    struct nat_net n;
    const char *br = x->s.nat_bridge;
    if (x->nat_up)
        return 0;
    if (!have_program(x->s.dnsmasq_path) || !have_program(x->s.nft_path))
        return snprintf(err, len, "vif-nat needs %s and %s: apt-get install "
                        "dnsmasq-base nftables", x->s.dnsmasq_path,
                        x->s.nft_path), -ENOENT;
    nat_parse_subnet(x->s.nat_subnet, &n);
    bool made = false;
    int r = 0;
    if (!link_exists(br)) {
        r = bridge_create(br);
        made = r == 0;
    } else if (!link_is_bridge(br)) {
        r = -ENOTSUP;
    }
    if (r == 0)
        r = link_addr_set(br, nat_gateway(&n), n.prefix);
    if (r == 0)
        r = ipv4_sysctl(NULL, "ip_forward", "1");
    if (r == 0)     /* forwards reached from dom0's 127.0.0.1 */
        r = ipv4_sysctl(br, "route_localnet", "1");
    if (r < 0) {
        if (made)
            bridge_delete(br);
        const char *hint = r == -EPERM || r == -EACCES ?
                           " (xend needs CAP_NET_ADMIN: run it as root)" : "";
        return snprintf(err, len, "vif-nat: can't set up bridge %s for %s: "
                        "%s%s", br, x->s.nat_subnet, strerror(-r), hint), r;
    }
    x->nat_up = true;
    x->nat_bridge_ours = made;
    return 0;
}

void nat_stop(struct xend *x)
{
    if (!x->nat_up)
        return;
    kill_dnsmasq(x);
    nft_apply(x, "table ip xeno_nat\ndelete table ip xeno_nat\n");
    if (x->nat_bridge_ours)
        bridge_delete(x->s.nat_bridge);
    x->nat_up = x->nat_bridge_ours = false;
    xlog(x, LOG_INFO, "vif-nat: network %s stopped", x->s.nat_subnet);
}

/* The NAT vifs of every domain with a VMM (or starting one). */
static size_t nat_vifs(struct xend *x, struct vif_plan *out, size_t max)
{
    char err[256];
    size_t n = 0;
    for (int k = 0; k < XEND_MAX_DOMAINS; k++) {
        struct domain *d = &x->doms[k];
        if (!d->used || (d->pid <= 0 && d->state != DS_CREATING))
            continue;
        for (size_t j = 0; j < d->cfg.n_vifs && n < max; j++)
            if (net_plan_of(x, d, &d->cfg.vifs[j], &out[n], err,
                            sizeof(err)) == 0 && out[n].mode == VIF_NAT)
                n++;
    }
    return n;
}

/* The hosts dnsmasq serves, also in run-dir/nat-hosts for the curious:
 * 1 when they changed since the last call. */
static int write_hosts(struct xend *x, const struct vif_plan *v, size_t n)
{
    static char last[XEND_MAX_DOMAINS * CFG_MAX_VIFS * 40];
    static char buf[sizeof(last)];
    char path[XEND_PATH];
    nat_path(x, "hosts", path, sizeof(path));
    if (nat_hosts(v, n, buf, sizeof(buf)) < 0)
        return -ENOSPC;
    if (strcmp(buf, last) == 0 && x->nat_dnsmasq > 0)
        return 0;
    strcpy(last, buf);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(buf, f);
        fclose(f);
    }
    return 1;
}

void nat_refresh(struct xend *x)
{
    static struct vif_plan v[XEND_MAX_DOMAINS * CFG_MAX_VIFS];
    static char rules[NAT_RULES_MAX * 4];
    char err[256];
    struct nat_net net;
    size_t n = nat_vifs(x, v, sizeof(v) / sizeof(v[0]));
    if (n == 0) {
        nat_stop(x);
        return;
    }
    if (nat_ready(x, err, sizeof(err)) < 0) {
        xlog(x, LOG_WARN, "%s", err);
        return;
    }
    nat_parse_subnet(x->s.nat_subnet, &net);
    if (x->nat_dnsmasq > 0 && waitpid(x->nat_dnsmasq, NULL, WNOHANG) != 0)
        x->nat_dnsmasq = 0;                 /* it ended */
    if (write_hosts(x, v, n) != 0) {
        kill_dnsmasq(x);
        if (start_dnsmasq(x, &net, v, n) < 0)
            xlog(x, LOG_WARN, "vif-nat: can't start %s", x->s.dnsmasq_path);
    }
    if (nat_ruleset(&net, x->s.nat_bridge, v, n, rules, sizeof(rules)) < 0 ||
        nft_apply(x, rules) < 0)
        xlog(x, LOG_WARN, "vif-nat: the nftables rules were not applied");
}

void nat_restore(struct xend *x)
{
    kill_stale_dnsmasq(x);
    nat_refresh(x);
}
