/* The xeno-vmm command line and control socket, as used by xend.
 *
 * xeno-vmm --kernel PATH [--ramdisk PATH] [--cmdline STR] [--memory MiB]
 *          [--vcpus N] [--name NAME] [--domid N] [--log FILE]
 *          [--xenstored-dir DIR]   attach the xenstore ring to the xenstored
 *                                  whose rundir is DIR (default: none; the
 *                                  domain then has no xenstore)
 *          [--control PATH]        listen on a unix socket for xend
 *          [--console-socket PATH] listen on a unix socket for `xm console`
 *          [--no-stdio-console]    don't copy the console to stdout/stdin
 *
 * Exit status: see xeno/exit.h.
 *
 * Control protocol (--control): one request per line, one reply per line,
 * both JSON objects.  Requests:
 *   {"cmd":"info"}     -> {"ok":true,"name":..,"domid":..,"pid":..,
 *                          "memory_mib":..,"vcpus":..,"state":"running"|"paused",
 *                          "cpu_time_ns":..,"start_time":<unix s>}
 *   {"cmd":"pause"} / {"cmd":"unpause"} -> {"ok":true}
 *   {"cmd":"destroy"}  -> {"ok":true}, then the VMM exits with status
 *                          XENO_EXIT_DESTROYED.
 *   {"cmd":"sysrq","key":"c"} -> {"ok":true}
 * Errors: {"ok":false,"error":"text"}.
 *
 * Console socket (--console-socket): a byte stream; what the guest writes
 * on its console is sent to the connected client (the last 16 KiB are
 * replayed on connect), bytes from the client go to the guest's console
 * input.  One client at a time; a second one replaces the first. */
#ifndef XENO_VMM_CONTROL_H
#define XENO_VMM_CONTROL_H

#define XENO_EXIT_DESTROYED 3  /* killed by {"cmd":"destroy"} or SIGTERM */

#endif
