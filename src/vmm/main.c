/* xeno-vmm: one process per guest domain.  Usage in vmm_control.h. */
#include "vmm/vm.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/kvm.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xen/arch-x86/hvm/start_info.h>
#include <xen/hvm/params.h>
#include <xen/io/xs_wire.h>

#include "common/log.h"
#include "loader/loader.h"
#include "vmm/control.h"
#include "vmm/startup.h"
#include "vmm/vbd.h"
#include "vmm/vif.h"
#include "xeno/exit.h"

#define MAX_MEMORY_MIB (1024ull * 1024)   /* 1 TiB */
#define MAX_IMAGE (1ull << 30)
#define DEFAULT_MEMORY_MIB 256


/* A sanitizer build's runtime makes calls of its own on every thread
 * (sigaltstack, sched_getaffinity, ptrace for the leak check) that the
 * filters forbid, so there the filters are off unless --seccomp asks;
 * the plain build, which is what runs guests, has them on. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SECCOMP_DEFAULT false
#else
#define SECCOMP_DEFAULT true
#endif

static void usage(FILE *f)
{
    fprintf(f,
        "usage: xeno-vmm --kernel PATH [--ramdisk PATH] [--cmdline STR]\n"
        "                [--memory MiB] [--maxmem MiB] [--vcpus N] [--maxvcpus M] [--name NAME] [--domid N]\n"
        "                [--log FILE] [--xenstored-dir DIR] [--xenstore-token TOKEN]\n"
        "                [--control PATH]\n"
        "                [--console-socket PATH] [--no-stdio-console] [--verbose]\n"
        "                [--disk fd=N,devid=D,mode=r|w[,type=file|phy][,name=xvda]]...\n"
        "                [--nic fd=N,devid=D,mac=XX:XX:XX:XX:XX:XX[,mtu=M]]...\n"
        "                [--jail uid=U,gid=G[,nofile=N]] [--no-seccomp]\n"
        "--maxvcpus: the guest sees M CPUs; those from N up start offline when xend\n"
        "writes cpu/<n>/availability = offline (docs/cpu.md).\n"
        "Runs one Xen PVH domain on KVM.  Exit status: 0 poweroff, 100+SHUTDOWN_*\n"
        "(101 reboot, 102 suspend, 103 crash, 104 watchdog, 105 soft_reset),\n"
        "3 destroyed, 1 VMM error, 2 usage error.  --maxmem above --memory: the\n"
        "memory map holds maxmem and the guest balloons to its memory/target.\n");
}

static int parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || v > max)
        return -1;
    *out = v;
    return 0;
}

static bool valid_name(const char *s)
{
    if (!*s || strlen(s) > 64)
        return false;
    for (; *s; s++)
        if (!(*s == '-' || *s == '_' || *s == '.' || (*s >= '0' && *s <= '9') ||
              (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
            return false;
    return true;
}

static int parse_args(int argc, char **argv, struct vm_config *c)
{
    enum { O_KERNEL = 256, O_RAMDISK, O_CMDLINE, O_MEMORY, O_VCPUS, O_NAME,
           O_DOMID, O_LOG, O_XSDIR, O_CONTROL, O_CONSOCK, O_NOSTDIO, O_VERBOSE, O_HELP, O_DISK, O_NIC,
           O_MAXVCPUS, O_MAXMEM, O_JAIL, O_NOSECCOMP, O_SECCOMP, O_XSTOKEN };
    static const struct option opts[] = {
        { "kernel", 1, 0, O_KERNEL }, { "ramdisk", 1, 0, O_RAMDISK },
        { "cmdline", 1, 0, O_CMDLINE }, { "memory", 1, 0, O_MEMORY },
        { "vcpus", 1, 0, O_VCPUS }, { "name", 1, 0, O_NAME },
        { "domid", 1, 0, O_DOMID }, { "log", 1, 0, O_LOG },
        { "xenstored-dir", 1, 0, O_XSDIR }, { "control", 1, 0, O_CONTROL },
        { "xenstore-token", 1, 0, O_XSTOKEN },
        { "console-socket", 1, 0, O_CONSOCK }, { "no-stdio-console", 0, 0, O_NOSTDIO },
        { "verbose", 0, 0, O_VERBOSE }, { "help", 0, 0, O_HELP },
        { "disk", 1, 0, O_DISK }, { "nic", 1, 0, O_NIC }, { "maxvcpus", 1, 0, O_MAXVCPUS },
        { "maxmem", 1, 0, O_MAXMEM }, { "jail", 1, 0, O_JAIL },
        { "no-seccomp", 0, 0, O_NOSECCOMP }, { "seccomp", 0, 0, O_SECCOMP }, { 0, 0, 0, 0 },
    };
    uint64_t v, maxvcpus = 0;
    int o;

    *c = (struct vm_config){ .cmdline = "", .memory_mib = DEFAULT_MEMORY_MIB,
                             .vcpus = 1, .domid = 1, .stdio_console = true,
                             .seccomp = SECCOMP_DEFAULT };  /* --no-seccomp: debugging only */
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case O_KERNEL: c->kernel_path = optarg; break;
        case O_RAMDISK: c->ramdisk_path = optarg; break;
        case O_CMDLINE: c->cmdline = optarg; break;
        case O_NAME:
            if (!valid_name(optarg)) {
                fprintf(stderr, "xeno-vmm: --name: use 1-64 of [A-Za-z0-9._-]\n");
                return -1;
            }
            c->name = optarg;
            break;
        case O_LOG: c->log_path = optarg; break;
        case O_XSDIR: c->xenstored_dir = optarg; break;
        case O_XSTOKEN:
            if (vm_take_xs_token(optarg, c->xs_token)) {
                fprintf(stderr, "xeno-vmm: --xenstore-token: give %d-%d of [A-Za-z0-9_-]\n",
                        VM_XS_TOKEN_MIN, VM_XS_TOKEN_LEN - 1);
                return -1;
            }
            break;
        case O_CONTROL: c->control_path = optarg; break;
        case O_CONSOCK: c->console_socket = optarg; break;
        case O_NOSTDIO: c->stdio_console = false; break;
        case O_VERBOSE: c->verbose = true; break;
        case O_HELP: usage(stdout); exit(0);
        case O_NOSECCOMP: c->seccomp = false; break;
        case O_SECCOMP: c->seccomp = true; break;
        case O_JAIL:
            if (vm_parse_jail(optarg, &c->jail)) {
                fprintf(stderr, "xeno-vmm: --jail %s: give uid=U,gid=G[,nofile=N], "
                        "U and G not 0\n", optarg);
                return -1;
            }
            break;
        case O_DISK: {
            char err[200];
            if (c->nr_disks == VM_MAX_DISKS ||
                vbd_parse_disk(optarg, &c->disks[c->nr_disks], err, sizeof(err))) {
                fprintf(stderr, "xeno-vmm: --disk %s: %s\n", optarg,
                        c->nr_disks == VM_MAX_DISKS ? "at most 16 disks" : err);
                return -1;
            }
            c->nr_disks++;
            break;
        }
        case O_NIC: {
            char err[200];
            if (c->nr_nics == VM_MAX_NICS ||
                vif_parse_nic(optarg, &c->nics[c->nr_nics], err, sizeof(err))) {
                fprintf(stderr, "xeno-vmm: --nic %s: %s\n", optarg,
                        c->nr_nics == VM_MAX_NICS ? "at most 8 vifs" : err);
                return -1;
            }
            c->nr_nics++;
            break;
        }
        case O_MEMORY:
            if (parse_uint(optarg, MAX_MEMORY_MIB, &v) || v < 4) {
                fprintf(stderr, "xeno-vmm: --memory %s: give MiB between 4 and %llu\n",
                        optarg, MAX_MEMORY_MIB);
                return -1;
            }
            c->memory_mib = v;
            break;
        case O_MAXMEM:
            if (parse_uint(optarg, MAX_MEMORY_MIB, &v) || v < 4) {
                fprintf(stderr, "xeno-vmm: --maxmem %s: give MiB between 4 and %llu\n",
                        optarg, MAX_MEMORY_MIB);
                return -1;
            }
            c->maxmem_mib = v;
            break;
        case O_VCPUS:
            if (parse_uint(optarg, HV_MAX_VCPUS, &v) || v == 0) {
                fprintf(stderr, "xeno-vmm: --vcpus %s: give 1 to %d\n", optarg, HV_MAX_VCPUS);
                return -1;
            }
            c->vcpus = (unsigned)v;
            break;
        case O_MAXVCPUS:
            if (parse_uint(optarg, HV_MAX_VCPUS, &maxvcpus) || maxvcpus == 0) {
                fprintf(stderr, "xeno-vmm: --maxvcpus %s: give 1 to %d\n", optarg,
                        HV_MAX_VCPUS);
                return -1;
            }
            break;
        case O_DOMID:
            if (parse_uint(optarg, 0x7fef, &v) || v == 0) {
                fprintf(stderr, "xeno-vmm: --domid %s: give 1 to 32751\n", optarg);
                return -1;
            }
            c->domid = (unsigned)v;
            break;
        default:
            usage(stderr);
            return -1;
        }
    }
    if (optind != argc || !c->kernel_path) {
        fprintf(stderr, "xeno-vmm: %s\n", optind != argc ? "unexpected argument"
                                                       : "--kernel is required");
        usage(stderr);
        return -1;
    }
    if (maxvcpus && maxvcpus < c->vcpus) {
        fprintf(stderr, "xeno-vmm: --vcpus %u is more than --maxvcpus %llu\n", c->vcpus,
                (unsigned long long)maxvcpus);
        return -1;
    }
    c->boot_vcpus = c->vcpus;
    if (maxvcpus)
        c->vcpus = (unsigned)maxvcpus;
    if (c->maxmem_mib && c->maxmem_mib < c->memory_mib) {
        fprintf(stderr, "xeno-vmm: --maxmem %llu is below --memory %llu\n",
                (unsigned long long)c->maxmem_mib, (unsigned long long)c->memory_mib);
        return -1;
    }
    if (!c->maxmem_mib)
        c->maxmem_mib = c->memory_mib;
    if (c->nr_disks && !c->xenstored_dir) {
        fprintf(stderr, "xeno-vmm: --disk needs --xenstored-dir (disks connect through xenstore)\n");
        return -1;
    }
    if (c->nr_nics && !c->xenstored_dir) {
        fprintf(stderr, "xeno-vmm: --nic needs --xenstored-dir (vifs connect through xenstore)\n");
        return -1;
    }
    return 0;
}

static int read_file(const char *path, uint8_t **data, size_t *len)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int rc = 0;

    if (fd < 0)
        return -errno;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        rc = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
        goto out;
    }
    if ((uint64_t)st.st_size > MAX_IMAGE || st.st_size == 0) {
        rc = st.st_size == 0 ? -ENOEXEC : -EFBIG;
        goto out;
    }
    *len = (size_t)st.st_size;
    *data = malloc(*len);
    if (!*data) {
        rc = -ENOMEM;
        goto out;
    }
    for (size_t off = 0; off < *len;) {
        ssize_t n = read(fd, *data + off, *len - off);
        if (n <= 0) {
            rc = n < 0 ? -errno : -EIO;
            free(*data);
            goto out;
        }
        off += (size_t)n;
    }
out:
    close(fd);
    return rc;
}

/* The loader wrote the memory map into guest RAM; hv answers
 * XENMEM_memory_map from the same table. */
static void memmap_to_hv(struct vm *vm, uint64_t start_info_gpa)
{
    const struct hvm_start_info *si = hv_gpa_ptr(&vm->dom, start_info_gpa, sizeof(*si));
    struct hv_memmap_entry e[HV_MAX_MEMMAP];
    unsigned n = 0;

    if (!si)
        return;
    const struct hvm_memmap_table_entry *m =
        hv_gpa_ptr(&vm->dom, si->memmap_paddr, (uint64_t)si->memmap_entries * sizeof(*m));
    for (unsigned i = 0; m && i < si->memmap_entries && n < HV_MAX_MEMMAP; i++)
        e[n++] = (struct hv_memmap_entry){ m[i].addr, m[i].size, m[i].type };
    hv_set_memmap(&vm->dom, e, n);
}

/* Linux on an AMD-vendor CPU has no CPUID path to the TSC frequency and
 * PIT calibration is unreliable on loaded or nested hosts, so a Linux
 * kernel (a bzImage) is told the frequency KVM runs its TSC at, unless the
 * command line already says.  Intel-vendor guests read CPUID 0x15.
 * It also gets earlyprintk=xen (unless it names an earlyprintk/earlycon):
 * a kernel that dies before hvc0 registers then still leaves its text,
 * through HYPERVISOR_console_io, in this domain's own log (docs/vmm.md).
 * And tsc=reliable: the guest has no Xen pvclock here, so its clocksource
 * watchdog would judge KVM's (stable) TSC by jiffies, which lag on a loaded
 * host, declare it unstable and fall back to refined-jiffies (docs/testhost.md). */
static const char *linux_cmdline(struct vm *vm, const uint8_t *img, size_t len,
                                 char *buf, size_t size)
{
    const char *c = vm->cfg.cmdline;
    long khz = ioctl(vm->vcpu[0].fd, KVM_GET_TSC_KHZ, 0);
    bool bzimage = len > 0x206 && memcmp(img + 0x202, "HdrS", 4) == 0;
    bool tsc = khz > 0 && !cpuid_host_is_intel(vm) && !strstr(c, "tsc_early_khz=");
    bool early = !strstr(c, "earlyprintk=") && !strstr(c, "earlycon");
    bool rel = khz > 0 && !strstr(c, "tsc=");
    char khz_arg[40] = "";

    if (!bzimage || (!tsc && !early && !rel))
        return c;
    if (tsc)
        snprintf(khz_arg, sizeof(khz_arg), " tsc_early_khz=%ld", khz);
    if (snprintf(buf, size, "%s%s%s%s", c, early ? " earlyprintk=xen" : "",
                 rel ? " tsc=reliable" : "", khz_arg) >= (int)size)
        return c; /* too long: the loader reports it */
    return buf[0] == ' ' ? buf + 1 : buf;
}

static int load_guest(struct vm *vm, struct boot_result *res)
{
    char cmdline[XENO_CMDLINE_MAX];
    struct guest_ram ram = { vm->mem, vm->low_size,
                             vm->high_size ? vm->mem + vm->low_size : NULL, vm->high_size };
    struct boot_config bc = { .cmdline = vm->cfg.cmdline, .vcpus = vm->cfg.vcpus,
                              .syms = &vm->syms };
    uint8_t *kernel = NULL, *initrd = NULL;
    char err[256] = "";
    int rc;

    rc = read_file(vm->cfg.kernel_path, &kernel, &bc.kernel_len);
    if (rc) {
        log_err("%s: %s", vm->cfg.kernel_path, rc == -ENOEXEC ? "empty file" : strerror(-rc));
        return rc;
    }
    startup_mark("kernel-read");
    if (vm->cfg.ramdisk_path) {
        rc = read_file(vm->cfg.ramdisk_path, &initrd, &bc.initrd_len);
        if (rc) {
            log_err("%s: %s", vm->cfg.ramdisk_path, strerror(-rc));
            goto out;
        }
        startup_mark("initrd-read");
    }
    bc.kernel = kernel;
    bc.initrd = initrd;
    bc.cmdline = linux_cmdline(vm, kernel, bc.kernel_len, cmdline, sizeof(cmdline));
    rc = boot_prepare(&ram, &bc, res, err, sizeof(err));
    if (rc)
        log_err("%s: %s", vm->cfg.kernel_path, err[0] ? err : strerror(-rc));
out:
    free(kernel);
    free(initrd);
    return rc;
}

static void pvcon_output(void *o, const char *buf, size_t len) { (void)o; conout_write(buf, len); }
static void pvcon_notify(void *o)
{
    struct vm *vm = o;
    hv_evtchn_set_pending(&vm->dom, vm->console_port);
}

/* Console and xenstore pages, their ports and HVM params. */
static int setup_special(struct vm *vm)
{
    char err[256];
    int port = hv_evtchn_alloc_backend(&vm->dom, 0);

    if (port < 0)
        return port;
    vm->console_port = (unsigned)port;
    console_backend_init(&vm->pvcon, vm->special, pvcon_output, pvcon_notify, vm);
    hv_set_param(&vm->dom, HVM_PARAM_CONSOLE_PFN, XENO_CONSOLE_PFN);
    hv_set_param(&vm->dom, HVM_PARAM_CONSOLE_EVTCHN, vm->console_port);
    if (!vm->cfg.xenstored_dir)
        return 0;
    port = hv_evtchn_alloc_backend(&vm->dom, 0);
    if (port < 0)
        return port;
    vm->store_port = (unsigned)port;
    hv_set_param(&vm->dom, HVM_PARAM_STORE_PFN, XENO_XENSTORE_PFN);
    hv_set_param(&vm->dom, HVM_PARAM_STORE_EVTCHN, vm->store_port);
    int rc = xs_attach(vm, err, sizeof(err));
    if (rc)
        log_err("%s", err);
    return rc;
}

static int vm_init(struct vm *vm)
{
    pthread_condattr_t ca;

    vm->store_kick_fd = vm->store_notify_fd = vm->store_sock = -1;
    vm->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    pthread_mutex_init(&vm->state_lock, NULL);
    pthread_mutex_init(&vm->slot_lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&vm->state_cond, &ca);
    vm->start_ns = vm_now_ns();
    struct timespec rt;
    clock_gettime(CLOCK_REALTIME, &rt);
    vm->wc_boot_ns = (uint64_t)rt.tv_sec * 1000000000ull + (uint64_t)rt.tv_nsec;
    return vm->wake_fd < 0 ? -errno : 0;
}

static int run(struct vm *vm)
{
    struct boot_result res;
    char err[256];
    int rc;

    if (vm->cfg.verbose)
        pio_count_enable();
    if (vm_init(vm) || conout_init(vm)) {
        log_err("setup: %s", strerror(errno));
        return XENO_EXIT_VMM_ERROR;
    }
    if ((rc = kvm_open_vm(vm, err, sizeof(err)))) {
        log_err("%s", err);
        return XENO_EXIT_VMM_ERROR;
    }
    if (hv_domain_init(&vm->dom, (uint16_t)vm->cfg.domid, vm->cfg.vcpus, &vm_hv_ops, vm) ||
        kvm_setup_memory(vm, err, sizeof(err))) {
        log_err("%s", err);
        return XENO_EXIT_VMM_ERROR;
    }
    startup_mark("memory");
    if (kvm_create_irqchip(vm, err, sizeof(err))) {
        log_err("%s", err);
        return XENO_EXIT_VMM_ERROR;
    }
    vm->dom.wc_boot_ns = vm->wc_boot_ns;
    for (unsigned i = 0; i < vm->cfg.vcpus; i++) {
        if ((rc = vcpu_create(vm, i))) {
            log_err("vcpu%u: %s", i, strerror(-rc));
            return XENO_EXIT_VMM_ERROR;
        }
    }
    startup_mark("vcpus");
    if (load_guest(vm, &res))
        return XENO_EXIT_VMM_ERROR;
    startup_mark("load");
    if (setup_special(vm) || vbd_start_all(vm) || vif_start_all(vm)) {
        vif_stop_all(vm); /* vifs and disks already started go to Closed */
        vbd_stop_all(vm);
        return XENO_EXIT_VMM_ERROR;
    }
    startup_mark("special");
    memmap_to_hv(vm, res.start_info_gpa);
    if (vm->cfg.verbose)
        log_info("entry %#" PRIx64 ", start_info %#" PRIx64 ", %d hypercall sites patched",
                 res.entry, res.start_info_gpa, res.patched_sites);
    if ((rc = vcpu_set_boot_state(&vm->vcpu[0], res.entry, res.start_info_gpa))) {
        log_err("vcpu0 boot state: %s", strerror(-rc));
        return XENO_EXIT_VMM_ERROR;
    }
    if (vm_lockdown(vm))
        return XENO_EXIT_VMM_ERROR;
    startup_mark("entry");
    startup_trace_flush();
    if (startup_stop_at_entry())
        return XENO_EXIT_POWEROFF;
    control_mark_start();
    for (unsigned i = 0; i < vm->cfg.vcpus; i++)
        if ((rc = vcpu_start(&vm->vcpu[i]))) {
            log_err("vcpu%u thread: %s", i, strerror(-rc));
            vm_request_stop(vm, XENO_EXIT_VMM_ERROR);
            break;
        }
    if ((rc = ioloop_run(vm)))
        vm_request_stop(vm, XENO_EXIT_VMM_ERROR);
    vm_kick_all(vm);
    for (unsigned i = 0; i < vm->cfg.vcpus; i++)
        if (vm->vcpu[i].started)
            pthread_join(vm->vcpu[i].thread, NULL);
    vcpu_stall_report(vm);
    startup_mark("stopped");
    startup_trace_flush();
    crash_report(vm);
    vif_stop_all(vm);
    vbd_stop_all(vm);
    if (vm->cfg.verbose)
        for (unsigned i = 0; i < vm->cfg.vcpus; i++)
            log_info("vcpu%u exits: io %" PRIu64 " (hypercalls %" PRIu64 "), mmio %" PRIu64
                     ", msr %" PRIu64 ", other %" PRIu64, i, vm->vcpu[i].exits_io,
                     vm->vcpu[i].exits_hcall, vm->vcpu[i].exits_mmio,
                     vm->vcpu[i].exits_msr, vm->vcpu[i].exits_other);
    if (vm->cfg.verbose && vm->store_port) {
        const struct xenstore_domain_interface *x =
            (const void *)(vm->special + XENO_PAGE_SIZE);
        const struct shared_info *sh = (const void *)vm->dom.shared_info;
        const struct vcpu_info *vi = (const void *)vm->dom.vcpu[0].info;
        log_info("xenstore ring: req %u/%u rsp %u/%u (cons/prod), port %u pending %d",
                 x->req_cons, x->req_prod, x->rsp_cons, x->rsp_prod, vm->store_port,
                 hv_evtchn_is_pending(&vm->dom, vm->store_port));
        if (sh && vi)
            log_info("events: pending[0] %#lx mask[0] %#lx; vcpu0 info %#llx sel %#lx "
                     "upcall_pending %u vector %#x", (unsigned long)sh->evtchn_pending[0],
                     (unsigned long)sh->evtchn_mask[0],
                     (unsigned long long)vm->dom.vcpu[0].info_gpa,
                     (unsigned long)vi->evtchn_pending_sel, vi->evtchn_upcall_pending,
                     vm->dom.vcpu[0].upcall_vector);
    }
    if (vm->cfg.verbose) {
        log_info("port I/O exits by port:");
        pio_count_report();
    }
    if (vm->cfg.verbose)
        log_info("backend events: console %" PRIu64 ", xenstore kicks %" PRIu64
                 ", xenstore notifies %" PRIu64 "; upcalls re-asserted %" PRIu64,
                 vm->console_kicks, vm->store_kicks, vm->store_notifies,
                 vm->upcalls_reasserted);
    return vm->exit_status;
}

int main(int argc, char **argv)
{
    static struct vm vm;

    startup_trace_init();
    startup_mark("main");
    log_init("xeno-vmm", LOG_INFO);
    /* A console or control client that vanishes must cost a failed write
     * (EPIPE), not the domain: xend starts us with SIGPIPE at default. */
    signal(SIGPIPE, SIG_IGN);
    /* Blocked from the start, so threads started before the I/O loop
     * (libxenstore's) leave them to its signalfd too (jail.c). */
    sigset_t term;
    ioloop_block_signals(&term);
    if (parse_args(argc, argv, &vm.cfg))
        return XENO_EXIT_USAGE;
    char err[256];
    if (vbd_check_fds(&vm.cfg, err, sizeof(err)) || vif_check_fds(&vm.cfg, err, sizeof(err))) {
        fprintf(stderr, "xeno-vmm: %s\n", err);
        return XENO_EXIT_VMM_ERROR;
    }
    if (vm.cfg.vcpus > 1 && vm.cfg.memory_mib < 8) {
        fprintf(stderr, "xeno-vmm: too little memory for %u vCPUs\n", vm.cfg.vcpus);
        return XENO_EXIT_USAGE;
    }
    return run(&vm);
}
