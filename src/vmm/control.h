/* xend's control requests to a VMM (protocol: xeno/vmm_control.h). */
#ifndef XENO_VMM_CONTROL_IMPL_H
#define XENO_VMM_CONTROL_IMPL_H

#include <stddef.h>

struct vm;

/* File descriptors that came with a request (SCM_RIGHTS).  A command that
 * keeps one sets its slot to -1; the caller closes the rest. */
struct ctl_fds {
    int *fd;
    unsigned n;
};

/* Handle one request line from client socket `client`; writes one reply
 * line (with '\n'), or "" when the command replies later on a dup of
 * client (disk-detach). */
void control_handle(struct vm *vm, const char *line, int client,
                    struct ctl_fds *fds, char *reply, size_t len);

/* The domain's start time that `info` reports: call when the vCPUs start. */
void control_mark_start(void);

#endif
