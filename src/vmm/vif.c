/* The domain's network interfaces: netback (data path) + vif_xenbus
 * (handshake) per vif, on the I/O thread.  vCPU threads only reach
 * vif_notify(), which sets a bit and writes an eventfd; the tap fd is in
 * the I/O loop for host -> guest frames. */
#include "vmm/vif.h"

#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "backends/net_tap.h"
#include "backends/netback.h"
#include "backends/vif_xenbus.h"
#include "common/log.h"
#include "vmm/gntmap.h"
#include "vmm/vm.h"
#include "vmm/xs_client.h"

struct vif {
    struct vm *vm;
    unsigned slot;
    bool used;
    struct vm_nic_cfg cfg;
    char ifname[IFNAMSIZ];
    struct net_tap tap;
    struct netback *nb;
    struct vif_xenbus xb;
    int kick_fd;          /* eventfd, vCPU -> I/O thread; kept for the slot */
    bool tap_polled;      /* tap fd in the I/O loop */
    unsigned pending;     /* bit q: TX of queue q kicked, bit 8+q: RX (atomic) */
    int reply_fd;         /* nic-detach waiting for its reply, or -1 */
    uint64_t detach_ns;
};

/* route[port]: 0, or (slot + 1) << 8 | kind << 4 | queue.  Read by vCPU
 * threads. */
struct vif_set {
    struct gntmap mem;
    struct vif nic[VM_MAX_NICS];
    uint16_t route[HV_NR_PORTS];
};

#define RX_BIT(q) (1u << (8 + (q)))
#define TX_BIT(q) (1u << (q))
#define OFFERED (NETBACK_F_SG | NETBACK_F_GSO_TCPV4 | NETBACK_F_GSO_TCPV6 | NETBACK_F_IPV6_CSUM)

static void kick(struct vif *v, unsigned bits)
{
    uint64_t one = 1;

    __atomic_fetch_or(&v->pending, bits, __ATOMIC_RELEASE);
    if (write(v->kick_fd, &one, sizeof(one)) < 0) {
        /* counter saturated: still readable */
    }
}

static void on_kick(void *opaque)
{
    struct vif *v = opaque;
    unsigned again = 0;
    uint64_t n;

    if (read(v->kick_fd, &n, sizeof(n)) < 0) {
        /* spurious: nothing pending */
    }
    unsigned pend = __atomic_exchange_n(&v->pending, 0, __ATOMIC_ACQ_REL);
    for (unsigned q = 0; v->nb && q < NETBACK_MAX_QUEUES; q++) {
        if ((pend & TX_BIT(q)) && netback_tx_event(v->nb, q))
            again |= TX_BIT(q); /* budget spent: after the other events */
        if (pend & RX_BIT(q))
            netback_rx_event(v->nb, q);
    }
    if (again)
        kick(v, again);
}

static void on_tap(void *opaque)
{
    struct vif *v = opaque;
    if (v->nb)
        netback_engine_event(v->nb);
}

bool vif_notify(struct vm *vm, unsigned port)
{
    struct vif_set *s = vm->vifs;
    uint16_t r;

    if (!s || port >= HV_NR_PORTS || !(r = __atomic_load_n(&s->route[port], __ATOMIC_ACQUIRE)))
        return false;
    unsigned q = r & 0xf, kind = (r >> 4) & 0xf;
    unsigned bits = kind == VIF_PORT_TX ? TX_BIT(q) : kind == VIF_PORT_RX ? RX_BIT(q)
                                                                          : TX_BIT(q) | RX_BIT(q);
    kick(&s->nic[(r >> 8) - 1], bits);
    return true;
}

/* ---- struct vif_link_ops ---- */

static int link_bind(void *o, unsigned q, unsigned port, enum vif_port_kind kind)
{
    struct vif *v = o;

    if (port == 0 || port >= HV_NR_PORTS || q >= NETBACK_MAX_QUEUES ||
        __atomic_load_n(&v->vm->vifs->route[port], __ATOMIC_ACQUIRE) ||
        hv_evtchn_bind_backend(&v->vm->dom, port))
        return -EINVAL;
    __atomic_store_n(&v->vm->vifs->route[port],
                     (uint16_t)((v->slot + 1) << 8 | (unsigned)kind << 4 | q), __ATOMIC_RELEASE);
    return 0;
}

static void link_unbind(void *o, unsigned port)
{
    struct vif *v = o;
    if (port < HV_NR_PORTS)
        __atomic_store_n(&v->vm->vifs->route[port], 0, __ATOMIC_RELEASE);
}

static int link_connect(void *o, unsigned q, const struct vif_queue_keys *k,
                        unsigned features)
{
    struct vif *v = o;
    struct netback_conn c = { .tx_ring_ref = k->tx_ref, .rx_ring_ref = k->rx_ref,
                              .tx_port = k->tx_port, .rx_port = k->rx_port,
                              .request_rx_copy = true, .features = features };
    int rc;

    if (q == 0) {
        /* The tap's offloads follow what the guest takes. */
        rc = net_tap_setup(v->tap.fd, features & OFFERED);
        if (rc) {
            log_err("vif %u/%u: %s: setting offloads: %s", v->vm->cfg.domid, v->cfg.devid,
                    v->ifname, strerror(-rc));
            return rc;
        }
        netback_set_rate(v->nb, v->xb.rate_bytes, v->xb.rate_usec);
    }
    return netback_queue_connect(v->nb, q, &c);
}

static void link_disconnect(void *o)
{
    struct vif *v = o;
    netback_disconnect(v->nb);
}

static void link_log(void *o, const char *msg)
{
    (void)o;
    log_info("%s", msg);
}

static const struct vif_link_ops vif_link = { link_bind, link_unbind, link_connect,
                                              link_disconnect, link_log };

/* ---- attach / detach ---- */

static void on_watch(void *opaque);

static struct vif *find(struct vm *vm, unsigned devid)
{
    for (unsigned i = 0; vm->vifs && i < VM_MAX_NICS; i++)
        if (vm->vifs->nic[i].used && vm->vifs->nic[i].cfg.devid == devid)
            return &vm->vifs->nic[i];
    return NULL;
}

static struct vif *free_slot(struct vm *vm)
{
    for (unsigned i = 0; i < VM_MAX_NICS; i++) {
        struct vif *v = &vm->vifs->nic[i];
        if (v->used)
            continue;
        if (!v->vm) {
            v->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
            if (v->kick_fd < 0)
                return NULL;
            v->vm = vm;
            v->slot = i;
        }
        return v;
    }
    return NULL;
}

/* Undo a (partial) attach: the slot is free again, the tap fd closed. */
static void release(struct vif *v)
{
    vif_xenbus_stop(&v->xb);
    if (v->tap_polled)
        ioloop_del(v->tap.fd);
    ioloop_del(v->kick_fd);
    xsc_clear_watch_fn(v->vm->xsc, v->xb.token);
    netback_destroy(v->nb);
    v->nb = NULL;
    if (v->tap.fd >= 0)
        close(v->tap.fd);
    v->tap.fd = -1;
    v->tap_polled = false;
    v->used = false;
}

static int wire_up(struct vif *v, char *err, size_t errlen)
{
    int rc = ioloop_add(v->kick_fd, on_kick, v);

    if (!rc && !(rc = ioloop_add(v->tap.fd, on_tap, v)))
        v->tap_polled = true;
    if (!rc)
        rc = xsc_set_watch_fn(v->vm->xsc, v->xb.token, on_watch, v);
    if (rc) {
        snprintf(err, errlen, "devid %u: %s", v->cfg.devid, strerror(-rc));
        return rc;
    }
    rc = vif_xenbus_start(&v->xb);
    if (rc)
        snprintf(err, errlen, "devid %u: %s %s: %s", v->cfg.devid,
                 rc == -ENOENT ? "no backend dir" : "cannot use", v->xb.be_path,
                 rc == -ENOENT ? "the toolstack writes it first" : strerror(-rc));
    return rc;
}

static struct vif *claim_slot(struct vm *vm, int fd, const struct vm_nic_cfg *n,
                              char *ifname, char *err, size_t errlen)
{
    struct vif *v = NULL;
    int rc;

    if (!vm->xsc || !vm->vifs)
        snprintf(err, errlen, "no xenstore (xeno-vmm runs without --xenstored-dir)");
    else if ((rc = vif_tap_name(fd, ifname)))
        snprintf(err, errlen, "devid %u: fd is %s", n->devid,
                 rc == -EPROTOTYPE ? "not IFF_TAP|IFF_NO_PI|IFF_VNET_HDR" : "not a tap");
    else if (find(vm, n->devid))
        snprintf(err, errlen, "devid %u: already attached", n->devid);
    else if (!(v = free_slot(vm)))
        snprintf(err, errlen, "devid %u: too many vifs (at most %d)", n->devid, VM_MAX_NICS);
    if (!v)
        close(fd);
    return v;
}

int vif_attach(struct vm *vm, int fd, const struct vm_nic_cfg *n, char *err, size_t errlen)
{
    char ifname[IFNAMSIZ];
    struct vif *v = claim_slot(vm, fd, n, ifname, err, errlen);
    unsigned q = vm->cfg.vcpus < NETBACK_MAX_QUEUES ? vm->cfg.vcpus : NETBACK_MAX_QUEUES;
    int rc;

    if (!v)
        return -EINVAL;
    v->cfg = *n;
    v->cfg.fd = fd;
    v->tap.fd = fd;
    v->reply_fd = -1;
    v->pending = 0;
    v->used = true;
    memcpy(v->ifname, ifname, sizeof(v->ifname));
    struct netback_params p = {
        /* the vif's own MAC (Linux netback's fe:ff:ff:ff:ff:ff); the
         * guest's is cfg.mac, written to xenstore by xend */
        .mac = { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff }, .mtu = n->mtu,
        .features = OFFERED, .domid = 0, .max_queues = q,
    };
    if ((rc = net_tap_setup(fd, 0)) == 0)
        v->nb = netback_create(&p, &gntmap_blkback_ops, &vm->vifs->mem, &net_tap_ops,
                               &v->tap, err, errlen);
    else
        snprintf(err, errlen, "devid %u: %s: %s", n->devid, ifname, strerror(-rc));
    if (!v->nb) {
        close(fd);
        v->tap.fd = -1;
        v->used = false;
        return -EIO;
    }
    vif_xenbus_init(&v->xb, vm->cfg.domid, n->devid, OFFERED, q, &xsc_vbd_ops, vm->xsc,
                    &vif_link, v);
    if ((rc = wire_up(v, err, errlen))) {
        release(v);
        return rc;
    }
    log_info("vif %u/%u: %s, mac %02x:%02x:%02x:%02x:%02x:%02x, mtu %u, %u queue%s, InitWait",
             vm->cfg.domid, n->devid, ifname, n->mac[0], n->mac[1], n->mac[2], n->mac[3],
             n->mac[4], n->mac[5], n->mtu, q, q == 1 ? "" : "s");
    return 0;
}

static void reply_detached(struct vif *v)
{
    static const char ok[] = "{\"ok\":true}\n";
    static const char forced[] = "{\"ok\":false,\"error\":\"frontend did not close in 10 s\"}\n";
    const char *r = v->xb.forced ? forced : ok;

    if (v->reply_fd >= 0) {
        if (write(v->reply_fd, r, strlen(r)) < 0) {
            /* xend went away */
        }
        close(v->reply_fd);
        log_info("vif %u/%u: nic-detach answered after %" PRIu64 " ms", v->vm->cfg.domid,
                 v->cfg.devid, (vm_now_ns() - v->detach_ns) / 1000000);
    }
    v->reply_fd = -1;
}

static void after_event(struct vif *v)
{
    if (!v->xb.detached)
        return;
    release(v);
    reply_detached(v);
}

static void on_watch(void *opaque)
{
    struct vif *v = opaque;

    if (!v->used)
        return;
    vif_xenbus_frontend_changed(&v->xb);
    after_event(v);
}

int vif_detach(struct vm *vm, unsigned devid, int reply_fd)
{
    struct vif *v = find(vm, devid);

    if (!v)
        return -ENOENT;
    if (v->xb.detaching)
        return -EBUSY;
    v->reply_fd = reply_fd;
    v->detach_ns = vm_now_ns();
    vif_xenbus_detach(&v->xb, v->detach_ns, VIF_DETACH_TIMEOUT_NS);
    after_event(v);
    return 0;
}

void vif_tick(struct vm *vm)
{
    uint64_t now = vm_now_ns();

    for (unsigned i = 0; vm->vifs && i < VM_MAX_NICS; i++) {
        struct vif *v = &vm->vifs->nic[i];
        if (!v->used)
            continue;
        if (v->xb.detaching) {
            vif_xenbus_tick(&v->xb, now);
            after_event(v);
            continue;
        }
        /* A rate-limited queue gets no event when its credit comes back. */
        for (unsigned q = 0; v->xb.rate_bytes && q < v->xb.nr_queues; q++)
            if (netback_tx_waiting(v->nb, q) && netback_tx_wait_ns(v->nb, q) == 0)
                kick(v, TX_BIT(q));
    }
}

void vif_stats_json(struct vm *vm, char *buf, size_t len)
{
    size_t n = (size_t)snprintf(buf, len, "[");

    for (unsigned i = 0; vm->vifs && i < VM_MAX_NICS && n < len; i++) {
        struct vif *v = &vm->vifs->nic[i];
        struct netback_stats st;
        const uint8_t *m = v->cfg.mac;
        if (!v->used)
            continue;
        netback_stats(v->nb, &st);
        n += (size_t)snprintf(buf + n, len - n,
            "%s{\"devid\":%u,\"mac\":\"%02x:%02x:%02x:%02x:%02x:%02x\",\"ifname\":\"%s\","
            "\"state\":%d,\"queues\":%u,\"tx_packets\":%" PRIu64 ",\"tx_bytes\":%" PRIu64
            ",\"tx_dropped\":%" PRIu64 ",\"tx_errors\":%" PRIu64 ",\"rx_packets\":%" PRIu64
            ",\"rx_bytes\":%" PRIu64 ",\"rx_dropped\":%" PRIu64 ",\"notifies\":%" PRIu64
            ",\"kicks\":%" PRIu64 "}",
            buf[n - 1] == '[' ? "" : ",", v->cfg.devid, m[0], m[1], m[2], m[3], m[4], m[5],
            v->ifname, v->xb.state, v->xb.connected ? v->xb.nr_queues : 0, st.tx_packets,
            st.tx_bytes, st.tx_dropped, st.tx_errors, st.rx_packets, st.rx_bytes,
            st.rx_dropped, st.notifies, st.kicks);
    }
    if (n < len)
        snprintf(buf + n, len - n, "]");
}

int vif_start_all(struct vm *vm)
{
    char err[256];

    if (!vm->cfg.xenstored_dir || !vm->xsc)
        return 0;
    vm->vifs = calloc(1, sizeof(*vm->vifs));
    if (!vm->vifs)
        return -ENOMEM;
    vm->vifs->mem = (struct gntmap){ .dom = &vm->dom, .fd = vm->mem_fd, .base = vm->mem,
                                     .size = vm->mem_size };
    for (unsigned i = 0; i < vm->cfg.nr_nics; i++) {
        int rc = vif_attach(vm, vm->cfg.nics[i].fd, &vm->cfg.nics[i], err, sizeof(err));
        if (rc) {
            log_err("--nic %u: %s", i + 1, err);
            return rc;
        }
    }
    return 0;
}

void vif_stop_all(struct vm *vm)
{
    for (unsigned i = 0; vm->vifs && i < VM_MAX_NICS; i++) {
        struct vif *v = &vm->vifs->nic[i];
        if (v->used) {
            v->xb.detached = true;
            release(v);
            reply_detached(v);
        }
        if (v->vm)
            close(v->kick_fd);
    }
    free(vm->vifs);
    vm->vifs = NULL;
}
