/* bench/net: what netbench.c (TX, main) and netbench_rx.c (RX) share. */
#ifndef XENO_BENCH_NETBENCH_H
#define XENO_BENCH_NETBENCH_H

#include "net_front.h"

#include <stdbool.h>
#include <stddef.h>
#include <linux/virtio_net.h>

struct opts {
    unsigned long n;
    size_t size;
    unsigned batch;             /* RX: frames per turn, 0 = fitting */
    bool csum, gso, balloon, rx;
};

/* Seconds: CLOCK_MONOTONIC; user + system CPU of `who` (RUSAGE_SELF or
 * RUSAGE_THREAD). */
double bench_now(void);
double bench_cpu(int who);
/* One result line: n packets of `size` bytes in t seconds and c CPU s. */
void bench_report(const char *what, unsigned long n, size_t size, double t, double c);
/* "plain", "csum_blank" or "GSO TCPv4". */
const char *bench_mode(const struct opts *o);
/* The vnet header the host puts before each frame in this mode
 * (NEEDS_CSUM with -c and -g, TCPv4 GSO with MSS 1448 with -g). */
void bench_vnet_hdr(const struct opts *o, struct virtio_net_hdr *vh);
/* The synthetic guest with a netback on the tap, balloon state with -b.
 * 0, or 1 after a message. */
int bench_front(struct net_front *f, struct net_tap *tap, const struct opts *o);

/* RX: frames sent to tap `ifname` from the host side, read by a plain
 * read() of the tap fd, then by netback into the guest's buffers. */
int netbench_rx(int fd, const char *ifname, const struct opts *o, const uint8_t *pkt);

#endif
