/* The xenstore directories of one virtual block device, as Xen's
 * toolstack writes them before the backend starts (blkif's xenbus
 * protocol): the frontend's under the guest, the backend's under dom0.
 * Pure, so the exact keys and permissions are unit-tested. */
#ifndef XEND_VBD_LAYOUT_H
#define XEND_VBD_LAYOUT_H

#include <stdint.h>

#include "config.h"

#define VBD_FE_KEYS 5
#define VBD_BE_KEYS 10
#define VBD_BACKEND_DOMID 0

struct vbd_kv {
    const char *key;
    const char *val;            /* points into the layout or the disk */
};

/* perms as xenstore lists them: the first entry is the owner (and what
 * everyone else may do), the second a domain that may read. */
struct vbd_perm {
    unsigned owner, reader;
};

struct vbd_layout {
    char fe_dir[64], be_dir[64];
    char devid[16], domid[16], backend_id[16];
    struct vbd_perm fe_perm, be_perm;
    struct vbd_kv fe[VBD_FE_KEYS], be[VBD_BE_KEYS];
};

/* The disk's directories in domain domid; l points into disk, which must
 * outlive it. */
void vbd_layout(int domid, const struct cfg_disk *disk, struct vbd_layout *l);
/* /local/domain/0/backend/vbd/<domid>: every vbd backend of a domain. */
void vbd_backend_root(int domid, char *buf, size_t len);
/* /local/domain/<domid>/device/vbd */
void vbd_frontend_root(int domid, char *buf, size_t len);
/* The spec as xm writes it: 'file:/img,xvda,w' (for messages). */
void vbd_spec(const struct cfg_disk *disk, char *buf, size_t len);

#endif
