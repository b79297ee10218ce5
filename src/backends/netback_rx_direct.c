/* RX straight into the guest's buffers.  With one queue and nothing waiting
 * on it, the engine reads the next frame (readv) into the pages the guest's
 * next RX requests grant, so the kernel's copy out of the tap is the only
 * one.  The first 4 KiB of data go to the first slot's page, the rest to
 * the pages of the slots after the one a GSO extra takes, which is where
 * xen-netfront expects a GSO frame.  A big frame without GSO does not fit
 * that layout: it is gathered into the read buffer and goes the copying
 * way, as if read there.
 *
 * Only while the frames are big: after a frame of more than a page (and
 * with every slot the largest frame can need posted) the slots are mapped
 * before the read; after a small one, frames go the copying way, which
 * for a small frame costs less than mapping 17 slots it will not fill.
 *
 * The requests are copied out of the ring once, here; their grants are
 * mapped writable in one batch (all or nothing) and unmapped in one before
 * the responses are pushed.  Slots the frame does not reach are neither
 * consumed nor answered: they stay posted for the next frame.  A read that
 * finds the engine empty keeps its slots mapped for the next read (one
 * per engine event would otherwise map and unmap 17 slots for nothing);
 * anything else that consumes the slots unmaps them first
 * (net_rx_disarm, from net_rx_deliver's copying way and disconnect). */
#include "backends/netback_int.h"

#include <errno.h>
#include <string.h>

static bool rxd_map(struct net_queue *q, struct net_rx_armed *d, unsigned n)
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
    d->cons = q->rx.req_cons;
    return true;
}

void net_rx_disarm(struct netback *nb)
{
    struct net_rx_armed *d = &nb->rxa;

    if (d->n)
        nb->ops->gnt_unmap_many(nb->env, nb->domid, d->ref, d->n, false);
    d->n = 0;
}

/* Queue 0's next slots mapped: kept from the last empty read when they
 * are still the next ones, else copied and mapped now. */
static bool rxd_arm(struct net_queue *q)
{
    struct net_rx_armed *d = &q->nb->rxa;

    if (d->n == NET_RXD_SLOTS && d->cons == q->rx.req_cons)
        return true;
    net_rx_disarm(q->nb);
    return rxd_map(q, d, NET_RXD_SLOTS);
}

/* The iovecs: the header, then the pages in GSO layout (the first slot,
 * the slots after the extra's): room for NETBACK_MAX_FRAME. */
static unsigned rxd_iov(const struct net_rx_armed *d, struct virtio_net_hdr *vh,
                        struct iovec *iov)
{
    unsigned n = 0;

    iov[n++] = (struct iovec){ vh, NET_VHDR };
    iov[n++] = (struct iovec){ d->page[0], NET_PAGE };
    for (unsigned i = 2; i < d->n; i++)
        iov[n++] = (struct iovec){ d->page[i], NET_PAGE };
    return n;
}

/* The frame, gathered into the read buffer as the engine would have read
 * it there; then the copying way. */
static void rxd_gather(struct net_queue *q, const struct virtio_net_hdr *vh, size_t len)
{
    struct netback *nb = q->nb;
    const struct net_rx_armed *d = &nb->rxa;
    size_t dlen = len - NET_VHDR, off = 0;

    memcpy(nb->rx_buf, vh, NET_VHDR);
    for (unsigned i = 0; off < dlen; i++) {
        unsigned slot = i == 0 ? 0 : i + 1;
        size_t c = dlen - off < NET_PAGE ? dlen - off : NET_PAGE;
        memcpy(nb->rx_buf + NET_VHDR + off, d->page[slot], c);
        off += c;
    }
    net_rx_disarm(nb);
    net_rx_offer(q, nb->rx_buf, len);
}

/* The frame lies where netfront wants it (in slots mapped). */
static bool rxd_in_place(const struct net_rx_armed *d, const struct rx_pkt *p)
{
    return (p->len <= NET_PAGE || net_rx_is_gso(p)) && net_rx_slots(p) <= d->n;
}

static bool rxd_usable(struct netback *nb)
{
    struct net_queue *q = &nb->q[0];

    return nb->rx_big && nb->max_queues == 1 && q->connected && !q->broken && !q->head &&
           (q->features & NETBACK_F_SG) && nb->ops->gnt_map_many &&
           net_rx_avail(q) >= (int)NET_RXD_SLOTS;
}

int net_rx_direct(struct netback *nb)
{
    struct net_queue *q = &nb->q[0];
    struct iovec iov[NET_RXD_SLOTS];
    struct virtio_net_hdr vh;
    struct rx_pkt p;
    ssize_t len;

    if (!rxd_usable(nb)) {
        net_rx_disarm(nb);
        return -1;
    }
    if (!rxd_arm(q))
        return -1;
    memset(&vh, 0, sizeof(vh));         /* defined even after a short read */
    len = nb->eng->recv(nb->engine, iov, rxd_iov(&nb->rxa, &vh, iov));
    if (len < 0)
        return 0;                       /* stays armed for the next read */
    /* .data: never read on this path (the data is in place). */
    p = (struct rx_pkt){ .vh = vh, .data = nb->rx_buf + NET_VHDR, .len = (size_t)len - NET_VHDR };
    if ((size_t)len < NET_VHDR || net_rx_refuse(q, &p.vh, p.len)) {
        net_rx_disarm(nb);
        nb->st.rx_dropped++;
        return 1;
    }
    nb->rx_big = p.len > NET_PAGE;
    if (!rxd_in_place(&nb->rxa, &p)) {
        rxd_gather(q, &vh, (size_t)len);
        return 1;
    }
    net_rx_disarm(nb);                  /* unmapped; the copies stay */
    net_rx_deliver(q, &p, nb->rxa.req);
    return 1;
}
