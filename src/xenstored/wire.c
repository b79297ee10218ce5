/* The wire format: framing a byte stream into messages, splitting payloads
 * into strings, Xen's error names. */
#include "xs_core.h"

#include <string.h>

void framer_reset(struct xs_framer *f)
{
    f->have = 0;
}

/* Consume bytes until one message is complete.  Returns XS_FRAME_DONE with
 * f->hdr/f->body filled (body NUL-terminated one past len), XS_FRAME_MORE,
 * or -E2BIG for a length beyond XENSTORE_PAYLOAD_MAX (the peer is broken). */
int framer_feed(struct xs_framer *f, const char *buf, size_t len,
                size_t *used)
{
    const size_t hl = sizeof(f->hdr);
    size_t take;

    *used = 0;
    if (f->have < hl) {
        take = hl - f->have;
        if (take > len)
            take = len;
        memcpy((char *)&f->hdr + f->have, buf, take);
        f->have += (uint32_t)take;
        *used = take;
        if (f->have < hl)
            return XS_FRAME_MORE;
        if (f->hdr.len > XENSTORE_PAYLOAD_MAX)
            return -E2BIG;
    }
    take = hl + f->hdr.len - f->have;
    if (take > len - *used)
        take = len - *used;
    memcpy(f->body + (f->have - hl), buf + *used, take);
    f->have += (uint32_t)take;
    *used += take;
    if (f->have < hl + f->hdr.len)
        return XS_FRAME_MORE;
    f->body[f->hdr.len] = 0;
    f->have = 0;
    return XS_FRAME_DONE;
}

/* Split a payload of NUL-terminated strings; an unterminated tail or more
 * than max strings is EINVAL. */
int wire_split(char *body, uint32_t len, const char **argv, uint32_t max)
{
    uint32_t n = 0, off = 0;
    while (off < len) {
        char *end = memchr(body + off, 0, len - off);
        if (!end || n == max)
            return -EINVAL;
        argv[n++] = body + off;
        off = (uint32_t)(end - body) + 1;
    }
    return (int)n;
}

const char *wire_errname(int err)
{
    if (err < 0)
        err = -err;
    for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(*xsd_errors); i++)
        if (xsd_errors[i].errnum == err)
            return xsd_errors[i].errstring;
    return "EINVAL";
}
