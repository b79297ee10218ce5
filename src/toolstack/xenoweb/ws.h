/* RFC 6455 WebSocket framing for xenoweb: a pure parser of client frames
 * (masked, possibly fragmented, with interleaved control frames), the
 * header of server frames, and the handshake's accept key.  Nothing here
 * does I/O, so the parser is unit-tested and fuzzed on its own. */
#ifndef XENOWEB_WS_H
#define XENOWEB_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ws_opcode {
    WS_CONT = 0x0, WS_TEXT = 0x1, WS_BINARY = 0x2,
    WS_CLOSE = 0x8, WS_PING = 0x9, WS_PONG = 0xa,
};

/* Close codes we send. */
enum ws_close {
    WS_CLOSE_NORMAL = 1000, WS_CLOSE_GOING_AWAY = 1001,
    WS_CLOSE_PROTOCOL = 1002, WS_CLOSE_POLICY = 1008,
    WS_CLOSE_TOO_BIG = 1009,
};

#define WS_MAX_HEADER 14        /* 2 + 8 (length) + 4 (mask) */
#define WS_MAX_CONTROL 125

struct ws_frame {
    bool fin;
    uint8_t opcode;
    uint64_t len;               /* payload length */
    uint8_t mask[4];
    size_t header_len;
};

/* One frame header from a client.  Returns the header length when the
 * whole frame (header + payload) is in buf, 0 when more bytes are needed,
 * -EPROTO when malformed (reserved bits, unknown opcode, unmasked, a
 * control frame that is fragmented or longer than 125, a non-minimal or
 * 2^63+ length) and -EMSGSIZE when the payload is longer than max. */
int ws_parse_header(const uint8_t *buf, size_t len, uint64_t max,
                    struct ws_frame *f);

void ws_unmask(uint8_t *p, size_t n, const uint8_t mask[4]);

/* The header of an unmasked server frame (fin set); returns its length
 * (2, 4 or 10). */
size_t ws_server_header(uint8_t out[10], uint8_t opcode, uint64_t len);

/* Reassembly of messages from a stream of client frames. */
struct ws_msg_cb {
    /* A complete data message (WS_TEXT or WS_BINARY) or a control frame;
     * return nonzero to stop (it becomes ws_feed's result). */
    int (*on_msg)(void *ctx, uint8_t opcode, const uint8_t *data, size_t len);
    void *ctx;
};

struct ws_reader {
    uint8_t *in;                /* unparsed bytes, capacity in_cap */
    size_t in_len, in_cap;
    uint8_t *msg;               /* the message being reassembled */
    size_t msg_len, msg_cap;    /* msg_cap: the largest message accepted */
    uint8_t msg_op;             /* 0: none in progress */
};

/* Buffers are the caller's: in of in_cap bytes (>= msg_cap + header),
 * msg of msg_cap bytes. */
void ws_reader_init(struct ws_reader *r, uint8_t *in, size_t in_cap,
                    uint8_t *msg, size_t msg_cap);
/* Space to read into: in + in_len, in_cap - in_len bytes; then call
 * ws_feed(r, n, cb) with the number read.  Returns 0, a callback's
 * nonzero result, or a close code (WS_CLOSE_PROTOCOL, WS_CLOSE_TOO_BIG)
 * after which the connection must be closed. */
int ws_feed(struct ws_reader *r, size_t n, const struct ws_msg_cb *cb);

/* Sec-WebSocket-Accept for a client's Sec-WebSocket-Key: 28 chars + NUL.
 * -EINVAL when the key is not 24 base64 characters. */
int ws_accept_key(const char *key, char out[29]);

#endif
