/* libFuzzer target: the xenstore wire protocol.  Bytes are framed exactly
 * as a socket client's would be and dispatched to the pure core as dom0,
 * as an unprivileged domain, over the read-only socket or as domain 1's
 * identified backend (chosen by the request id).  Every input starts from a fresh store and must free every
 * allocation. */
#include "xs_core.h"

#include <stdlib.h>
#include <string.h>

static void drain(struct xs_conn *c)
{
    const char *d;
    size_t n;
    while ((n = conn_peek_out(c, &d)) > 0)
        conn_consume_out(c, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct xs_framer fr;
    struct xs_core core;
    struct xs_conn *conns[4];
    size_t off = 0;

    if (xs_core_init(&core))
        return 0;
    tree_init(&core);
    conns[0] = conn_new(&core, 0, false, NULL, NULL);
    conns[1] = conn_new(&core, 1, false, NULL, NULL);
    conns[2] = conn_new(&core, 0, true, NULL, NULL);
    conns[3] = conn_new(&core, 0, false, NULL, NULL);
    if (ident_authorise(&core, 1, "fuzz-token-0123456789") ||
        ident_identify(conns[3], "fuzz-token-0123456789"))
        abort();
    framer_reset(&fr);
    while (off < size) {
        size_t used;
        int rc = framer_feed(&fr, (const char *)data + off, size - off, &used);
        off += used;
        if (rc < 0)
            break;
        if (rc == XS_FRAME_DONE) {
            struct xs_conn *c = conns[fr.hdr.req_id % 4];
            xs_core_request(&core, c, &fr.hdr, fr.body);
            for (int i = 0; i < 4; i++)
                drain(conns[i]);
        }
    }
    xs_core_destroy(&core);
    if (xs_live_allocs != 0)
        abort(); /* a leak */
    return 0;
}
