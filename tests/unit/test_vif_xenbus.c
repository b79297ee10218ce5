/* The netif xenbus state machine over a fake xenstore and a fake data
 * path: the keys netfront reads, its handshake (one queue with one event
 * channel, several queues with split channels), every refusal, `rate`,
 * closing, the re-probe reset 4 -> 5 -> 6 -> 1 -> 4, a frontend that
 * vanishes, hot-unplug answered and forced, exit. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/xenbus.h>

#include "backends/vif_xenbus.h"
#include "check.h"
#include "fake_xs.h"

#define BE "/local/domain/0/backend/vif/3/0"
#define FE "/local/domain/3/device/vif/0"
#define ALL (VIF_F_SG | VIF_F_GSO_TCPV4 | VIF_F_GSO_TCPV6 | VIF_F_IPV6_CSUM)

/* ---- fake data path ---- */
static struct {
    unsigned binds, unbinds, connects, disconnects;
    int bind_rc, connect_rc;
    unsigned bound[16], kind[16];
    struct vif_queue_keys keys[VIF_MAX_QUEUES];
    unsigned features;
    char last_log[320], refusal[320];
    unsigned logs;
} lk;

static int fl_bind(void *o, unsigned q, unsigned port, enum vif_port_kind kind)
{
    (void)o; (void)q;
    if (lk.bind_rc && lk.binds >= 1)   /* the second bind fails */
        return lk.bind_rc;
    if (lk.binds < 16) {
        lk.bound[lk.binds] = port;
        lk.kind[lk.binds] = kind;
    }
    lk.binds++;
    return 0;
}

static void fl_unbind(void *o, unsigned port)
{
    (void)o; (void)port;
    lk.unbinds++;
}

static int fl_connect(void *o, unsigned q, const struct vif_queue_keys *k, unsigned f)
{
    (void)o;
    if (lk.connect_rc)
        return lk.connect_rc;
    lk.keys[q] = *k;
    lk.features = f;
    lk.connects++;
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
    if (strstr(msg, "refusing"))
        snprintf(lk.refusal, sizeof(lk.refusal), "%s", msg);
}

static const struct vif_link_ops fake_link = { fl_bind, fl_unbind, fl_connect,
                                               fl_disconnect, fl_log };

/* What xend writes (net-contract). */
static void toolstack_dirs(void)
{
    nstore = 0;
    watched[0] = '\0';
    writes_failing = 0;
    memset(&lk, 0, sizeof(lk));
    put(BE "/frontend", FE);
    put(BE "/frontend-id", "3");
    put(BE "/handle", "0");
    put(BE "/mac", "00:16:3e:00:00:03");
    put(BE "/state", "1");
    put(FE "/backend", BE);
    put(FE "/backend-id", "0");
    put(FE "/mac", "00:16:3e:00:00:03");
    put(FE "/state", "1");
}

static void fe_state(struct vif_xenbus *x, int s)
{
    char v[4];
    snprintf(v, sizeof(v), "%d", s);
    put(FE "/state", v);
    vif_xenbus_frontend_changed(x);
}

static int be_state(void)
{
    const char *s = get(BE "/state");
    return s ? atoi(s) : -1;
}

static void started(struct vif_xenbus *x, unsigned maxq)
{
    toolstack_dirs();
    vif_xenbus_init(x, 3, 0, ALL, maxq, &fake_xs, NULL, &fake_link, NULL);
    CHECK_EQ(vif_xenbus_start(x), 0);
    vif_xenbus_frontend_changed(x); /* a watch fires once when set */
}

/* netfront's talk_to_netback for one queue and one event channel. */
static void fe_one_queue(void)
{
    put(FE "/tx-ring-ref", "8");
    put(FE "/rx-ring-ref", "9");
    put(FE "/event-channel", "17");
    put(FE "/request-rx-copy", "1");
    put(FE "/feature-rx-notify", "1");
    put(FE "/feature-sg", "1");
    put(FE "/feature-gso-tcpv4", "1");
    put(FE "/feature-gso-tcpv6", "1");
    put(FE "/feature-ipv6-csum-offload", "1");
}

/* ... and for n queues with split channels (queue-i/...). */
static void fe_queues(unsigned n)
{
    char k[96], v[16];

    fe_one_queue();
    rm_prefix(FE "/tx-ring-ref");
    rm_prefix(FE "/rx-ring-ref");
    rm_prefix(FE "/event-channel");
    snprintf(v, sizeof(v), "%u", n);
    put(FE "/multi-queue-num-queues", v);
    for (unsigned q = 0; q < n; q++) {
        static const char *const key[] = { "tx-ring-ref", "rx-ring-ref",
                                           "event-channel-tx", "event-channel-rx" };
        for (unsigned i = 0; i < 4; i++) {
            snprintf(k, sizeof(k), FE "/queue-%u/%s", q, key[i]);
            snprintf(v, sizeof(v), "%u", (i < 2 ? 100 : 20) + q * 4 + i);
            put(k, v);
        }
    }
}

static void test_start_writes_features(void)
{
    struct vif_xenbus x;

    started(&x, 2);
    CHECK_EQ(be_state(), XenbusStateInitWait);
    CHECK_STR(get(BE "/feature-rx-copy"), "1");
    CHECK_STR(get(BE "/feature-rx-flip"), "0");
    CHECK_STR(get(BE "/feature-sg"), "1");
    CHECK_STR(get(BE "/feature-gso-tcpv4"), "1");
    CHECK_STR(get(BE "/feature-gso-tcpv6"), "1");
    CHECK_STR(get(BE "/feature-ipv6-csum-offload"), "1");
    CHECK_STR(get(BE "/feature-split-event-channels"), "1");
    CHECK_STR(get(BE "/multi-queue-max-queues"), "2");
    CHECK(get(BE "/feature-ctrl-ring") == NULL);
    CHECK(get(BE "/feature-xdp-headroom") == NULL);
    CHECK_STR(watched, FE "/state");
    CHECK_STR(watch_token, "vif/0");
    CHECK_EQ(lk.connects, 0);

    /* Fewer offloads offered: the keys say 0; queues clamp to 1..8. */
    toolstack_dirs();
    vif_xenbus_init(&x, 3, 0, VIF_F_SG, 99, &fake_xs, NULL, &fake_link, NULL);
    CHECK_EQ(vif_xenbus_start(&x), 0);
    CHECK_STR(get(BE "/feature-gso-tcpv4"), "0");
    CHECK_STR(get(BE "/feature-sg"), "1");
    CHECK_STR(get(BE "/multi-queue-max-queues"), "8");
}

static void test_start_needs_toolstack_dirs(void)
{
    struct vif_xenbus x;

    toolstack_dirs();
    rm_prefix(BE "/frontend");
    vif_xenbus_init(&x, 3, 0, ALL, 1, &fake_xs, NULL, &fake_link, NULL);
    CHECK_EQ(vif_xenbus_start(&x), -ENOENT);
    CHECK_EQ(be_state(), 1);

    toolstack_dirs();
    put(BE "/frontend", "/local/domain/4/device/vif/0");
    vif_xenbus_init(&x, 3, 0, ALL, 1, &fake_xs, NULL, &fake_link, NULL);
    CHECK_EQ(vif_xenbus_start(&x), -EINVAL);
    CHECK(strstr(lk.last_log, "does not name") != NULL);

    toolstack_dirs();
    writes_failing = -EACCES;
    vif_xenbus_init(&x, 3, 0, ALL, 1, &fake_xs, NULL, &fake_link, NULL);
    CHECK_EQ(vif_xenbus_start(&x), -EACCES);
    CHECK(watched[0] == '\0');
}

static void test_connect_one_queue(void)
{
    struct vif_xenbus x;

    started(&x, 2);
    fe_one_queue();
    fe_state(&x, XenbusStateInitialised);   /* netfront never stops here */
    CHECK_EQ(lk.connects, 0);
    CHECK_EQ(be_state(), XenbusStateInitWait);
    fe_state(&x, XenbusStateConnected);
    CHECK_EQ(be_state(), XenbusStateConnected);
    CHECK_EQ(lk.connects, 1);
    CHECK_EQ(lk.binds, 1);
    CHECK_EQ(lk.bound[0], 17);
    CHECK_EQ(lk.kind[0], VIF_PORT_BOTH);
    CHECK_EQ(lk.keys[0].tx_ref, 8);
    CHECK_EQ(lk.keys[0].rx_ref, 9);
    CHECK_EQ(lk.keys[0].tx_port, 17);
    CHECK_EQ(lk.keys[0].rx_port, 17);
    CHECK_EQ(lk.features, ALL);
    CHECK_EQ(x.nr_queues, 1);
    CHECK(!x.split);
    CHECK_EQ(x.rate_bytes, 0);
    /* The same state again (a second watch event) does nothing. */
    fe_state(&x, XenbusStateConnected);
    CHECK_EQ(lk.connects, 1);

    /* A frontend without the offloads: only what it wrote. */
    started(&x, 1);
    fe_one_queue();
    put(FE "/feature-gso-tcpv4", "0");
    rm_prefix(FE "/feature-gso-tcpv6");
    fe_state(&x, XenbusStateConnected);
    CHECK_EQ(lk.features, VIF_F_SG | VIF_F_IPV6_CSUM);
}

static void test_connect_split_queues(void)
{
    struct vif_xenbus x;

    started(&x, 4);
    fe_queues(3);
    fe_state(&x, XenbusStateConnected);
    CHECK_EQ(be_state(), XenbusStateConnected);
    CHECK_EQ(lk.connects, 3);
    CHECK_EQ(lk.binds, 6);
    CHECK(x.split);
    for (unsigned q = 0; q < 3; q++) {
        CHECK_EQ(lk.keys[q].tx_ref, 100 + q * 4);
        CHECK_EQ(lk.keys[q].rx_ref, 101 + q * 4);
        CHECK_EQ(lk.keys[q].tx_port, 22 + q * 4);
        CHECK_EQ(lk.keys[q].rx_port, 23 + q * 4);
        CHECK_EQ(lk.kind[2 * q], VIF_PORT_TX);
        CHECK_EQ(lk.kind[2 * q + 1], VIF_PORT_RX);
    }
    vif_xenbus_stop(&x);
    CHECK_EQ(lk.unbinds, 6);
    CHECK_EQ(lk.disconnects, 1);
    CHECK_EQ(be_state(), XenbusStateClosed);
    CHECK(watched[0] == '\0');
}

/* Refused: error node, backend Closing, nothing left bound. */
static void expect_refused(struct vif_xenbus *x, const char *why)
{
    fe_state(x, XenbusStateConnected);
    CHECK_EQ(be_state(), XenbusStateClosing);
    CHECK(get("/local/domain/0/error/backend/vif/3/0/error") != NULL);
    CHECK_EQ(lk.binds, lk.unbinds);
    CHECK_EQ(x->failures, 1);
    if (!strstr(lk.refusal, why)) {
        printf("  log '%s', wanted '%s'\n", lk.refusal, why);
        CHECK(0);
    }
}

static void test_refusals(void)
{
    struct vif_xenbus x;

    started(&x, 2); fe_one_queue(); rm_prefix(FE "/request-rx-copy");
    expect_refused(&x, "request-rx-copy");
    started(&x, 2); fe_one_queue(); put(FE "/request-rx-copy", "0");
    expect_refused(&x, "request-rx-copy");
    started(&x, 2); fe_queues(2); put(FE "/multi-queue-num-queues", "0");
    expect_refused(&x, "0 queues");
    started(&x, 2); fe_queues(3);
    expect_refused(&x, "too many");
    started(&x, 2); fe_queues(2); put(FE "/multi-queue-num-queues", "2x");
    expect_refused(&x, "unreadable");
    started(&x, 2); fe_one_queue(); rm_prefix(FE "/rx-ring-ref");
    expect_refused(&x, "rx-ring-ref");
    started(&x, 2); fe_one_queue(); put(FE "/tx-ring-ref", "-1");
    expect_refused(&x, "tx-ring-ref");
    started(&x, 2); fe_one_queue(); put(FE "/tx-ring-ref", "99999999999");
    expect_refused(&x, "tx-ring-ref");
    started(&x, 2); fe_one_queue(); rm_prefix(FE "/event-channel");
    expect_refused(&x, "event-channel");
    started(&x, 2); fe_queues(2); rm_prefix(FE "/queue-1/event-channel-rx");
    expect_refused(&x, "queue-1/event-channel-rx");
    started(&x, 2); fe_queues(1); put(FE "/queue-0/event-channel-rx", "20");
    /* one queue: flat keys are read, queue-0/ is not netfront's layout */
    expect_refused(&x, "tx-ring-ref");
    started(&x, 2); fe_queues(2); put(FE "/queue-1/event-channel-rx", "26");
    expect_refused(&x, "one port");
    started(&x, 2); fe_one_queue(); put(BE "/rate", "fast");
    expect_refused(&x, "rate 'fast'");
    started(&x, 2); fe_queues(2); lk.bind_rc = -EINVAL;
    expect_refused(&x, "binding event channel");
    CHECK_EQ(lk.unbinds, 1);
    started(&x, 2); fe_one_queue(); lk.connect_rc = -EFAULT;
    expect_refused(&x, "mapping rings");
    CHECK_EQ(lk.disconnects, 1);

    /* After a refusal the frontend closes; a re-probe connects. */
    fe_state(&x, XenbusStateClosed);
    CHECK_EQ(be_state(), XenbusStateClosed);
    fe_state(&x, XenbusStateInitialising);
    CHECK_EQ(be_state(), XenbusStateInitWait);
    lk.connect_rc = 0;
    fe_state(&x, XenbusStateConnected);
    CHECK_EQ(be_state(), XenbusStateConnected);
}

static void test_rate(void)
{
    struct vif_xenbus x;
    uint64_t b, u;

    CHECK_EQ(vif_parse_rate("125000,20000", &b, &u), 0);
    CHECK_EQ(b, 125000);
    CHECK_EQ(u, 20000);
    static const char *const bad[] = { "", "1", ",1", "1,", "a,1", "0,1", "1,0",
                                       "1,2,3", "-1,5", "1 ,5", "4294967296,1",
                                       "123456789012345678901234,1" };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        CHECK_EQ(vif_parse_rate(bad[i], &b, &u), -EINVAL);

    started(&x, 1);
    fe_one_queue();
    put(BE "/rate", "1250000,50000");
    fe_state(&x, XenbusStateConnected);
    CHECK_EQ(be_state(), XenbusStateConnected);
    CHECK_EQ(x.rate_bytes, 1250000);
    CHECK_EQ(x.rate_usec, 50000);
}

static void test_reprobe_and_vanish(void)
{
    struct vif_xenbus x;

    started(&x, 1);
    fe_one_queue();
    fe_state(&x, XenbusStateConnected);
    /* rmmod xen-netfront: Closing, Closed; modprobe: Initialising, Connected. */
    fe_state(&x, XenbusStateClosing);
    CHECK_EQ(be_state(), XenbusStateClosing);
    CHECK_EQ(lk.disconnects, 1);
    fe_state(&x, XenbusStateClosed);
    CHECK_EQ(be_state(), XenbusStateClosed);
    fe_state(&x, XenbusStateInitialising);
    CHECK_EQ(be_state(), XenbusStateInitWait);
    fe_state(&x, XenbusStateConnected);
    CHECK_EQ(be_state(), XenbusStateConnected);
    CHECK_EQ(x.connects, 2);
    CHECK_EQ(lk.binds, 2);
    CHECK_EQ(lk.unbinds, 1);
    /* Reconfiguring (XDP, never offered) is ignored. */
    fe_state(&x, 7);
    CHECK_EQ(be_state(), XenbusStateConnected);
    /* The frontend dir vanishes (domain going away): Closed. */
    rm_prefix(FE);
    vif_xenbus_frontend_changed(&x);
    CHECK_EQ(be_state(), XenbusStateClosed);
    CHECK_EQ(lk.disconnects, 2);
    /* A garbage state reads as gone. */
    started(&x, 1);
    put(FE "/state", "4\n");
    vif_xenbus_frontend_changed(&x);
    CHECK_EQ(be_state(), XenbusStateClosed);
}

static void test_detach(void)
{
    struct vif_xenbus x;

    /* Never connected: detached at once. */
    started(&x, 1);
    vif_xenbus_detach(&x, 0, 10);
    CHECK(x.detached);
    CHECK_EQ(be_state(), XenbusStateClosed);

    /* Connected: Closing, then the frontend's Closed finishes it. */
    started(&x, 1);
    fe_one_queue();
    fe_state(&x, XenbusStateConnected);
    vif_xenbus_detach(&x, 100, 10);
    CHECK_EQ(be_state(), XenbusStateClosing);
    CHECK(!x.detached);
    vif_xenbus_tick(&x, 105);
    CHECK(!x.detached);
    fe_state(&x, XenbusStateClosed);
    CHECK(x.detached);
    CHECK(!x.forced);
    CHECK_EQ(be_state(), XenbusStateClosed);
    CHECK_EQ(lk.unbinds, 1);
    /* Nothing reconnects a detached vif. */
    fe_state(&x, XenbusStateInitialising);
    fe_state(&x, XenbusStateConnected);
    CHECK_EQ(be_state(), XenbusStateClosed);
    CHECK_EQ(x.connects, 1);

    /* A frontend that never answers: forced at the deadline. */
    started(&x, 1);
    fe_one_queue();
    fe_state(&x, XenbusStateConnected);
    vif_xenbus_detach(&x, 100, 10);
    vif_xenbus_tick(&x, 110);
    CHECK(x.detached);
    CHECK(x.forced);
    CHECK_EQ(be_state(), XenbusStateClosed);
    CHECK_EQ(lk.disconnects, 1);
}

/* A frontend writing random keys and states, with detaches and time
 * passing: the backend only ever shows InitWait/Connected/Closing/Closed,
 * ports are bound exactly while connected, Connected means connected, a
 * finished detach stays Closed; good and bad handshakes both happen. */
/* A guest cycling its frontend state: the log is limited (log_limit). */
/* xenstore refuses the write of Connected: the vif is connected anyway,
 * and the node says so as soon as a state write goes through (the VMM's
 * exit writes Closed). */
static void test_state_write_refused(void)
{
    struct vif_xenbus x;

    started(&x, 2);
    fe_one_queue();
    writes_failing = -EIO;
    fe_state(&x, XenbusStateConnected);
    CHECK(x.connected);
    CHECK_EQ(be_state(), XenbusStateInitWait);
    CHECK(x.state_unwritten);
    writes_failing = 0;
    vif_xenbus_stop(&x);
    CHECK_EQ(be_state(), XenbusStateClosed);
    CHECK(!x.state_unwritten);
}

static void test_log_flood(void)
{
    struct vif_xenbus x;

    started(&x, 1);
    fe_one_queue();
    for (unsigned i = 0; i < 2000; i++) {
        fe_state(&x, XenbusStateConnected);
        fe_state(&x, XenbusStateInitialising);
    }
    CHECK_EQ(x.connects, 2000);
    CHECK(x.log_lines > 8000);
    CHECK(lk.logs <= 64 + 14);
    CHECK(strstr(lk.last_log, "others suppressed") != NULL);
}

static void test_random_frontends(void)
{
    static const char *const key[] = { "tx-ring-ref", "rx-ring-ref", "event-channel",
        "event-channel-tx", "event-channel-rx", "request-rx-copy", "feature-sg",
        "multi-queue-num-queues", "queue-0/tx-ring-ref", "queue-0/rx-ring-ref",
        "queue-0/event-channel", "queue-1/tx-ring-ref", "queue-1/rx-ring-ref",
        "queue-1/event-channel-tx", "queue-1/event-channel-rx" };
    static const char *const val[] = { "0", "1", "2", "4", "9", "17", "18", "", "-1",
        "4294967295", "4294967296", "01", " 3", "3 ", "99999999999999999999999" };
    unsigned seed = 2026, bad = 0, ups = 0, refusals = 0;
    struct vif_xenbus x;
    char path[128], v[4];

    for (unsigned run = 0; run < 400; run++) {
        uint64_t now = 0;
        started(&x, 2);
        if (run % 2)
            fe_one_queue();
        for (unsigned n = 0; n < 30; n++) {
            unsigned op = (unsigned)rand_r(&seed) % 20;
            if (op < 11) {
                snprintf(path, sizeof(path), FE "/%s", key[rand_r(&seed) % 15]);
                put(path, val[rand_r(&seed) % 15]);
            } else if (op < 18) {
                snprintf(v, sizeof(v), "%d", op == 17 ? 4 : rand_r(&seed) % 9);
                put(FE "/state", v);
                vif_xenbus_frontend_changed(&x);
            } else if (op == 18) {
                vif_xenbus_detach(&x, now, 100);
            } else {
                vif_xenbus_tick(&x, now += 60);
            }
            int st = be_state();
            bool ok = (st == 2 || st == 4 || st == 5 || st == 6) &&
                      lk.binds - lk.unbinds == (x.connected ? x.nr_bound : 0) &&
                      (st != 4 || x.connected) && (!x.detached || st == 6);
            ups += st == 4;
            if (!ok && bad++ < 3)
                printf("  run %u op %u: state %d, binds %u, unbinds %u\n", run, n, st,
                       lk.binds, lk.unbinds);
        }
        refusals += x.failures;
    }
    CHECK_EQ(bad, 0);
    CHECK(ups > 0);
    CHECK(refusals > 0);
}

int main(void)
{
    test_start_writes_features();
    test_start_needs_toolstack_dirs();
    test_connect_one_queue();
    test_connect_split_queues();
    test_refusals();
    test_rate();
    test_reprobe_and_vanish();
    test_detach();
    test_random_frontends();
    test_state_write_refused();
    test_log_flood();
    return check_done("vif-xenbus");
}
