/* Message rings: the last N lines of xend's log (xm log) and of domain
 * events (xm dmesg), each line stamped with the time. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "xend.h"

void ring_init(struct ring *r, size_t cap)
{
    r->lines = calloc(cap, sizeof(*r->lines));
    r->tags = calloc(cap, sizeof(*r->tags));
    r->cap = r->lines && r->tags ? cap : 0;
    r->head = r->count = 0;
}

void ring_push(struct ring *r, const char *line)
{
    ring_push_tagged(r, line, -1);
}

void ring_push_tagged(struct ring *r, const char *line, long tag)
{
    if (!r->cap)
        return;
    char stamp[32], *entry;
    time_t now = time(NULL);
    struct tm tm;
    strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S",
             localtime_r(&now, &tm));
    if (asprintf(&entry, "[%s] %s", stamp, line) < 0)
        return;
    size_t slot = (r->head + r->count) % r->cap;
    if (r->count == r->cap) {
        free(r->lines[r->head]);
        r->head = (r->head + 1) % r->cap;
    } else {
        r->count++;
    }
    r->lines[slot] = entry;
    r->tags[slot] = tag;
}

void ring_clear(struct ring *r)
{
    for (size_t k = 0; k < r->count; k++)
        free(r->lines[(r->head + k) % r->cap]);
    r->head = r->count = 0;
}

json_object *ring_json(const struct ring *r)
{
    json_object *o = json_object_new_object(), *a = json_object_new_array();
    for (size_t k = 0; k < r->count; k++)
        json_object_array_add(a, json_object_new_string(r->lines[(r->head + k) % r->cap]));
    json_object_object_add(o, "lines", a);
    return o;
}

json_object *ring_json_tagged(const struct ring *r, long tag)
{
    json_object *o = json_object_new_object(), *a = json_object_new_array();
    for (size_t k = 0; k < r->count; k++) {
        size_t slot = (r->head + k) % r->cap;
        if (r->tags[slot] == tag)
            json_object_array_add(a, json_object_new_string(r->lines[slot]));
    }
    json_object_object_add(o, "lines", a);
    return o;
}

static void vxlog(struct xend *x, int level, const char *fmt, va_list ap)
{
    static const char *const names[] = { "error", "warning", "info", "debug" };
    char msg[1024], line[1100];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    log_msg((enum log_level)level, "%s", msg);
    if (level <= LOG_INFO) {
        snprintf(line, sizeof(line), "%s: %s", names[level], msg);
        ring_push(&x->log, line);
    }
}

void xlog(struct xend *x, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vxlog(x, level, fmt, ap);
    va_end(ap);
}

/* Lines about one domain start "domain ID ": they are its owner's too. */
static long dmesg_owner(struct xend *x, const char *msg)
{
    char id[16];
    if (sscanf(msg, "domain %15[0-9]", id) != 1)
        return -1;
    const struct domain *d = dom_lookup(x, id);
    return d && d->has_owner ? (long)d->owner_uid : -1;
}

void xdmesg(struct xend *x, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ring_push_tagged(&x->dmesg, msg, dmesg_owner(x, msg));
    xlog(x, LOG_INFO, "%s", msg);
}
