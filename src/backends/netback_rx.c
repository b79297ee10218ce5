/* RX: host -> guest.  A frame from the engine goes straight from the
 * engine's buffer into the guest's when nothing waits before it and the
 * guest has posted every slot it needs (one per 4 KiB of data with
 * feature-sg, plus one for a GSO extra), so a frame is never half
 * delivered.  Otherwise it waits in a per-queue list bounded at
 * NETBACK_RX_QUEUE_MAX bytes (XSA-392: a guest that never posts buffers
 * costs us at most that); past the bound frames are dropped.  Each
 * response is written in the slot of the request it consumed. */
#include "backends/netback_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct rx_pkt rx_pkt_of(const struct net_rx_frame *f)
{
    return (struct rx_pkt){ .vh = f->vh, .data = f->data, .len = f->len };
}

static unsigned rx_data_slots(const struct rx_pkt *f)
{
    return (unsigned)((f->len + NET_PAGE - 1) / NET_PAGE);
}

bool net_rx_is_gso(const struct rx_pkt *f)
{
    return (f->vh.gso_type & ~VIRTIO_NET_HDR_GSO_ECN) != VIRTIO_NET_HDR_GSO_NONE;
}

unsigned net_rx_slots(const struct rx_pkt *f)
{
    return rx_data_slots(f) + (net_rx_is_gso(f) ? 1 : 0);
}

/* Why a host frame cannot go to this guest, or NULL. */
const char *net_rx_refuse(const struct net_queue *q, const struct virtio_net_hdr *vh,
                          size_t dlen)
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

/* The frame's header copied and checked: 0, or -ENOBUFS (counted). */
static int rx_accept(struct net_queue *q, const void *frame, size_t len, struct rx_pkt *p)
{
    if (len < NET_VHDR) {
        q->nb->st.rx_dropped++;
        return -ENOBUFS;
    }
    memcpy(&p->vh, frame, sizeof(p->vh));
    p->data = (const uint8_t *)frame + NET_VHDR;
    p->len = len - NET_VHDR;
    if (net_rx_refuse(q, &p->vh, p->len)) {
        q->nb->st.rx_dropped++;
        return -ENOBUFS;
    }
    return 0;
}

static int rx_queue(struct net_queue *q, const struct rx_pkt *p)
{
    struct net_rx_frame *f;

    if (q->queued + p->len > NETBACK_RX_QUEUE_MAX ||
        !(f = malloc(sizeof(*f) + p->len))) {
        q->nb->st.rx_dropped++;
        return -ENOBUFS;
    }
    f->next = NULL;
    f->vh = p->vh;
    f->len = p->len;
    memcpy(f->data, p->data, p->len);
    if (q->tail)
        q->tail->next = f;
    else
        q->head = f;
    q->tail = f;
    q->queued += p->len;
    return 0;
}

int net_rx_enqueue(struct net_queue *q, const void *frame, size_t len)
{
    struct rx_pkt p;
    int rc = rx_accept(q, frame, len, &p);

    return rc ? rc : rx_queue(q, &p);
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

/* One frame's responses and GSO extra, in slot order, written to the ring
 * at once when the frame is done (net_ring_write). */
union rx_item {
    struct netif_rx_response rsp;
    struct netif_extra_info ex;
};
_Static_assert(sizeof(union rx_item) == sizeof(((netif_rx_sring_t *)0)->ring[0]),
               "an RX response or extra fills its ring entry");

struct rx_items {
    union rx_item it[NET_RXD_SLOTS];
    unsigned n;
};

/* Copy one chunk into the buffer the guest posted in req: 0, or
 * NETIF_RSP_ERROR when its grant does not map. */
static int16_t rx_copy_in(struct netback *nb, const struct netif_rx_request *req,
                          const uint8_t *src, size_t n)
{
    void *page;

    if (nb->ops->gnt_map(nb->env, nb->domid, req->gref, false, &page)) {
        nb->st.rx_errors++;
        return NETIF_RSP_ERROR;
    }
    memcpy(page, src, n);
    nb->ops->gnt_unmap(nb->env, nb->domid, req->gref, false);
    return 0;
}

/* The next slot: the chunk copied into its buffer, or, with `placed` (that
 * slot's request, copied before), already in its page; then the response. */
static void rx_fill_slot(struct net_queue *q, struct rx_items *b, const uint8_t *src,
                         size_t n, uint16_t flags, const struct netif_rx_request *placed)
{
    struct netif_rx_request req;
    int16_t err = 0;

    if (placed)
        req = *placed;
    else
        RING_COPY_REQUEST(&q->rx, q->rx.req_cons, &req);
    q->rx.req_cons++;
    if (!placed)
        err = rx_copy_in(q->nb, &req, src, n);
    b->it[b->n++].rsp = (struct netif_rx_response){
        .id = req.id, .flags = flags, .status = err ? err : (int16_t)n };
}

static void rx_gso_slot(struct net_queue *q, struct rx_items *b, const struct rx_pkt *f)
{
    struct netif_extra_info *ex = &b->it[b->n++].ex;
    unsigned gso = f->vh.gso_type & ~VIRTIO_NET_HDR_GSO_ECN;

    q->rx.req_cons++;            /* the slot's request carries nothing */
    memset(ex, 0, sizeof(*ex));
    ex->type = XEN_NETIF_EXTRA_TYPE_GSO;
    ex->u.gso.size = f->vh.gso_size;
    ex->u.gso.type = gso == VIRTIO_NET_HDR_GSO_TCPV4 ? XEN_NETIF_GSO_TYPE_TCPV4
                                                     : XEN_NETIF_GSO_TYPE_TCPV6;
}

void net_rx_deliver(struct net_queue *q, const struct rx_pkt *f,
                    const struct netif_rx_request *placed)
{
    unsigned n = rx_data_slots(f);
    uint16_t first = 0;
    size_t off = 0;
    struct rx_items b;              /* only b.it[0, b.n) is written and read */

    b.n = 0;
    if (!placed)        /* the copying way takes the next slots */
        net_rx_disarm(q->nb);
    if (f->vh.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM)
        first |= NETRXF_csum_blank | NETRXF_data_validated;
    else if (f->vh.flags & VIRTIO_NET_HDR_F_DATA_VALID)
        first |= NETRXF_data_validated;
    if (net_rx_is_gso(f))
        first |= NETRXF_extra_info;
    for (unsigned i = 0; i < n; i++) {
        size_t chunk = f->len - off < NET_PAGE ? f->len - off : NET_PAGE;
        uint16_t flags = (i == 0 ? first : 0) | (i + 1 < n ? NETRXF_more_data : 0);
        unsigned slot = i == 0 ? 0 : i + (net_rx_is_gso(f) ? 1 : 0);
        rx_fill_slot(q, &b, f->data + off, chunk, flags, placed ? &placed[slot] : NULL);
        off += chunk;
        if (i == 0 && net_rx_is_gso(f))
            rx_gso_slot(q, &b, f);
    }
    if (b.n == 1) {     /* the common small frame: one entry, no run to cut */
        net_guest_write(q->nb, RING_GET_RESPONSE(&q->rx, q->rx.rsp_prod_pvt), &b.it[0],
                        sizeof(b.it[0]));
        q->rx.rsp_prod_pvt++;
    } else {
        net_ring_write(q->nb, q->rx.sring->ring, RING_SIZE(&q->rx), sizeof(q->rx.sring->ring[0]),
                       &q->rx.rsp_prod_pvt, b.it, sizeof(b.it[0]), b.n);
    }
    q->rx_pending = true;
    q->nb->st.rx_packets++;
    q->nb->st.rx_bytes += f->len;
}

void net_rx_push(struct net_queue *q)
{
    int notify;

    if (!q->rx_pending)
        return;
    q->rx_pending = false;
    RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&q->rx, notify);
    net_pushed(q, &q->rx.sring->rsp_prod, notify, q->rx_port);
}

/* Free request slots, or -1 for a corrupt req_prod (the queue stops). */
int net_rx_avail(struct net_queue *q)
{
    RING_IDX rp = __atomic_load_n(&q->rx.sring->req_prod, __ATOMIC_ACQUIRE);

    if (rp - q->rx.req_cons > RING_SIZE(&q->rx)) {
        net_queue_fatal(q, "RX: impossible number of requests (req_prod %u, req_cons %u)",
                        rp, q->rx.req_cons);
        return -1;
    }
    return (int)(rp - q->rx.req_cons);
}

/* The guest has posted the slots p needs.  When not, req_event is set
 * where it will have (like RING_FINAL_CHECK_FOR_REQUESTS) and the ring
 * looked at again. */
static bool rx_room(struct net_queue *q, const struct rx_pkt *p)
{
    unsigned need = net_rx_slots(p);
    int avail = net_rx_avail(q);

    if (avail < 0)
        return false;
    if ((unsigned)avail >= need)
        return true;
    q->rx.sring->req_event = q->rx.req_cons + need;
    xen_mb();
    avail = net_rx_avail(q);
    return avail >= 0 && (unsigned)avail >= need;
}

void net_rx_pass(struct net_queue *q)
{
    if (!q->connected || q->broken)
        return;
    while (q->head) {
        struct net_rx_frame *f = q->head;
        struct rx_pkt p = rx_pkt_of(f);
        if (!rx_room(q, &p))
            break;
        q->head = f->next;
        if (!q->head)
            q->tail = NULL;
        q->queued -= f->len;
        net_rx_deliver(q, &p, NULL);
        free(f);
    }
    net_rx_push(q);
}

int net_rx_offer(struct net_queue *q, const void *frame, size_t len)
{
    struct rx_pkt p;
    int rc = rx_accept(q, frame, len, &p);

    if (rc)
        return rc;
    if (!q->head && rx_room(q, &p)) {
        net_rx_deliver(q, &p, NULL);
        return 0;
    }
    if (!q->broken)
        net_rx_push(q);      /* the guest can work on what it has meanwhile */
    return rx_queue(q, &p);
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
