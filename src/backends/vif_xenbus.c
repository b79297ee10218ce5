/* The netif xenbus handshake for one vif (see vif_xenbus.h). */
#include "backends/vif_xenbus.h"
#include "common/log_limit.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <xen/io/xenbus.h>

enum action { A_NONE, A_CONNECT, A_CLOSING, A_CLOSE, A_RESET };

/* Rows: frontend state 0..6; columns: backend InitWait, Connected,
 * Closing, Closed.  Unlike blkif, only a Connected frontend connects:
 * netfront writes its keys and then switches itself to Connected. */
static const unsigned char vif_table[7][4] = {
    /*                            InitWait   Connected  Closing    Closed */
    [XenbusStateUnknown]      = { A_CLOSE,   A_CLOSE,   A_CLOSE,   A_NONE },
    [XenbusStateInitialising] = { A_NONE,    A_RESET,   A_RESET,   A_RESET },
    [XenbusStateInitWait]     = { A_NONE,    A_NONE,    A_NONE,    A_NONE },
    [XenbusStateInitialised]  = { A_NONE,    A_NONE,    A_NONE,    A_NONE },
    [XenbusStateConnected]    = { A_CONNECT, A_NONE,    A_NONE,    A_NONE },
    [XenbusStateClosing]      = { A_CLOSING, A_CLOSING, A_NONE,    A_NONE },
    [XenbusStateClosed]       = { A_CLOSE,   A_CLOSE,   A_CLOSE,   A_NONE },
};

/* The frontend feature keys we look at, and the bit each sets. */
static const struct { const char *key; unsigned bit; } fe_feature_keys[] = {
    { "feature-sg", VIF_F_SG },
    { "feature-gso-tcpv4", VIF_F_GSO_TCPV4 },
    { "feature-gso-tcpv6", VIF_F_GSO_TCPV6 },
    { "feature-ipv6-csum-offload", VIF_F_IPV6_CSUM },
};
#define NR_FE_FEATURES (sizeof(fe_feature_keys) / sizeof(fe_feature_keys[0]))

#define VIF_KEY_MAX (VBD_PATH_MAX + 48)

static void xlog(struct vif_xenbus *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void xlog(struct vif_xenbus *x, const char *fmt, ...)
{
    char line[320];
    int n = snprintf(line, sizeof(line), "vif %u/%u: ", x->domid, x->devid);
    va_list ap;

    if (!log_limit(&x->log_lines))
        return;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    va_end(ap);
    log_limit_suffix(line, sizeof(line), x->log_lines);
    if (x->link->log)
        x->link->log(x->link_o, line);
}

static int join(char *buf, const char *dir, const char *key)
{
    int n = snprintf(buf, VIF_KEY_MAX, "%s/%s", dir, key);
    return n < 0 || n >= VIF_KEY_MAX ? -ENAMETOOLONG : 0;
}

static int put_key(struct vif_xenbus *x, const char *key, unsigned val)
{
    char path[VIF_KEY_MAX], text[16];

    if (join(path, x->be_path, key))
        return -ENAMETOOLONG;
    snprintf(text, sizeof(text), "%u", val);
    return x->xs->write(x->xs_o, path, text);
}

/* dir/key as a number <= max; -ENOENT if the node is missing. */
static int get_uint(struct vif_xenbus *x, const char *dir, const char *key,
                    uint64_t max, uint64_t *out)
{
    char path[VIF_KEY_MAX], text[32];
    int rc;

    if (join(path, dir, key))
        return -ENAMETOOLONG;
    rc = x->xs->read(x->xs_o, path, text, sizeof(text));
    return rc < 0 ? rc : xenbus_parse_uint(text, max, out);
}

/* As vbd_xenbus's set_state: a refused write is written again next time. */
static void new_state(struct vif_xenbus *x, int s)
{
    if (x->state == s && !x->state_unwritten)
        return;
    if (x->state != s)
        xlog(x, "backend %s -> %s", vbd_state_name(x->state), vbd_state_name(s));
    x->state = s;
    x->state_unwritten = put_key(x, "state", (unsigned)s) != 0;
}

void vif_xenbus_init(struct vif_xenbus *x, unsigned domid, unsigned devid,
                     unsigned offered, unsigned max_queues,
                     const struct vbd_xs_ops *xs, void *xs_o,
                     const struct vif_link_ops *link, void *link_o)
{
    *x = (struct vif_xenbus){ .xs = xs, .xs_o = xs_o, .link = link, .link_o = link_o,
                              .domid = domid, .devid = devid, .offered = offered,
                              .max_queues = max_queues, .state = XenbusStateInitialising,
                              .fe_state = -1 };
    if (x->max_queues == 0)
        x->max_queues = 1;
    if (x->max_queues > VIF_MAX_QUEUES)
        x->max_queues = VIF_MAX_QUEUES;
    snprintf(x->be_path, sizeof(x->be_path), "/local/domain/0/backend/vif/%u/%u",
             domid, devid);
    snprintf(x->fe_path, sizeof(x->fe_path), "/local/domain/%u/device/vif/%u",
             domid, devid);
    snprintf(x->token, sizeof(x->token), "vif/%u", devid);
}

/* What netfront reads at InitWait (xennet_connect, xennet_fix_features). */
static int write_features(struct vif_xenbus *x)
{
    int rc = put_key(x, "feature-rx-copy", 1);

    if (!rc) rc = put_key(x, "feature-rx-flip", 0);
    for (unsigned i = 0; !rc && i < NR_FE_FEATURES; i++)
        rc = put_key(x, fe_feature_keys[i].key, !!(x->offered & fe_feature_keys[i].bit));
    if (!rc) rc = put_key(x, "feature-split-event-channels", 1);
    if (!rc) rc = put_key(x, "multi-queue-max-queues", x->max_queues);
    return rc;
}

int vif_xenbus_start(struct vif_xenbus *x)
{
    char path[VIF_KEY_MAX], fe[VBD_PATH_MAX];
    int rc;

    join(path, x->be_path, "frontend");
    rc = x->xs->read(x->xs_o, path, fe, sizeof(fe));
    if (rc < 0 || strcmp(fe, x->fe_path) != 0) {
        xlog(x, "%s: %s (the toolstack writes the backend dir first)", path,
             rc < 0 ? strerror(-rc) : "does not name this domain's frontend");
        return rc < 0 ? rc : -EINVAL;
    }
    rc = write_features(x);
    if (!rc) {
        x->state = XenbusStateUnknown; /* so the first write always happens */
        new_state(x, XenbusStateInitWait);
        rc = x->state == XenbusStateInitWait ? 0 : -EIO;
    }
    if (!rc && !join(path, x->fe_path, "state"))
        rc = x->xs->watch(x->xs_o, path, x->token);
    if (rc) {
        xlog(x, "writing the backend dir: %s", strerror(-rc));
        return rc;
    }
    x->watching = true;
    return 0;
}

static void unbind_all(struct vif_xenbus *x)
{
    for (unsigned i = 0; i < x->nr_bound; i++)
        x->link->unbind_port(x->link_o, x->ports[i]);
    x->nr_bound = 0;
}

static void disconnect(struct vif_xenbus *x)
{
    if (!x->connected)
        return;
    x->link->disconnect(x->link_o);
    unbind_all(x);
    x->connected = false;
}

static void refuse(struct vif_xenbus *x, int err, const char *what)
{
    char path[VBD_PATH_MAX + 32], msg[200];

    xlog(x, "refusing the frontend: %s (%s)", what, strerror(-err));
    x->failures++;
    snprintf(path, sizeof(path), "/local/domain/0/error/backend/vif/%u/%u/error",
             x->domid, x->devid);
    snprintf(msg, sizeof(msg), "%d %s", -err, what);
    x->xs->write(x->xs_o, path, msg);
    disconnect(x);
    new_state(x, XenbusStateClosing);
}

int vif_parse_rate(const char *s, uint64_t *bytes, uint64_t *usec)
{
    char a[24], b[24];
    const char *comma = strchr(s, ',');
    size_t n = comma ? (size_t)(comma - s) : 0;

    if (!comma || n == 0 || n >= sizeof(a) || strlen(comma + 1) >= sizeof(b))
        return -EINVAL;
    memcpy(a, s, n);
    a[n] = '\0';
    snprintf(b, sizeof(b), "%s", comma + 1);
    if (xenbus_parse_uint(a, UINT32_MAX, bytes) || xenbus_parse_uint(b, UINT32_MAX, usec) ||
        *bytes == 0 || *usec == 0)
        return -EINVAL;
    return 0;
}

/* The toolstack's `rate` (optional): a bad one is refused. */
static int read_rate(struct vif_xenbus *x, char *what, size_t wlen)
{
    char path[VIF_KEY_MAX], text[48], shown[48];
    int rc;

    x->rate_bytes = x->rate_usec = 0;
    join(path, x->be_path, "rate");
    rc = x->xs->read(x->xs_o, path, text, sizeof(text));
    if (rc == -ENOENT)
        return 0;
    if (rc >= 0 && vif_parse_rate(text, &x->rate_bytes, &x->rate_usec) == 0)
        return 0;
    xenbus_printable(shown, sizeof(shown), rc < 0 ? strerror(-rc) : text);
    snprintf(what, wlen, "backend rate '%s' is not bytes,usec", shown);
    x->rate_bytes = x->rate_usec = 0;
    return -EINVAL;
}

/* request-rx-copy, feature-*, multi-queue-num-queues. */
static int read_frontend(struct vif_xenbus *x, char *what, size_t wlen)
{
    uint64_t v;
    int rc = get_uint(x, x->fe_path, "request-rx-copy", 1, &v);

    if (rc || v != 1) {
        snprintf(what, wlen, "request-rx-copy is not 1 (only copying receive)");
        return rc && rc != -ENOENT ? rc : -EOPNOTSUPP;
    }
    x->fe_features = 0;
    for (unsigned i = 0; i < NR_FE_FEATURES; i++)
        if (get_uint(x, x->fe_path, fe_feature_keys[i].key, 1, &v) == 0 && v)
            x->fe_features |= fe_feature_keys[i].bit;
    rc = get_uint(x, x->fe_path, "multi-queue-num-queues", UINT32_MAX, &v);
    if (rc == -ENOENT)
        v = 1, rc = 0;
    if (rc || v == 0 || v > x->max_queues) {
        snprintf(what, wlen, "guest asked for %s queues (1 to %u)",
                 rc ? "unreadable" : v ? "too many" : "0", x->max_queues);
        return rc ? rc : -EINVAL;
    }
    x->nr_queues = (unsigned)v;
    return 0;
}

/* One queue's ring refs and port(s) under dir. */
static int read_queue(struct vif_xenbus *x, const char *dir, struct vif_queue_keys *k,
                      char *what, size_t wlen)
{
    static const char *const keys[] = { "tx-ring-ref", "rx-ring-ref",
                                        "event-channel-tx", "event-channel-rx" };
    uint64_t v[4];
    int rc = 0;

    for (unsigned i = 0; i < 4 && !rc; i++) {
        rc = get_uint(x, dir, keys[i], UINT32_MAX, &v[i]);
        if (rc == -ENOENT && i == 2) {       /* one channel for both */
            rc = get_uint(x, dir, "event-channel", UINT32_MAX, &v[2]);
            v[3] = v[2];
            if (rc) {
                snprintf(what, wlen, "reading %s/event-channel", dir);
                return rc;
            }
            x->split = false;
            break;
        }
        if (rc)
            snprintf(what, wlen, "reading %s/%s", dir, keys[i]);
        x->split = true;
    }
    if (rc)
        return rc;
    *k = (struct vif_queue_keys){ (uint32_t)v[0], (uint32_t)v[1], (unsigned)v[2],
                                  (unsigned)v[3] };
    if (x->split && k->tx_port == k->rx_port) {
        snprintf(what, wlen, "%s: split event channels on one port", dir);
        return -EINVAL;
    }
    return 0;
}

static int bind(struct vif_xenbus *x, unsigned q, unsigned port, enum vif_port_kind kind)
{
    int rc = x->link->bind_port(x->link_o, q, port, kind);
    if (!rc)
        x->ports[x->nr_bound++] = port;
    return rc;
}

static int connect_queue(struct vif_xenbus *x, unsigned q, char *what, size_t wlen)
{
    struct vif_queue_keys k;
    char dir[VBD_PATH_MAX];
    int rc;

    if (x->nr_queues == 1)
        snprintf(dir, sizeof(dir), "%s", x->fe_path);
    else if (snprintf(dir, sizeof(dir), "%s/queue-%u", x->fe_path, q) >= (int)sizeof(dir))
        return -ENAMETOOLONG;
    if ((rc = read_queue(x, dir, &k, what, wlen)))
        return rc;
    rc = x->split ? bind(x, q, k.tx_port, VIF_PORT_TX) : bind(x, q, k.tx_port, VIF_PORT_BOTH);
    if (!rc && x->split)
        rc = bind(x, q, k.rx_port, VIF_PORT_RX);
    if (rc) {
        snprintf(what, wlen, "binding event channel %u/%u of queue %u", k.tx_port,
                 k.rx_port, q);
        return rc;
    }
    rc = x->link->queue_connect(x->link_o, q, &k, x->fe_features);
    if (rc)
        snprintf(what, wlen, "mapping rings of queue %u (tx %u, rx %u)", q, k.tx_ref,
                 k.rx_ref);
    return rc;
}

static void do_connect(struct vif_xenbus *x)
{
    char what[200] = "";
    int rc = read_frontend(x, what, sizeof(what));

    if (!rc)
        rc = read_rate(x, what, sizeof(what));
    x->connected = true; /* from here on, disconnect() undoes */
    for (unsigned q = 0; !rc && q < x->nr_queues; q++)
        rc = connect_queue(x, q, what, sizeof(what));
    if (rc) {
        refuse(x, rc, what);
        return;
    }
    x->connects++;
    xlog(x, "connected: %u queue%s, %s event channels, features 0x%x, rate %" PRIu64
         " bytes per %" PRIu64 " us", x->nr_queues, x->nr_queues == 1 ? "" : "s",
         x->split ? "split" : "shared", x->fe_features & x->offered, x->rate_bytes,
         x->rate_usec);
    new_state(x, XenbusStateConnected);
}

static void close_now(struct vif_xenbus *x)
{
    disconnect(x);
    new_state(x, XenbusStateClosed);
    if (x->detaching && !x->detached) {
        x->detached = true;
        xlog(x, "detached%s", x->forced ? " (frontend did not close: forced)" : "");
    }
}

static void act(struct vif_xenbus *x, enum action a)
{
    if (x->detaching && (a == A_CONNECT || a == A_RESET)) /* never again */
        a = a == A_RESET ? A_CLOSE : A_NONE;
    if (a == A_CONNECT) {
        disconnect(x);
        do_connect(x);
    } else if (a == A_CLOSING) {
        disconnect(x);
        new_state(x, XenbusStateClosing);
    } else if (a == A_CLOSE) {
        close_now(x);
    } else if (a == A_RESET) {
        disconnect(x);
        new_state(x, XenbusStateInitWait);
    }
}

static int fe_state_now(struct vif_xenbus *x)
{
    uint64_t v;
    return get_uint(x, x->fe_path, "state", XenbusStateReconfigured, &v) ? 0 : (int)v;
}

void vif_xenbus_frontend_changed(struct vif_xenbus *x)
{
    static const int col[7] = { 0, 0, 0, 0, 1, 2, 3 };
    int fe;

    if (!x->watching || x->detached)
        return;
    fe = fe_state_now(x);
    if (fe != x->fe_state)
        xlog(x, "frontend %s (backend %s)", vbd_state_name(fe), vbd_state_name(x->state));
    x->fe_state = fe;
    if (fe > XenbusStateClosed) /* Reconfiguring: only with XDP headroom */
        return;
    act(x, (enum action)vif_table[fe][col[x->state >= 0 && x->state <= 6 ? x->state : 0]]);
}

void vif_xenbus_detach(struct vif_xenbus *x, uint64_t now_ns, uint64_t timeout_ns)
{
    int fe;

    if (x->detaching)
        return;
    x->detaching = true;
    x->detach_deadline_ns = now_ns + timeout_ns;
    fe = fe_state_now(x);
    /* netfront that never connected, or gone: nothing to wait for. */
    if (!x->connected || fe <= XenbusStateInitWait || fe == XenbusStateClosed)
        close_now(x);
    else
        new_state(x, XenbusStateClosing);
}

void vif_xenbus_tick(struct vif_xenbus *x, uint64_t now_ns)
{
    if (!x->detaching || x->detached || now_ns < x->detach_deadline_ns)
        return;
    x->forced = true;
    close_now(x);
}

void vif_xenbus_stop(struct vif_xenbus *x)
{
    char path[VIF_KEY_MAX];

    disconnect(x);
    if (x->state != XenbusStateInitialising)
        new_state(x, XenbusStateClosed);
    if (x->watching && !join(path, x->fe_path, "state"))
        x->xs->unwatch(x->xs_o, path, x->token);
    x->watching = false;
}
