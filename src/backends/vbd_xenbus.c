/* The blkif xenbus handshake for one disk (see vbd_xenbus.h). */
#include "backends/vbd_xenbus.h"
#include "common/log_limit.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/protocols.h>
#include <xen/io/xenbus.h>

enum action { A_NONE, A_CONNECT, A_CLOSING, A_CLOSE, A_RESET };

/* Rows: frontend state 0..6; columns: backend state 2, 4, 5, 6 (1 and 3
 * are never ours once started: they map to column 0 and 1 below). */
static const unsigned char transitions[7][4] = {
    /*                            InitWait   Connected  Closing    Closed */
    [XenbusStateUnknown]      = { A_CLOSE,   A_CLOSE,   A_CLOSE,   A_NONE },
    [XenbusStateInitialising] = { A_NONE,    A_RESET,   A_RESET,   A_RESET },
    [XenbusStateInitWait]     = { A_NONE,    A_NONE,    A_NONE,    A_NONE },
    [XenbusStateInitialised]  = { A_CONNECT, A_NONE,    A_NONE,    A_NONE },
    [XenbusStateConnected]    = { A_CONNECT, A_NONE,    A_NONE,    A_NONE },
    [XenbusStateClosing]      = { A_CLOSING, A_CLOSING, A_NONE,    A_NONE },
    [XenbusStateClosed]       = { A_CLOSE,   A_CLOSE,   A_CLOSE,   A_NONE },
};

const char *vbd_state_name(int s)
{
    static const char *const names[] = { "Unknown", "Initialising", "InitWait",
        "Initialised", "Connected", "Closing", "Closed", "Reconfiguring",
        "Reconfigured" };
    return s >= 0 && s < 9 ? names[s] : "invalid";
}

static void vlog(struct vbd_xenbus *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void vlog(struct vbd_xenbus *x, const char *fmt, ...)
{
    char msg[320];
    int n = snprintf(msg, sizeof(msg), "vbd %u/%u: ", x->domid, x->devid);
    va_list ap;

    if (!log_limit(&x->log_lines))
        return;
    va_start(ap, fmt);
    vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
    va_end(ap);
    log_limit_suffix(msg, sizeof(msg), x->log_lines);
    if (x->link->log)
        x->link->log(x->link_o, msg);
}

/* dir (< VBD_PATH_MAX) + "/" + a key: always fits KEY_MAX. */
#define KEY_MAX (VBD_PATH_MAX + 40)

static int key_path(char *buf, const char *dir, const char *key)
{
    int n = snprintf(buf, KEY_MAX, "%s/%s", dir, key);
    return n < 0 || n >= KEY_MAX ? -ENAMETOOLONG : 0;
}

static int be_write(struct vbd_xenbus *x, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int be_write(struct vbd_xenbus *x, const char *key, const char *fmt, ...)
{
    char path[KEY_MAX], val[64];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(val, sizeof(val), fmt, ap);
    va_end(ap);
    if (key_path(path, x->be_path, key))
        return -ENAMETOOLONG;
    return x->xs->write(x->xs_o, path, val);
}

/* Strict decimal: digits only, no sign, no leading junk, <= max. */
int xenbus_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;

    if (!*s || strlen(s) > 20)
        return -EINVAL;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -EINVAL;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -ERANGE;
        v = v * 10 + d;
    }
    if (v > max)
        return -ERANGE;
    *out = v;
    return 0;
}

/* Read dir/key as an unsigned number.  -ENOENT if missing. */
static int read_uint(struct vbd_xenbus *x, const char *dir, const char *key,
                     uint64_t max, uint64_t *out)
{
    char path[KEY_MAX], buf[32];
    int rc;

    if (key_path(path, dir, key))
        return -ENAMETOOLONG;
    rc = x->xs->read(x->xs_o, path, buf, sizeof(buf));
    if (rc < 0)
        return rc;
    return xenbus_parse_uint(buf, max, out);
}

/* The state machine moves on even when xenstore refuses the write; the
 * next set_state writes again, so the node catches up (at the latest
 * with the Closed of vbd_xenbus_stop). */
static int set_state(struct vbd_xenbus *x, int state)
{
    int rc;

    if (x->state == state && !x->state_unwritten)
        return 0;
    if (x->state != state)
        vlog(x, "backend %s -> %s", vbd_state_name(x->state), vbd_state_name(state));
    x->state = state;
    rc = be_write(x, "state", "%d", state);
    x->state_unwritten = rc != 0;
    return rc;
}

void vbd_xenbus_init(struct vbd_xenbus *x, unsigned domid, unsigned devid,
                     const struct vbd_features *f,
                     const struct vbd_xs_ops *xs, void *xs_o,
                     const struct vbd_link_ops *link, void *link_o)
{
    *x = (struct vbd_xenbus){ .xs = xs, .xs_o = xs_o, .link = link, .link_o = link_o,
                              .domid = domid, .devid = devid, .feat = *f,
                              .state = XenbusStateInitialising, .fe_state = -1 };
    if (x->feat.max_queues == 0 || x->feat.max_queues > VBD_MAX_QUEUES)
        x->feat.max_queues = x->feat.max_queues ? VBD_MAX_QUEUES : 1;
    if (x->feat.max_ring_order > VBD_MAX_RING_ORDER)
        x->feat.max_ring_order = VBD_MAX_RING_ORDER;
    snprintf(x->be_path, sizeof(x->be_path), "/local/domain/0/backend/vbd/%u/%u",
             domid, devid);
    snprintf(x->fe_path, sizeof(x->fe_path), "/local/domain/%u/device/vbd/%u",
             domid, devid);
    snprintf(x->token, sizeof(x->token), "vbd/%u", devid);
}

/* The keys blkfront reads before it sets up its rings (InitWait) and at
 * connect.  feature-persistent is 0: with it blkfront bounces every page. */
static int write_features(struct vbd_xenbus *x)
{
    const struct vbd_features *f = &x->feat;
    int rc = be_write(x, "feature-max-indirect-segments", "%u", f->max_indirect_segs);

    if (!rc) rc = be_write(x, "multi-queue-max-queues", "%u", f->max_queues);
    if (!rc) rc = be_write(x, "max-ring-page-order", "%u", f->max_ring_order);
    if (!rc) rc = be_write(x, "feature-flush-cache", "%d", f->flush);
    if (!rc) rc = be_write(x, "feature-barrier", "%d", f->flush);
    if (!rc) rc = be_write(x, "feature-persistent", "0");
    if (!rc) rc = be_write(x, "feature-discard", "%d", f->discard);
    if (!rc && f->discard) {
        rc = be_write(x, "discard-granularity", "%u", f->discard_granularity);
        if (!rc) rc = be_write(x, "discard-alignment", "0");
        if (!rc) rc = be_write(x, "discard-secure", "0");
    }
    return rc;
}

int vbd_xenbus_start(struct vbd_xenbus *x)
{
    char path[KEY_MAX], fe[VBD_PATH_MAX];
    int rc;

    if (key_path(path, x->be_path, "frontend"))
        return -ENAMETOOLONG;
    rc = x->xs->read(x->xs_o, path, fe, sizeof(fe));
    if (rc < 0 || strcmp(fe, x->fe_path) != 0) {
        vlog(x, "%s: %s (the toolstack writes the backend dir first)", path,
             rc < 0 ? strerror(-rc) : "does not name this domain's frontend");
        return rc < 0 ? rc : -EINVAL;
    }
    rc = write_features(x);
    if (!rc)
        rc = set_state(x, XenbusStateInitWait);
    if (!rc && !key_path(path, x->fe_path, "state"))
        rc = x->xs->watch(x->xs_o, path, x->token);
    if (rc) {
        vlog(x, "writing the backend dir: %s", strerror(-rc));
        return rc;
    }
    x->watching = true;
    return 0;
}

static void disconnect(struct vbd_xenbus *x)
{
    if (!x->connected)
        return;
    x->link->disconnect(x->link_o);
    for (unsigned q = 0; q < x->nr_bound; q++)
        x->link->unbind_port(x->link_o, q, x->ports[q]);
    x->nr_bound = 0;
    x->connected = false;
}

/* xenbus_dev_fatal's backend half: an error node, then Closing. */
static void fatal(struct vbd_xenbus *x, int err, const char *what)
{
    char path[VBD_PATH_MAX + 32], msg[200];

    vlog(x, "refusing the frontend: %s (%s)", what, strerror(-err));
    x->failures++;
    snprintf(path, sizeof(path), "/local/domain/0/error/backend/vbd/%u/%u/error",
             x->domid, x->devid);
    snprintf(msg, sizeof(msg), "%d %s", -err, what);
    x->xs->write(x->xs_o, path, msg);
    disconnect(x);
    set_state(x, XenbusStateClosing);
}

/* One queue's ring-ref(s) and event-channel under dir. */
static int read_ring(struct vbd_xenbus *x, const char *dir, bool multi_ref,
                     struct vbd_ring_keys *r, char *what, size_t wlen)
{
    char key[24];
    uint64_t v;
    int rc;

    rc = read_uint(x, dir, "event-channel", UINT32_MAX, &v);
    if (rc) {
        snprintf(what, wlen, "reading %s/event-channel", dir);
        return rc;
    }
    r->port = (unsigned)v;
    for (unsigned i = 0; i < (1u << x->ring_order); i++) {
        if (multi_ref)
            snprintf(key, sizeof(key), "ring-ref%u", i);
        else
            snprintf(key, sizeof(key), "ring-ref");
        rc = read_uint(x, dir, key, UINT32_MAX, &v);
        if (rc) {
            snprintf(what, wlen, "reading %s/%s", dir, key);
            return rc;
        }
        r->refs[i] = (uint32_t)v;
    }
    return 0;
}

/* A guest string fit for our log and the error node: printable ASCII,
 * anything else (newlines, escapes) as '?'. */
void xenbus_printable(char *dst, size_t len, const char *src)
{
    size_t i = 0;

    for (; len && src[i] && i < len - 1; i++)
        dst[i] = src[i] >= 0x20 && src[i] < 0x7f ? src[i] : '?';
    if (len)
        dst[i] = '\0';
}

/* protocol, multi-queue-num-queues, ring-page-order: -errno + what. */
static int read_layout(struct vbd_xenbus *x, char *proto, size_t plen,
                       bool *multi_ref, char *what, size_t wlen)
{
    char path[KEY_MAX];
    uint64_t v;
    int rc;

    key_path(path, x->fe_path, "protocol");
    rc = x->xs->read(x->xs_o, path, proto, plen);
    if (rc == -ENOENT)
        snprintf(proto, plen, "%s", XEN_IO_PROTO_ABI_NATIVE);
    else if (rc < 0 || strcmp(proto, XEN_IO_PROTO_ABI_X86_64) != 0) {
        char shown[41];
        xenbus_printable(shown, sizeof(shown), rc < 0 ? strerror(-rc) : proto);
        snprintf(what, wlen, "unsupported protocol %s (only %s)", shown,
                 XEN_IO_PROTO_ABI_X86_64);
        return rc < 0 ? rc : -EPROTONOSUPPORT;
    }
    rc = read_uint(x, x->fe_path, "multi-queue-num-queues", UINT32_MAX, &v);
    if (rc == -ENOENT)
        v = 1, rc = 0;
    if (rc || v == 0 || v > x->feat.max_queues) {
        snprintf(what, wlen, "guest asked for %s queues (1 to %u)",
                 rc ? "unreadable" : v ? "too many" : "0", x->feat.max_queues);
        return rc ? rc : -EINVAL;
    }
    x->nr_queues = (unsigned)v;
    rc = read_uint(x, x->fe_path, "ring-page-order", UINT32_MAX, &v);
    *multi_ref = rc != -ENOENT;
    if (rc == -ENOENT)
        v = 0, rc = 0;
    if (rc || v > x->feat.max_ring_order) {
        snprintf(what, wlen, "ring-page-order %s (max %u)",
                 rc ? "unreadable" : "too large", x->feat.max_ring_order);
        return rc ? rc : -EINVAL;
    }
    x->ring_order = (unsigned)v;
    return 0;
}

static int connect_queues(struct vbd_xenbus *x, const char *proto, bool multi_ref,
                          char *what, size_t wlen)
{
    struct vbd_ring_keys r;
    char dir[VBD_PATH_MAX];
    int rc;

    x->connected = true; /* from here on, disconnect() undoes */
    for (unsigned q = 0; q < x->nr_queues; q++) {
        if (x->nr_queues == 1)
            snprintf(dir, sizeof(dir), "%s", x->fe_path);
        else if (snprintf(dir, sizeof(dir), "%s/queue-%u", x->fe_path, q) >= (int)sizeof(dir))
            return -ENAMETOOLONG;
        rc = read_ring(x, dir, multi_ref, &r, what, wlen);
        if (rc)
            return rc;
        rc = x->link->bind_port(x->link_o, q, r.port);
        if (rc) {
            snprintf(what, wlen, "binding event channel %u", r.port);
            return rc;
        }
        x->ports[q] = r.port;
        x->nr_bound = q + 1;
        rc = x->link->queue_connect(x->link_o, q, r.refs, x->ring_order, r.port, proto);
        if (rc) {
            snprintf(what, wlen, "mapping ring of queue %u (port %u)", q, r.port);
            return rc;
        }
    }
    return 0;
}

static int write_disk(struct vbd_xenbus *x)
{
    const struct vbd_features *f = &x->feat;
    int rc = be_write(x, "sectors", "%" PRIu64, f->sectors);

    if (!rc) rc = be_write(x, "info", "%u", f->info);
    if (!rc) rc = be_write(x, "sector-size", "%u", f->sector_size);
    if (!rc) rc = be_write(x, "physical-sector-size", "%u", f->physical_sector_size);
    return rc;
}

static void do_connect(struct vbd_xenbus *x)
{
    char proto[32], what[160] = "";
    bool multi_ref;
    int rc = read_layout(x, proto, sizeof(proto), &multi_ref, what, sizeof(what));

    if (!rc)
        rc = connect_queues(x, proto, multi_ref, what, sizeof(what));
    if (!rc && (rc = write_disk(x)))
        snprintf(what, sizeof(what), "writing the disk keys");
    if (rc) {
        fatal(x, rc, what);
        return;
    }
    x->connects++;
    vlog(x, "connected: %u queue%s, ring order %u, protocol %s, %" PRIu64 " sectors",
         x->nr_queues, x->nr_queues == 1 ? "" : "s", x->ring_order, proto,
         x->feat.sectors);
    set_state(x, XenbusStateConnected);
}

static void finish_detach(struct vbd_xenbus *x)
{
    disconnect(x);
    set_state(x, XenbusStateClosed);
    if (x->detaching && !x->detached) {
        x->detached = true;
        vlog(x, "detached%s", x->forced ? " (frontend did not close: forced)" : "");
    }
}

static void act(struct vbd_xenbus *x, enum action a)
{
    /* A disk being detached never reconnects: reset means done. */
    if (x->detaching && (a == A_CONNECT || a == A_RESET))
        a = a == A_RESET ? A_CLOSE : A_NONE;
    switch (a) {
    case A_NONE:
        break;
    case A_CONNECT:
        disconnect(x);
        do_connect(x);
        break;
    case A_CLOSING:
        disconnect(x);
        set_state(x, XenbusStateClosing);
        break;
    case A_CLOSE:
        finish_detach(x);
        break;
    case A_RESET:
        disconnect(x);
        set_state(x, XenbusStateInitWait);
        break;
    }
}

static int column(int be_state)
{
    switch (be_state) {
    case XenbusStateConnected: return 1;
    case XenbusStateClosing: return 2;
    case XenbusStateClosed: return 3;
    default: return 0; /* Initialising / InitWait */
    }
}

/* The frontend's state, 0 (Unknown) if its node is gone or unreadable. */
static int read_fe_state(struct vbd_xenbus *x)
{
    uint64_t v;

    if (read_uint(x, x->fe_path, "state", XenbusStateReconfigured, &v))
        return XenbusStateUnknown;
    return (int)v;
}

void vbd_xenbus_frontend_changed(struct vbd_xenbus *x)
{
    int fe;

    if (!x->watching || x->detached)
        return;
    fe = read_fe_state(x);
    if (fe != x->fe_state)
        vlog(x, "frontend %s (backend %s)", vbd_state_name(fe), vbd_state_name(x->state));
    x->fe_state = fe;
    if (fe > XenbusStateClosed) /* Reconfiguring: blkif has no use for it */
        return;
    act(x, (enum action)transitions[fe][column(x->state)]);
}

void vbd_xenbus_detach(struct vbd_xenbus *x, uint64_t now_ns, uint64_t timeout_ns)
{
    if (x->detaching)
        return;
    x->detaching = true;
    x->detach_deadline_ns = now_ns + timeout_ns;
    int fe = read_fe_state(x);
    /* Never connected, or already closed: nothing to wait for. */
    if (!x->connected || fe <= XenbusStateInitWait || fe == XenbusStateClosed) {
        finish_detach(x);
        return;
    }
    set_state(x, XenbusStateClosing);
}

void vbd_xenbus_tick(struct vbd_xenbus *x, uint64_t now_ns)
{
    if (!x->detaching || x->detached || now_ns < x->detach_deadline_ns)
        return;
    x->forced = true;
    finish_detach(x);
}

void vbd_xenbus_stop(struct vbd_xenbus *x)
{
    char path[KEY_MAX];

    disconnect(x);
    if (x->state != XenbusStateInitialising)
        set_state(x, XenbusStateClosed);
    if (x->watching && !key_path(path, x->fe_path, "state"))
        x->xs->unwatch(x->xs_o, path, x->token);
    x->watching = false;
}
