/* libFuzzer target: xenoweb's WebSocket frame parser and message
 * reassembly on bytes from a browser (any bytes: the browser may be a
 * hostile client).  The first byte picks how the input is split into
 * reads, as a socket would deliver it. */
#include <stdint.h>
#include <string.h>

#include "ws.h"

static int on_msg(void *ctx, uint8_t op, const uint8_t *d, size_t n)
{
    size_t *total = ctx;
    volatile uint8_t sink = 0;
    for (size_t k = 0; k < n; k++)
        sink ^= d[k];
    (void)sink;
    *total += n + op;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t in[4096 + WS_MAX_HEADER + 64], msg[4096];
    struct ws_reader r;
    size_t total = 0;
    struct ws_msg_cb cb = { on_msg, &total };
    struct ws_frame f;
    if (size == 0)
        return 0;
    size_t step = (size_t)data[0] % 64 + 1;
    data++, size--;
    ws_parse_header(data, size, sizeof(msg), &f);
    ws_reader_init(&r, in, sizeof(in), msg, sizeof(msg));
    for (size_t off = 0; off < size;) {
        size_t room = r.in_cap - r.in_len, n = size - off;
        if (n > step)
            n = step;
        if (n > room)
            n = room;
        if (n == 0)
            break;
        memcpy(r.in + r.in_len, data + off, n);
        off += n;
        if (ws_feed(&r, n, &cb) != 0)
            break;
    }
    return 0;
}
