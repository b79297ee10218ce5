/* libxenoctl: vifs (hot-plug and the xenstore view). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenoctl_int.h"

XENOCTL_API int xenoctl_network_attach(struct xenoctl *h, const char *dom,
                                       const char *spec)
{
    char path[128];
    int r = xenoctl_dom_path(h, dom, "/vif", path, sizeof(path));
    if (r < 0)
        return r;
    json_object *body = json_object_new_object();
    json_object_object_add(body, "vif", json_object_new_string(spec));
    r = xenoctl_call(h, "POST", path, body, NULL);
    json_object_put(body);
    return r;
}

XENOCTL_API int xenoctl_network_detach(struct xenoctl *h, const char *dom,
                                       unsigned devid)
{
    char path[128], suffix[32];
    snprintf(suffix, sizeof(suffix), "/vif/%u", devid);
    int r = xenoctl_dom_path(h, dom, suffix, path, sizeof(path));
    return r < 0 ? r : xenoctl_call(h, "DELETE", path, NULL, NULL);
}

static void fill_vif(json_object *o, struct xenoctl_vif *v)
{
    memset(v, 0, sizeof(*v));
    v->devid = (unsigned)xenoctl_jint(o, "devid", 0);
    v->backend_id = (int)xenoctl_jint(o, "backend_id", 0);
    v->state = (int)xenoctl_jint(o, "state", -1);
    v->backend_state = (int)xenoctl_jint(o, "backend_state", -1);
    v->event_channel = (int)xenoctl_jint(o, "event_channel", -1);
    v->tx_ring_ref = (int)xenoctl_jint(o, "tx_ring_ref", -1);
    v->rx_ring_ref = (int)xenoctl_jint(o, "rx_ring_ref", -1);
    xenoctl_jcopy(o, "mac", v->mac, sizeof(v->mac));
    xenoctl_jcopy(o, "vifname", v->vifname, sizeof(v->vifname));
    xenoctl_jcopy(o, "script", v->script, sizeof(v->script));
    xenoctl_jcopy(o, "bridge", v->bridge, sizeof(v->bridge));
    xenoctl_jcopy(o, "ip", v->ip, sizeof(v->ip));
    xenoctl_jcopy(o, "forward", v->forward, sizeof(v->forward));
    xenoctl_jcopy(o, "backend", v->backend, sizeof(v->backend));
    v->tx_bytes = (uint64_t)xenoctl_jint(o, "tx_bytes", 0);
    v->rx_bytes = (uint64_t)xenoctl_jint(o, "rx_bytes", 0);
    v->tx_packets = (uint64_t)xenoctl_jint(o, "tx_packets", 0);
    v->rx_packets = (uint64_t)xenoctl_jint(o, "rx_packets", 0);
}

XENOCTL_API int xenoctl_network_list(struct xenoctl *h, const char *dom,
                                     struct xenoctl_vif **vifs, size_t *n)
{
    char path[128];
    json_object *rep = NULL, *arr;
    *vifs = NULL;
    *n = 0;
    int r = xenoctl_dom_path(h, dom, "/vif", path, sizeof(path));
    if (r == 0)
        r = xenoctl_call_array(h, path, NULL, "vifs", &rep, &arr);
    if (r < 0)
        return r;
    size_t cnt = json_object_array_length(arr);
    *vifs = calloc(cnt ? cnt : 1, sizeof(**vifs));
    if (!*vifs) {
        json_object_put(rep);
        return -ENOMEM;
    }
    for (size_t k = 0; k < cnt; k++)
        fill_vif(json_object_array_get_idx(arr, k), &(*vifs)[k]);
    *n = cnt;
    json_object_put(rep);
    return 0;
}
