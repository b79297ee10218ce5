/* libxenoctl: the host (node) and xend's message rings. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xenoctl_int.h"

static void copy_str(json_object *o, const char *k, char *dst, size_t len)
{
    json_object *v;
    snprintf(dst, len, "%s", json_object_object_get_ex(o, k, &v) ?
             json_object_get_string(v) : "");
}

static uint64_t get_u64(json_object *o, const char *k)
{
    json_object *v;
    return json_object_object_get_ex(o, k, &v) ?
           (uint64_t)json_object_get_int64(v) : 0;
}

XENOCTL_API int xenoctl_info(struct xenoctl *h, struct xenoctl_node *n)
{
    json_object *rep, *v;
    int r = xenoctl_call(h, "GET", "/xend/node", NULL, &rep);
    if (r < 0)
        return r;
    memset(n, 0, sizeof(*n));
    copy_str(rep, "host", n->host, sizeof(n->host));
    copy_str(rep, "release", n->release, sizeof(n->release));
    copy_str(rep, "machine", n->machine, sizeof(n->machine));
    copy_str(rep, "version", n->version, sizeof(n->version));
    n->nr_cpus = (unsigned)get_u64(rep, "nr_cpus");
    n->total_memory_mib = get_u64(rep, "total_memory");
    n->free_memory_mib = get_u64(rep, "free_memory");
    n->dom0_memory_mib = get_u64(rep, "dom0_memory");
    n->nr_domains = (unsigned)get_u64(rep, "nr_domains");
    if (json_object_object_get_ex(rep, "xend_uptime", &v))
        n->xend_uptime = json_object_get_double(v);
    if (json_object_object_get_ex(rep, "host_uptime", &v))
        n->host_uptime = json_object_get_double(v);
    json_object_put(rep);
    return 0;
}

/* {"lines":[...]} -> "line\nline\n" */
static int ring_text(struct xenoctl *h, const char *path, json_object *body,
                     char **text)
{
    json_object *rep, *lines;
    int r = xenoctl_call_array(h, path, body, "lines", &rep, &lines);
    json_object_put(body);
    if (r < 0)
        return r;
    size_t len = 0;
    FILE *f = open_memstream(text, &len);
    for (size_t k = 0; f && k < json_object_array_length(lines); k++)
        fprintf(f, "%s\n", json_object_get_string(json_object_array_get_idx(lines, k)));
    if (f)
        fclose(f);
    json_object_put(rep);
    return f ? 0 : -ENOMEM;
}

XENOCTL_API int xenoctl_dmesg(struct xenoctl *h, bool clear, char **text)
{
    json_object *body = NULL;
    if (clear) {
        body = json_object_new_object();
        json_object_object_add(body, "op", json_object_new_string("clear"));
    }
    return ring_text(h, "/xend/node/dmesg", body, text);
}

XENOCTL_API int xenoctl_log(struct xenoctl *h, char **text)
{
    return ring_text(h, "/xend/node/log", NULL, text);
}
