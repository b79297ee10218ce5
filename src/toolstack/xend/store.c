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
#include "net.h"
#include "vbd_layout.h"
#include "vif_layout.h"
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

/* cpu/<n>/availability for every vCPU the guest has: the first vcpus
 * online, the rest offline (libxl__set_vcpuonline_xenstore). */
static bool write_vcpus(struct xend *x, xs_transaction_t t, const struct domain *d)
{
    bool ok = true;
    for (unsigned c = 0; ok && c < d->cfg.maxvcpus; c++) {
        char key[32];
        snprintf(key, sizeof(key), "cpu/%u/availability", c);
        ok = put(x, t, d->domid, key, "%s", c < d->cfg.vcpus ? "online" : "offline");
    }
    return ok;
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
    return ok && write_vcpus(x, t, d);
}

/* fn in a transaction, retried while xenstored says EAGAIN (another
 * writer got in first).  0 or -errno. */
static int in_transaction(struct xend *x,
                          bool (*fn)(struct xend *, xs_transaction_t,
                                     const void *), const void *arg)
{
    for (int attempt = 0; x->xs && attempt < 5; attempt++) {
        xs_transaction_t t = xs_transaction_start(x->xs);
        if (t == XBT_NULL)
            break;
        bool ok = fn(x, t, arg);
        int e = errno;
        if (xs_transaction_end(x->xs, t, !ok) && ok)
            return 0;
        if (ok && errno == EAGAIN)
            continue;
        return -(ok ? errno : e ? e : EIO);
    }
    return x->xs ? -errno : -ENOTCONN;
}

static bool write_domain(struct xend *x, xs_transaction_t t, const void *d)
{
    return write_all(x, t, d);
}

static bool write_vcpus_fn(struct xend *x, xs_transaction_t t, const void *d)
{
    return write_vcpus(x, t, d);
}

int store_vcpus_write(struct xend *x, const struct domain *d)
{
    return in_transaction(x, write_vcpus_fn, d);
}

void store_domain_write(struct xend *x, const struct domain *d)
{
    int r = x->xs ? in_transaction(x, write_domain, d) : 0;
    if (r < 0)
        xlog(x, LOG_WARN, "xenstore entries of domain %d: %s", d->domid,
             strerror(-r));
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

/* ---- virtual block devices ---- */

static bool write_dir(struct xend *x, xs_transaction_t t, const char *dir,
                      const struct vbd_perm *p, const struct vbd_kv *kv,
                      size_t n)
{
    struct xs_permissions perms[2] = {
        { .id = p->owner, .perms = XS_PERM_NONE },
        { .id = p->reader, .perms = XS_PERM_READ },
    };
    char path[128];
    bool ok = xs_mkdir(x->xs, t, dir) &&
              xs_set_permissions(x->xs, t, dir, perms, 2);
    for (size_t k = 0; ok && k < n; k++) {
        snprintf(path, sizeof(path), "%s/%s", dir, kv[k].key);
        ok = xs_write(x->xs, t, path, kv[k].val, (unsigned)strlen(kv[k].val));
    }
    return ok;
}

/* The guest's device/vbd must be its own to list, whether or not its
 * domain directory exists yet (it is written once the VMM is up). */
static bool frontend_parents_of(struct xend *x, xs_transaction_t t,
                                int domid, const char *kind)
{
    const char *const sub[] = { "", "/device", kind };
    struct xs_permissions p = { .id = (unsigned)domid, .perms = XS_PERM_NONE };
    char path[64];
    bool ok = true;
    for (size_t k = 0; ok && k < sizeof(sub) / sizeof(sub[0]); k++) {
        snprintf(path, sizeof(path), "/local/domain/%d%s", domid, sub[k]);
        ok = xs_mkdir(x->xs, t, path) &&
             xs_set_permissions(x->xs, t, path, &p, 1);
    }
    return ok;
}

static bool frontend_parents(struct xend *x, xs_transaction_t t, int domid)
{
    return frontend_parents_of(x, t, domid, "/device/vbd");
}

static bool write_vbd(struct xend *x, xs_transaction_t t, int domid,
                      const struct cfg_disk *disk)
{
    struct vbd_layout l;
    vbd_layout(domid, disk, &l);
    return write_dir(x, t, l.fe_dir, &l.fe_perm, l.fe, VBD_FE_KEYS) &&
           write_dir(x, t, l.be_dir, &l.be_perm, l.be, VBD_BE_KEYS);
}

static bool rm_ok(struct xend *x, xs_transaction_t t, const char *path)
{
    return xs_rm(x->xs, t, path) || errno == ENOENT;
}

struct vbd_op {
    const struct domain *d;
    const struct cfg_disk *disk;    /* NULL: every disk of d */
};

/* Fresh directories (a restart finds the old backend's at Closed). */
static bool write_vbds(struct xend *x, xs_transaction_t t, const void *arg)
{
    const struct vbd_op *op = arg;
    const struct domain *d = op->d;
    char fe[64], be[64];
    vbd_frontend_root(d->domid, fe, sizeof(fe));
    vbd_backend_root(d->domid, be, sizeof(be));
    if (op->disk)
        return frontend_parents(x, t, d->domid) &&
               write_vbd(x, t, d->domid, op->disk);
    bool ok = rm_ok(x, t, fe) && rm_ok(x, t, be) &&
              (d->cfg.n_disks == 0 || frontend_parents(x, t, d->domid));
    for (size_t k = 0; ok && k < d->cfg.n_disks; k++)
        ok = write_vbd(x, t, d->domid, &d->cfg.disks[k]);
    return ok;
}

int store_vbd_write(struct xend *x, const struct domain *d,
                    const struct cfg_disk *disk)
{
    struct vbd_op op = { d, disk };
    return x->xs ? in_transaction(x, write_vbds, &op) : 0;
}

/* fe/ID and be/ID, or both roots when id < 0. */
static void remove_pair(struct xend *x, const char *fe, const char *be,
                        long id)
{
    char dir[96];
    const char *roots[] = { fe, be };
    for (size_t k = 0; x->xs && k < 2; k++) {
        if (id >= 0)
            snprintf(dir, sizeof(dir), "%s/%ld", roots[k], id);
        else
            snprintf(dir, sizeof(dir), "%s", roots[k]);
        if (!xs_rm(x->xs, XBT_NULL, dir) && errno != ENOENT)
            xlog(x, LOG_WARN, "removing %s: %s", dir, strerror(errno));
    }
}

void store_vbd_remove(struct xend *x, const struct domain *d,
                      const struct cfg_disk *disk)
{
    char fe[64], be[64];
    vbd_frontend_root(d->domid, fe, sizeof(fe));
    vbd_backend_root(d->domid, be, sizeof(be));
    remove_pair(x, fe, be, disk ? (long)disk->devid : -1);
}

/* ---- vifs ---- */

static bool write_vif(struct xend *x, xs_transaction_t t, int domid,
                      const struct vif_plan *p)
{
    struct vif_layout l;
    vif_layout(domid, p, &l);
    return frontend_parents_of(x, t, domid, "/device/vif") &&
           write_dir(x, t, l.fe_dir, &l.fe_perm, l.fe, VIF_FE_KEYS) &&
           write_dir(x, t, l.be_dir, &l.be_perm, l.be, l.n_be);
}

struct vif_op {
    const struct domain *d;
    const struct vif_plan *p;       /* NULL: every vif of d */
};

static bool write_vifs(struct xend *x, xs_transaction_t t, const void *arg)
{
    const struct vif_op *op = arg;
    const struct domain *d = op->d;
    char fe[64], be[64], err[256];
    if (op->p)
        return write_vif(x, t, d->domid, op->p);
    vif_frontend_root(d->domid, fe, sizeof(fe));
    vif_backend_root(d->domid, be, sizeof(be));
    bool ok = rm_ok(x, t, fe) && rm_ok(x, t, be);
    for (size_t k = 0; ok && k < d->cfg.n_vifs; k++) {
        struct vif_plan p;
        ok = net_plan_of(x, d, &d->cfg.vifs[k], &p, err, sizeof(err)) == 0 &&
             write_vif(x, t, d->domid, &p);
    }
    return ok;
}

int store_vif_write(struct xend *x, const struct domain *d,
                    const struct vif_plan *p)
{
    struct vif_op op = { d, p };
    return x->xs ? in_transaction(x, write_vifs, &op) : 0;
}

void store_vif_remove(struct xend *x, const struct domain *d, int devid)
{
    char fe[64], be[64];
    vif_frontend_root(d->domid, fe, sizeof(fe));
    vif_backend_root(d->domid, be, sizeof(be));
    remove_pair(x, fe, be, devid);
}

/* The value of dir/key, or NULL; to free(). */
char *store_read(struct xend *x, const char *dir, const char *key)
{
    char path[160];
    unsigned len;
    if (!x->xs)
        return NULL;
    snprintf(path, sizeof(path), "%s/%s", dir, key);
    return xs_read(x->xs, XBT_NULL, path, &len);
}
