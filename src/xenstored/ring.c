/* The xenstore ring page (struct xenstore_domain_interface), server side.
 * The guest is an attacker: each index is read once, the distance checked
 * against the ring size, every offset masked; bytes are copied out before
 * anyone parses them.  A bad index marks the ring broken (XS_RING_BAD). */
#include "xs_core.h"

#include <string.h>

static XENSTORE_RING_IDX idx_read(const XENSTORE_RING_IDX *p)
{
    return *(const volatile XENSTORE_RING_IDX *)p;
}

static void idx_write(XENSTORE_RING_IDX *p, XENSTORE_RING_IDX v)
{
    *(volatile XENSTORE_RING_IDX *)p = v;
}

static void ring_copy_out(char *dst, const char *ring, XENSTORE_RING_IDX from,
                          size_t n)
{
    size_t off = MASK_XENSTORE_IDX(from);
    size_t first = XENSTORE_RING_SIZE - off;
    if (first > n)
        first = n;
    memcpy(dst, ring + off, first);
    memcpy(dst + first, ring, n - first);
}

static void ring_copy_in(char *ring, XENSTORE_RING_IDX to, const char *src,
                         size_t n)
{
    size_t off = MASK_XENSTORE_IDX(to);
    size_t first = XENSTORE_RING_SIZE - off;
    if (first > n)
        first = n;
    memcpy(ring + off, src, first);
    memcpy(ring, src + first, n - first);
}

int ring_req_avail(struct xenstore_domain_interface *intf, size_t *avail)
{
    XENSTORE_RING_IDX cons = idx_read(&intf->req_cons);
    XENSTORE_RING_IDX prod = idx_read(&intf->req_prod);
    *avail = 0;
    if (prod - cons > XENSTORE_RING_SIZE)
        return XS_RING_BAD;
    *avail = prod - cons;
    return XS_RING_OK;
}

/* Copy n request bytes (n <= available) without consuming them. */
void ring_peek_req(struct xenstore_domain_interface *intf, char *buf,
                   size_t n)
{
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    ring_copy_out(buf, intf->req, idx_read(&intf->req_cons), n);
}

/* How many bytes to take next.  A message that fits in the ring is taken
 * whole, so the bytes left in the ring always start at a message boundary
 * (a restarted xenstored resumes there).  `have` is what the framer holds
 * of the current message and `total` its size once the header is known.
 * Returns 0 to wait for more. */
size_t ring_take(struct xenstore_domain_interface *intf, size_t avail,
                 size_t have, size_t total)
{
    struct xsd_sockmsg h;
    if (have) /* inside a message larger than the ring: stream it */
        return avail < total - have ? avail : total - have;
    if (avail < sizeof(h))
        return 0;
    ring_peek_req(intf, (char *)&h, sizeof(h));
    if (h.len > XENSTORE_PAYLOAD_MAX)
        return sizeof(h); /* let the framer reject it */
    total = sizeof(h) + h.len;
    if (total > XENSTORE_RING_SIZE)
        return avail < total ? avail : total;
    return avail < total ? 0 : total;
}

int ring_read_req(struct xenstore_domain_interface *intf, char *buf,
                  size_t cap, size_t *got)
{
    XENSTORE_RING_IDX cons = idx_read(&intf->req_cons);
    XENSTORE_RING_IDX prod = idx_read(&intf->req_prod);
    XENSTORE_RING_IDX avail = prod - cons;
    size_t n;

    *got = 0;
    __atomic_thread_fence(__ATOMIC_ACQUIRE); /* indexes before data */
    if (avail > XENSTORE_RING_SIZE)
        return XS_RING_BAD;
    n = avail < cap ? avail : cap;
    ring_copy_out(buf, intf->req, cons, n);
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* data read before release */
    idx_write(&intf->req_cons, cons + (XENSTORE_RING_IDX)n);
    *got = n;
    return XS_RING_OK;
}

int ring_write_rsp(struct xenstore_domain_interface *intf, const char *buf,
                   size_t len, size_t *put)
{
    XENSTORE_RING_IDX cons = idx_read(&intf->rsp_cons);
    XENSTORE_RING_IDX prod = idx_read(&intf->rsp_prod);
    XENSTORE_RING_IDX used = prod - cons;
    size_t space, n;

    *put = 0;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    if (used > XENSTORE_RING_SIZE)
        return XS_RING_BAD;
    space = XENSTORE_RING_SIZE - used;
    n = len < space ? len : space;
    ring_copy_in(intf->rsp, prod, buf, n);
    __atomic_thread_fence(__ATOMIC_RELEASE); /* data before index */
    idx_write(&intf->rsp_prod, prod + (XENSTORE_RING_IDX)n);
    *put = n;
    return XS_RING_OK;
}
