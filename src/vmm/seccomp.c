/* seccomp per thread kind with libseccomp.  A call outside the thread's
 * policy traps (SIGSYS); the handler writes "killed by seccomp: syscall N
 * (name)" to stderr and the log (both already open: xend points stderr at
 * the domain's log) and makes a second forbidden call, which the kernel,
 * with SIGSYS blocked in its handler, turns into death by SIGSYS.  So
 * xend sees "killed by signal 31" and the log says which call. */
#include "vmm/seccomp_policy.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <termios.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "common/log.h"

#define ALLOW(n) { #n, 0, RULE_ANY },
#define ALLOW_IOCTL(r) { "ioctl", (unsigned long)(r), RULE_IOCTL },
#define ALLOW_CLONE_THREAD { "clone", CLONE_THREAD, RULE_CLONE_THREAD },
#define ALLOW_ARG0(n, v) { #n, (unsigned long)(v), RULE_ARG0 },
static const struct seccomp_rule io_rules[] = {
#include "seccomp/io.def"
};
static const struct seccomp_rule vcpu_rules[] = {
#include "seccomp/vcpu.def"
};
#undef ALLOW
#undef ALLOW_IOCTL
#undef ALLOW_CLONE_THREAD
#undef ALLOW_ARG0

static const struct seccomp_policy policies[VMM_THREAD_KINDS] = {
    [VMM_THREAD_IO] = { "I/O", "io", io_rules, sizeof(io_rules) / sizeof(io_rules[0]) },
    [VMM_THREAD_VCPU] = { "vCPU", "vcpu", vcpu_rules, sizeof(vcpu_rules) / sizeof(vcpu_rules[0]) },
};

const struct seccomp_policy *vmm_seccomp_policy(enum vmm_thread_kind k)
{
    return k < VMM_THREAD_KINDS ? &policies[k] : NULL;
}

size_t vmm_seccomp_count(const struct seccomp_policy *p)
{
    size_t n = 0;
    for (size_t i = 0; i < p->n; i++) {
        size_t j = 0;
        while (j < i && strcmp(p->rules[j].name, p->rules[i].name) != 0)
            j++;
        n += j == i;
    }
    return n;
}

/* What the SIGSYS handler prints: names resolved before any filter (the
 * handler may run inside malloc, so it must not call it). */
#define MAX_NR 512
static char names[MAX_NR][24];
/* Threads we did not start (libxenstore's reader) keep the default. */
static __thread const char *thread_kind = "library (I/O filter)";

static size_t put(char *buf, size_t at, size_t cap, const char *s)
{
    while (*s && at + 1 < cap)
        buf[at++] = *s++;
    return at;
}

static size_t put_num(char *buf, size_t at, size_t cap, long v)
{
    char d[24];
    int n = 0;
    unsigned long u = v < 0 ? (unsigned long)-v : (unsigned long)v;
    do
        d[n++] = (char)('0' + u % 10);
    while ((u /= 10) && n < 23);
    if (v < 0 && at + 1 < cap)
        buf[at++] = '-';
    while (n && at + 1 < cap)
        buf[at++] = d[--n];
    return at;
}

static size_t put_hex(char *buf, size_t at, size_t cap, unsigned long v)
{
    int shift = 60;
    at = put(buf, at, cap, "0x");
    while (shift > 0 && !(v >> shift))
        shift -= 4;
    for (; shift >= 0 && at + 1 < cap; shift -= 4)
        buf[at++] = "0123456789abcdef"[(v >> shift) & 15];
    return at;
}

static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
    const ucontext_t *uc = ctx;
    char line[240];
    size_t n = 0;
    int nr = si->si_syscall;

    (void)sig;
    n = put(line, n, sizeof(line), "xeno-vmm: error: killed by seccomp: syscall ");
    n = put_num(line, n, sizeof(line), nr);
    n = put(line, n, sizeof(line), " (");
    n = put(line, n, sizeof(line), nr >= 0 && nr < MAX_NR && names[nr][0] ? names[nr] : "?");
    n = put(line, n, sizeof(line), ", arguments ");
    n = put_hex(line, n, sizeof(line), (unsigned long)uc->uc_mcontext.gregs[REG_RDI]);
    n = put(line, n, sizeof(line), ", ");
    n = put_hex(line, n, sizeof(line), (unsigned long)uc->uc_mcontext.gregs[REG_RSI]);
    n = put(line, n, sizeof(line), ", ...");
    if (nr == SYS_openat || nr == SYS_open) { /* the path says who wanted it */
        const char *path = (const char *)uc->uc_mcontext.gregs[nr == SYS_open ? REG_RDI : REG_RSI];
        char quoted[80];
        size_t k = 0;
        for (; path && path[k] && k + 1 < sizeof(quoted); k++)
            quoted[k] = path[k] >= 0x20 && path[k] < 0x7f ? path[k] : '.';
        quoted[k] = '\0';
        n = put(line, n, sizeof(line), " \"");
        n = put(line, n, sizeof(line), quoted);
        n = put(line, n, sizeof(line), "\"");
    }
    n = put(line, n, sizeof(line), ") on the ");
    n = put(line, n, sizeof(line), thread_kind);
    n = put(line, n, sizeof(line), " thread, not in its policy (src/vmm/seccomp/)\n");
    log_write_raw(line, n);
    /* SIGSYS is blocked here: a second trapped call kills with SIGSYS. */
    syscall(SYS_reboot, 0, 0, 0, 0);
    _exit(1); /* not under a filter at all */
}

int vmm_seccomp_prepare(char *err, size_t len)
{
    struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
    /* A core of a dying VMM is the guest's memory: none. */
    struct rlimit no_core = { 0, 0 };

    for (int nr = 0; nr < MAX_NR; nr++) {
        char *s = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
        if (s)
            snprintf(names[nr], sizeof(names[nr]), "%s", s);
        free(s);
    }
    if (sigaction(SIGSYS, &sa, NULL) < 0 || setrlimit(RLIMIT_CORE, &no_core) < 0) {
        snprintf(err, len, "seccomp: SIGSYS handler: %s", strerror(errno));
        return -errno;
    }
    return 0;
}

/* libseccomp's SCMP_A* macros leave datum_b out, which clang's
 * -Wmissing-field-initializers rejects: spell every field. */
static struct scmp_arg_cmp arg_cmp(unsigned arg, enum scmp_compare op, uint64_t a, uint64_t b)
{
    struct scmp_arg_cmp c = { .arg = arg, .op = op, .datum_a = a, .datum_b = b };
    return c;
}

static int add_rule(scmp_filter_ctx ctx, const struct seccomp_rule *r, char *err, size_t len)
{
    int nr = seccomp_syscall_resolve_name(r->name);
    int rc;

    if (nr == __NR_SCMP_ERROR) {
        snprintf(err, len, "seccomp: unknown system call '%s' in the policy", r->name);
        return -EINVAL;
    }
    switch (r->kind) {
    case RULE_IOCTL:
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, arg_cmp(1, SCMP_CMP_EQ, r->arg, 0));
        break;
    case RULE_ARG0:
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, arg_cmp(0, SCMP_CMP_EQ, r->arg, 0));
        break;
    case RULE_CLONE_THREAD:
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
                              arg_cmp(0, SCMP_CMP_MASKED_EQ, r->arg, r->arg));
        if (!rc)
            rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
        break;
    default:
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
    }
    if (rc)
        snprintf(err, len, "seccomp: rule %s: %s", r->name, strerror(-rc));
    return rc;
}

int vmm_seccomp_install(enum vmm_thread_kind k, char *err, size_t len)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    const struct seccomp_policy *p = vmm_seccomp_policy(k);
    scmp_filter_ctx ctx;
    int rc = 0;

    if (!p)
        return -EINVAL;
    pthread_mutex_lock(&lock); /* vCPU threads install at once */
    ctx = seccomp_init(SCMP_ACT_TRAP);
    if (!ctx) {
        pthread_mutex_unlock(&lock);
        snprintf(err, len, "seccomp: out of memory");
        return -ENOMEM;
    }
    for (size_t i = 0; i < p->n && !rc; i++)
        rc = add_rule(ctx, &p->rules[i], err, len);
    /* The I/O filter covers every thread there is; later filters stack on
     * it and on its no_new_privs, so they need no prctl of their own. */
    if (!rc)
        rc = seccomp_attr_set(ctx, k == VMM_THREAD_IO ? SCMP_FLTATR_CTL_TSYNC
                                                      : SCMP_FLTATR_CTL_NNP,
                              k == VMM_THREAD_IO);
    if (!rc) {
        thread_kind = p->kind;
        rc = seccomp_load(ctx);
        if (rc)
            snprintf(err, len, "seccomp: loading the %s filter: %s", p->kind, strerror(-rc));
    }
    seccomp_release(ctx);
    pthread_mutex_unlock(&lock);
    return rc;
}

/* XENO_SECCOMP_SELFTEST=io|vcpu: right after that filter is in place, try
 * what a subverted VMM would, open a host file; the filter must kill the
 * process with its log line (tests/conformance/seccomp.sh).
 * XENO_SECCOMP_SELFTEST=vcpu-unpause: a vCPU thread tries it when the
 * domain is unpaused, so long after xend saw it start (tests/toolstack/
 * jail.sh: the domain crashes, xend says why).  Only whoever starts the
 * VMM sets its environment; all the variable can do is get it killed. */
void vmm_seccomp_selftest(enum vmm_thread_kind k, const char *event)
{
    const char *t = getenv("XENO_SECCOMP_SELFTEST");
    const struct seccomp_policy *p = vmm_seccomp_policy(k);
    size_t n = p ? strlen(p->file) : 0;

    if (!t || !p || strncmp(t, p->file, n) != 0)
        return;
    if (event ? t[n] == '-' && strcmp(t + n + 1, event) == 0 : t[n] == '\0') {
        int fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
        log_err("seccomp self-test: the %s thread opened /etc/hostname (fd %d)", p->kind, fd);
    }
}
