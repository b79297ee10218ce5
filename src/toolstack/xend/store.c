/* Each domain's xenstore entries, written through Debian's libxenstore to
 * the xenstored at $XENSTORED_PATH (xenstored-path in xend.conf).  No
 * xenstored: xend works without, and says so once. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "common/log.h"
#include "xend.h"

void store_connect(struct xend *x)
{
    if (x->s.xenstored_path[0])
        setenv("XENSTORED_PATH", x->s.xenstored_path, 1);
    x->xs = xs_open(XS_OPEN_SOCKETONLY);
    if (x->xs)
        xlog(x, LOG_INFO, "connected to xenstored");
    else
        xlog(x, LOG_INFO, "no xenstored reachable (%s): domains get no "
             "xenstore entries", strerror(errno));
}

void store_disconnect(struct xend *x)
{
    if (x->xs)
        xs_close(x->xs);
    x->xs = NULL;
}

static bool put(struct xend *x, xs_transaction_t t, int domid,
                const char *key, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static bool put(struct xend *x, xs_transaction_t t, int domid,
                const char *key, const char *fmt, ...)
{
    char path[256], val[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(val, sizeof(val), fmt, ap);
    va_end(ap);
    snprintf(path, sizeof(path), "/local/domain/%d/%s", domid, key);
    return xs_write(x->xs, t, path, val, (unsigned)strlen(val));
}

/* The guest owns its directory and may write control/ (shutdown acks). */
static bool set_perms(struct xend *x, xs_transaction_t t, int domid,
                      const char *key)
{
    char path[256];
    struct xs_permissions p = { .id = (unsigned)domid, .perms = XS_PERM_NONE };
    snprintf(path, sizeof(path), "/local/domain/%d%s%s", domid,
             *key ? "/" : "", key);
    return xs_set_permissions(x->xs, t, path, &p, 1);
}

/* The directory first, owned by the domain, so that what is written
 * below inherits that owner (as Xen's toolstack does). */
static bool write_all(struct xend *x, xs_transaction_t t,
                      const struct domain *d)
{
    int id = d->domid;
    char dir[64];
    snprintf(dir, sizeof(dir), "/local/domain/%d", id);
    bool ok = xs_mkdir(x->xs, t, dir) && set_perms(x, t, id, "") &&
              put(x, t, id, "name", "%s", d->cfg.name) &&
              put(x, t, id, "domid", "%d", id) &&
              put(x, t, id, "vm", "/vm/%d", id) &&
              put(x, t, id, "memory/target", "%llu",
                  (unsigned long long)d->target_mib * 1024) &&
              put(x, t, id, "memory/static-max", "%llu",
                  (unsigned long long)d->cfg.maxmem_mib * 1024) &&
              put(x, t, id, "control/shutdown", "%s", "") &&
              put(x, t, id, "control/platform-feature-multiprocessor-suspend",
                  "%s", "1") &&
              put(x, t, id, "console/tty", "%s", d->con_path);
    for (unsigned c = 0; ok && c < d->cfg.vcpus; c++) {
        char key[32];
        snprintf(key, sizeof(key), "cpu/%u/availability", c);
        ok = put(x, t, id, key, "%s", "online");
    }
    return ok;
}

void store_domain_write(struct xend *x, const struct domain *d)
{
    for (int attempt = 0; x->xs && attempt < 5; attempt++) {
        xs_transaction_t t = xs_transaction_start(x->xs);
        if (t == XBT_NULL)
            break;
        bool ok = write_all(x, t, d);
        if (xs_transaction_end(x->xs, t, !ok) && ok)
            return;
        if (ok && errno == EAGAIN)
            continue;
        break;
    }
    if (x->xs)
        xlog(x, LOG_WARN, "xenstore entries of domain %d: %s", d->domid,
             strerror(errno));
}

void store_domain_remove(struct xend *x, const struct domain *d)
{
    char path[64];
    if (!x->xs)
        return;
    snprintf(path, sizeof(path), "/local/domain/%d", d->domid);
    if (!xs_rm(x->xs, XBT_NULL, path) && errno != ENOENT)
        xlog(x, LOG_WARN, "removing %s: %s", path, strerror(errno));
}

int store_domain_shutdown(struct xend *x, const struct domain *d,
                          const char *reason)
{
    if (!x->xs)
        return -ENOTCONN;
    return put(x, XBT_NULL, d->domid, "control/shutdown", "%s", reason) ?
           0 : -errno;
}

void store_domain_target(struct xend *x, const struct domain *d)
{
    if (x->xs && !put(x, XBT_NULL, d->domid, "memory/target", "%llu",
                      (unsigned long long)d->target_mib * 1024))
        xlog(x, LOG_WARN, "memory/target of domain %d: %s", d->domid,
             strerror(errno));
}
