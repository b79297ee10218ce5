/* The blkif xenbus state machine over a fake xenstore and a fake data
 * path: the handshake blkfront does, every refusal, closing, the kexec
 * reset, hot-unplug with and without a frontend that answers. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/blkif.h>
#include <xen/io/xenbus.h>

#include "backends/vbd_xenbus.h"
#include "check.h"

#define BE "/local/domain/0/backend/vbd/3/51712"
#define FE "/local/domain/3/device/vbd/51712"

#include "fake_xs.h"

/* ---- fake data path ---- */
struct link {
    unsigned binds, unbinds, connects, disconnects;
    int bind_rc, connect_rc;
    unsigned port[VBD_MAX_QUEUES], order[VBD_MAX_QUEUES];
    uint32_t refs[VBD_MAX_QUEUES][16];
    char proto[32];
    char last_log[320];
    unsigned logs;
};
static struct link lk;

static int fl_bind(void *o, unsigned q, unsigned port)
{
    (void)o; (void)q; (void)port;
    if (lk.bind_rc)
        return lk.bind_rc;
    lk.binds++;
    return 0;
}

static void fl_unbind(void *o, unsigned q, unsigned port)
{
    (void)o; (void)q; (void)port;
    lk.unbinds++;
}

static int fl_connect(void *o, unsigned q, const uint32_t *refs, unsigned order,
                      unsigned port, const char *protocol)
{
    (void)o;
    if (lk.connect_rc)
        return lk.connect_rc;
    lk.connects++;
    lk.port[q] = port;
    lk.order[q] = order;
    memcpy(lk.refs[q], refs, sizeof(uint32_t) << order);
    snprintf(lk.proto, sizeof(lk.proto), "%s", protocol);
    return 0;
}

static void fl_disconnect(void *o)
{
    (void)o;
    lk.disconnects++;
}

static void fl_log(void *o, const char *msg)
{
    (void)o;
    snprintf(lk.last_log, sizeof(lk.last_log), "%s", msg);
    lk.logs++;
}

static const struct vbd_link_ops fake_link = { fl_bind, fl_unbind, fl_connect,
                                               fl_disconnect, fl_log };

static const struct vbd_features feat = {
    .sectors = 2048, .info = 0, .sector_size = 512, .physical_sector_size = 4096,
    .flush = true, .discard = true, .discard_granularity = 4096,
    .max_indirect_segs = 256, .max_ring_order = 4, .max_queues = 2,
};

/* What xend writes (contract §2). */
static void toolstack_dirs(void)
{
    nstore = 0;
    watched[0] = '\0';
    writes_failing = 0;
    memset(&lk, 0, sizeof(lk));
    put(BE "/frontend", FE);
    put(BE "/frontend-id", "3");
    put(BE "/state", "1");
    put(BE "/mode", "w");
    put(FE "/backend", BE);
    put(FE "/state", "1");
    put(FE "/virtual-device", "51712");
}

static void fe_state(struct vbd_xenbus *x, int s)
{
    char v[4];
    snprintf(v, sizeof(v), "%d", s);
    put(FE "/state", v);
    vbd_xenbus_frontend_changed(x);
}

static int be_state(void)
{
    const char *s = get(BE "/state");
    return s ? atoi(s) : -1;
}

static void started(struct vbd_xenbus *x, const struct vbd_features *f)
{
    toolstack_dirs();
    vbd_xenbus_init(x, 3, 51712, f, &fake_xs, NULL, &fake_link, NULL);
    CHECK_EQ(vbd_xenbus_start(x), 0);
    vbd_xenbus_frontend_changed(x); /* a watch fires once when set */
}

/* blkfront's talk_to_blkback with one page and one ring. */
static void fe_one_ring(void)
{
    put(FE "/ring-ref", "8");
    put(FE "/event-channel", "17");
    put(FE "/protocol", "x86_64-abi");
    put(FE "/feature-persistent", "1");
}

/* Started, then blkfront's one-ring handshake up to Initialised. */
static void connected(struct vbd_xenbus *x)
{
    started(x, &feat);
    fe_one_ring();
    fe_state(x, XenbusStateInitialised);
}

static void test_start_writes_features(void)
{
    struct vbd_xenbus x;
    started(&x, &feat);
    CHECK_EQ(be_state(), XenbusStateInitWait);
    CHECK_STR(get(BE "/feature-max-indirect-segments"), "256");
    CHECK_STR(get(BE "/multi-queue-max-queues"), "2");
    CHECK_STR(get(BE "/max-ring-page-order"), "4");
    CHECK_STR(get(BE "/feature-flush-cache"), "1");
    CHECK_STR(get(BE "/feature-barrier"), "1");
    CHECK_STR(get(BE "/feature-persistent"), "0");
    CHECK_STR(get(BE "/feature-discard"), "1");
    CHECK_STR(get(BE "/discard-granularity"), "4096");
    CHECK_STR(get(BE "/discard-alignment"), "0");
    CHECK_STR(watched, FE "/state");
    CHECK_STR(watch_token, "vbd/51712");
    CHECK(get(BE "/sectors") == NULL); /* only at connect */
    CHECK_EQ(lk.connects, 0);

    /* A read-only disk offers no discard. */
    struct vbd_features ro = feat;
    ro.discard = false;
    ro.info = VDISK_READONLY;
    started(&x, &ro);
    CHECK_STR(get(BE "/feature-discard"), "0");
    CHECK(get(BE "/discard-granularity") == NULL);
}

static void test_start_needs_toolstack_dirs(void)
{
    struct vbd_xenbus x;
    toolstack_dirs();
    rm_prefix(BE "/frontend");
    vbd_xenbus_init(&x, 3, 51712, &feat, &fake_xs, NULL, &fake_link, NULL);
    CHECK_EQ(vbd_xenbus_start(&x), -ENOENT);
    CHECK_EQ(be_state(), 1); /* untouched */

    toolstack_dirs();
    put(BE "/frontend", "/local/domain/4/device/vbd/51712");
    vbd_xenbus_init(&x, 3, 51712, &feat, &fake_xs, NULL, &fake_link, NULL);
    CHECK_EQ(vbd_xenbus_start(&x), -EINVAL);
    CHECK(strstr(lk.last_log, "does not name") != NULL);

    toolstack_dirs();
    writes_failing = -EACCES;
    vbd_xenbus_init(&x, 3, 51712, &feat, &fake_xs, NULL, &fake_link, NULL);
    CHECK_EQ(vbd_xenbus_start(&x), -EACCES);
    CHECK(watched[0] == '\0');
}

static void test_connect_one_ring(void)
{
    struct vbd_xenbus x;
    connected(&x);
    CHECK_EQ(lk.binds, 1);
    CHECK_EQ(lk.connects, 1);
    CHECK_EQ(lk.port[0], 17);
    CHECK_EQ(lk.order[0], 0);
    CHECK_EQ(lk.refs[0][0], 8);
    CHECK_STR(lk.proto, "x86_64-abi");
    CHECK_EQ(be_state(), XenbusStateConnected);
    CHECK_STR(get(BE "/sectors"), "2048");
    CHECK_STR(get(BE "/info"), "0");
    CHECK_STR(get(BE "/sector-size"), "512");
    CHECK_STR(get(BE "/physical-sector-size"), "4096");
    /* The frontend's own Connected, and repeated watch events: no-ops. */
    fe_state(&x, XenbusStateConnected);
    vbd_xenbus_frontend_changed(&x);
    CHECK_EQ(lk.connects, 1);
    CHECK_EQ(lk.disconnects, 0);
}

static void test_connect_multi_page_multi_queue(void)
{
    struct vbd_xenbus x;
    char k[96], v[16];
    started(&x, &feat);
    put(FE "/protocol", "x86_64-abi");
    put(FE "/ring-page-order", "2");
    put(FE "/multi-queue-num-queues", "2");
    for (unsigned q = 0; q < 2; q++) {
        snprintf(k, sizeof(k), FE "/queue-%u/event-channel", q);
        snprintf(v, sizeof(v), "%u", 20 + q);
        put(k, v);
        for (unsigned i = 0; i < 4; i++) {
            snprintf(k, sizeof(k), FE "/queue-%u/ring-ref%u", q, i);
            snprintf(v, sizeof(v), "%u", 100 * q + i);
            put(k, v);
        }
    }
    fe_state(&x, XenbusStateInitialised);
    CHECK_EQ(be_state(), XenbusStateConnected);
    CHECK_EQ(lk.connects, 2);
    CHECK_EQ(lk.binds, 2);
    CHECK_EQ(lk.port[1], 21);
    CHECK_EQ(lk.order[1], 2);
    CHECK_EQ(lk.refs[1][3], 103);
    CHECK_EQ(lk.refs[0][2], 2);
}

/* A ring-page-order key means ring-ref0.. even for order 0 (blkback). */
static void test_order0_with_key(void)
{
    struct vbd_xenbus x;
    started(&x, &feat);
    put(FE "/ring-page-order", "0");
    put(FE "/ring-ref0", "44");
    put(FE "/event-channel", "9");
    fe_state(&x, XenbusStateInitialised);
    CHECK_EQ(be_state(), XenbusStateConnected);
    CHECK_EQ(lk.refs[0][0], 44);
}

/* Every refusal: error node, Closing, nothing left bound. */
static void refused(const char *key, const char *val, const char *why)
{
    struct vbd_xenbus x;
    started(&x, &feat);
    fe_one_ring();
    if (val)
        put(key, val);
    else
        rm_prefix(key);
    fe_state(&x, XenbusStateInitialised);
    CHECK_EQ(be_state(), XenbusStateClosing);
    CHECK_EQ(x.failures, 1);
    CHECK_EQ(lk.binds, lk.unbinds);
    CHECK(lk.connects == 0 || lk.disconnects > 0);
    const char *err = get("/local/domain/0/error/backend/vbd/3/51712/error");
    CHECK(err != NULL);
    if (!err || !strstr(err, why))
        fprintf(stderr, "  refusal of %s=%s: error node \"%s\", wanted \"%s\"\n", key,
                val ? val : "(missing)", err ? err : "(none)", why);
    CHECK(err && strstr(err, why));
    /* The frontend closes; we follow; the VMM is fine. */
    fe_state(&x, XenbusStateClosing);
    fe_state(&x, XenbusStateClosed);
    CHECK_EQ(be_state(), XenbusStateClosed);
}

static void test_refusals(void)
{
    refused(FE "/multi-queue-num-queues", "0", "0 queues");
    refused(FE "/multi-queue-num-queues", "3", "too many queues");
    refused(FE "/multi-queue-num-queues", "99999999999999999999999", "unreadable queues");
    refused(FE "/ring-page-order", "5", "ring-page-order too large");
    refused(FE "/ring-page-order", "-1", "ring-page-order unreadable");
    refused(FE "/protocol", "x86_32-abi", "unsupported protocol x86_32-abi");
    /* The guest's string goes into our log and the error node: no forged
     * log lines, no terminal escapes. */
    refused(FE "/protocol", "x\nvbd 3/1: connected\033[2J", "unsupported protocol x?vbd 3/1: connected?[2J (");
    refused(FE "/event-channel", NULL, "event-channel");
    refused(FE "/event-channel", "", "event-channel");
    refused(FE "/ring-ref", NULL, "ring-ref");
    refused(FE "/ring-ref", "8x", "ring-ref");
    refused(FE "/ring-ref", "4294967296", "ring-ref");
    /* ring-page-order 1 needs ring-ref0 and ring-ref1. */
    refused(FE "/ring-page-order", "1", "ring-ref0");
}

static void test_link_failures(void)
{
    struct vbd_xenbus x;
    started(&x, &feat);
    fe_one_ring();
    lk.bind_rc = -EINVAL;
    fe_state(&x, XenbusStateInitialised);
    CHECK_EQ(be_state(), XenbusStateClosing);
    CHECK_EQ(lk.connects, 0);

    started(&x, &feat);
    fe_one_ring();
    lk.connect_rc = -EFAULT;
    fe_state(&x, XenbusStateInitialised);
    CHECK_EQ(be_state(), XenbusStateClosing);
    CHECK_EQ(lk.binds, 1);
    CHECK_EQ(lk.unbinds, 1);
    CHECK_EQ(lk.disconnects, 1);
    CHECK(strstr(get("/local/domain/0/error/backend/vbd/3/51712/error"), "mapping ring"));
}

/* The frontend's Connected while we are at InitWait: connect anyway. */
static void test_connected_first(void)
{
    struct vbd_xenbus x;
    started(&x, &feat);
    fe_one_ring();
    fe_state(&x, XenbusStateConnected);
    CHECK_EQ(be_state(), XenbusStateConnected);
    CHECK_EQ(lk.connects, 1);
}

/* Guest shutdown: Closing -> we disconnect and close too. */
static void test_frontend_closes(void)
{
    struct vbd_xenbus x;
    connected(&x);
    fe_state(&x, XenbusStateConnected);
    fe_state(&x, XenbusStateClosing);
    CHECK_EQ(be_state(), XenbusStateClosing);
    CHECK_EQ(lk.disconnects, 1);
    CHECK_EQ(lk.unbinds, 1);
    fe_state(&x, XenbusStateClosed);
    CHECK_EQ(be_state(), XenbusStateClosed);
    CHECK_EQ(lk.disconnects, 1); /* once */
    /* Closed straight from Connected (watch events coalesced). */
    connected(&x);
    fe_state(&x, XenbusStateClosed);
    CHECK_EQ(be_state(), XenbusStateClosed);
    CHECK_EQ(lk.disconnects, 1);
}

/* xenstore refuses the backend's write of Closing: the state machine moves
 * on, and the node catches up with the next state written (Closed), and
 * at the VMM's exit when Closed itself was refused. */
static void test_state_write_refused(void)
{
    struct vbd_xenbus x;
    connected(&x);
    fe_state(&x, XenbusStateConnected);
    writes_failing = -EIO;
    fe_state(&x, XenbusStateClosing);
    CHECK_EQ(be_state(), XenbusStateConnected);   /* the node lags */
    CHECK_EQ(lk.disconnects, 1);                  /* the queues went anyway */
    CHECK(x.state_unwritten);
    writes_failing = 0;
    fe_state(&x, XenbusStateClosed);
    CHECK_EQ(be_state(), XenbusStateClosed);
    CHECK(!x.state_unwritten);
    /* Closed refused, then the VMM stops: Closed is written then. */
    connected(&x);
    writes_failing = -EIO;
    fe_state(&x, XenbusStateClosed);
    CHECK_EQ(be_state(), XenbusStateConnected);
    writes_failing = 0;
    vbd_xenbus_stop(&x);
    CHECK_EQ(be_state(), XenbusStateClosed);
}

/* kexec/kdump: the new kernel walks a Connected frontend 5 -> 6 -> 1 and
 * waits for the backend at 5, 6, 2 in turn; then connects again. */
static void test_kexec_reset(void)
{
    struct vbd_xenbus x;
    connected(&x);
    fe_state(&x, XenbusStateConnected);
    fe_state(&x, XenbusStateClosing);
    CHECK_EQ(be_state(), XenbusStateClosing);
    fe_state(&x, XenbusStateClosed);
    CHECK_EQ(be_state(), XenbusStateClosed);
    fe_state(&x, XenbusStateInitialising);
    CHECK_EQ(be_state(), XenbusStateInitWait);
    put(FE "/event-channel", "23");
    fe_state(&x, XenbusStateInitialised);
    CHECK_EQ(be_state(), XenbusStateConnected);
    CHECK_EQ(lk.connects, 2);
    CHECK_EQ(lk.port[0], 23);
    CHECK_EQ(x.connects, 2);
    /* Straight back to Initialising from Connected: reset too. */
    fe_state(&x, XenbusStateInitialising);
    CHECK_EQ(be_state(), XenbusStateInitWait);
    CHECK_EQ(lk.disconnects, 2);
}

/* A guest cycling its frontend state as fast as xenstore lets it: every
 * cycle connects and resets, but our log gets the first lines and then
 * only the 2^k-th, numbered. */
static void test_log_flood(void)
{
    struct vbd_xenbus x;

    connected(&x);
    CHECK_EQ(be_state(), XenbusStateConnected);
    for (unsigned i = 0; i < 2000; i++) {
        fe_state(&x, XenbusStateInitialising);
        fe_state(&x, XenbusStateInitialised);
    }
    CHECK_EQ(be_state(), XenbusStateConnected);
    CHECK_EQ(x.connects, 2001);
    CHECK(x.log_lines > 8000);
    CHECK(lk.logs <= 64 + 14);
    CHECK(strstr(lk.last_log, "others suppressed") != NULL);
}

static void test_frontend_vanishes(void)
{
    struct vbd_xenbus x;
    connected(&x);
    rm_prefix(FE);
    vbd_xenbus_frontend_changed(&x);
    CHECK_EQ(be_state(), XenbusStateClosed);
    CHECK_EQ(lk.disconnects, 1);
    /* Out-of-range states are ignored or treated as gone, never trusted. */
    started(&x, &feat);
    fe_state(&x, 7);
    CHECK_EQ(be_state(), XenbusStateInitWait);
    fe_state(&x, 42);
    CHECK_EQ(be_state(), XenbusStateClosed);
}

static void test_detach_answered(void)
{
    struct vbd_xenbus x;
    connected(&x);
    fe_state(&x, XenbusStateConnected);
    vbd_xenbus_detach(&x, 1000, 10);
    CHECK_EQ(be_state(), XenbusStateClosing);
    CHECK(!x.detached);
    vbd_xenbus_tick(&x, 1005);
    CHECK(!x.detached);
    fe_state(&x, XenbusStateClosing); /* blkfront_closing... */
    CHECK(!x.detached);
    fe_state(&x, XenbusStateClosed);
    CHECK(x.detached);
    CHECK(!x.forced);
    CHECK_EQ(be_state(), XenbusStateClosed);
    CHECK_EQ(lk.disconnects, 1);
    /* After the detach nothing reconnects. */
    fe_state(&x, XenbusStateInitialising);
    fe_state(&x, XenbusStateInitialised);
    CHECK_EQ(be_state(), XenbusStateClosed);
    CHECK_EQ(lk.connects, 1);
}

static void test_detach_forced(void)
{
    struct vbd_xenbus x;
    connected(&x);
    fe_state(&x, XenbusStateConnected);
    vbd_xenbus_detach(&x, 1000, 10);
    fe_state(&x, XenbusStateInitialising); /* a frontend that resets: no InitWait */
    CHECK_EQ(be_state(), XenbusStateClosed);
    CHECK(x.detached);

    connected(&x);
    vbd_xenbus_detach(&x, 1000, 10);
    vbd_xenbus_tick(&x, 1009);
    CHECK(!x.detached);
    vbd_xenbus_tick(&x, 1010);
    CHECK(x.detached);
    CHECK(x.forced);
    CHECK_EQ(be_state(), XenbusStateClosed);
    CHECK_EQ(lk.disconnects, 1);
    CHECK_EQ(lk.unbinds, 1);
}

static void test_detach_unconnected(void)
{
    struct vbd_xenbus x;
    started(&x, &feat);
    vbd_xenbus_detach(&x, 0, 10);
    CHECK(x.detached);
    CHECK_EQ(be_state(), XenbusStateClosed);
    CHECK_EQ(lk.disconnects, 0);
}

static void test_stop(void)
{
    struct vbd_xenbus x;
    connected(&x);
    vbd_xenbus_stop(&x);
    CHECK_EQ(be_state(), XenbusStateClosed);
    CHECK_EQ(lk.disconnects, 1);
    CHECK(watched[0] == '\0');
    vbd_xenbus_frontend_changed(&x); /* a late event: ignored */
    CHECK_EQ(lk.connects, 1);
}

/* Random frontends: random states and random (often hostile) key values,
 * with detaches and ticks mixed in.  Whatever happens: the backend is in
 * a state it may be in, a port is bound exactly while its queue is
 * connected, and a finished detach stays Closed. */
static const char *rnd_val(unsigned *seed)
{
    static const char *const vals[] = { "0", "1", "2", "3", "4", "5", "8", "17", "",
        "-1", "x86_64-abi", "x86_32-abi", "4294967295", "4294967296", "18446744073709551616",
        "007", " 1", "1 ", "99999999999999999999999" };
    return vals[rand_r(seed) % (sizeof(vals) / sizeof(vals[0]))];
}

static void test_random_frontends(void)
{
    static const char *const keys[] = { "ring-ref", "ring-ref0", "ring-ref1", "event-channel",
        "protocol", "ring-page-order", "multi-queue-num-queues", "queue-0/ring-ref",
        "queue-0/event-channel", "queue-1/ring-ref", "queue-1/event-channel", "state" };
    unsigned seed = 12345, bad = 0, connected_seen = 0, refused_seen = 0;
    struct vbd_xenbus x;
    char path[128];

    for (unsigned run = 0; run < 300; run++) {
        started(&x, &feat);
        uint64_t now = 0;
        for (unsigned step = 0; step < 40; step++) {
            unsigned op = (unsigned)rand_r(&seed) % 16;
            if (op < 10) {
                snprintf(path, sizeof(path), FE "/%s", keys[rand_r(&seed) % 12]);
                put(path, rnd_val(&seed));
            } else if (op < 14) {
                char v[4];
                snprintf(v, sizeof(v), "%d", rand_r(&seed) % 8);
                put(FE "/state", v);
                vbd_xenbus_frontend_changed(&x);
            } else if (op == 14) {
                vbd_xenbus_detach(&x, now, 100);
            } else {
                now += 50;
                vbd_xenbus_tick(&x, now);
            }
            int st = be_state();
            bool ok = st == 2 || st == 4 || st == 5 || st == 6;
            ok = ok && (lk.binds - lk.unbinds == (x.connected ? x.nr_bound : 0));
            ok = ok && (st != 4 || x.connected);
            ok = ok && (!x.detached || st == 6);
            connected_seen += st == 4;
            refused_seen += x.failures > 0;
            if (!ok && bad++ < 3)
                fprintf(stderr, "  random run %u step %u: state %d, binds %u unbinds %u\n",
                        run, step, st, lk.binds, lk.unbinds);
        }
    }
    CHECK_EQ(bad, 0);
    CHECK(connected_seen > 0); /* the walk reaches both outcomes */
    CHECK(refused_seen > 0);
}

int main(void)
{
    test_start_writes_features();
    test_start_needs_toolstack_dirs();
    test_connect_one_ring();
    test_connect_multi_page_multi_queue();
    test_order0_with_key();
    test_refusals();
    test_link_failures();
    test_connected_first();
    test_frontend_closes();
    test_state_write_refused();
    test_kexec_reset();
    test_frontend_vanishes();
    test_detach_answered();
    test_detach_forced();
    test_detach_unconnected();
    test_stop();
    test_random_frontends();
    test_log_flood();
    return check_done("vbd-xenbus");
}
