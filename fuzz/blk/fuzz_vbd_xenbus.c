/* libFuzzer: the blkif xenbus handshake (vbd_xenbus.c) against a hostile
 * frontend.  Each input is a script over a fake xenstore: set one of the
 * keys blkfront writes to one of a set of awkward values (or to raw input
 * bytes), change the frontend state (and fire the watch), make the
 * backend's writes fail for a while, detach, let time pass.  After every
 * step: the backend shows a state it may be in, ports are bound exactly
 * while connected, the data path is connected only while the handshake
 * says so, Connected means connected, ring order and queue count stay in
 * their bounds, a finished detach stays Closed, and the state node shows
 * the backend's state unless a refused write is still to be retried; at
 * the end (writes working again) the node says Closed.  Aborts otherwise. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/vbd_xenbus.h"
#include "fake_xs.h"

#define FE "/local/domain/3/device/vbd/51712"
#define BE "/local/domain/0/backend/vbd/3/51712"

static unsigned binds, unbinds, queues_up;

static int fb(void *o, unsigned q, unsigned port)
{
    (void)o;
    if (port == 13 || q >= VBD_MAX_QUEUES)  /* a port that is not ours */
        return -1;
    binds++;
    return 0;
}
static void fu(void *o, unsigned q, unsigned port) { (void)o; (void)q; (void)port; unbinds++; }
static int fc(void *o, unsigned q, const uint32_t *refs, unsigned order, unsigned port,
              const char *proto)
{
    (void)o; (void)port;
    if (q >= VBD_MAX_QUEUES || order > VBD_MAX_RING_ORDER || !proto)
        abort();
    for (unsigned i = 0; i < 1u << order; i++)
        if (refs[i] == 7)
            return -14;                      /* a ring that does not map */
    queues_up++;
    return 0;
}
static void fd_(void *o) { (void)o; queues_up = 0; }
static void fl(void *o, const char *m) { (void)o; (void)m; }
static const struct vbd_link_ops link_ops = { fb, fu, fc, fd_, fl };

static const struct vbd_features feat = {
    .sectors = 2048, .sector_size = 512, .physical_sector_size = 4096,
    .flush = true, .discard = true, .discard_granularity = 4096,
    .max_indirect_segs = 256, .max_ring_order = 4, .max_queues = 4,
};

static const char *const keys[] = { "ring-ref", "ring-ref0", "ring-ref1", "ring-ref3",
    "ring-page-order", "event-channel", "protocol", "multi-queue-num-queues",
    "queue-0/ring-ref", "queue-0/event-channel", "queue-1/ring-ref0",
    "queue-1/ring-ref1", "queue-1/event-channel", "queue-3/ring-ref",
    "feature-persistent", "queue-1/ring-ref" };
static const char *const vals[] = { "0", "1", "2", "3", "4", "5", "7", "13", "",
    "-1", "4294967295", "x86_64-abi", "x86_32-abi", " 5", "5 ", "18446744073709551616" };

static int be_state(void)
{
    const char *s = get(BE "/state");
    return s ? atoi(s) : -1;
}

/* While xenstore refuses writes the node may lag: the backend's own
 * state is what the invariants hold for, and the node must show it
 * whenever the backend has no write left to retry. */
static void check(const struct vbd_xenbus *x)
{
    int st = x->state;

    if (!x->state_unwritten && be_state() != x->state)
        abort();
    if (!(st == 2 || st == 4 || st == 5 || st == 6) ||
        binds - unbinds != (x->connected ? x->nr_bound : 0) ||
        (st == 4 && !x->connected) || (!x->connected && queues_up) ||
        (x->detached && st != 6) || x->nr_queues > VBD_MAX_QUEUES ||
        x->ring_order > VBD_MAX_RING_ORDER || x->nr_bound > VBD_MAX_QUEUES)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vbd_xenbus x;
    uint64_t now = 0;
    char raw[17];

    nstore = 0;
    writes_failing = 0;
    binds = unbinds = queues_up = 0;
    put(BE "/frontend", FE);
    put(FE "/backend", BE);
    put(FE "/state", "1");
    vbd_xenbus_init(&x, 3, 51712, &feat, &fake_xs, NULL, &link_ops, NULL);
    if (vbd_xenbus_start(&x))
        abort();
    check(&x);
    for (size_t i = 0; i + 1 < size; i += 2) {
        uint8_t op = data[i], arg = data[i + 1];
        if (op < 128) {
            put_fuzzed(FE, keys, vals, data, size, i);
        } else if (op < 232) {
            snprintf(raw, sizeof(raw), "%u", arg % 10);
            put(FE "/state", raw);
            vbd_xenbus_frontend_changed(&x);
        } else if (op < 236) {      /* xenstore refuses our writes, or not */
            writes_failing = arg & 1 ? -5 : 0;
        } else if (op < 240) {
            rm_prefix(FE);          /* the frontend dir goes away */
            vbd_xenbus_frontend_changed(&x);
        } else if (op < 248) {
            vbd_xenbus_detach(&x, now, 100);
        } else {
            vbd_xenbus_tick(&x, now += arg);
        }
        check(&x);
    }
    writes_failing = 0;
    vbd_xenbus_stop(&x);
    if (binds != unbinds || queues_up || be_state() != 6)
        abort();
    return 0;
}
