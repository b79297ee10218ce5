/* libFuzzer: the netif xenbus handshake (vif_xenbus.c) against a hostile
 * frontend.  Each input is a script over a fake xenstore: set one of the
 * keys netfront writes to one of a set of awkward values (or to raw input
 * bytes), change the frontend state (and fire the watch), detach, let time
 * pass.  After every step: the backend shows a state it may be in, ports
 * are bound exactly while connected, Connected means connected, and a
 * finished detach stays Closed.  Aborts otherwise. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/vif_xenbus.h"
#include "fake_xs.h"

#define FE "/local/domain/3/device/vif/0"
#define BE "/local/domain/0/backend/vif/3/0"

static unsigned binds, unbinds;

static int fb(void *o, unsigned q, unsigned port, enum vif_port_kind k)
{
    (void)o; (void)k;
    if (port == 13 || q >= VIF_MAX_QUEUES)   /* a port that is not ours */
        return -1;
    binds++;
    return 0;
}
static void fu(void *o, unsigned port) { (void)o; (void)port; unbinds++; }
static int fc(void *o, unsigned q, const struct vif_queue_keys *k, unsigned f)
{
    (void)o; (void)q; (void)f;
    return k->tx_ref == 7 ? -14 : 0;          /* a ring that does not map */
}
static void fd_(void *o) { (void)o; }
static void fl(void *o, const char *m) { (void)o; (void)m; }
static const struct vif_link_ops link_ops = { fb, fu, fc, fd_, fl };

static const char *const keys[] = { "tx-ring-ref", "rx-ring-ref", "event-channel",
    "event-channel-tx", "event-channel-rx", "request-rx-copy", "feature-sg",
    "feature-gso-tcpv4", "multi-queue-num-queues", "queue-0/tx-ring-ref",
    "queue-0/rx-ring-ref", "queue-0/event-channel", "queue-1/tx-ring-ref",
    "queue-1/rx-ring-ref", "queue-1/event-channel-tx", "queue-1/event-channel-rx" };
static const char *const vals[] = { "0", "1", "2", "3", "7", "9", "13", "17", "",
    "-1", "4294967295", "4294967296", "08", " 5", "5 ", "18446744073709551616" };

static int be_state(void)
{
    const char *s = get(BE "/state");
    return s ? atoi(s) : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vif_xenbus x;
    uint64_t now = 0;
    char raw[17];

    nstore = 0;
    writes_failing = 0;
    binds = unbinds = 0;
    put(BE "/frontend", FE);
    put(FE "/state", "1");
    vif_xenbus_init(&x, 3, 0, 0xf, 2, &fake_xs, NULL, &link_ops, NULL);
    if (vif_xenbus_start(&x))
        abort();
    for (size_t i = 0; i + 1 < size; i += 2) {
        uint8_t op = data[i], arg = data[i + 1];
        if (op < 128) {
            put_fuzzed(FE, keys, vals, data, size, i);
        } else if (op < 240) {
            snprintf(raw, sizeof(raw), "%u", arg % 10);
            put(FE "/state", raw);
            vif_xenbus_frontend_changed(&x);
        } else if (op < 244) {
            put(BE "/rate", vals[arg % 16]);
        } else if (op < 250) {
            vif_xenbus_detach(&x, now, 100);
        } else {
            vif_xenbus_tick(&x, now += arg);
        }
        int st = be_state();
        if (!(st == 2 || st == 4 || st == 5 || st == 6) ||
            binds - unbinds != (x.connected ? x.nr_bound : 0) ||
            (st == 4 && !x.connected) || (x.detached && st != 6) ||
            x.nr_queues > VIF_MAX_QUEUES)
            abort();
    }
    vif_xenbus_stop(&x);
    if (binds != unbinds || be_state() != 6)
        abort();
    return 0;
}
