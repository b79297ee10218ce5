/* RFC 6455 framing: client frame headers, message reassembly, server
 * headers and the handshake key.  See ws.h. */
#include <errno.h>
#include <nettle/sha1.h>
#include <string.h>

#include "ws.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

static bool known_opcode(uint8_t op)
{
    return op == WS_CONT || op == WS_TEXT || op == WS_BINARY ||
           op == WS_CLOSE || op == WS_PING || op == WS_PONG;
}

/* The 7-bit length and its 16- or 64-bit extensions; minimal forms only. */
static int parse_length(const uint8_t *buf, size_t len, uint64_t *out,
                        size_t *pos)
{
    uint8_t l7 = buf[1] & 0x7f;
    if (l7 < 126) {
        *out = l7;
        return 0;
    }
    size_t ext = l7 == 126 ? 2 : 8;
    if (len < 2 + ext)
        return 1;
    uint64_t v = 0;
    for (size_t k = 0; k < ext; k++)
        v = (v << 8) | buf[2 + k];
    if ((ext == 2 && v < 126) || (ext == 8 && (v <= 0xffff || v >> 63)))
        return -EPROTO;
    *out = v;
    *pos = 2 + ext;
    return 0;
}

int ws_parse_header(const uint8_t *buf, size_t len, uint64_t max,
                    struct ws_frame *f)
{
    if (len < 2)
        return 0;
    f->fin = buf[0] & 0x80;
    f->opcode = buf[0] & 0x0f;
    if ((buf[0] & 0x70) || !known_opcode(f->opcode) || !(buf[1] & 0x80))
        return -EPROTO;
    size_t pos = 2;
    int r = parse_length(buf, len, &f->len, &pos);
    if (r != 0)
        return r < 0 ? r : 0;
    if ((f->opcode & 0x8) && (!f->fin || f->len > WS_MAX_CONTROL))
        return -EPROTO;
    if (f->len > max)
        return -EMSGSIZE;
    if (len < pos + 4)
        return 0;
    memcpy(f->mask, buf + pos, 4);
    f->header_len = pos + 4;
    if (len - f->header_len < f->len)
        return 0;
    return (int)f->header_len;
}

void ws_unmask(uint8_t *p, size_t n, const uint8_t mask[4])
{
    for (size_t k = 0; k < n; k++)
        p[k] ^= mask[k & 3];
}

size_t ws_server_header(uint8_t out[10], uint8_t opcode, uint64_t len)
{
    out[0] = 0x80 | (opcode & 0x0f);
    if (len < 126) {
        out[1] = (uint8_t)len;
        return 2;
    }
    if (len <= 0xffff) {
        out[1] = 126;
        out[2] = (uint8_t)(len >> 8);
        out[3] = (uint8_t)len;
        return 4;
    }
    out[1] = 127;
    for (int k = 0; k < 8; k++)
        out[2 + k] = (uint8_t)(len >> (56 - 8 * k));
    return 10;
}

void ws_reader_init(struct ws_reader *r, uint8_t *in, size_t in_cap,
                    uint8_t *msg, size_t msg_cap)
{
    *r = (struct ws_reader){ .in = in, .in_cap = in_cap, .msg = msg,
                             .msg_cap = msg_cap };
}

/* A data frame: start, continue or finish the message in progress. */
static int data_frame(struct ws_reader *r, const struct ws_frame *f,
                      const uint8_t *p, const struct ws_msg_cb *cb)
{
    if ((f->opcode == WS_CONT) != (r->msg_op != 0))
        return WS_CLOSE_PROTOCOL;   /* continuation of nothing, or a new
                                       message inside one */
    if (f->len > r->msg_cap - r->msg_len)
        return WS_CLOSE_TOO_BIG;
    if (f->opcode != WS_CONT)
        r->msg_op = f->opcode;
    memcpy(r->msg + r->msg_len, p, (size_t)f->len);
    r->msg_len += (size_t)f->len;
    if (!f->fin)
        return 0;
    uint8_t op = r->msg_op;
    size_t n = r->msg_len;
    r->msg_op = 0;
    r->msg_len = 0;
    return cb->on_msg(cb->ctx, op, r->msg, n);
}

static int one_frame(struct ws_reader *r, const struct ws_msg_cb *cb,
                     size_t *used)
{
    struct ws_frame f;
    int h = ws_parse_header(r->in, r->in_len, r->msg_cap, &f);
    if (h == -EMSGSIZE)
        return WS_CLOSE_TOO_BIG;
    if (h < 0)
        return WS_CLOSE_PROTOCOL;
    if (h == 0)
        return r->in_len >= r->in_cap ? WS_CLOSE_TOO_BIG : -EAGAIN;
    uint8_t *p = r->in + h;
    ws_unmask(p, (size_t)f.len, f.mask);
    *used = (size_t)h + (size_t)f.len;
    if (f.opcode & 0x8)
        return cb->on_msg(cb->ctx, f.opcode, p, (size_t)f.len);
    return data_frame(r, &f, p, cb);
}

int ws_feed(struct ws_reader *r, size_t n, const struct ws_msg_cb *cb)
{
    r->in_len += n;
    for (;;) {
        size_t used = 0;
        int rc = one_frame(r, cb, &used);
        if (rc == -EAGAIN)
            return 0;
        if (used) {
            memmove(r->in, r->in + used, r->in_len - used);
            r->in_len -= used;
        }
        if (rc != 0)
            return rc;
    }
}

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void base64(const uint8_t *in, size_t n, char *out)
{
    size_t o = 0;
    for (size_t k = 0; k < n; k += 3) {
        uint32_t v = (uint32_t)in[k] << 16;
        if (k + 1 < n)
            v |= (uint32_t)in[k + 1] << 8;
        if (k + 2 < n)
            v |= in[k + 2];
        out[o++] = b64[(v >> 18) & 63];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = k + 1 < n ? b64[(v >> 6) & 63] : '=';
        out[o++] = k + 2 < n ? b64[v & 63] : '=';
    }
    out[o] = '\0';
}

int ws_accept_key(const char *key, char out[29])
{
    size_t n = key ? strlen(key) : 0;
    if (n != 24 || key[22] != '=' || key[23] != '=' ||
        strspn(key, b64) != 22)
        return -EINVAL;
    struct sha1_ctx c;
    uint8_t d[SHA1_DIGEST_SIZE];
    sha1_init(&c);
    sha1_update(&c, n, (const uint8_t *)key);
    sha1_update(&c, strlen(WS_GUID), (const uint8_t *)WS_GUID);
    sha1_digest(&c, sizeof(d), d);
    base64(d, sizeof(d), out);
    return 0;
}
