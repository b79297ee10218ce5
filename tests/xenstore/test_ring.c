/* Unit tests of the pure ring code: index wrap-around, masking, hostile
 * indexes, partial writes, whole-message taking. */
#include "check.h"
#include "xs_core.h"

#include <string.h>

static struct xenstore_domain_interface intf;

static void guest_put(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        intf.req[MASK_XENSTORE_IDX(intf.req_prod + i)] = p[i];
    intf.req_prod += (XENSTORE_RING_IDX)n;
}

static void test_wrap(void)
{
    char out[64];
    size_t got;
    memset(&intf, 0, sizeof(intf));
    intf.req_cons = intf.req_prod = 0xfffffff0u; /* indexes about to wrap */
    guest_put("0123456789abcdefghijklmnopqrstuv", 32);
    CHECK_EQ(ring_read_req(&intf, out, sizeof(out), &got), XS_RING_OK);
    CHECK_EQ(got, 32);
    CHECK(!memcmp(out, "0123456789abcdefghijklmnopqrstuv", 32));
    CHECK_EQ(intf.req_cons, 0x10);
    /* responses across the wrap, limited by free space */
    intf.rsp_cons = intf.rsp_prod = 0xfffffffcu;
    {
        static char big[2000];
        size_t put;
        memset(big, 'r', sizeof(big));
        CHECK_EQ(ring_write_rsp(&intf, big, sizeof(big), &put), XS_RING_OK);
        CHECK_EQ(put, XENSTORE_RING_SIZE);
        CHECK_EQ(ring_write_rsp(&intf, big, 10, &put), XS_RING_OK);
        CHECK_EQ(put, 0); /* full */
        intf.rsp_cons += 100;
        CHECK_EQ(ring_write_rsp(&intf, big, 1000, &put), XS_RING_OK);
        CHECK_EQ(put, 100);
    }
}

static void test_hostile(void)
{
    char out[64];
    size_t got, put, avail;
    memset(&intf, 0, sizeof(intf));
    intf.req_prod = XENSTORE_RING_SIZE + 1;
    CHECK_EQ(ring_read_req(&intf, out, sizeof(out), &got), XS_RING_BAD);
    CHECK_EQ(got, 0);
    CHECK_EQ(ring_req_avail(&intf, &avail), XS_RING_BAD);
    intf.req_prod = 0;
    intf.req_cons = 5; /* consumer ahead of producer: huge distance */
    CHECK_EQ(ring_read_req(&intf, out, sizeof(out), &got), XS_RING_BAD);
    intf.rsp_cons = 0;
    intf.rsp_prod = 5000;
    CHECK_EQ(ring_write_rsp(&intf, "x", 1, &put), XS_RING_BAD);
    intf.rsp_prod = 0;
    intf.rsp_cons = 1; /* guest claims to have consumed unsent bytes */
    CHECK_EQ(ring_write_rsp(&intf, "x", 1, &put), XS_RING_BAD);
}

static void test_take(void)
{
    struct xsd_sockmsg h = { XS_READ, 1, 0, 100 };
    size_t avail;
    char body[100] = { 0 };
    memset(&intf, 0, sizeof(intf));
    CHECK_EQ(ring_take(&intf, 0, 0, 0), 0);
    guest_put((char *)&h, 10);
    ring_req_avail(&intf, &avail);
    CHECK_EQ(ring_take(&intf, avail, 0, 0), 0); /* half a header: wait */
    guest_put((char *)&h + 10, sizeof(h) - 10);
    guest_put(body, 50);
    ring_req_avail(&intf, &avail);
    CHECK_EQ(ring_take(&intf, avail, 0, 0), 0); /* half a message: wait */
    guest_put(body + 50, 50);
    ring_req_avail(&intf, &avail);
    CHECK_EQ(ring_take(&intf, avail, 0, 0), sizeof(h) + 100);
    /* a message larger than the ring is streamed */
    memset(&intf, 0, sizeof(intf));
    h.len = 3000;
    guest_put((char *)&h, sizeof(h));
    guest_put(body, 100);
    ring_req_avail(&intf, &avail);
    CHECK_EQ(ring_take(&intf, avail, 0, 0), sizeof(h) + 100);
    CHECK_EQ(ring_take(&intf, 500, 116, sizeof(h) + 3000), 500);
    CHECK_EQ(ring_take(&intf, 1024, 3000, sizeof(h) + 3000), 16);
    /* an impossible length is handed to the framer to reject */
    memset(&intf, 0, sizeof(intf));
    h.len = 100000;
    guest_put((char *)&h, sizeof(h));
    ring_req_avail(&intf, &avail);
    CHECK_EQ(ring_take(&intf, avail, 0, 0), sizeof(h));
}

static void test_framer(void)
{
    static struct xs_framer f;
    struct xsd_sockmsg h = { XS_WRITE, 9, 0, 5 };
    char buf[64];
    size_t used;
    memcpy(buf, &h, sizeof(h));
    memcpy(buf + sizeof(h), "/a\0bc", 5);
    framer_reset(&f);
    CHECK_EQ(framer_feed(&f, buf, 7, &used), XS_FRAME_MORE);
    CHECK_EQ(used, 7);
    CHECK_EQ(framer_feed(&f, buf + 7, sizeof(h) + 5 - 7, &used),
             XS_FRAME_DONE);
    CHECK_EQ(f.hdr.req_id, 9);
    CHECK(!memcmp(f.body, "/a\0bc", 5));
    CHECK_EQ(f.body[5], 0);
    h.len = XENSTORE_PAYLOAD_MAX + 1;
    CHECK_EQ(framer_feed(&f, (char *)&h, sizeof(h), &used), -E2BIG);
}

int main(void)
{
    test_wrap();
    test_hostile();
    test_take();
    test_framer();
    return check_done("xenstore ring");
}
