/* bench/net: the network backend against a real tap device.
 *
 * TX (default): guest TX through netback into the tap, against writing
 * the same frames (vnet header + packet) to the tap directly.  The guest
 * side is the synthetic netfront over a memfd guest (tests/unit); each
 * round posts a ring of single-slot packets, kicks, and takes the
 * responses, as netfront does under load.
 * RX (-r, netbench_rx.c): frames sent to the tap from the host side, read
 * by netback into the guest's posted buffers, against a plain read() of
 * the tap.
 *
 * Needs /dev/net/tun and CAP_NET_ADMIN.
 * Usage: netbench [-r [-w frames]] [-n packets] [-s bytes] [-c] [-g] [-b]
 * (-c: NETTXF_csum_blank / NEEDS_CSUM, so each packet is parsed for its
 * checksum; -g: TCPv4 GSO with MSS 1448, up to 65535 bytes in 4 KiB
 * slots; -w: RX frames per turn, by default as many as netback and the
 * guest's ring hold; -b: the guest has balloon state, as under xeno-vmm,
 * so every grant map also pins its page).
 * Packets above 4 KiB go in 4 KiB slots. */
#include "netbench.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define BATCH 255u             /* ring slots posted per round */

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

double bench_cpu(int who)
{
    struct rusage ru;
    getrusage(who, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

void bench_report(const char *what, unsigned long n, size_t size, double t, double c)
{
    printf("%-22s %8lu pkts %7.3f s  %6.3f Mpps  %6.2f Gb/s  %5.2f us CPU/pkt\n",
           what, n, t, n / t / 1e6, n * size * 8.0 / t / 1e9, n ? c / n * 1e6 : 0.0);
}

const char *bench_mode(const struct opts *o)
{
    return o->gso ? "GSO TCPv4" : o->csum ? "csum_blank" : "plain";
}

void bench_vnet_hdr(const struct opts *o, struct virtio_net_hdr *vh)
{
    memset(vh, 0, sizeof(*vh));
    if (o->csum || o->gso) {
        vh->flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
        vh->csum_start = 34;
        vh->csum_offset = o->gso ? 16 : 6;
    }
    if (o->gso) {
        vh->gso_type = VIRTIO_NET_HDR_GSO_TCPV4;
        vh->gso_size = 1448;
        vh->hdr_len = 54;
    }
}

int bench_front(struct net_front *f, struct net_tap *tap, const struct opts *o)
{
    if (nf_init_engine(f, NETBACK_F_ALL, &net_tap_ops, tap)) {
        fprintf(stderr, "netbench: cannot set up the synthetic guest\n");
        return 1;
    }
    if (o->balloon && hv_balloon_init(&f->bf.dom, f->bf.ram, f->bf.ram_pages, f->bf.ram_pages)) {
        fprintf(stderr, "netbench: no memory for the balloon state\n");
        return 1;
    }
    return 0;
}

/* One packet: 4 KiB slots from the pre-granted pages, a GSO extra after
 * the first with -g. */
static void post_packet(struct net_front *f, const struct opts *o,
                            const uint32_t *gref, uint16_t id)
{
    unsigned nslots = (unsigned)((o->size + NET_PAGE - 1) / NET_PAGE), used = 0;
    size_t left = o->size;

    for (unsigned i = 0; i < nslots; i++) {
        struct netif_tx_request *q = nf_tx_slot(f);
        size_t c = left < NET_PAGE ? left : NET_PAGE;
        q->gref = gref[i];
        q->size = (uint16_t)(i == 0 ? o->size : c);
        q->id = (uint16_t)(id + used);
        q->flags = (uint16_t)((i + 1 < nslots ? NETTXF_more_data : 0) |
                              (i == 0 && (o->csum || o->gso) ? NETTXF_csum_blank : 0) |
                              (i == 0 && o->gso ? NETTXF_extra_info : 0));
        left -= c;
        used++;
        if (i == 0 && o->gso) {
            struct netif_extra_info *ex = (struct netif_extra_info *)nf_tx_slot(f);
            ex->type = XEN_NETIF_EXTRA_TYPE_GSO;
            ex->u.gso.size = 1448;
            ex->u.gso.type = XEN_NETIF_GSO_TYPE_TCPV4;
            used++;
        }
    }
}

static int bench_netback(int fd, const struct opts *o, const uint8_t *pkt)
{
    static struct net_front f;
    struct net_tap tap = { .fd = fd };
    struct netif_tx_response r;
    uint32_t gref[NETBACK_MAX_FRAME / NET_PAGE + 1];
    unsigned per = (unsigned)((o->size + NET_PAGE - 1) / NET_PAGE) + (o->gso ? 1 : 0);
    unsigned long done = 0;
    struct netback_stats st;
    char what[40];
    double t0, c0;

    if (bench_front(&f, &tap, o))
        return 1;
    for (size_t off = 0, i = 0; off < o->size; off += NET_PAGE, i++)
        gref[i] = nf_tx_page(&f, pkt + off, o->size - off, 0);
    t0 = bench_now();
    c0 = bench_cpu(RUSAGE_SELF);
    while (done < o->n) {
        unsigned long b = BATCH / per < o->n - done ? BATCH / per : o->n - done;
        for (unsigned i = 0; i < b; i++)
            post_packet(&f, o, gref, (uint16_t)(i * per));
        nf_tx_kick(&f);
        while (nf_tx_take(&f, &r))
            continue;
        done += b;
    }
    netback_stats(f.nb, &st);
    snprintf(what, sizeof(what), "netback (%s)", bench_mode(o));
    bench_report(what, o->n, o->size, bench_now() - t0, bench_cpu(RUSAGE_SELF) - c0);
    printf("%-22s sent %lu, engine drops %lu, errors %lu, events to guest %lu\n", "",
           (unsigned long)st.tx_packets, (unsigned long)st.tx_dropped,
           (unsigned long)st.tx_errors, (unsigned long)st.notifies);
    nf_destroy(&f);
    return 0;
}

static int bench_direct(int fd, const struct opts *o, const uint8_t *pkt)
{
    struct virtio_net_hdr vh;
    struct iovec iov[2] = { { &vh, sizeof(vh) }, { (void *)pkt, o->size } };
    unsigned long drops = 0;
    double t0 = bench_now(), c0 = bench_cpu(RUSAGE_SELF);
    char what[40];

    bench_vnet_hdr(o, &vh);
    for (unsigned long i = 0; i < o->n; i++)
        if (writev(fd, iov, 2) < 0)
            drops++;
    snprintf(what, sizeof(what), "tap writev (%s)", bench_mode(o));
    bench_report(what, o->n, o->size, bench_now() - t0, bench_cpu(RUSAGE_SELF) - c0);
    printf("%-22s write errors %lu\n", "", drops);
    return 0;
}

int main(int argc, char **argv)
{
    struct opts o = { .n = 1000000, .size = 1514 };
    char name[IFNAMSIZ] = "xnbench%d";
    static uint8_t pkt[NETBACK_MAX_FRAME];
    int opt, fd, rc;

    while ((opt = getopt(argc, argv, "n:s:w:cgbr")) != -1) {
        if (opt == 'n')
            o.n = strtoul(optarg, NULL, 0);
        else if (opt == 's')
            o.size = strtoul(optarg, NULL, 0);
        else if (opt == 'w')
            o.batch = (unsigned)strtoul(optarg, NULL, 0);
        else if (opt == 'c')
            o.csum = true;
        else if (opt == 'g')
            o.gso = true;
        else if (opt == 'b')
            o.balloon = true;
        else if (opt == 'r')
            o.rx = true;
        else
            return 2;
    }
    if (o.size < 64 || o.size > NETBACK_MAX_FRAME || (o.size > NET_PAGE && !o.gso && o.size > 9018)) {
        fprintf(stderr, "netbench: -s must be 64..9018, or up to 65535 with -g\n");
        return 2;
    }
    if (o.rx && !o.gso && o.size > 1514) {
        fprintf(stderr, "netbench: -r takes -s up to 1514 (the tap's MTU), or 65535 with -g\n");
        return 2;
    }
    nf_build(pkt, false, !o.gso, o.size - (o.gso ? 54 : 42));
    /* RX: the tap takes checksum and TSO offloads, so frames reach its
     * reader as the host sent them, GSO included. */
    fd = net_tap_open(name, o.rx ? NETBACK_F_ALL : 0);
    if (fd < 0) {
        fprintf(stderr, "netbench: cannot open a tap (%s): needs /dev/net/tun "
                "(modprobe tun) and CAP_NET_ADMIN\n", strerror(-fd));
        return 1;
    }
    if ((rc = nf_tap_up(name)) < 0)
        fprintf(stderr, "netbench: cannot bring %s up: %s\n", name, strerror(-rc));
    printf("tap %s, %s, %lu packets of %zu bytes (%s)\n", name, o.rx ? "RX" : "TX", o.n,
           o.size, o.gso ? "TCP/IPv4, GSO MSS 1448" : "UDP/IPv4");
    if (o.rx) {
        rc = netbench_rx(fd, name, &o, pkt);
    } else {
        bench_direct(fd, &o, pkt);
        rc = bench_netback(fd, &o, pkt);
    }
    close(fd);
    return rc;
}
