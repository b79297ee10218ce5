/* xm main: global options and the command table. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xm.h"

static int cmd_help(struct xm *xm, int argc, char **argv);

static const struct xm_cmd commands[] = {
    { "list", cmd_list, "list [-l] [DOM...]", "List domains" },
    { "create", cmd_create, "create CONFIG [VAR=VALUE...] [-c] [-n|--dry-run]",
      "Create a domain from a config file" },
    { "console", cmd_console, "console DOM", "Attach to a domain's console "
      "(Ctrl-] detaches)" },
    { "destroy", cmd_destroy, "destroy DOM", "Terminate a domain at once" },
    { "shutdown", cmd_shutdown, "shutdown [-w] [-t SECONDS] DOM",
      "Ask a domain to shut down (-w: wait until it has)" },
    { "reboot", cmd_reboot, "reboot DOM", "Ask a domain to reboot" },
    { "pause", cmd_pause, "pause DOM", "Pause a domain's vCPUs" },
    { "unpause", cmd_unpause, "unpause DOM", "Resume a paused domain" },
    { "mem-set", cmd_mem_set, "mem-set DOM MiB", "Set a domain's memory "
      "target (0: the host's share)" },
    { "balloon", cmd_mem_set, "balloon DOM MiB", "Same as mem-set" },
    { "mem-max", cmd_mem_max, "mem-max DOM MiB", "Set the most a domain may "
      "balloon up to (at most its maxmem)" },
    { "block-attach", cmd_block_attach, "block-attach DOM TARGET VDEV MODE",
      "Hot-plug a disk (TARGET phy:sda7 or file:/img, MODE r or w)" },
    { "block-detach", cmd_block_detach, "block-detach DOM VDEV",
      "Unplug a disk (the guest is asked to let go)" },
    { "block-list", cmd_block_list, "block-list [-l] DOM",
      "A domain's disks as xenstore shows them" },
    { "vbd-create", cmd_block_attach, "vbd-create DOM TARGET VDEV MODE",
      "Same as block-attach (Xen 2.0)" },
    { "vbd-destroy", cmd_block_detach, "vbd-destroy DOM VDEV",
      "Same as block-detach (Xen 2.0)" },
    { "vbd-list", cmd_block_list, "vbd-list [-l] DOM",
      "Same as block-list (Xen 2.0)" },
    { "network-attach", cmd_network_attach,
      "network-attach DOM [mac=M] [bridge=B] [script=S] [ip=IP] [key=value...]",
      "Add a virtual network interface to a running domain" },
    { "network-detach", cmd_network_detach, "network-detach DOM DEVID",
      "Remove a virtual network interface" },
    { "network-list", cmd_network_list, "network-list [-l] DOM",
      "List a domain's virtual network interfaces" },
    { "vif-list", cmd_network_list, "vif-list [-l] DOM",
      "Same as network-list (Xen 2.0)" },
    { "dmesg", cmd_dmesg, "dmesg [-c]", "xend's message ring (-c: clear "
      "it)" },
    { "log", cmd_log, "log", "xend's log" },
    { "info", cmd_info, "info", "Host information" },
    { "uptime", cmd_uptime, "uptime [DOM...]", "Domains' uptimes" },
    { "top", cmd_top, "top [-b] [-d SECONDS] [-n ITERATIONS]",
      "Domains' CPU and memory use (-b: batch output)" },
    { "vcpu-set", cmd_vcpu_set, "vcpu-set DOM N", "Set how many of a domain's "
      "vCPUs are online (1 to maxvcpus)" },
    { "vcpu-list", cmd_vcpu_list, "vcpu-list [DOM...]", "vCPUs: host CPU, state, "
      "time, affinity" },
    { "vcpu-pin", cmd_vcpu_pin, "vcpu-pin DOM VCPU|all CPUS", "Pin vCPUs to host "
      "CPUs (CPUS: 0-3,^1 or all)" },
    { "sched-credit", cmd_sched_credit, "sched-credit -d DOM [-w WEIGHT] [-c CAP]",
      "Show or set a domain's CPU weight (1-65535) and cap (% of a CPU)" },
    { "help", cmd_help, "help [COMMAND]", "This list" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

int xm_error(const char *fmt, ...)
{
    va_list ap;
    fputs("Error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return XM_FAIL;
}

int xm_fail(struct xm *xm, int err)
{
    const char *msg = xm->h ? xenoctl_error(xm->h) : "";
    return xm_error("%s", *msg ? msg : strerror(-err));
}

int xm_usage(const struct xm *xm)
{
    fprintf(stderr, "Usage: xm %s\n", xm->cmd->usage);
    return XM_USAGE;
}

struct xenoctl *xm_handle(struct xm *xm)
{
    char err[256];
    if (!xm->h && !(xm->h = xenoctl_open(xm->where, err, sizeof(err))))
        xm_error("%s", err);
    return xm->h;
}

const char *xm_state_flags(const char *state)
{
    static const struct { const char *state, *flags; } map[] = {
        { "running", "r-----" }, { "blocked", "-b----" },
        { "paused", "--p---" }, { "shutdown", "---s--" },
        { "crashed", "----c-" }, { "dying", "-----d" },
    };
    for (size_t k = 0; k < sizeof(map) / sizeof(map[0]); k++)
        if (strcmp(state, map[k].state) == 0)
            return map[k].flags;
    return "------";
}

static void print_commands(FILE *f)
{
    fprintf(f, "Usage: xm [-s SOCKET|http://HOST:PORT] COMMAND [ARGS]\n\n");
    for (size_t k = 0; k < N_COMMANDS; k++)
        fprintf(f, "  %-12s %s\n", commands[k].name, commands[k].summary);
    fprintf(f, "\nxm talks to xend at $%s or %s.\n", XENOCTL_ENV,
            XENOCTL_DEFAULT_SOCKET);
}

static const struct xm_cmd *find_cmd(const char *name)
{
    for (size_t k = 0; k < N_COMMANDS; k++)
        if (strcmp(commands[k].name, name) == 0)
            return &commands[k];
    return NULL;
}

static int cmd_help(struct xm *xm, int argc, char **argv)
{
    (void)xm;
    const struct xm_cmd *c = argc > 1 ? find_cmd(argv[1]) : NULL;
    if (c)
        printf("Usage: xm %s\n  %s\n", c->usage, c->summary);
    else
        print_commands(stdout);
    return XM_OK;
}

int main(int argc, char **argv)
{
    struct xm xm = { 0 };
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if ((strcmp(argv[i], "-s") == 0 || strcmp(argv[i], "--socket") == 0) &&
            i + 1 < argc)
            xm.where = argv[++i];
        else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return cmd_help(&xm, 0, NULL);
        else
            return print_commands(stderr), XM_USAGE;
    }
    if (i >= argc) {
        print_commands(stderr);
        return XM_USAGE;
    }
    xm.cmd = find_cmd(argv[i]);
    if (!xm.cmd) {
        fprintf(stderr, "Error: unknown command '%s' (xm help lists them)\n",
                argv[i]);
        return XM_USAGE;
    }
    int r = xm.cmd->fn(&xm, argc - i, argv + i);
    if (xm.h)
        xenoctl_close(xm.h);
    return r;
}
