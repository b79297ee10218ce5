/* The VMM jails itself once everything it needs is open (disks and
 * taps arrive as fds; /dev/kvm, kernel, initrd, log, xenstored and the
 * control and console sockets are opened or connected by then), before
 * any vCPU runs: resource limits, new mount/IPC/net/UTS namespaces, an
 * empty read-only root (a tmpfs pivoted into), every capability dropped,
 * its own uid/gid, no new privileges; then the I/O thread's seccomp
 * filter.  The PID namespace is the monitor's (it forks us as its init).
 * See docs/privilege.md. */
#include "vmm/vm.h"

#include <dlfcn.h>
#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>

#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>

#include "common/log.h"
#include "vmm/seccomp_policy.h"
#include "vmm/startup.h"

/* Where the empty root is mounted before pivoting into it: any directory
 * that exists; only this process's (private) mount namespace sees it. */
#define JAIL_MOUNTPOINT "/tmp"

static int set_limits(const struct vm *vm, char *err, size_t len)
{
    const struct vm_jail_cfg *j = &vm->cfg.jail;
    rlim_t nofile = j->nofile ? j->nofile : 1024;
    /* Threads count against the (per-domain) uid: vCPUs, libxenstore's
     * reader, room for a few more. */
    rlim_t nproc = vm->cfg.vcpus + 16;
    const struct { int res; rlim_t v; const char *name; } lim[] = {
        { RLIMIT_NOFILE, nofile, "RLIMIT_NOFILE" },
        { RLIMIT_NPROC, nproc, "RLIMIT_NPROC" },
        { RLIMIT_CORE, 0, "RLIMIT_CORE" },
    };
    for (size_t i = 0; i < sizeof(lim) / sizeof(lim[0]); i++) {
        struct rlimit r = { lim[i].v, lim[i].v };
        if (setrlimit(lim[i].res, &r) < 0) {
            snprintf(err, len, "jail: %s: %s", lim[i].name, strerror(errno));
            return -errno;
        }
    }
    return 0;
}

static int empty_root(char *err, size_t len)
{
    const char *step = "unshare";

    if (unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUTS) < 0)
        goto fail;
    step = "private mounts";
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        goto fail;
    step = "tmpfs on " JAIL_MOUNTPOINT;
    if (mount("xeno-jail", JAIL_MOUNTPOINT, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
              "size=4k,nr_inodes=1,mode=0555") < 0)
        goto fail;
    step = "pivot_root";
    if (chdir(JAIL_MOUNTPOINT) < 0 || syscall(SYS_pivot_root, ".", ".") < 0)
        goto fail;
    step = "detaching the old root";
    if (umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
        goto fail;
    step = "read-only root";
    if (mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
              NULL) < 0)
        goto fail;
    return 0;
fail:
    snprintf(err, len, "jail: %s: %s", step, strerror(errno));
    return -errno;
}

static int drop_privileges(const struct vm_jail_cfg *j, char *err, size_t len)
{
    int pdeath = 0;
    const char *step = "capability bounding set";

    prctl(PR_GET_PDEATHSIG, &pdeath);
    for (int c = 0; prctl(PR_CAPBSET_READ, c, 0, 0, 0) >= 0; c++)
        if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0)
            goto fail;
    step = "ambient capabilities";
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        goto fail;
    step = "setgroups";
    if (setgroups(0, NULL) < 0)
        goto fail;
    step = "setresgid";
    if (setresgid(j->gid, j->gid, j->gid) < 0)
        goto fail;
    step = "setresuid"; /* from root to non-root: permitted and effective caps go */
    if (setresuid(j->uid, j->uid, j->uid) < 0)
        goto fail;
    step = "no_new_privs";
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        goto fail;
    /* A change of uid clears the parent-death signal the monitor set. */
    step = "parent-death signal";
    if (pdeath && prctl(PR_SET_PDEATHSIG, pdeath) < 0)
        goto fail;
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct d[2];
    step = "capabilities still held";
    if (syscall(SYS_capget, &h, d) < 0 || d[0].effective || d[0].permitted ||
        d[1].effective || d[1].permitted) {
        errno = errno ? errno : EPERM;
        goto fail;
    }
    return 0;
fail:
    snprintf(err, len, "jail: %s: %s", step, strerror(errno));
    return -errno;
}

/* What glibc would otherwise open from the host's file system later,
 * when the jail's empty root or the filter (no openat) makes that fail:
 * the time zone, which gmtime (rtc.c) loads on first use, and libgcc_s,
 * which pthread_cancel dlopens on first use (libxenstore cancels its
 * reader thread when a VMM with disks or vifs closes its connection; glibc
 * aborts the process when it cannot load it).  A second dlopen of a loaded
 * library finds it by name without touching the file system. */
static void preload(void)
{
    tzset();
    if (!dlopen("libgcc_s.so.1", RTLD_NOW | RTLD_NODELETE))
        log_warn("cannot preload libgcc_s.so.1 (%s): a closing xenstore connection will "
                 "abort this VMM under the jail", dlerror());
}

int vm_lockdown(struct vm *vm)
{
    char err[256];
    int rc = ioloop_prepare(vm);

    if (rc)
        return rc;
    preload();
    if (vm->cfg.jail.on) {
        if ((rc = set_limits(vm, err, sizeof(err))) || (rc = empty_root(err, sizeof(err))) ||
            (rc = drop_privileges(&vm->cfg.jail, err, sizeof(err)))) {
            log_err("%s", err);
            return rc;
        }
        startup_mark("jail");
    } else if (geteuid() == 0) {
        log_warn("running as root, not jailed (no --jail): a guest that subverts this VMM "
                 "owns the host (docs/privilege.md)");
    }
    if (!vm->cfg.seccomp) {
        log_warn("NO SECCOMP FILTERS (--no-seccomp): this VMM's threads may make any system "
                 "call; a guest that subverts it may too (docs/privilege.md)");
    } else if ((rc = vmm_seccomp_prepare(err, sizeof(err))) ||
               (rc = vmm_seccomp_install(VMM_THREAD_IO, err, sizeof(err)))) {
        log_err("%s", err);
        return rc;
    }
    vmm_seccomp_selftest(VMM_THREAD_IO, NULL);
    return 0;
}

