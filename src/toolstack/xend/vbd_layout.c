/* Keys and permissions of a vbd's xenstore directories (vbd_layout.h). */
#include <stdio.h>

#include "vbd_layout.h"

void vbd_backend_root(int domid, char *buf, size_t len)
{
    snprintf(buf, len, "/local/domain/%d/backend/vbd/%d", VBD_BACKEND_DOMID,
             domid);
}

void vbd_frontend_root(int domid, char *buf, size_t len)
{
    snprintf(buf, len, "/local/domain/%d/device/vbd", domid);
}

void vbd_layout(int domid, const struct cfg_disk *disk, struct vbd_layout *l)
{
    char root[48];
    snprintf(l->devid, sizeof(l->devid), "%u", disk->devid);
    snprintf(l->domid, sizeof(l->domid), "%d", domid);
    snprintf(l->backend_id, sizeof(l->backend_id), "%d", VBD_BACKEND_DOMID);
    vbd_frontend_root(domid, root, sizeof(root));
    snprintf(l->fe_dir, sizeof(l->fe_dir), "%s/%u", root, disk->devid);
    vbd_backend_root(domid, root, sizeof(root));
    snprintf(l->be_dir, sizeof(l->be_dir), "%s/%u", root, disk->devid);
    /* The guest owns its half and dom0 reads it; the other way round for
     * the backend's. */
    l->fe_perm = (struct vbd_perm){ (unsigned)domid, VBD_BACKEND_DOMID };
    l->be_perm = (struct vbd_perm){ VBD_BACKEND_DOMID, (unsigned)domid };
    const struct vbd_kv fe[VBD_FE_KEYS] = {
        { "backend", l->be_dir },
        { "backend-id", l->backend_id },
        { "state", "1" },                   /* XenbusStateInitialising */
        { "virtual-device", l->devid },
        { "device-type", disk->cdrom ? "cdrom" : "disk" },
    };
    const struct vbd_kv be[VBD_BE_KEYS] = {
        { "frontend", l->fe_dir },
        { "frontend-id", l->domid },
        { "online", "1" },
        { "state", "1" },
        { "mode", disk->writable ? "w" : "r" },
        { "params", disk->target },
        { "type", disk->kind == CFG_DISK_PHY ? "phy" : "file" },
        { "dev", disk->vdev },
        { "removable", disk->cdrom ? "1" : "0" },
        { "bootable", "1" },
    };
    for (size_t k = 0; k < VBD_FE_KEYS; k++)
        l->fe[k] = fe[k];
    for (size_t k = 0; k < VBD_BE_KEYS; k++)
        l->be[k] = be[k];
}

void vbd_spec(const struct cfg_disk *disk, char *buf, size_t len)
{
    snprintf(buf, len, "%s:%s,%s%s,%s",
             disk->kind == CFG_DISK_PHY ? "phy" : "file", disk->target,
             disk->vdev, disk->cdrom ? ":cdrom" : "",
             disk->writable ? "w" : "r");
}
