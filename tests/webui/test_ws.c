/* Unit tests of xenoweb's pure parts: WebSocket framing and the request
 * guards. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "guard.h"
#include "ws.h"

static int failures;
#define CHECK(c) do { if (!(c)) { failures++; \
    fprintf(stderr, "%s:%d: FAIL %s\n", __FILE__, __LINE__, #c); } } while (0)

/* A masked client frame of payload (mask 0x11223344) into out. */
static size_t client_frame(uint8_t *out, uint8_t b0, const char *p, size_t n)
{
    static const uint8_t mask[4] = { 0x11, 0x22, 0x33, 0x44 };
    size_t h = 2;
    out[0] = b0;
    if (n < 126) {
        out[1] = (uint8_t)(0x80 | n);
    } else {
        out[1] = 0x80 | 126;
        out[2] = (uint8_t)(n >> 8);
        out[3] = (uint8_t)n;
        h = 4;
    }
    memcpy(out + h, mask, 4);
    for (size_t k = 0; k < n; k++)
        out[h + 4 + k] = (uint8_t)p[k] ^ mask[k & 3];
    return h + 4 + n;
}

struct got { int n; uint8_t op[8]; char data[8][300]; };

static int record(void *ctx, uint8_t op, const uint8_t *d, size_t n)
{
    struct got *g = ctx;
    if (g->n < 8 && n < 300) {
        g->op[g->n] = op;
        memcpy(g->data[g->n], d, n);
        g->data[g->n][n] = '\0';
    }
    g->n++;
    return 0;
}

static uint8_t in[512], msg[256];

static int feed(struct ws_reader *r, const uint8_t *b, size_t n, struct got *g)
{
    struct ws_msg_cb cb = { record, g };
    memcpy(r->in + r->in_len, b, n);
    return ws_feed(r, n, &cb);
}

static void test_headers(void)
{
    struct ws_frame f;
    uint8_t b[300];
    size_t n = client_frame(b, 0x82, "hello", 5);
    CHECK(ws_parse_header(b, 1, 100, &f) == 0);
    CHECK(ws_parse_header(b, n - 1, 100, &f) == 0);     /* payload short */
    CHECK(ws_parse_header(b, n, 100, &f) == 6 && f.len == 5 && f.fin &&
          f.opcode == WS_BINARY);
    CHECK(ws_parse_header(b, n, 4, &f) == -EMSGSIZE);
    b[1] &= 0x7f;                                       /* unmasked */
    CHECK(ws_parse_header(b, n, 100, &f) == -EPROTO);
    uint8_t rsv[] = { 0xc2, 0x80, 0, 0, 0, 0 };
    CHECK(ws_parse_header(rsv, sizeof(rsv), 100, &f) == -EPROTO);
    uint8_t badop[] = { 0x83, 0x80, 0, 0, 0, 0 };
    CHECK(ws_parse_header(badop, sizeof(badop), 100, &f) == -EPROTO);
    uint8_t fragping[] = { 0x09, 0x80, 0, 0, 0, 0 };
    CHECK(ws_parse_header(fragping, sizeof(fragping), 100, &f) == -EPROTO);
    uint8_t bigping[] = { 0x89, 0x80 | 126, 0, 200, 0, 0, 0, 0 };
    CHECK(ws_parse_header(bigping, sizeof(bigping), 1000, &f) == -EPROTO);
    uint8_t nonmin[] = { 0x82, 0x80 | 126, 0, 5, 0, 0, 0, 0 };
    CHECK(ws_parse_header(nonmin, sizeof(nonmin), 1000, &f) == -EPROTO);
    uint8_t huge[] = { 0x82, 0x80 | 127, 0x80, 0, 0, 0, 0, 0, 0, 0 };
    CHECK(ws_parse_header(huge, sizeof(huge), 1000, &f) == -EPROTO);
    uint8_t len64[] = { 0x82, 0x80 | 127, 0, 0, 0, 0, 0, 1, 0, 0 };
    CHECK(ws_parse_header(len64, sizeof(len64), 1000, &f) == -EMSGSIZE);
    n = client_frame(b, 0x82, (const char *)memset(msg, 'a', 200), 200);
    CHECK(ws_parse_header(b, n, 1000, &f) == 8 && f.len == 200);
}

static void test_reassembly(void)
{
    struct ws_reader r;
    struct got g = { 0 };
    uint8_t b[600];
    ws_reader_init(&r, in, sizeof(in), msg, sizeof(msg));
    size_t n = client_frame(b, 0x01, "hel", 3);         /* text, not fin */
    n += client_frame(b + n, 0x89, "pi", 2);            /* ping between */
    n += client_frame(b + n, 0x80, "lo", 2);            /* continuation */
    CHECK(feed(&r, b, n, &g) == 0);
    CHECK(g.n == 2 && g.op[0] == WS_PING && strcmp(g.data[0], "pi") == 0 &&
          g.op[1] == WS_TEXT && strcmp(g.data[1], "hello") == 0);
    /* byte by byte */
    g.n = 0;
    n = client_frame(b, 0x82, "xyz", 3);
    for (size_t k = 0; k < n; k++)
        CHECK(feed(&r, b + k, 1, &g) == 0);
    CHECK(g.n == 1 && strcmp(g.data[0], "xyz") == 0);
    /* continuation of nothing; new message inside one */
    ws_reader_init(&r, in, sizeof(in), msg, sizeof(msg));
    n = client_frame(b, 0x80, "x", 1);
    CHECK(feed(&r, b, n, &g) == WS_CLOSE_PROTOCOL);
    ws_reader_init(&r, in, sizeof(in), msg, sizeof(msg));
    n = client_frame(b, 0x02, "x", 1);
    n += client_frame(b + n, 0x82, "y", 1);
    CHECK(feed(&r, b, n, &g) == WS_CLOSE_PROTOCOL);
    /* a message over msg_cap in fragments */
    ws_reader_init(&r, in, sizeof(in), msg, sizeof(msg));
    memset(b + 300, 'q', 200);
    n = client_frame(b, 0x02, (const char *)b + 300, 200);
    CHECK(feed(&r, b, n, &g) == 0);
    n = client_frame(b, 0x80, (const char *)b + 300, 200);
    CHECK(feed(&r, b, n, &g) == WS_CLOSE_TOO_BIG);
}

static void test_server_header(void)
{
    uint8_t h[10];
    CHECK(ws_server_header(h, WS_BINARY, 5) == 2 && h[0] == 0x82 && h[1] == 5);
    CHECK(ws_server_header(h, WS_TEXT, 300) == 4 && h[1] == 126 &&
          h[2] == 1 && h[3] == 44);
    CHECK(ws_server_header(h, WS_BINARY, 70000) == 10 && h[1] == 127 &&
          h[7] == 1 && h[8] == 0x11 && h[9] == 0x70);
}

static void test_accept(void)
{
    char out[29];
    /* RFC 6455 section 1.3 */
    CHECK(ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", out) == 0 &&
          strcmp(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") == 0);
    CHECK(ws_accept_key("short", out) == -EINVAL);
    CHECK(ws_accept_key(NULL, out) == -EINVAL);
    CHECK(ws_accept_key("dGhlIHNhbXBsZSBub25jZQ=x", out) == -EINVAL);
}

static void test_guards(void)
{
    CHECK(guard_host_ok("127.0.0.1:8080", 8080));
    CHECK(guard_host_ok("localhost:8080", 8080));
    CHECK(guard_host_ok("[::1]:8080", 8080));
    CHECK(!guard_host_ok("127.0.0.1", 8080));
    CHECK(!guard_host_ok("127.0.0.1:8081", 8080));
    CHECK(!guard_host_ok("evil.example:8080", 8080));
    CHECK(!guard_host_ok("localhost.evil.example:8080", 8080));
    CHECK(!guard_host_ok("127.0.0.1:8080.evil", 8080));
    CHECK(!guard_host_ok(NULL, 8080));
    CHECK(guard_host_ok("localhost", 80));
    CHECK(guard_origin_ok("http://127.0.0.1:8080", 8080));
    CHECK(!guard_origin_ok("https://127.0.0.1:8080", 8080));
    CHECK(!guard_origin_ok("http://evil.example", 8080));
    CHECK(!guard_origin_ok("null", 8080));
    CHECK(!guard_origin_ok(NULL, 8080));
    char v[70];
    CHECK(guard_cookie("a=1; xenoweb_session=abc; b=2", "xenoweb_session", v, sizeof(v)) &&
          strcmp(v, "abc") == 0);
    CHECK(!guard_cookie("xxenoweb_session=abc", "xenoweb_session", v, sizeof(v)));
    CHECK(!guard_cookie("xenoweb_session=", "xenoweb_session", v, sizeof(v)));
    CHECK(!guard_cookie("xenoweb_session=0123456789", "xenoweb_session", v, 5));
    CHECK(guard_token_eq("abc", "abc") && !guard_token_eq("abc", "abd") &&
          !guard_token_eq("abc", "ab") && !guard_token_eq("", ""));
    CHECK(guard_json_type("application/json") &&
          guard_json_type("application/json; charset=utf-8") &&
          !guard_json_type("application/jsonx") && !guard_json_type("text/plain") &&
          !guard_json_type(NULL));
}

int main(void)
{
    test_headers();
    test_reassembly();
    test_server_header();
    test_accept();
    test_guards();
    if (failures)
        fprintf(stderr, "%d failures\n", failures);
    else
        printf("xenoweb unit tests passed\n");
    return failures != 0;
}
