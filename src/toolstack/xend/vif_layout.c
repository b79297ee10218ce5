/* Keys and permissions of a vif's xenstore directories (vif_layout.h). */
#include <inttypes.h>
#include <stdio.h>

#include "vif_layout.h"

void vif_backend_root(int domid, char *buf, size_t len)
{
    snprintf(buf, len, "/local/domain/%d/backend/vif/%d", VBD_BACKEND_DOMID,
             domid);
}

void vif_frontend_root(int domid, char *buf, size_t len)
{
    snprintf(buf, len, "/local/domain/%d/device/vif", domid);
}

static void be_add(struct vif_layout *l, const char *key, const char *val)
{
    if (l->n_be < VIF_BE_MAX)
        l->be[l->n_be++] = (struct vbd_kv){ key, val };
}

void vif_layout(int domid, const struct vif_plan *p, struct vif_layout *l)
{
    char root[48];
    snprintf(l->devid, sizeof(l->devid), "%u", p->devid);
    snprintf(l->domid, sizeof(l->domid), "%d", domid);
    snprintf(l->backend_id, sizeof(l->backend_id), "%d", VBD_BACKEND_DOMID);
    vif_frontend_root(domid, root, sizeof(root));
    snprintf(l->fe_dir, sizeof(l->fe_dir), "%s/%u", root, p->devid);
    vif_backend_root(domid, root, sizeof(root));
    snprintf(l->be_dir, sizeof(l->be_dir), "%s/%u", root, p->devid);
    l->fe_perm = (struct vbd_perm){ (unsigned)domid, VBD_BACKEND_DOMID };
    l->be_perm = (struct vbd_perm){ VBD_BACKEND_DOMID, (unsigned)domid };
    const struct vbd_kv fe[VIF_FE_KEYS] = {
        { "backend", l->be_dir },
        { "backend-id", l->backend_id },
        { "handle", l->devid },
        { "mac", p->mac },
        { "state", "1" },                   /* XenbusStateInitialising */
    };
    for (size_t k = 0; k < VIF_FE_KEYS; k++)
        l->fe[k] = fe[k];
    l->n_be = 0;
    be_add(l, "frontend", l->fe_dir);
    be_add(l, "frontend-id", l->domid);
    be_add(l, "handle", l->devid);
    be_add(l, "mac", p->mac);
    be_add(l, "online", "1");
    be_add(l, "state", "1");
    be_add(l, "type", "vif");
    be_add(l, "script", vif_mode_script(p->mode));
    if (p->bridge[0])
        be_add(l, "bridge", p->bridge);
    if (p->ip[0])
        be_add(l, "ip", p->ip);
    if (p->rate_bytes) {
        /* Linux netback: "%lu,%lu", credit bytes per credit usec. */
        snprintf(l->rate, sizeof(l->rate), "%" PRIu64 ",%" PRIu64,
                 p->rate_bytes, p->rate_usec);
        be_add(l, "rate", l->rate);
    }
    be_add(l, "hotplug-status", "connected");
}
