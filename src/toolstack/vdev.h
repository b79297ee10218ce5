/* Xen virtual-device numbers: the `virtual-device` key of a vbd and the
 * devid of its xenstore directories, from the name the config gives
 * (Xen's docs/misc/vbd-interface; libxl computes the same).  Pure. */
#ifndef XENO_TOOLSTACK_VDEV_H
#define XENO_TOOLSTACK_VDEV_H

#include <stdint.h>

/* xvda..xvdp[1-15]   (202 << 8) | disk << 4 | part
 * xvdq.., part > 15  (1 << 28) | disk << 8 | part    (disk < 2^20, part < 256)
 * sda..sdp[1-15]     (8 << 8) | disk << 4 | part; sdq..sddx on majors 65-71
 * hda..hdt[1-63]     IDE majors 3 22 33 34 56 57 88 89 90 91,
 *                    ((disk & 1) << 6) | part
 * dNpM               as xvd (disk N, partition M)
 * a plain number     taken as it is (decimal, 0x hex; 1..2^31-1)
 * Returns 0 and *out, or -EINVAL. */
int vdev_number(const char *name, uint32_t *out);

#endif
