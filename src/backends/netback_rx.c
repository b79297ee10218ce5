/* RX: host -> guest.  Frames from the engine wait in a per-queue list
 * bounded at NETBACK_RX_QUEUE_MAX bytes (XSA-392: a guest that never posts
 * buffers costs us at most that); past the bound they are dropped.  A
 * frame goes out only when the guest has posted every slot it needs
 * (one per 4 KiB of data with feature-sg, plus one for a GSO extra), so a
 * frame is never half delivered.  Each response is written in the slot of
 * the request it consumed. */
#include "backends/netback_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static unsigned rx_data_slots(const struct net_rx_frame *f)
{
    return (unsigned)((f->len + NET_PAGE - 1) / NET_PAGE);
}

static bool rx_is_gso(const struct net_rx_frame *f)
{
    return (f->vh.gso_type & ~VIRTIO_NET_HDR_GSO_ECN) != VIRTIO_NET_HDR_GSO_NONE;
}

static unsigned rx_slots(const struct net_rx_frame *f)
{
    return rx_data_slots(f) + (rx_is_gso(f) ? 1 : 0);
}

/* Why a host frame cannot go to this guest, or NULL. */
static const char *rx_refuse(const struct net_queue *q,
                             const struct virtio_net_hdr *vh, size_t dlen)
{
    unsigned gso = vh->gso_type & ~VIRTIO_NET_HDR_GSO_ECN;

    if (!q->connected || q->broken)
        return "queue not connected";
    if (dlen < NET_ETH_HLEN || dlen > NETBACK_MAX_FRAME)
        return "bad length";
    if (dlen > NET_PAGE && !(q->features & NETBACK_F_SG))
        return "larger than a page without feature-sg";
    if (gso == VIRTIO_NET_HDR_GSO_NONE)
        return NULL;
    if (vh->gso_size == 0)
        return "GSO size 0";
    if (gso == VIRTIO_NET_HDR_GSO_TCPV4 && (q->features & NETBACK_F_GSO_TCPV4))
        return NULL;
    if (gso == VIRTIO_NET_HDR_GSO_TCPV6 && (q->features & NETBACK_F_GSO_TCPV6))
        return NULL;
    return "GSO type the guest does not take";
}

int net_rx_enqueue(struct net_queue *q, const void *frame, size_t len)
{
    struct virtio_net_hdr vh;
    struct net_rx_frame *f;
    size_t dlen;

    if (len < NET_VHDR) {
        q->nb->st.rx_dropped++;
        return -ENOBUFS;
    }
    memcpy(&vh, frame, sizeof(vh));
    dlen = len - NET_VHDR;
    if (rx_refuse(q, &vh, dlen) || q->queued + dlen > NETBACK_RX_QUEUE_MAX) {
        q->nb->st.rx_dropped++;
        return -ENOBUFS;
    }
    f = malloc(sizeof(*f) + dlen);
    if (!f) {
        q->nb->st.rx_dropped++;
        return -ENOBUFS;
    }
    f->next = NULL;
    f->vh = vh;
    f->len = dlen;
    memcpy(f->data, (const uint8_t *)frame + NET_VHDR, dlen);
    if (q->tail)
        q->tail->next = f;
    else
        q->head = f;
    q->tail = f;
    q->queued += dlen;
    return 0;
}

void net_rx_flush_queue(struct net_queue *q)
{
    while (q->head) {
        struct net_rx_frame *f = q->head;
        q->head = f->next;
        free(f);
    }
    q->tail = NULL;
    q->queued = 0;
}

static void rx_write_slot(struct net_queue *q, const void *v, size_t len)
{
    net_guest_write(q->nb, RING_GET_RESPONSE(&q->rx, q->rx.rsp_prod_pvt), v, len);
    q->rx.rsp_prod_pvt++;
    q->rx_pending = true;
}

/* Copy one chunk into the buffer the guest posted in the next slot. */
static void rx_fill_slot(struct net_queue *q, const uint8_t *src, size_t n,
                         uint16_t flags)
{
    struct netback *nb = q->nb;
    struct netif_rx_request req;
    struct netif_rx_response rsp;
    void *page;

    RING_COPY_REQUEST(&q->rx, q->rx.req_cons, &req);
    q->rx.req_cons++;
    memset(&rsp, 0, sizeof(rsp));
    rsp.id = req.id;
    rsp.flags = flags;
    rsp.status = (int16_t)n;
    if (nb->ops->gnt_map(nb->env, nb->domid, req.gref, false, &page) == 0) {
        memcpy(page, src, n);
        nb->ops->gnt_unmap(nb->env, nb->domid, req.gref, false);
    } else {
        rsp.status = NETIF_RSP_ERROR;
        nb->st.rx_errors++;
    }
    rx_write_slot(q, &rsp, sizeof(rsp));
}

static void rx_gso_slot(struct net_queue *q, const struct net_rx_frame *f)
{
    struct netif_extra_info ex;
    unsigned gso = f->vh.gso_type & ~VIRTIO_NET_HDR_GSO_ECN;

    q->rx.req_cons++;            /* the slot's request carries nothing */
    memset(&ex, 0, sizeof(ex));
    ex.type = XEN_NETIF_EXTRA_TYPE_GSO;
    ex.u.gso.size = f->vh.gso_size;
    ex.u.gso.type = gso == VIRTIO_NET_HDR_GSO_TCPV4 ? XEN_NETIF_GSO_TYPE_TCPV4
                                                    : XEN_NETIF_GSO_TYPE_TCPV6;
    rx_write_slot(q, &ex, sizeof(ex));
}

static void rx_deliver(struct net_queue *q, const struct net_rx_frame *f)
{
    unsigned n = rx_data_slots(f);
    uint16_t first = 0;
    size_t off = 0;

    if (f->vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
        first |= NETRXF_csum_blank | NETRXF_data_validated;
    else if (f->vh.flags & VIRTIO_NET_HDR_F_DATA_VALID)
        first |= NETRXF_data_validated;
    if (rx_is_gso(f))
        first |= NETRXF_extra_info;
    for (unsigned i = 0; i < n; i++) {
        size_t chunk = f->len - off < NET_PAGE ? f->len - off : NET_PAGE;
        uint16_t flags = (i == 0 ? first : 0) | (i + 1 < n ? NETRXF_more_data : 0);
        rx_fill_slot(q, f->data + off, chunk, flags);
        off += chunk;
        if (i == 0 && rx_is_gso(f))
            rx_gso_slot(q, f);
    }
    q->nb->st.rx_packets++;
    q->nb->st.rx_bytes += f->len;
}

static void rx_push(struct net_queue *q)
{
    int notify;

    if (!q->rx_pending)
        return;
    q->rx_pending = false;
    RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&q->rx, notify);
    net_pushed(q, &q->rx.sring->rsp_prod, notify, q->rx_port);
}

/* Free request slots, or -1 for a corrupt req_prod (the queue stops). */
static int rx_avail(struct net_queue *q)
{
    RING_IDX rp = __atomic_load_n(&q->rx.sring->req_prod, __ATOMIC_ACQUIRE);

    if (rp - q->rx.req_cons > RING_SIZE(&q->rx)) {
        net_queue_fatal(q, "RX: impossible number of requests (req_prod %u, req_cons %u)",
                        rp, q->rx.req_cons);
        return -1;
    }
    return (int)(rp - q->rx.req_cons);
}

void net_rx_pass(struct net_queue *q)
{
    int avail;

    if (!q->connected || q->broken)
        return;
    while (q->head) {
        struct net_rx_frame *f = q->head;
        unsigned need = rx_slots(f);
        avail = rx_avail(q);
        if (avail < 0)
            break;
        if ((unsigned)avail < need) {
            /* Sleep until the guest has posted enough: like
             * RING_FINAL_CHECK_FOR_REQUESTS, with req_event where the head
             * frame fits, then look again. */
            q->rx.sring->req_event = q->rx.req_cons + need;
            xen_mb();
            avail = rx_avail(q);
            if (avail < 0 || (unsigned)avail < need)
                break;
        }
        q->head = f->next;
        if (!q->head)
            q->tail = NULL;
        q->queued -= f->len;
        rx_deliver(q, f);
        free(f);
    }
    rx_push(q);
}

/* ---- spreading host frames over the guest's queues ---- */

static uint32_t mix(uint32_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)          /* FNV-1a */
        h = (h ^ p[i]) * 16777619u;
    return h;
}

/* The flow's hash: IPv4/IPv6 addresses, and the TCP/UDP ports when the
 * L4 header follows the IP header directly.  0 for anything else. */
static uint32_t flow_hash(const uint8_t *p, size_t len)
{
    size_t l3 = NET_ETH_HLEN, l4 = 0;
    uint32_t h = 2166136261u;
    uint16_t type;
    uint8_t proto;

    if (len < NET_ETH_HLEN)
        return 0;
    type = (uint16_t)(p[12] << 8 | p[13]);
    if (type == 0x8100 && len >= NET_ETH_HLEN + 4) {
        type = (uint16_t)(p[16] << 8 | p[17]);
        l3 += 4;
    }
    if (type == 0x0800 && len >= l3 + 20) {
        bool frag = ((p[l3 + 6] & 0x3f) | p[l3 + 7]) != 0;
        h = mix(h, p + l3 + 12, 8);
        proto = p[l3 + 9];
        l4 = frag ? 0 : l3 + (size_t)(p[l3] & 0xf) * 4;
    } else if (type == 0x86dd && len >= l3 + 40) {
        h = mix(h, p + l3 + 8, 32);
        proto = p[l3 + 6];
        l4 = l3 + 40;
    } else {
        return 0;
    }
    if (l4 && (proto == 6 || proto == 17) && len >= l4 + 4)
        h = mix(h, p + l4, 4);
    return h;
}

unsigned net_rx_pick_queue(const struct netback *nb, const uint8_t *frame, size_t len)
{
    unsigned n = 0;

    while (n < nb->max_queues && nb->q[n].connected && !nb->q[n].broken)
        n++;
    if (n <= 1 || len < NET_VHDR)
        return 0;
    return flow_hash(frame + NET_VHDR, len - NET_VHDR) % n;
}
