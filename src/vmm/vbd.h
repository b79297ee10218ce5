/* The domain's virtual block devices: each one a blkback (data path) and a
 * vbd_xenbus (handshake), wired to the VMM's xenstore client, event
 * channels and I/O loop. */
#ifndef XENO_VMM_VBD_H
#define XENO_VMM_VBD_H

#include <stdbool.h>
#include <stddef.h>

struct vm;
struct vm_disk_cfg;

#define VBD_DETACH_TIMEOUT_NS (10ull * 1000000000ull)
#define VBD_MAX_DEVID 0xfffffff   /* virtual-device-ext allows 28 bits */

/* vbd_cfg.c: --disk fd=N,devid=D,mode=r|w[,type=file|phy][,name=xvda].
 * 0, or -EINVAL with a message in err. */
int vbd_parse_disk(const char *spec, struct vm_disk_cfg *d, char *err, size_t errlen);
int vbd_check_type(const char *type);   /* "file" or "phy": 0 */
int vbd_check_name(const char *name);   /* "" or 1-15 of [a-z0-9]: 0 */
/* Every --disk fd open (writable for mode w), no fd or devid twice. */
struct vm_config;
int vbd_check_fds(const struct vm_config *c, char *err, size_t errlen);

/* At start-up (after the xenstore ring is attached, before the vCPUs run):
 * connect to xenstored and bring each --disk to InitWait.  0 or -errno
 * with a message logged. */
int vbd_start_all(struct vm *vm);

/* At exit (vCPUs stopped): every disk to Closed, fds closed. */
void vbd_stop_all(struct vm *vm);

/* Hot-plug: takes ownership of fd (closed on failure).  0 or -errno with
 * a message in err. */
int vbd_attach(struct vm *vm, int fd, const struct vm_disk_cfg *d, char *err,
               size_t errlen);

/* Hot-unplug: the reply line goes to reply_fd (which we then close) once
 * the frontend closed or the timeout forced it.  -ENOENT for no such disk,
 * -EBUSY if it is already being detached. */
int vbd_detach(struct vm *vm, unsigned devid, int reply_fd);

/* disk-stats: the "disks" array as JSON text. */
void vbd_stats_json(struct vm *vm, char *buf, size_t len);

/* vCPU thread (EVTCHNOP_send on a backend port): wakes the I/O thread for
 * the disk queue bound to port.  false if no disk owns the port. */
bool vbd_notify(struct vm *vm, unsigned port);

/* I/O thread, every loop iteration: detach deadlines. */
void vbd_tick(struct vm *vm);

#endif
