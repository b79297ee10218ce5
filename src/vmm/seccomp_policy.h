/* seccomp filters per thread kind; the policies are data in
 * src/vmm/seccomp/<kind>.def (docs/privilege.md). */
#ifndef XENO_VMM_SECCOMP_H
#define XENO_VMM_SECCOMP_H

#include <stddef.h>

enum vmm_thread_kind { VMM_THREAD_IO, VMM_THREAD_VCPU, VMM_THREAD_KINDS };

/* One allowed call: a name, and the argument it is limited to. */
struct seccomp_rule {
    const char *name;
    unsigned long arg;
    enum { RULE_ANY, RULE_IOCTL, RULE_ARG0, RULE_CLONE_THREAD } kind;
};

struct seccomp_policy {
    const char *kind;                  /* "I/O", "vCPU": for the log line */
    const char *file;                  /* its seccomp/<file>.def */
    const struct seccomp_rule *rules;
    size_t n;
};

const struct seccomp_policy *vmm_seccomp_policy(enum vmm_thread_kind k);

/* Distinct system calls a policy allows (an ioctl with 7 requests is 1). */
size_t vmm_seccomp_count(const struct seccomp_policy *p);

/* Once, single-threaded, before any filter: the SIGSYS handler and the
 * names it prints.  Then vmm_seccomp_install per thread: IO with every
 * thread that exists (libxenstore's), VCPU on the calling thread only.
 * 0 or -errno with a message in err. */
int vmm_seccomp_prepare(char *err, size_t len);
int vmm_seccomp_install(enum vmm_thread_kind k, char *err, size_t len);

/* XENO_SECCOMP_SELFTEST: the thread tries a forbidden call (seccomp.c);
 * event NULL right after its filter is in, else at that event. */
void vmm_seccomp_selftest(enum vmm_thread_kind k, const char *event);

#endif
