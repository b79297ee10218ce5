/* The engines behind struct net_engine_ops: a tap device (production) and
 * a fake that records and replays frames (tests, fuzzer). */
#ifndef XENO_BACKENDS_NET_TAP_H
#define XENO_BACKENDS_NET_TAP_H

#include <stddef.h>
#include <stdint.h>

#include "backends/netback.h"

/* The tap engine: engine = a struct net_tap *. */
struct net_tap {
    int fd;
};
extern const struct net_engine_ops net_tap_ops;

/* Open /dev/net/tun as IFF_TAP|IFF_NO_PI|IFF_VNET_HDR named `name` (""
 * lets the kernel choose; the name it got is written back, IFNAMSIZ
 * bytes).  Then net_tap_setup.  The fd, or -errno.  xend normally opens
 * the tap and passes the fd; this is for the VMM given none, and bench. */
int net_tap_open(char *name, unsigned features);
/* Make an fd some other process opened usable: O_NONBLOCK, vnet header
 * size 10, offloads for the features the guest takes (TUNSETOFFLOAD:
 * TUN_F_CSUM always, TSO4/TSO6 for NETBACK_F_GSO_TCPV4/6).  0 or -errno. */
int net_tap_setup(int fd, unsigned features);

/* Bring interface `name` up (SIOCSIFFLAGS IFF_UP).  0 or -errno. */
int net_tap_up(const char *name);

/* The fake engine: engine = a struct net_fake *. */
#define NET_FAKE_FRAMES 64
struct net_fake {
    unsigned sent;                      /* frames sent, all time */
    int send_rc;                        /* returned by send if non-zero */
    size_t len[NET_FAKE_FRAMES];        /* the last NET_FAKE_FRAMES sent, */
    uint8_t *frame[NET_FAKE_FRAMES];    /*  by sent % NET_FAKE_FRAMES */
    unsigned last_iovcnt;               /* the iovecs of the last send, */
    size_t last_iov1;                   /*  the length of its second (the copy) */
    /* Frames recv hands out, in order, then -EAGAIN. */
    const void *in[NET_FAKE_FRAMES];
    size_t in_len[NET_FAKE_FRAMES];
    unsigned nin, next_in;
    unsigned recv_iovcnt;               /* iovecs of the last recv */
};
extern const struct net_engine_ops net_fake_ops;
/* The n-th sent frame (vnet header first), NULL if gone. */
const uint8_t *net_fake_frame(const struct net_fake *f, unsigned n, size_t *len);
void net_fake_free(struct net_fake *f);

#endif
