/* The vif and its queues: create, connect, events, disconnect.  The TX and
 * RX data paths are netback_tx.c and netback_rx.c. */
#include "backends/netback_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void net_log(struct netback *nb, const char *fmt, ...)
{
    char buf[256];
    va_list ap;

    if (!nb->ops->log)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    nb->ops->log(nb->env, buf);
}

/* What Linux netback calls a fatal error: the queue stops, one line. */
void net_queue_fatal(struct net_queue *q, const char *fmt, ...)
{
    char buf[200];
    va_list ap;

    if (q->broken)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    q->broken = true;
    q->nb->st.broken_queues++;
    net_log(q->nb, "vif queue %u: %s; queue stopped", q->idx, buf);
}

void net_guest_write(struct netback *nb, void *dst, const void *src, size_t len)
{
    memcpy(dst, src, len);
    if (nb->ops->dirty)
        nb->ops->dirty(nb->env, dst, len);
}

void net_guest_write_strided(struct netback *nb, void *dst, size_t stride,
                             const void *src, size_t len, unsigned n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;

    if (n == 0)
        return;
    if (stride == len)              /* packed entries: one copy */
        memcpy(d, s, (size_t)n * len);
    else
        for (unsigned i = 0; i < n; i++)
            memcpy(d + i * stride, s + i * len, len);
    if (nb->ops->dirty)
        nb->ops->dirty(nb->env, dst, (n - 1) * stride + len);
}

void net_ring_write(struct netback *nb, void *ring0, unsigned ring_size, size_t stride,
                    RING_IDX *prod, const void *items, size_t len, unsigned n)
{
    const uint8_t *it = items;

    while (n) {
        unsigned at = *prod & (ring_size - 1);
        unsigned run = ring_size - at < n ? ring_size - at : n;

        net_guest_write_strided(nb, (uint8_t *)ring0 + (size_t)at * stride, stride, it, len, run);
        *prod += run;
        it += (size_t)run * len;
        n -= run;
    }
}

/* After RING_PUSH_RESPONSES_AND_CHECK_NOTIFY: the rsp_prod write, and an
 * event only when the frontend asked for one (it crossed rsp_event). */
void net_pushed(struct net_queue *q, void *rsp_prod, int notify, unsigned port)
{
    struct netback *nb = q->nb;

    if (nb->ops->dirty)
        nb->ops->dirty(nb->env, rsp_prod, sizeof(RING_IDX));
    if (notify) {
        nb->st.notifies++;
        nb->ops->notify(nb->env, port);
    }
}

struct netback *netback_create(const struct netback_params *p,
                               const struct blkback_env_ops *env_ops, void *env,
                               const struct net_engine_ops *eng_ops, void *engine,
                               char *err, size_t errlen)
{
    struct netback *nb;
    unsigned maxq = p->max_queues ? p->max_queues : 1;

    if (maxq > NETBACK_MAX_QUEUES || (p->features & ~NETBACK_F_ALL) ||
        p->mtu > NETBACK_MAX_FRAME - NET_ETH_HLEN) {
        snprintf(err, errlen, "netback: bad parameters (queues %u, mtu %u)",
                 maxq, p->mtu);
        return NULL;
    }
    nb = calloc(1, sizeof(*nb));
    if (nb)
        nb->tx_buf = malloc(NET_VHDR + NETBACK_MAX_FRAME);
    if (nb && nb->tx_buf)
        nb->rx_buf = malloc(NET_VHDR + NETBACK_MAX_FRAME);
    if (!nb || !nb->rx_buf) {
        snprintf(err, errlen, "netback: out of memory");
        netback_destroy(nb);
        return NULL;
    }
    nb->ops = env_ops;
    nb->env = env;
    nb->eng = eng_ops;
    nb->engine = engine;
    memcpy(nb->mac, p->mac, sizeof(nb->mac));
    nb->mtu = p->mtu ? p->mtu : 1500;
    nb->features = p->features;
    nb->max_queues = maxq;
    nb->domid = p->domid;
    nb->now_ns = net_clock_ns;
    for (unsigned i = 0; i < NETBACK_MAX_QUEUES; i++)
        nb->q[i] = (struct net_queue){ .nb = nb, .idx = i };
    return nb;
}

void netback_destroy(struct netback *nb)
{
    if (!nb)
        return;
    netback_disconnect(nb);
    free(nb->tx_buf);
    free(nb->rx_buf);
    free(nb);
}

static void queue_unmap(struct net_queue *q)
{
    struct netback *nb = q->nb;

    if (q->tx_va)
        nb->ops->ring_unmap(nb->env, nb->domid, &q->tx_ref, 1, q->tx_va);
    if (q->rx_va)
        nb->ops->ring_unmap(nb->env, nb->domid, &q->rx_ref, 1, q->rx_va);
    q->tx_va = q->rx_va = NULL;
}

/* Attach only, at the frontend's rsp_prod: read once each, since
 * BACK_RING_ATTACH evaluates its index twice (req_cons, rsp_prod_pvt). */
static void ring_attach(struct net_queue *q)
{
    netif_tx_sring_t *txs = q->tx_va;
    netif_rx_sring_t *rxs = q->rx_va;
    RING_IDX tx_start = __atomic_load_n(&txs->rsp_prod, __ATOMIC_ACQUIRE);
    RING_IDX rx_start = __atomic_load_n(&rxs->rsp_prod, __ATOMIC_ACQUIRE);

    BACK_RING_ATTACH(&q->tx, txs, tx_start, NET_PAGE);
    BACK_RING_ATTACH(&q->rx, rxs, rx_start, NET_PAGE);
}

int netback_queue_connect(struct netback *nb, unsigned qi,
                          const struct netback_conn *c)
{
    struct net_queue *q;
    int rc;

    if (qi >= nb->max_queues)
        return -EINVAL;
    if (!c->request_rx_copy)
        return -EPROTONOSUPPORT;
    q = &nb->q[qi];
    if (q->connected)
        return -EBUSY;
    q->tx_ref = c->tx_ring_ref;
    q->rx_ref = c->rx_ring_ref;
    rc = nb->ops->ring_map(nb->env, nb->domid, &q->tx_ref, 1, &q->tx_va);
    if (rc == 0)
        rc = nb->ops->ring_map(nb->env, nb->domid, &q->rx_ref, 1, &q->rx_va);
    if (rc) {
        net_log(nb, "vif queue %u: cannot map rings (tx %u, rx %u): %s", qi,
                c->tx_ring_ref, c->rx_ring_ref, strerror(-rc));
        queue_unmap(q);
        return rc;
    }
    if (qi == 0)
        net_rx_disarm(nb);
    ring_attach(q);
    q->tx_port = c->tx_port;
    q->rx_port = c->rx_port;
    q->features = nb->features & c->features;
    q->broken = false;
    q->connected = true;
    net_tx_pass(q);
    net_rx_pass(q);
    return 0;
}

bool netback_tx_event(struct netback *nb, unsigned q)
{
    if (q >= nb->max_queues)
        return false;
    nb->st.kicks++;
    return net_tx_pass(&nb->q[q]);
}

void netback_rx_event(struct netback *nb, unsigned q)
{
    if (q >= nb->max_queues)
        return;
    nb->st.kicks++;
    net_rx_pass(&nb->q[q]);
}

bool netback_queue_event(struct netback *nb, unsigned q)
{
    bool more;

    if (q >= nb->max_queues)
        return false;
    nb->st.kicks++;
    more = net_tx_pass(&nb->q[q]);
    net_rx_pass(&nb->q[q]);
    return more;
}

int netback_rx_frame(struct netback *nb, unsigned q, const void *frame,
                     size_t len)
{
    int rc;

    if (q >= nb->max_queues)
        return -EINVAL;
    rc = net_rx_enqueue(&nb->q[q], frame, len);
    net_rx_pass(&nb->q[q]);
    return rc;
}

#define ENGINE_BUDGET 64

int netback_engine_event(struct netback *nb)
{
    int n = 0;

    struct iovec iov = { nb->rx_buf, NET_VHDR + NETBACK_MAX_FRAME };

    while (n < ENGINE_BUDGET) {
        int direct = net_rx_direct(nb);
        if (direct == 0)
            break;
        if (direct > 0) {
            n++;
            continue;
        }
        ssize_t len = nb->eng->recv(nb->engine, &iov, 1);
        if (len < 0)
            break;
        nb->rx_big = (size_t)len > NET_VHDR + NET_PAGE;
        n++;
        net_rx_offer(&nb->q[net_rx_pick_queue(nb, nb->rx_buf, (size_t)len)], nb->rx_buf,
                     (size_t)len);
    }
    for (unsigned i = 0; i < nb->max_queues; i++)
        net_rx_pass(&nb->q[i]);
    return n;
}

void netback_disconnect(struct netback *nb)
{
    net_rx_disarm(nb);
    for (unsigned i = 0; i < NETBACK_MAX_QUEUES; i++) {
        struct net_queue *q = &nb->q[i];
        net_rx_flush_queue(q);
        queue_unmap(q);
        q->connected = false;
        q->broken = false;
        q->tx_pending = q->rx_pending = false;
    }
}

bool netback_queue_connected(const struct netback *nb, unsigned q)
{
    return q < NETBACK_MAX_QUEUES && nb->q[q].connected;
}

bool netback_queue_broken(const struct netback *nb, unsigned q)
{
    return q < NETBACK_MAX_QUEUES && nb->q[q].broken;
}

size_t netback_rx_queued(const struct netback *nb, unsigned q)
{
    return q < NETBACK_MAX_QUEUES ? nb->q[q].queued : 0;
}

void netback_stats(const struct netback *nb, struct netback_stats *st)
{
    *st = nb->st;
}
