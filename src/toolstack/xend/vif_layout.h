/* The xenstore directories of one vif, as Xen's toolstack writes them
 * before the backend starts (netif's xenbus protocol, docs/network.md):
 * the frontend's under the guest, the backend's under dom0.  Pure, so the
 * keys and permissions are unit-tested. */
#ifndef XEND_VIF_LAYOUT_H
#define XEND_VIF_LAYOUT_H

#include "net_plan.h"
#include "vbd_layout.h"

#define VIF_FE_KEYS 5
#define VIF_BE_MAX 13

struct vif_layout {
    char fe_dir[64], be_dir[64];
    char devid[16], domid[16], backend_id[16], rate[48];
    struct vbd_perm fe_perm, be_perm;
    struct vbd_kv fe[VIF_FE_KEYS], be[VIF_BE_MAX];
    size_t n_be;
};

/* l points into p, which must outlive it. */
void vif_layout(int domid, const struct vif_plan *p, struct vif_layout *l);
/* /local/domain/0/backend/vif/<domid> */
void vif_backend_root(int domid, char *buf, size_t len);
/* /local/domain/<domid>/device/vif */
void vif_frontend_root(int domid, char *buf, size_t len);

#endif
