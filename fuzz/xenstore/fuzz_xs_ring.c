/* libFuzzer target: the server side of a guest's xenstore ring.  The input
 * is the guest-controlled page (indexes included) followed by a script of
 * guest actions: each byte either advances rsp_cons (the guest consuming
 * replies) or rewrites an index.  The server reads requests, frames them,
 * dispatches them as domain 1 and writes replies, as the daemon does. */
#include "xs_core.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void serve(struct xs_core *core, struct xs_conn *conn,
                  struct xenstore_domain_interface *intf,
                  struct xs_framer *fr)
{
    char buf[XENSTORE_RING_SIZE];
    size_t avail, take, got, used, off = 0, put;
    const char *d;
    size_t n;

    if (ring_req_avail(intf, &avail))
        return;
    take = ring_take(intf, avail, fr->have, sizeof(fr->hdr) + fr->hdr.len);
    if (take > sizeof(buf))
        take = sizeof(buf);
    if (ring_read_req(intf, buf, take, &got))
        return;
    while (off < got) {
        int rc = framer_feed(fr, buf + off, got - off, &used);
        off += used;
        if (rc < 0)
            return;
        if (rc == XS_FRAME_DONE)
            xs_core_request(core, conn, &fr->hdr, fr->body);
    }
    while ((n = conn_peek_out(conn, &d)) > 0) {
        if (ring_write_rsp(intf, d, n, &put) || !put)
            break;
        conn_consume_out(conn, put);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct xenstore_domain_interface intf;
    static struct xs_framer fr;
    struct xs_core core;
    struct xs_conn *conn;
    size_t off = sizeof(intf);

    if (size < sizeof(intf))
        return 0;
    memcpy(&intf, data, sizeof(intf));
    if (xs_core_init(&core))
        return 0;
    tree_init(&core);
    conn = conn_new(&core, 1, false, NULL, NULL);
    framer_reset(&fr);
    serve(&core, conn, &intf, &fr);
    for (; off < size; off++) {
        uint8_t op = data[off];
        if (op < 0xf0)
            intf.rsp_cons += op;            /* guest consumed replies */
        else if (op == 0xf0 && off + 4 < size) {
            memcpy(&intf.req_prod, data + off + 1, 4); /* hostile index */
            off += 4;
        } else if (op == 0xf1 && off + 4 < size) {
            memcpy(&intf.rsp_cons, data + off + 1, 4);
            off += 4;
        }
        serve(&core, conn, &intf, &fr);
    }
    xs_core_destroy(&core);
    if (xs_live_allocs != 0)
        abort();
    return 0;
}
