/* bench/net RX (-r): frames sent to the tap from the host side.
 *
 * A sender thread injects them with an AF_PACKET socket addressed to the
 * tap's ifindex (PACKET_VNET_HDR, so csum and GSO frames keep their
 * offloads; PACKET_QDISC_BYPASS, straight to the device): the kernel
 * transmits them out of the tap, which queues them for its reader, as a
 * bridge does for a VM's tap.  (Writing to the tap fd would instead feed
 * the host stack.)  The main thread is the reader, twice over the same
 * frames: a plain read() of the tap fd, then netback's engine event
 * delivering into the synthetic guest's posted RX buffers, the guest
 * taking them and posting the buffers again.  Both wait in poll() and read
 * at most RX_BUDGET frames per wakeup, as the VMM's I/O thread does.
 *
 * The two threads take turns: the sender sends a batch (256 frames, fewer
 * for big ones so that a batch fits in netback's NETBACK_RX_QUEUE_MAX and
 * the guest's 256-slot ring; -w sets it, past that: losses) and rings an eventfd; the reader reads them
 * all and rings back.  So the reader always finds a full batch, as under
 * load, and the sender's CPU never mixes with the reader's.  Mpps and
 * Gb/s are per second of the reader's turns; CPU per packet is the
 * reading thread's (RUSAGE_THREAD, the synthetic guest's share and the
 * eventfd waits included); the sender's is shown apart.  Frames the tap
 * refuses, netback drops, or that never come are counted as lost; frames
 * of another size (the kernel's own) are counted apart. */
#include "netbench.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define RX_BUDGET 64u           /* frames per wakeup: netback's engine budget */
#define RX_BATCH 256u           /* frames per turn, at most (default) */
#define RX_BATCH_MAX 4096u      /* -w, at most */
#define RX_QUIET 0.2            /* s without a frame: the turn's rest is lost */

struct rx_run {
    const struct opts *o;
    const uint8_t *pkt;
    int fd, sock, ifindex;
    int ready, done;            /* eventfds: the sender's turn is over, the reader's */
    unsigned batch;
    void (*drain)(struct rx_run *r);
    unsigned turn;              /* frames the tap took this turn */
    /* The sender's, read after the join. */
    unsigned long refused;
    double send_cpu;
    /* The reader's. */
    unsigned long read;         /* frames taken off the tap */
    unsigned long got;          /* frames of the size sent, received */
    unsigned long other;        /* frames of any other size */
    double busy;                /* s of its turns */
    uint8_t *buf;               /* raw: one frame read */
    struct net_front *f;        /* netback: the guest */
    bool extra;                 /*  its next RX slot is a GSO extra */
    size_t cur;                 /*  bytes so far of the frame it takes */
};

/* ---- the sender ---- */

/* Frames per turn: -w, or at most RX_BATCH, fewer for big frames, so
 * that a turn's frames fit in netback's RX queue and the guest's ring. */
static unsigned rx_batch(const struct opts *o)
{
    unsigned slots = (unsigned)((o->size + NET_PAGE - 1) / NET_PAGE) + (o->gso ? 1 : 0);
    unsigned w = RX_BATCH;
    size_t size = o->size;

    if (o->batch)
        return o->batch < RX_BATCH_MAX ? o->batch : RX_BATCH_MAX;

    if (w > NETBACK_RX_QUEUE_MAX / size)
        w = (unsigned)(NETBACK_RX_QUEUE_MAX / size);
    if (w > NF_RING / slots)
        w = NF_RING / slots;
    return w;
}

static int rx_socket(void)
{
    int one = 1, s = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0), rc;

    if (s < 0)
        return -errno;
    if (setsockopt(s, SOL_PACKET, PACKET_VNET_HDR, &one, sizeof(one)) == 0 &&
        setsockopt(s, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) == 0)
        return s;
    rc = -errno;
    close(s);
    return rc;
}

/* k frames; the ones the tap accepted.  A frame the tap refuses (its
 * queue full) ends sendmmsg's batch, which goes on after it. */
static unsigned rx_send(struct rx_run *r, struct mmsghdr *m, unsigned k)
{
    unsigned ok = 0;
    int err;
    socklen_t len = sizeof(err);

    while (k) {
        int rc = sendmmsg(r->sock, m, k, 0);
        unsigned done = rc > 0 ? (unsigned)rc : 0;
        ok += done;
        k -= done;
        if (k == 0)
            break;
        if (rc > 0)             /* the error is left pending on the socket */
            getsockopt(r->sock, SOL_SOCKET, SO_ERROR, &err, &len);
        r->refused++;
        k--;
    }
    return ok;
}

static void ring(int efd)
{
    uint64_t one = 1;

    if (write(efd, &one, sizeof(one)) != sizeof(one))
        perror("netbench: eventfd");
}

static void wait_ring(int efd)
{
    uint64_t v;

    if (read(efd, &v, sizeof(v)) != sizeof(v))
        perror("netbench: eventfd");
}

/* Turns: send a batch, tell the reader how many the tap took, wait until
 * it has read them. */
static void *rx_sender(void *arg)
{
    struct rx_run *r = arg;
    struct virtio_net_hdr vh;
    struct iovec iov[2] = { { &vh, sizeof(vh) }, { (void *)r->pkt, r->o->size } };
    struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_IP),
                              .sll_ifindex = r->ifindex };
    static struct mmsghdr m[RX_BATCH_MAX];
    double c0 = bench_cpu(RUSAGE_THREAD);

    bench_vnet_hdr(r->o, &vh);
    memset(m, 0, sizeof(m));
    for (unsigned i = 0; i < r->batch; i++) {
        m[i].msg_hdr.msg_name = &to;
        m[i].msg_hdr.msg_namelen = sizeof(to);
        m[i].msg_hdr.msg_iov = iov;
        m[i].msg_hdr.msg_iovlen = 2;
    }
    for (unsigned long sent = 0; sent < r->o->n; sent += r->batch) {
        unsigned k = r->o->n - sent < r->batch ? (unsigned)(r->o->n - sent) : r->batch;
        __atomic_store_n(&r->turn, rx_send(r, m, k), __ATOMIC_RELEASE);
        ring(r->ready);
        wait_ring(r->done);
    }
    r->send_cpu = bench_cpu(RUSAGE_THREAD) - c0;
    return NULL;
}

/* ---- the reader ---- */

static void rx_frame(struct rx_run *r, size_t len)
{
    if (len == r->o->size)
        r->got++;
    else
        r->other++;
}

static void raw_drain(struct rx_run *r)
{
    for (unsigned i = 0; i < RX_BUDGET; i++) {
        ssize_t len = read(r->fd, r->buf, NET_VHDR + NETBACK_MAX_FRAME);
        if (len < (ssize_t)NET_VHDR)
            return;
        r->read++;
        rx_frame(r, (size_t)len - NET_VHDR);
    }
}

/* The guest takes every response (a frame ends at a slot without
 * more_data; a GSO extra follows a slot with extra_info) and posts as many
 * buffers again; the slots it took. */
static unsigned guest_take(struct rx_run *r)
{
    struct netif_rx_response rsp;
    unsigned slots = 0;

    while (nf_rx_take(r->f, &rsp, NULL)) {
        slots++;
        if (r->extra) {
            r->extra = false;
            continue;
        }
        r->extra = (rsp.flags & NETRXF_extra_info) != 0;
        r->cur += rsp.status > 0 ? (size_t)rsp.status : 0;
        if (!(rsp.flags & NETRXF_more_data)) {
            rx_frame(r, r->cur);
            r->cur = 0;
        }
    }
    if (slots)
        nf_rx_post(r->f, slots);
    return slots;
}

/* netback reads the tap, the guest takes what it delivered, until what
 * netback queued for want of buffers is delivered too. */
static void nb_drain(struct rx_run *r)
{
    r->read += (unsigned)netback_engine_event(r->f->nb);
    while (guest_take(r) && netback_rx_queued(r->f->nb, 0))
        continue;
}

/* One turn: read until `want` more frames came off the tap, or RX_QUIET
 * passed without one (the rest are lost).  Its time ends at the last
 * frame. */
static void rx_take_turn(struct rx_run *r, unsigned long want)
{
    struct pollfd p = { .fd = r->fd, .events = POLLIN };
    unsigned long end = r->read + want;
    double t0 = bench_now(), last = t0;

    while (r->read < end) {
        unsigned long seen = r->read;
        if (poll(&p, 1, 10) > 0)
            r->drain(r);
        if (r->read != seen)
            last = bench_now();
        else if (bench_now() - last > RX_QUIET)
            break;
    }
    r->busy += last - t0;
}

static void rx_loop(struct rx_run *r)
{
    for (unsigned long sent = 0; sent < r->o->n; sent += r->batch) {
        wait_ring(r->ready);
        rx_take_turn(r, __atomic_load_n(&r->turn, __ATOMIC_ACQUIRE));
        ring(r->done);
    }
}

static void rx_flush(int fd, uint8_t *buf)
{
    while (read(fd, buf, NET_VHDR + NETBACK_MAX_FRAME) >= 0)
        continue;
}

/* The sender and the reader take turns, so the reader finds a full
 * batch every time; Mpps and Gb/s are per second of its turns. */
static int rx_phase(struct rx_run *r, const char *name)
{
    pthread_t t;
    char what[40];
    double c;

    rx_flush(r->fd, r->buf);
    r->refused = r->read = r->got = r->other = 0;
    r->busy = 0;
    c = bench_cpu(RUSAGE_THREAD);
    if (pthread_create(&t, NULL, rx_sender, r)) {
        fprintf(stderr, "netbench: cannot start the sender thread\n");
        return 1;
    }
    rx_loop(r);
    c = bench_cpu(RUSAGE_THREAD) - c;
    pthread_join(t, NULL);
    snprintf(what, sizeof(what), "%s (%s)", name, bench_mode(r->o));
    bench_report(what, r->got, r->o->size, r->busy, c);
    printf("%-22s sent %lu, lost %lu (%lu refused by the tap), other frames %lu, "
           "batch %u, sender %.2f us CPU/pkt\n", "", r->o->n, r->o->n - r->got,
           r->refused, r->other, r->batch, r->send_cpu / (double)r->o->n * 1e6);
    return 0;
}

static int rx_netback(struct rx_run *r, int fd)
{
    static struct net_front f;
    struct net_tap tap = { .fd = fd };
    struct netback_stats st;
    int rc;

    if (bench_front(&f, &tap, r->o))
        return 1;
    nf_rx_post(&f, NF_RING);
    r->f = &f;
    r->drain = nb_drain;
    rc = rx_phase(r, "netback rx");
    netback_stats(f.nb, &st);
    printf("%-22s delivered %lu, engine drops %lu, errors %lu, events to guest %lu\n", "",
           (unsigned long)st.rx_packets, (unsigned long)st.rx_dropped,
           (unsigned long)st.rx_errors, (unsigned long)st.notifies);
    nf_destroy(&f);
    return rc;
}

static void rx_close(struct rx_run *r)
{
    if (r->sock >= 0)
        close(r->sock);
    if (r->ready >= 0)
        close(r->ready);
    if (r->done >= 0)
        close(r->done);
}

static int rx_open(struct rx_run *r, const char *ifname)
{
    r->ifindex = (int)if_nametoindex(ifname);
    r->sock = rx_socket();
    r->ready = eventfd(0, EFD_CLOEXEC);
    r->done = eventfd(0, EFD_CLOEXEC);
    if (r->sock < 0 || r->ifindex == 0 || r->ready < 0 || r->done < 0) {
        fprintf(stderr, "netbench: no AF_PACKET socket to %s, or no eventfd: %s\n", ifname,
                strerror(r->sock < 0 ? -r->sock : errno));
        rx_close(r);
        return 1;
    }
    return 0;
}

int netbench_rx(int fd, const char *ifname, const struct opts *o, const uint8_t *pkt)
{
    static uint8_t buf[NET_VHDR + NETBACK_MAX_FRAME];
    struct rx_run r = { .o = o, .pkt = pkt, .fd = fd, .buf = buf, .drain = raw_drain,
                        .batch = rx_batch(o) };
    int rc;

    if (rx_open(&r, ifname))
        return 1;
    rc = rx_phase(&r, "tap read");
    if (rc == 0)
        rc = rx_netback(&r, fd);
    rx_close(&r);
    return rc;
}
