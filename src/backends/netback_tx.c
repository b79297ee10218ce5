/* TX: guest -> host.  Each request is copied out of the ring once and the
 * copy is checked the way Linux netback checks it (xenvif_count_requests,
 * xenvif_get_extras, xenvif_tx_build_gops).  The packet's headers are
 * mapped in one batch (gnt_map_many: one lock for the packet, all or
 * nothing), its first TX_HDR_COPY bytes copied out of them (all of the
 * packet if its headers reach further),
 * parsed from that copy for the virtio_net_hdr, and the rest goes to the
 * engine straight from the mapped grants in one writev: the guest can
 * change its payload under us, which only garbles its own data, but never
 * the headers we checked.  All of the packet's grants are unmapped in one
 * batch before its responses.  Every slot of a packet gets its response,
 * in order. */
#include "backends/netback_int.h"
#include "backends/net_hdr.h"

#include <errno.h>
#include <string.h>
#include <time.h>

/* One packet's slots, as copied. */
struct tx_pkt {
    struct netif_tx_request first;     /* size: total, then first slot's */
    struct netif_tx_request frag[NET_TX_FATAL_SLOTS];
    unsigned nfrag;                    /* follow-on slots */
    unsigned nextra;                   /* extra-info slots */
    struct netif_extra_info gso;       /* type GSO when present */
    uint16_t total;
};

enum tx_verdict { TX_OK, TX_FATAL };

#define TX_LOG_LIMIT 16u               /* drop lines logged per vif */

/* n responses from rsp_prod_pvt on. */
static void tx_put(struct net_queue *q, const struct netif_tx_response *rsp, unsigned n)
{
    net_ring_write(q->nb, q->tx.sring->ring, RING_SIZE(&q->tx), sizeof(q->tx.sring->ring[0]),
                   &q->tx.rsp_prod_pvt, rsp, sizeof(*rsp), n);
    q->tx_pending = true;
}

/* Responses gathered for tx_put (a guest may chain any number of extra
 * slots, so a full batch goes out and gathering goes on). */
struct tx_rsps {
    struct netif_tx_response r[32];
    unsigned n;
};

static void tx_add(struct net_queue *q, struct tx_rsps *b, uint16_t id, int16_t st)
{
    b->r[b->n++] = (struct netif_tx_response){ .id = id, .status = st };
    if (b->n == sizeof(b->r) / sizeof(b->r[0])) {
        tx_put(q, b->r, b->n);
        b->n = 0;
    }
}

/* One response per slot: the first, NULL for each extra, the follow-ons. */
static void tx_respond(struct net_queue *q, const struct tx_pkt *p, int16_t st)
{
    struct tx_rsps b = { .n = 0 };

    tx_add(q, &b, p->first.id, st);
    for (unsigned i = 0; i < p->nextra; i++)
        tx_add(q, &b, 0, NETIF_RSP_NULL);
    for (unsigned i = 0; i < p->nfrag; i++)
        tx_add(q, &b, p->frag[i].id, st);
    if (b.n)
        tx_put(q, b.r, b.n);
}

static void tx_drop(struct net_queue *q, const struct tx_pkt *p, const char *why)
{
    if (q->nb->st.tx_errors < TX_LOG_LIMIT)
        net_log(q->nb, "vif queue %u: TX packet id %u dropped: %s", q->idx,
                p->first.id, why);
    q->nb->st.tx_errors++;
    tx_respond(q, p, NETIF_RSP_ERROR);
}

static enum tx_verdict tx_extras(struct net_queue *q, struct tx_pkt *p,
                                 RING_IDX *idx, RING_IDX rp)
{
    struct netif_extra_info ex;

    do {
        if (*idx == rp) {
            net_queue_fatal(q, "TX: missing extra info");
            return TX_FATAL;
        }
        RING_COPY_REQUEST(&q->tx, *idx, &ex);
        (*idx)++;
        p->nextra++;
        if (ex.type == XEN_NETIF_EXTRA_TYPE_NONE || ex.type >= XEN_NETIF_EXTRA_TYPE_MAX) {
            net_queue_fatal(q, "TX: bad extra info type %u", ex.type);
            return TX_FATAL;
        }
        if (ex.type == XEN_NETIF_EXTRA_TYPE_GSO) {
            if (ex.u.gso.size == 0 || (ex.u.gso.type != XEN_NETIF_GSO_TYPE_TCPV4 &&
                                       ex.u.gso.type != XEN_NETIF_GSO_TYPE_TCPV6)) {
                net_queue_fatal(q, "TX: bad GSO extra (size %u, type %u)",
                                ex.u.gso.size, ex.u.gso.type);
                return TX_FATAL;
            }
            p->gso = ex;
        }
    } while (ex.flags & XEN_NETIF_EXTRA_FLAG_MORE);
    return TX_OK;
}

/* Follow-on slots: *why set when the packet is to be dropped. */
static enum tx_verdict tx_frags(struct net_queue *q, struct tx_pkt *p,
                                RING_IDX *idx, RING_IDX rp, const char **why)
{
    bool more = p->first.flags & NETTXF_more_data;
    uint16_t left = p->first.size;

    while (more) {
        struct netif_tx_request *t;
        if (*idx == rp) {
            net_queue_fatal(q, "TX: packet needs more slots than posted");
            return TX_FATAL;
        }
        /* As Linux: p->nfrag counts the follow-ons read so far. */
        if (p->nfrag >= NET_TX_FATAL_SLOTS) {
            net_queue_fatal(q, "TX: more than %u follow-on slots", NET_TX_FATAL_SLOTS);
            return TX_FATAL;
        }
        if (p->nfrag >= NET_TX_DROP_SLOTS && !*why)
            *why = "too many slots";
        t = &p->frag[p->nfrag++];
        RING_COPY_REQUEST(&q->tx, *idx, t);
        (*idx)++;
        if (t->size > left && !*why)
            *why = "slot larger than the rest of the packet";
        if (!*why)
            left -= t->size;
        if ((unsigned)t->offset + t->size > NET_PAGE) {
            net_queue_fatal(q, "TX: slot crosses a page (offset %u size %u)",
                            t->offset, t->size);
            return TX_FATAL;
        }
        more = t->flags & NETTXF_more_data;
    }
    p->first.size = left;
    return TX_OK;
}

/* The packet's slot i: 0 the first, then the follow-ons. */
static const struct netif_tx_request *tx_slot(const struct tx_pkt *p, unsigned i)
{
    return i == 0 ? &p->first : &p->frag[i - 1];
}

#define TX_MAX_SLOTS (1 + NET_TX_FATAL_SLOTS)

/* The packet's grants, mapped: page[i] for slot i (NULL for an empty
 * slot), refs[0..nref) what to unmap. */
struct tx_map {
    void *page[TX_MAX_SLOTS];
    uint32_t refs[TX_MAX_SLOTS];
    unsigned nref;
};

/* Map every non-empty slot in one batch (XSA-448: an empty slot's gref is
 * never touched).  All or nothing. */
static int tx_map_all(struct net_queue *q, const struct tx_pkt *p, struct tx_map *m)
{
    struct netback *nb = q->nb;
    void *got[TX_MAX_SLOTS];
    unsigned failed, k = 0;
    int rc;

    m->nref = 0;
    for (unsigned i = 0; i <= p->nfrag; i++)
        if (tx_slot(p, i)->size)
            m->refs[m->nref++] = tx_slot(p, i)->gref;
    rc = m->nref ? nb->ops->gnt_map_many(nb->env, nb->domid, m->refs, m->nref, true, got,
                                         &failed) : 0;
    if (rc) {
        m->nref = 0;
        return rc;
    }
    for (unsigned i = 0; i <= p->nfrag; i++)
        m->page[i] = tx_slot(p, i)->size ? got[k++] : NULL;
    return 0;
}

static void tx_unmap_all(struct net_queue *q, struct tx_map *m)
{
    struct netback *nb = q->nb;

    if (m->nref)
        nb->ops->gnt_unmap_many(nb->env, nb->domid, m->refs, m->nref, true);
    m->nref = 0;
}

/* Where the linear copy of a packet stands: slot is the first slot not
 * wholly copied, in the bytes of it already copied, off the bytes copied. */
struct tx_cursor {
    unsigned slot;
    size_t in;
    size_t off;
};

/* Copy from the cursor on into data until want bytes are linear (or the
 * packet ends): whole slots, and of the slot that crosses want only the
 * bytes up to it (the rest goes out from its mapping). */
static void tx_copy_until(const struct tx_pkt *p, const struct tx_map *m, uint8_t *data,
                          size_t want, struct tx_cursor *c)
{
    while (c->slot <= p->nfrag && c->off < want) {
        const struct netif_tx_request *t = tx_slot(p, c->slot);
        size_t n = t->size - c->in;
        if (n > want - c->off)
            n = want - c->off;
        if (n)
            memcpy(data + c->off, (const uint8_t *)m->page[c->slot] + t->offset + c->in, n);
        c->off += n;
        c->in += n;
        if (c->in == t->size) {
            c->slot++;
            c->in = 0;
        }
    }
}

/* The vnet header for NETTXF_csum_blank and GSO. */
static const char *tx_vhdr(const struct tx_pkt *p, const uint8_t *data, size_t len,
                           struct virtio_net_hdr *vh)
{
    bool gso = p->gso.type == XEN_NETIF_EXTRA_TYPE_GSO;
    struct net_l4 l4;

    memset(vh, 0, sizeof(*vh));
    if (!(p->first.flags & NETTXF_csum_blank) && !gso)
        return NULL;
    if (net_parse_l4(data, len, &l4))
        return "cannot find the checksum of a csum_blank packet";
    vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
    vh->csum_start = l4.csum_start;
    vh->csum_offset = l4.csum_offset;
    if (!gso)
        return NULL;
    if (l4.proto != 6 || l4.ip_version != (p->gso.u.gso.type == XEN_NETIF_GSO_TYPE_TCPV4 ? 4 : 6))
        return "GSO type does not match the packet";
    vh->gso_type = p->gso.u.gso.type == XEN_NETIF_GSO_TYPE_TCPV4 ? VIRTIO_NET_HDR_GSO_TCPV4
                                                               : VIRTIO_NET_HDR_GSO_TCPV6;
    vh->gso_size = p->gso.u.gso.size;
    vh->hdr_len = l4.hdr_len;
    return NULL;
}

#define TX_HDR_COPY 256u   /* Ethernet, IPv4/IPv6 and TCP headers, options included */

/* What the cursor has not copied into iov, from the mappings. */
static void tx_iov_rest(const struct tx_pkt *p, const struct tx_map *m,
                        const struct tx_cursor *c, struct iovec *iov, unsigned *niov)
{
    for (unsigned i = c->slot; i <= p->nfrag; i++) {
        const struct netif_tx_request *t = tx_slot(p, i);
        size_t skip = i == c->slot ? c->in : 0;
        if (t->size > skip)
            iov[(*niov)++] = (struct iovec){ (uint8_t *)m->page[i] + t->offset + skip,
                                             t->size - skip };
    }
}

static void tx_send(struct net_queue *q, const struct tx_pkt *p)
{
    struct netback *nb = q->nb;
    uint8_t *data = nb->tx_buf + NET_VHDR;
    struct virtio_net_hdr vh;
    const char *why;
    struct iovec iov[2 + TX_MAX_SLOTS];
    struct tx_map m;
    struct tx_cursor c = { 0, 0, 0 };
    unsigned niov = 2;
    int rc;

    if (tx_map_all(q, p, &m)) {
        tx_drop(q, p, "bad grant");
        return;
    }
    tx_copy_until(p, &m, data, TX_HDR_COPY, &c);
    why = tx_vhdr(p, data, c.off, &vh);
    if (why && c.off < p->total) {      /* headers past the copy: take it all */
        tx_copy_until(p, &m, data, p->total, &c);
        why = tx_vhdr(p, data, c.off, &vh);
    }
    if (why) {
        tx_unmap_all(q, &m);
        tx_drop(q, p, why);
        return;
    }
    iov[0] = (struct iovec){ &vh, sizeof(vh) };
    iov[1] = (struct iovec){ data, c.off };
    tx_iov_rest(p, &m, &c, iov, &niov);
    rc = nb->eng->send(nb->engine, iov, niov);
    tx_unmap_all(q, &m);
    if (rc < 0) {
        nb->st.tx_dropped++;
    } else {
        nb->st.tx_packets++;
        nb->st.tx_bytes += p->total;
    }
    tx_respond(q, p, NETIF_RSP_OKAY);
}

uint64_t net_clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#define RATE_MIN_BURST (128u * 1024u)   /* Linux netback: max_burst */

void netback_set_rate(struct netback *nb, uint64_t bytes, uint64_t usec)
{
    nb->rate_bytes = usec ? bytes : 0;
    nb->rate_usec = usec;
    nb->credit_max = bytes > RATE_MIN_BURST ? bytes : RATE_MIN_BURST;
    nb->credit = nb->credit_max;
    nb->credit_ns = nb->now_ns();
    for (unsigned i = 0; i < NETBACK_MAX_QUEUES; i++)
        nb->q[i].tx_need = 0;
}

void netback_set_clock(struct netback *nb, uint64_t (*now_ns)(void))
{
    nb->now_ns = now_ns;
    nb->credit_ns = now_ns();
}

/* Fill the bucket for the time since the last fill (bytes per usec, at
 * most credit_max), then take size from it if it holds that much. */
static bool tx_credit(struct net_queue *q, uint32_t size)
{
    struct netback *nb = q->nb;
    uint64_t now, period_ns, add;

    if (!nb->rate_bytes)
        return true;
    now = nb->now_ns();
    period_ns = nb->rate_usec * 1000u;
    if (now > nb->credit_ns) {
        uint64_t dt = now - nb->credit_ns;
        /* dt * bytes / period, without overflow for dt up to ~days */
        add = dt / period_ns * nb->rate_bytes + dt % period_ns * nb->rate_bytes / period_ns;
        if (add) {
            nb->credit = nb->credit + add < nb->credit_max ? nb->credit + add : nb->credit_max;
            nb->credit_ns = now;
        }
    }
    if (nb->credit < size) {
        q->tx_need = size;
        nb->st.tx_throttled++;
        return false;
    }
    nb->credit -= size;
    q->tx_need = 0;
    return true;
}

uint64_t netback_tx_wait_ns(const struct netback *nb, unsigned qi)
{
    const struct net_queue *q;
    uint64_t missing, now, since;

    if (qi >= NETBACK_MAX_QUEUES || !nb->q[qi].tx_need || !nb->rate_bytes)
        return 0;
    q = &nb->q[qi];
    missing = q->tx_need > nb->credit ? q->tx_need - nb->credit : 0;
    now = nb->now_ns();
    since = now > nb->credit_ns ? now - nb->credit_ns : 0;
    uint64_t need_ns = (missing * nb->rate_usec * 1000u + nb->rate_bytes - 1) / nb->rate_bytes;
    return need_ns > since ? need_ns - since : 0;
}

bool netback_tx_waiting(const struct netback *nb, unsigned qi)
{
    return qi < NETBACK_MAX_QUEUES && nb->rate_bytes && nb->q[qi].tx_need;
}

enum tx_result { TXP_DONE, TXP_FATAL, TXP_WAIT };

/* One packet at req_cons: served or dropped, fatal, or waiting for credit
 * (nothing consumed). */
static enum tx_result tx_packet(struct net_queue *q, RING_IDX rp)
{
    RING_IDX idx = q->tx.req_cons;
    const char *why = NULL;
    struct tx_pkt p;

    memset(&p, 0, sizeof(p));
    RING_COPY_REQUEST(&q->tx, idx, &p.first);
    if (!tx_credit(q, p.first.size))
        return TXP_WAIT;
    idx++;
    p.total = p.first.size;
    if ((p.first.flags & NETTXF_extra_info) && tx_extras(q, &p, &idx, rp) != TX_OK)
        return TXP_FATAL;
    if (tx_frags(q, &p, &idx, rp, &why) != TX_OK)
        return TXP_FATAL;
    q->tx.req_cons = idx;
    if (!why && p.first.size < NET_ETH_HLEN)
        why = "first slot smaller than an Ethernet header";
    if (why) {
        tx_drop(q, &p, why);
        return TXP_DONE;
    }
    if ((unsigned)p.first.offset + p.first.size > NET_PAGE) {
        net_queue_fatal(q, "TX: first slot crosses a page (offset %u size %u)",
                        p.first.offset, p.first.size);
        return TXP_FATAL;
    }
    tx_send(q, &p);
    return TXP_DONE;
}

static void tx_push(struct net_queue *q)
{
    int notify;

    if (!q->tx_pending)
        return;
    q->tx_pending = false;
    RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&q->tx, notify);
    net_pushed(q, &q->tx.sring->rsp_prod, notify, q->tx_port);
}

bool net_tx_pass(struct net_queue *q)
{
    netif_tx_back_ring_t *r = &q->tx;
    unsigned budget = NETBACK_TX_BUDGET;
    bool more_work = false;
    RING_IDX rp;
    int more;

    if (!q->connected || q->broken)
        return false;
    for (;;) {
        rp = __atomic_load_n(&r->sring->req_prod, __ATOMIC_ACQUIRE);
        if (rp - r->req_cons > RING_SIZE(r)) {
            net_queue_fatal(q, "TX: impossible number of requests (req_prod %u, req_cons %u)",
                            rp, r->req_cons);
            break;
        }
        while (r->req_cons != rp && budget) {
            enum tx_result res = tx_packet(q, rp);
            if (res == TXP_FATAL)
                goto out;
            if (res == TXP_WAIT) /* the VMM comes back: netback_tx_wait_ns */
                goto out;
            budget--;
        }
        tx_push(q);
        if (!budget) {
            /* A guest refilling as fast as we serve must not keep the I/O
             * thread: stop, and let the caller come back. */
            more_work = true;
            break;
        }
        RING_FINAL_CHECK_FOR_REQUESTS(r, more);
        if (!more)
            break;
    }
out:
    tx_push(q);
    return more_work && !q->broken;
}
