/* xeno-vmm exit status: how the guest ended. */
#ifndef XENO_EXIT_H
#define XENO_EXIT_H

#define XENO_EXIT_POWEROFF 0
#define XENO_EXIT_VMM_ERROR 1
#define XENO_EXIT_USAGE 2
/* 100 + SHUTDOWN_* from xen/sched.h for every other reason:
 * reboot 101, suspend 102, crash 103, watchdog 104, soft_reset 105. */
#define XENO_EXIT_SHUTDOWN_BASE 100

#endif
