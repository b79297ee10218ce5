/* Kernel payload decompression: xz, zstd, gzip, lz4 (frame and the legacy
 * format Linux uses), detected by magic, output capped. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lz4.h>
#include <lz4frame.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "loader/loader_int.h"

/* xz dictionaries of real kernels are a few MiB; refuse absurd ones. */
#define XZ_MEMLIMIT (256ULL << 20)

/* Output grows by doubling from this. */
#define OUT_CHUNK (64u << 10)

/* Growable output buffer that refuses to exceed its cap. */
struct outbuf {
    uint8_t *data;
    size_t len;
    size_t cap;     /* allocated */
    size_t max;     /* hard limit */
};

/* Makes room for at least `want` more bytes (fewer if the limit is near).
 * Returns the free space, 0 when the limit is reached, -ENOMEM. */
static long outbuf_reserve(struct outbuf *o, size_t want)
{
    if (o->cap - o->len >= want || o->cap == o->max)
        return (long)(o->cap - o->len);
    size_t ncap = o->cap ? o->cap : OUT_CHUNK;
    while (ncap - o->len < want && ncap < o->max)
        ncap = ncap > o->max / 2 ? o->max : ncap * 2;
    if (ncap > o->max)
        ncap = o->max;
    uint8_t *p = realloc(o->data, ncap ? ncap : 1);
    if (!p)
        return -ENOMEM;
    o->data = p;
    o->cap = ncap;
    return (long)(o->cap - o->len);
}

static int too_big(size_t max, const char *fmt, char *err, size_t errlen)
{
    return loader_fail(err, errlen, -EFBIG,
                       "%s kernel payload decompresses to more than %llu MiB",
                       fmt, (unsigned long long)(max / MIB));
}

/* Free output space for the next step: > 0, or a negative errno with the
 * reason written (-EFBIG once the cap is reached). */
static long outbuf_next(struct outbuf *o, const char *fmt, char *err, size_t errlen)
{
    long room = outbuf_reserve(o, OUT_CHUNK);
    if (room == 0)
        return too_big(o->max, fmt, err, errlen);
    return room;
}

static int unxz(const uint8_t *in, size_t in_len, struct outbuf *o,
                char *err, size_t errlen)
{
    lzma_stream s = LZMA_STREAM_INIT;
    int rc = 0;
    if (lzma_stream_decoder(&s, XZ_MEMLIMIT, 0) != LZMA_OK)
        return loader_fail(err, errlen, -ENOMEM, "xz: decoder init failed");
    s.next_in = in;
    s.avail_in = in_len;
    for (;;) {
        long room = outbuf_next(o, "xz", err, errlen);
        if (room < 0) { rc = (int)room; break; }
        s.next_out = o->data + o->len;
        s.avail_out = (size_t)room;
        lzma_ret r = lzma_code(&s, LZMA_FINISH);
        o->len += (size_t)room - s.avail_out;
        if (r == LZMA_STREAM_END)
            break;
        if (r == LZMA_OK)
            continue;
        rc = loader_fail(err, errlen, -EINVAL, "xz: %s kernel payload",
                         r == LZMA_BUF_ERROR ? "truncated" : "corrupt");
        break;
    }
    lzma_end(&s);
    return rc;
}

static int unzstd(const uint8_t *in, size_t in_len, struct outbuf *o,
                  char *err, size_t errlen)
{
    ZSTD_DStream *d = ZSTD_createDStream();
    ZSTD_inBuffer ib = { in, in_len, 0 };
    int rc = 0;
    if (!d)
        return loader_fail(err, errlen, -ENOMEM, "zstd: decoder init failed");
    /* Linux compresses with zstd -22 --ultra: a 128 MiB window. */
    ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, 27);
    for (;;) {
        long room = outbuf_next(o, "zstd", err, errlen);
        if (room < 0) { rc = (int)room; break; }
        ZSTD_outBuffer ob = { o->data + o->len, (size_t)room, 0 };
        size_t r = ZSTD_decompressStream(d, &ob, &ib);
        o->len += ob.pos;
        if (ZSTD_isError(r)) {
            rc = loader_fail(err, errlen, -EINVAL, "zstd: corrupt kernel payload (%s)",
                             ZSTD_getErrorName(r));
            break;
        }
        if (r == 0)
            break;      /* end of frame; Linux appends a size word after it */
        if (ib.pos == ib.size && ob.pos < ob.size) {
            rc = loader_fail(err, errlen, -EINVAL, "zstd: truncated kernel payload");
            break;
        }
    }
    ZSTD_freeDStream(d);
    return rc;
}

static int ungzip(const uint8_t *in, size_t in_len, struct outbuf *o,
                  char *err, size_t errlen)
{
    z_stream s;
    int rc = 0;
    memset(&s, 0, sizeof(s));
    if (inflateInit2(&s, 16 + MAX_WBITS) != Z_OK)
        return loader_fail(err, errlen, -ENOMEM, "gzip: decoder init failed");
    size_t consumed = 0;
    for (;;) {
        long room = outbuf_next(o, "gzip", err, errlen);
        if (room < 0) { rc = (int)room; break; }
        /* zlib counts in uInt: feed at most 1 GiB at a time. */
        size_t chunk = in_len - consumed > (1u << 30) ? (1u << 30) : in_len - consumed;
        size_t ochunk = (size_t)room > (1u << 30) ? (1u << 30) : (size_t)room;
        s.next_in = (Bytef *)(uintptr_t)(in + consumed);
        s.avail_in = (uInt)chunk;
        s.next_out = o->data + o->len;
        s.avail_out = (uInt)ochunk;
        int r = inflate(&s, Z_NO_FLUSH);
        consumed += chunk - s.avail_in;
        o->len += ochunk - s.avail_out;
        if (r == Z_STREAM_END)
            break;
        if (r == Z_OK)
            continue;
        if (r == Z_BUF_ERROR && consumed == in_len)
            rc = loader_fail(err, errlen, -EINVAL, "gzip: truncated kernel payload");
        else
            rc = loader_fail(err, errlen, -EINVAL, "gzip: corrupt kernel payload (%s)",
                             s.msg ? s.msg : "bad data");
        break;
    }
    inflateEnd(&s);
    return rc;
}

static int unlz4_frame(const uint8_t *in, size_t in_len, struct outbuf *o,
                       char *err, size_t errlen)
{
    LZ4F_dctx *d;
    int rc = 0;
    size_t pos = 0;
    if (LZ4F_isError(LZ4F_createDecompressionContext(&d, LZ4F_VERSION)))
        return loader_fail(err, errlen, -ENOMEM, "lz4: decoder init failed");
    for (;;) {
        long room = outbuf_next(o, "lz4", err, errlen);
        if (room < 0) { rc = (int)room; break; }
        size_t osz = (size_t)room, isz = in_len - pos;
        size_t r = LZ4F_decompress(d, o->data + o->len, &osz, in + pos, &isz, NULL);
        pos += isz;
        o->len += osz;
        if (LZ4F_isError(r)) {
            rc = loader_fail(err, errlen, -EINVAL, "lz4: corrupt kernel payload (%s)",
                             LZ4F_getErrorName(r));
            break;
        }
        if (r == 0)
            break;
        if (pos == in_len && osz == 0) {
            rc = loader_fail(err, errlen, -EINVAL, "lz4: truncated kernel payload");
            break;
        }
    }
    LZ4F_freeDecompressionContext(d);
    return rc;
}

#define LZ4_LEGACY_MAGIC 0x184C2102u
#define LZ4_LEGACY_BLOCK (8u << 20)     /* uncompressed bytes per block */

/* The legacy format: magic, then blocks of {le32 size, lz4 block}.  Linux's
 * build appends the uncompressed size as a final le32, and concatenated
 * archives repeat the magic. */
static int unlz4_legacy(const uint8_t *in, size_t in_len, struct outbuf *o,
                        char *err, size_t errlen)
{
    size_t pos = 4;
    while (in_len - pos >= 4) {
        uint32_t csize = get_le32(in + pos);
        if (csize == LZ4_LEGACY_MAGIC) {
            pos += 4;
            continue;
        }
        if (in_len - pos == 4)
            break;      /* the appended size word */
        pos += 4;
        if (csize == 0 || csize > (uint32_t)LZ4_compressBound(LZ4_LEGACY_BLOCK))
            return loader_fail(err, errlen, -EINVAL,
                               "lz4: corrupt kernel payload (block size %u)", csize);
        if (csize > in_len - pos)
            return loader_fail(err, errlen, -EINVAL, "lz4: truncated kernel payload");
        /* LZ4 expands at most about 255:1: do not reserve 8 MiB for a
         * small block. */
        uint64_t want = (uint64_t)csize * 255 + 16;
        long room = outbuf_reserve(o, want < LZ4_LEGACY_BLOCK ? (size_t)want
                                                              : LZ4_LEGACY_BLOCK);
        if (room < 0)
            return (int)room;
        if (room == 0)
            return too_big(o->max, "lz4", err, errlen);
        int cap = room > LZ4_LEGACY_BLOCK ? (int)LZ4_LEGACY_BLOCK : (int)room;
        int n = LZ4_decompress_safe((const char *)in + pos, (char *)o->data + o->len,
                                    (int)csize, cap);
        if (n < 0) {
            if (o->cap == o->max && cap < (int)LZ4_LEGACY_BLOCK)
                return too_big(o->max, "lz4", err, errlen);
            return loader_fail(err, errlen, -EINVAL, "lz4: corrupt kernel payload");
        }
        o->len += (size_t)n;
        pos += csize;
    }
    if (pos != in_len && in_len - pos != 4)
        return loader_fail(err, errlen, -EINVAL, "lz4: truncated kernel payload");
    return 0;
}

static int copy_plain(const uint8_t *in, size_t in_len, struct outbuf *o,
                      char *err, size_t errlen)
{
    if (in_len > o->max)
        return too_big(o->max, "uncompressed", err, errlen);
    long room = outbuf_reserve(o, in_len);
    if (room < 0)
        return (int)room;
    memcpy(o->data, in, in_len);
    o->len = in_len;
    return 0;
}

typedef int (*decomp_fn)(const uint8_t *, size_t, struct outbuf *, char *, size_t);

static const struct {
    const char *name;
    uint8_t magic[6];
    size_t magic_len;
    decomp_fn fn;
} formats[] = {
    { "xz", { 0xfd, '7', 'z', 'X', 'Z', 0 }, 6, unxz },
    { "zstd", { 0x28, 0xb5, 0x2f, 0xfd }, 4, unzstd },
    { "gzip", { 0x1f, 0x8b }, 2, ungzip },
    { "lz4", { 0x04, 0x22, 0x4d, 0x18 }, 4, unlz4_frame },
    { "lz4-legacy", { 0x02, 0x21, 0x4c, 0x18 }, 4, unlz4_legacy },
    { "none", { 0x7f, 'E', 'L', 'F' }, 4, copy_plain },
};

int kernel_decompress(const uint8_t *in, size_t in_len, size_t max_out,
                      uint8_t **out, size_t *out_len, char *err, size_t errlen)
{
    *out = NULL;
    *out_len = 0;
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
        if (in_len < formats[i].magic_len ||
            memcmp(in, formats[i].magic, formats[i].magic_len) != 0)
            continue;
        struct outbuf o = { .max = max_out };
        int rc = formats[i].fn(in, in_len, &o, err, errlen);
        if (rc == 0 && o.len == 0)
            rc = loader_fail(err, errlen, -EINVAL, "%s: empty kernel payload",
                             formats[i].name);
        if (rc < 0) {
            if (rc == -ENOMEM)
                loader_fail(err, errlen, rc, "out of memory decompressing kernel");
            free(o.data);
            return rc;
        }
        *out = o.data;
        *out_len = o.len;
        return 0;
    }
    if (in_len < 4)
        return loader_fail(err, errlen, -EINVAL, "kernel payload too short (%zu bytes)",
                           in_len);
    return loader_fail(err, errlen, -ENOTSUP,
                       "unsupported kernel compression (magic %02x %02x %02x %02x); "
                       "xeno reads xz, zstd, gzip and lz4", in[0], in[1], in[2], in[3]);
}
