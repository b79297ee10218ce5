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

/* The iovecs: the header, then the pages in GSO layout (the first slot,
 * the slots after the extra's): room for NETBACK_MAX_FRAME. */
static unsigned rxd_iov(struct rxd *d, struct iovec *iov)
{
    unsigned n = 0;

    iov[n++] = (struct iovec){ &d->vh, NET_VHDR };
    iov[n++] = (struct iovec){ d->page[0], NET_PAGE };
    for (unsigned i = 2; i < d->n; i++)
        iov[n++] = (struct iovec){ d->page[i], NET_PAGE };
    return n;
}

/* The frame, gathered into the read buffer as the engine would have read
 * it there; then the copying way. */
static void rxd_gather(struct net_queue *q, struct rxd *d, size_t len)
{
    struct netback *nb = q->nb;
    size_t dlen = len - NET_VHDR, off = 0;

    memcpy(nb->rx_buf, &d->vh, NET_VHDR);
    for (unsigned i = 0; off < dlen; i++) {
        unsigned slot = i == 0 ? 0 : i + 1;
        size_t c = dlen - off < NET_PAGE ? dlen - off : NET_PAGE;
        memcpy(nb->rx_buf + NET_VHDR + off, d->page[slot], c);
        off += c;
    }
    rxd_unmap(q, d);
    net_rx_offer(q, nb->rx_buf, len);
}

/* The frame lies where netfront wants it (in slots mapped). */
static bool rxd_in_place(const struct rxd *d, const struct rx_pkt *p)
{
    return (p->len <= NET_PAGE || net_rx_is_gso(p)) && net_rx_slots(p) <= d->n;
}

int net_rx_direct(struct netback *nb)
{
    struct net_queue *q = &nb->q[0];
    struct iovec iov[RXD_SLOTS];
    struct rxd d;
    struct rx_pkt p;
    ssize_t len;

    if (!nb->rx_big || nb->max_queues != 1 || !q->connected || q->broken || q->head ||
        !(q->features & NETBACK_F_SG) || !nb->ops->gnt_map_many ||
        net_rx_avail(q) < (int)RXD_SLOTS || !rxd_map(q, &d, RXD_SLOTS))
        return -1;
    memset(&d.vh, 0, sizeof(d.vh));     /* defined even after a short read */
    len = nb->eng->recv(nb->engine, iov, rxd_iov(&d, iov));
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
    if (!rxd_in_place(&d, &p)) {
        rxd_gather(q, &d, (size_t)len);
        return 1;
    }
    rxd_unmap(q, &d);
    net_rx_deliver(q, &p, d.req);
    return 1;
}
