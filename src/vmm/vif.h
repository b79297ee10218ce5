/* The domain's network interfaces: each one a netback (data path) over a
 * tap fd from xend and a vif_xenbus (handshake), wired to the VMM's
 * xenstore client, event channels and I/O loop.  The VMM never creates a
 * tap: it gets open fds (--nic at start, nic-attach later). */
#ifndef XENO_VMM_VIF_H
#define XENO_VMM_VIF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;
struct vm_config;
struct vm_nic_cfg;

#define VIF_DETACH_TIMEOUT_NS (10ull * 1000000000ull)
#define VIF_MAX_DEVID 0xffff
#define VIF_MIN_MTU 68
#define VIF_MAX_MTU 65521      /* NETBACK_MAX_FRAME - Ethernet header */

/* vif_cfg.c: --nic fd=N,devid=D,mac=XX:XX:XX:XX:XX:XX[,mtu=M].
 * 0, or -EINVAL with a message in err. */
int vif_parse_nic(const char *spec, struct vm_nic_cfg *n, char *err, size_t errlen);
/* "00:16:3e:0a:0b:0c" (hex pairs, ':' between): 0 or -EINVAL. */
int vif_parse_mac(const char *s, uint8_t mac[6]);
/* Each --nic fd open and a tap, no fd or devid twice.  Close-on-exec. */
int vif_check_fds(const struct vm_config *c, char *err, size_t errlen);
/* fd is a tap device: 0 and its name (IFNAMSIZ bytes), or -errno. */
int vif_tap_name(int fd, char *name);

/* At start-up, after vbd_start_all (whose xenstore client we share),
 * before the vCPUs run: each --nic to InitWait.  0 or -errno, logged. */
int vif_start_all(struct vm *vm);
/* At exit (vCPUs stopped), before vbd_stop_all: every vif Closed, the
 * tap fds closed (the taps vanish with xend's copies). */
void vif_stop_all(struct vm *vm);

/* Hot-plug: takes ownership of fd (closed on failure). */
int vif_attach(struct vm *vm, int fd, const struct vm_nic_cfg *n, char *err,
               size_t errlen);
/* Hot-unplug: the reply line goes to reply_fd once the frontend closed
 * or the timeout forced it.  -ENOENT no such vif, -EBUSY detaching. */
int vif_detach(struct vm *vm, unsigned devid, int reply_fd);
/* nic-stats: the "nics" array as JSON text. */
void vif_stats_json(struct vm *vm, char *buf, size_t len);

/* vCPU thread (EVTCHNOP_send on a backend port): wakes the I/O thread for
 * the vif queue bound to port.  false if no vif owns the port. */
bool vif_notify(struct vm *vm, unsigned port);
/* I/O thread, every loop iteration: detach deadlines, rate-limited TX. */
void vif_tick(struct vm *vm);

#endif
