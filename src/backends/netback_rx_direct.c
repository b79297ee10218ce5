/* RX straight into the guest's buffers.  With one queue and nothing waiting
 * on it, the engine reads the next frame (readv) into the pages the guest's
 * next RX requests grant, so the kernel's copy out of the tap is the only
 * one.  The first 4 KiB of data go to the first slot's page, the rest to
 * the pages of the slots after the one a GSO extra takes, which is where
 * xen-netfront expects a GSO frame.  Whatever does not fit that layout (a
 * frame larger than the slots mapped, a big frame without GSO, too few
 * slots posted for a GSO extra) is gathered into the read buffer and goes
 * the copying way, as if read there.
 *
 * How many slots to map: after a frame of at most one page, one (a small
 * frame's map costs one grant); after a bigger one, every slot the largest
 * frame can need, when the guest has posted that many.
 *
 * The requests are copied out of the ring once, here; their grants are
 * mapped writable in one batch (all or nothing) and unmapped in one before
 * the responses are pushed.  Slots the frame does not reach are neither
 * consumed nor answered: they stay posted for the next frame. */
#include "backends/netback_int.h"

#include <errno.h>
#include <string.h>

/* A GSO frame of NETBACK_MAX_FRAME: its data slots and the extra. */
#define RXD_SLOTS ((NETBACK_MAX_FRAME + NET_PAGE - 1) / NET_PAGE + 1)

struct rxd {
    struct netif_rx_request req[RXD_SLOTS];
    uint32_t ref[RXD_SLOTS];
    void *page[RXD_SLOTS];
    unsigned n;                       /* slots mapped */
    struct virtio_net_hdr vh;
};

static bool rxd_map(struct net_queue *q, struct rxd *d, unsigned n)
{
    struct netback *nb = q->nb;
    unsigned failed;

    for (unsigned i = 0; i < n; i++) {
        RING_COPY_REQUEST(&q->rx, q->rx.req_cons + i, &d->req[i]);
        d->ref[i] = d->req[i].gref;
    }
    if (nb->ops->gnt_map_many(nb->env, nb->domid, d->ref, n, false, d->page, &failed))
        return false;
    d->n = n;
    return true;
}

static void rxd_unmap(struct net_queue *q, struct rxd *d)
{
    q->nb->ops->gnt_unmap_many(q->nb->env, q->nb->domid, d->ref, d->n, false);
    d->n = 0;
}

/* Bytes the mapped pages take: the first slot, and with more than one the
 * slots after the extra's. */
static size_t rxd_capacity(const struct rxd *d)
{
    return (size_t)NET_PAGE * (d->n == 1 ? 1 : d->n - 1);
}

/* The iovecs: header, the pages in GSO layout, then the read buffer for a
 * frame longer than the pages (at the offset it would have there). */
static unsigned rxd_iov(struct netback *nb, struct rxd *d, struct iovec *iov)
{
    size_t cap = rxd_capacity(d);
    unsigned n = 0;

    iov[n++] = (struct iovec){ &d->vh, NET_VHDR };
    iov[n++] = (struct iovec){ d->page[0], NET_PAGE };
    for (unsigned i = 2; i < d->n; i++)
        iov[n++] = (struct iovec){ d->page[i], NET_PAGE };
    if (cap < NETBACK_MAX_FRAME)
        iov[n++] = (struct iovec){ nb->rx_buf + NET_VHDR + cap, NETBACK_MAX_FRAME - cap };
    return n;
}

/* The frame, gathered into the read buffer as the engine would have read
 * it there; then the copying way. */
static void rxd_gather(struct net_queue *q, struct rxd *d, size_t len)
{
    struct netback *nb = q->nb;
    size_t dlen = len - NET_VHDR, off = 0;

    memcpy(nb->rx_buf, &d->vh, NET_VHDR);
    for (unsigned i = 0; off < dlen && off < rxd_capacity(d); i++) {
        unsigned slot = i == 0 ? 0 : i + 1;
        size_t c = dlen - off < NET_PAGE ? dlen - off : NET_PAGE;
        memcpy(nb->rx_buf + NET_VHDR + off, d->page[slot], c);
        off += c;
    }
    rxd_unmap(q, d);
    net_rx_offer(q, nb->rx_buf, len);
}

/* The frame lies where netfront wants it, in slots the guest posted (a
 * req_prod gone bad meanwhile, -1, stopped the queue: not in place). */
static bool rxd_in_place(struct net_queue *q, const struct rxd *d, const struct rx_pkt *p)
{
    unsigned need = net_rx_slots(p);
    int avail;

    if (p->len <= NET_PAGE) {
        if (need == 1 || need <= d->n)
            return true;
        avail = net_rx_avail(q);
        return avail >= 0 && need <= (unsigned)avail;
    }
    return net_rx_is_gso(p) && need <= d->n;
}

int net_rx_direct(struct netback *nb)
{
    struct net_queue *q = &nb->q[0];
    struct iovec iov[RXD_SLOTS + 2];
    struct rxd d;
    struct rx_pkt p;
    unsigned want;
    ssize_t len;
    int avail;

    if (nb->max_queues != 1 || !q->connected || q->broken || q->head || !nb->ops->gnt_map_many)
        return -1;
    avail = net_rx_avail(q);
    if (avail < 1)
        return -1;
    want = nb->rx_big && (q->features & NETBACK_F_SG) && avail >= (int)RXD_SLOTS ? RXD_SLOTS : 1;
    if (!rxd_map(q, &d, want))
        return -1;
    len = nb->eng->recv(nb->engine, iov, rxd_iov(nb, &d, iov));
    if (len < 0) {
        rxd_unmap(q, &d);
        return 0;
    }
    /* .data: never read on this path (the data is in place). */
    p = (struct rx_pkt){ .vh = d.vh, .data = nb->rx_buf + NET_VHDR, .len = (size_t)len - NET_VHDR };
    if ((size_t)len < NET_VHDR || net_rx_refuse(q, &p.vh, p.len)) {
        rxd_unmap(q, &d);
        nb->st.rx_dropped++;
        return 1;
    }
    nb->rx_big = p.len > NET_PAGE;
    if (!rxd_in_place(q, &d, &p)) {
        rxd_gather(q, &d, (size_t)len);
        return 1;
    }
    rxd_unmap(q, &d);
    net_rx_deliver(q, &p, d.req);
    return 1;
}
