/* The seccomp policies as data (src/vmm/seccomp/, one .def per thread kind): every name is a
 * system call libseccomp knows, every vCPU rule is also an I/O rule (a
 * vCPU thread runs under both filters), no rule is listed twice, and the
 * jail argument parser refuses root and junk.  Prints each filter's size
 * (docs/privilege.md quotes it). */
#include <sys/ioctl.h>
#include <linux/if_tun.h>
#include <seccomp.h>

#include "check.h"
#include "vmm/seccomp_policy.h"
#include "vmm/vm.h"

static bool same(const struct seccomp_rule *a, const struct seccomp_rule *b)
{
    return strcmp(a->name, b->name) == 0 && a->kind == b->kind && a->arg == b->arg;
}

static bool has(const struct seccomp_policy *p, const struct seccomp_rule *r)
{
    for (size_t i = 0; i < p->n; i++)
        if (same(&p->rules[i], r))
            return true;
    return false;
}

static void check_policy(const struct seccomp_policy *p)
{
    for (size_t i = 0; i < p->n; i++) {
        int nr = seccomp_syscall_resolve_name(p->rules[i].name);
        if (nr == __NR_SCMP_ERROR)
            fprintf(stderr, "%s: unknown call %s\n", p->kind, p->rules[i].name);
        CHECK(nr != __NR_SCMP_ERROR);
        for (size_t j = 0; j < i; j++)
            if (same(&p->rules[i], &p->rules[j])) {
                fprintf(stderr, "%s: %s listed twice\n", p->kind, p->rules[i].name);
                CHECK(false);
            }
    }
    size_t ioctls = 0;
    for (size_t i = 0; i < p->n; i++)
        ioctls += p->rules[i].kind == RULE_IOCTL;
    printf("seccomp policy %-5s %zu system calls (%zu rules, %zu ioctl requests)\n", p->kind,
           vmm_seccomp_count(p), p->n, ioctls);
}

static void check_jail_args(void)
{
    struct vm_jail_cfg j;
    CHECK_EQ(vm_parse_jail("uid=200001,gid=200001", &j), 0);
    CHECK(j.on && j.uid == 200001 && j.gid == 200001 && j.nofile == 0);
    CHECK_EQ(vm_parse_jail("gid=7,uid=8,nofile=64", &j), 0);
    CHECK(j.uid == 8 && j.gid == 7 && j.nofile == 64);
    const char *bad[] = { "", "uid=0,gid=5", "uid=5,gid=0", "uid=5", "uid=5,gid=5,",
                          "uid=-1,gid=5", "uid=5,gid=5,x=1", "uid=5,uid=6,gid=1",
                          "uid=5x,gid=5", "uid=4294967295,gid=5" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = vm_parse_jail(bad[i], &j);
        if (rc == 0)
            fprintf(stderr, "--jail '%s' accepted\n", bad[i]);
        CHECK(rc != 0);
    }
}

int main(void)
{
    const struct seccomp_policy *io = vmm_seccomp_policy(VMM_THREAD_IO);
    const struct seccomp_policy *vcpu = vmm_seccomp_policy(VMM_THREAD_VCPU);

    CHECK(io && vcpu && !vmm_seccomp_policy(VMM_THREAD_KINDS));
    check_policy(io);
    check_policy(vcpu);
    for (size_t i = 0; i < vcpu->n; i++)
        CHECK(has(io, &vcpu->rules[i]));
    CHECK(vmm_seccomp_count(vcpu) < vmm_seccomp_count(io));
    CHECK(!has(vcpu, &(struct seccomp_rule){ "openat", 0, RULE_ANY }));
    CHECK(!has(io, &(struct seccomp_rule){ "openat", 0, RULE_ANY }));
    CHECK(!has(io, &(struct seccomp_rule){ "execve", 0, RULE_ANY }));
    /* Calls the scenarios found missing: the balloon punches holes from a
     * vCPU thread; a vif's tap is probed and set up from the I/O thread. */
    CHECK(has(vcpu, &(struct seccomp_rule){ "fallocate", 0, RULE_ANY }));
    const unsigned long tap[] = { TUNGETIFF, TUNSETVNETHDRSZ, TUNSETOFFLOAD };
    for (size_t i = 0; i < sizeof(tap) / sizeof(tap[0]); i++)
        CHECK(has(io, &(struct seccomp_rule){ "ioctl", tap[i], RULE_IOCTL }));
    check_jail_args();
    return check_done("seccomp-policy");
}
