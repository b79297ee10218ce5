/* xend's control requests to a VMM (protocol: xeno/vmm_control.h). */
#ifndef XENO_VMM_CONTROL_IMPL_H
#define XENO_VMM_CONTROL_IMPL_H

#include <stddef.h>

struct vm;

/* Handle one request line; writes one reply line (with '\n'). */
void control_handle(struct vm *vm, const char *line, char *reply, size_t len);

/* The domain's start time that `info` reports: call when the vCPUs start. */
void control_mark_start(void);

#endif
