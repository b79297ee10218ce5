/* How a domain's xenstore ring reaches xenstored.
 *
 * Each xeno-vmm connects to the unix socket
 *     ${XENSTORED_RUNDIR:-/run/xenstored}/rings   (XS_RING_SOCKET_NAME)
 * and sends one struct xs_ring_attach with SCM_RIGHTS carrying three fds:
 *     [0] memfd holding the ring page (struct xenstore_domain_interface at
 *         page_offset, 4096 bytes, mapped MAP_SHARED by xenstored),
 *     [1] kick eventfd: the VMM writes 1 each time the guest sends on its
 *         store event channel (new requests / consumed responses),
 *     [2] notify eventfd: xenstored writes 1 after it has produced
 *         responses or watch events (or consumed requests); the VMM then
 *         raises the store event channel in the guest.
 * xenstored answers with one int32_t: 0, or a negative errno.  Attaching
 * introduces the domain (fires @introduceDomain) unless it already is; the
 * connection stays open for the life of the domain.  EOF on it means the
 * VMM is gone: xenstored stops serving that ring (the domain's nodes stay
 * until the toolstack sends XS_RELEASE).  After a xenstored restart the VMM
 * reconnects and attaches again; xenstored resumes from the ring indexes.
 *
 * Version 2 (struct xs_ring_attach_token) adds the backend token that the
 * toolstack registered for the domain (XS_CONTROL authorise, see
 * docs/xenstored.md "Identities"): xenstored then attaches only the
 * token's domain, and spends the token's ring use.  Version 1 carries no
 * token and is accepted only from a trusted peer (root or xenstored's own
 * uid, by SO_PEERCRED).
 *
 * The socket is mode 0600: this is dom0 plumbing. */
#ifndef XENO_XS_RING_H
#define XENO_XS_RING_H

#include <stdint.h>

#define XS_RING_SOCKET_NAME "rings"
#define XS_RING_ATTACH_MAGIC 0x61727378u /* "xsra" little-endian */
#define XS_RING_ATTACH_VERSION 1u
#define XS_RING_ATTACH_VERSION_TOKEN 2u
#define XS_RING_TOKEN_LEN 72 /* NUL-terminated, NUL-padded */

struct xs_ring_attach {
    uint32_t magic;
    uint32_t version;
    uint32_t domid;
    uint32_t port;        /* the guest's store event channel port */
    uint64_t page_offset; /* offset of the ring page in the memfd */
    uint64_t gfn;         /* guest frame number of the ring (INTRODUCE mfn) */
};

struct xs_ring_attach_token {
    struct xs_ring_attach a; /* a.version = XS_RING_ATTACH_VERSION_TOKEN */
    char token[XS_RING_TOKEN_LEN];
};

#endif
