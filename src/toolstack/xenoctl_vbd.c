/* libxenoctl: virtual block devices (hot-plug and the xenstore view). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenoctl_int.h"

int64_t xenoctl_jint(json_object *o, const char *k, int64_t def)
{
    json_object *v;
    return json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) : def;
}

void xenoctl_jcopy(json_object *o, const char *k, char *buf, size_t len)
{
    json_object *v;
    snprintf(buf, len, "%s", json_object_object_get_ex(o, k, &v) ?
             json_object_get_string(v) : "");
}

/* A vdev goes into the path: names and numbers only. */
static int vbd_path(struct xenoctl *h, const char *dom, const char *vdev,
                    char *buf, size_t len)
{
    char suffix[40];
    size_t n = strlen(vdev);
    if (n == 0 || n > 24 || strspn(vdev, "abcdefghijklmnopqrstuvwxyz"
                                         "0123456789") != n)
        return xenoctl_set_error(h, -EINVAL, "invalid virtual device '%.30s'",
                                 vdev);
    snprintf(suffix, sizeof(suffix), "/vbd/%s", vdev);
    return xenoctl_dom_path(h, dom, suffix, buf, len);
}

XENOCTL_API int xenoctl_block_attach(struct xenoctl *h, const char *dom,
                                     const char *target, const char *vdev,
                                     const char *mode)
{
    char path[128];
    int r = xenoctl_dom_path(h, dom, "/vbd", path, sizeof(path));
    if (r < 0)
        return r;
    json_object *body = json_object_new_object();
    json_object_object_add(body, "target", json_object_new_string(target));
    json_object_object_add(body, "vdev", json_object_new_string(vdev));
    json_object_object_add(body, "mode", json_object_new_string(mode));
    r = xenoctl_call(h, "POST", path, body, NULL);
    json_object_put(body);
    return r;
}

XENOCTL_API int xenoctl_block_detach(struct xenoctl *h, const char *dom,
                                     const char *vdev, char *warning,
                                     size_t wlen)
{
    char path[128];
    json_object *rep = NULL;
    if (warning && wlen)
        warning[0] = '\0';
    int r = vbd_path(h, dom, vdev, path, sizeof(path));
    if (r == 0)
        r = xenoctl_call(h, "DELETE", path, NULL, &rep);
    if (r == 0 && warning && wlen)
        xenoctl_jcopy(rep, "warning", warning, wlen);
    json_object_put(rep);
    return r;
}

static void fill_vbd(json_object *o, struct xenoctl_vbd *v)
{
    memset(v, 0, sizeof(*v));
    xenoctl_jcopy(o, "vdev", v->vdev, sizeof(v->vdev));
    v->devid = (uint32_t)xenoctl_jint(o, "devid", 0);
    v->backend_id = (int)xenoctl_jint(o, "backend_id", 0);
    v->state = (int)xenoctl_jint(o, "state", -1);
    v->backend_state = (int)xenoctl_jint(o, "backend_state", -1);
    v->event_channel = (int)xenoctl_jint(o, "event_channel", -1);
    v->ring_ref = (int)xenoctl_jint(o, "ring_ref", -1);
    xenoctl_jcopy(o, "backend", v->backend, sizeof(v->backend));
    xenoctl_jcopy(o, "target", v->target, sizeof(v->target));
    xenoctl_jcopy(o, "type", v->type, sizeof(v->type));
    xenoctl_jcopy(o, "mode", v->mode, sizeof(v->mode));
}

XENOCTL_API int xenoctl_block_list(struct xenoctl *h, const char *dom,
                                   struct xenoctl_vbd **vbds, size_t *n)
{
    char path[128];
    json_object *rep = NULL, *arr;
    *vbds = NULL;
    *n = 0;
    int r = xenoctl_dom_path(h, dom, "/vbd", path, sizeof(path));
    if (r == 0)
        r = xenoctl_call_array(h, path, NULL, "vbds", &rep, &arr);
    if (r < 0)
        return r;
    size_t cnt = json_object_array_length(arr);
    *vbds = calloc(cnt ? cnt : 1, sizeof(**vbds));
    if (!*vbds) {
        json_object_put(rep);
        return -ENOMEM;
    }
    for (size_t k = 0; k < cnt; k++)
        fill_vbd(json_object_array_get_idx(arr, k), &(*vbds)[k]);
    *n = cnt;
    json_object_put(rep);
    return 0;
}
