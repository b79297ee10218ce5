/* Internals of libxenoctl. */
#ifndef XENOCTL_INT_H
#define XENOCTL_INT_H

#include <json-c/json.h>

#include "xenoctl.h"

#define XENOCTL_API __attribute__((visibility("default")))

enum xenoctl_transport { XT_UNIX, XT_HTTP };

struct xenoctl {
    enum xenoctl_transport transport;
    char path[108];             /* XT_UNIX */
    char host[256];             /* XT_HTTP */
    char port[8];
    char target[300];           /* for messages */
    char error[512];
};

int xenoctl_set_error(struct xenoctl *h, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* One exchange on a fresh connection; *reply is malloc'd. */
int xt_unix_exchange(struct xenoctl *h, const char *req, size_t len,
                     char **reply, size_t *rlen);
int xt_http_exchange(struct xenoctl *h, const char *method, const char *path,
                     const char *body, int *status, char **reply);

/* A request whose reply body is parsed; *out may be NULL. */
int xenoctl_call(struct xenoctl *h, const char *method, const char *path,
                 json_object *body, json_object **out);
/* A GET (or POST with body) whose reply has an array under key: *rep to
 * json_object_put(), *arr inside it. */
int xenoctl_call_array(struct xenoctl *h, const char *path, json_object *body,
                       const char *key, json_object **rep, json_object **arr);
/* A member as a number (def when absent) or copied as a string. */
int64_t xenoctl_jint(json_object *o, const char *k, int64_t def);
void xenoctl_jcopy(json_object *o, const char *k, char *buf, size_t len);
int xenoctl_dom_path(struct xenoctl *h, const char *dom, const char *suffix,
                     char *buf, size_t len);
void xenoctl_fill_domain(json_object *o, struct xenoctl_domain *d);

#endif
