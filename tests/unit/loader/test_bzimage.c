/* bzImage payloads with every compression Linux may use, and broken ones. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <lz4.h>
#include <lz4frame.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "check.h"
#include "loader_test_util.h"

static char err[256];

static uint8_t *xz(const uint8_t *in, size_t len, size_t *out_len)
{
    size_t cap = len + len / 2 + 4096, pos = 0;
    uint8_t *out = malloc(cap);
    lzma_ret r = lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, in, len, out,
                                         &pos, cap);
    CHECK_EQ(r, LZMA_OK);
    *out_len = pos;
    return out;
}

static uint8_t *zst(const uint8_t *in, size_t len, size_t *out_len)
{
    size_t cap = ZSTD_compressBound(len);
    uint8_t *out = malloc(cap);
    *out_len = ZSTD_compress(out, cap, in, len, 19);
    CHECK(!ZSTD_isError(*out_len));
    return out;
}

static uint8_t *gz(const uint8_t *in, size_t len, size_t *out_len)
{
    z_stream s;
    memset(&s, 0, sizeof(s));
    CHECK_EQ(deflateInit2(&s, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&s, len);
    uint8_t *out = malloc(cap);
    s.next_in = (Bytef *)(uintptr_t)in;
    s.avail_in = (uInt)len;
    s.next_out = out;
    s.avail_out = (uInt)cap;
    CHECK_EQ(deflate(&s, Z_FINISH), Z_STREAM_END);
    *out_len = s.total_out;
    deflateEnd(&s);
    return out;
}

static uint8_t *lz4f(const uint8_t *in, size_t len, size_t *out_len)
{
    size_t cap = LZ4F_compressFrameBound(len, NULL);
    uint8_t *out = malloc(cap);
    *out_len = LZ4F_compressFrame(out, cap, in, len, NULL);
    CHECK(!LZ4F_isError(*out_len));
    return out;
}

/* The legacy format as "lz4 -l": magic, then {le32 size, block} per 8 MiB. */
static uint8_t *lz4l(const uint8_t *in, size_t len, size_t *out_len)
{
    const size_t block = 8 << 20;
    size_t nblocks = (len + block - 1) / block;
    size_t cap = 4 + nblocks * (4 + (size_t)LZ4_compressBound((int)block));
    uint8_t *out = malloc(cap);
    uint32_t magic = 0x184C2102;
    memcpy(out, &magic, 4);
    size_t pos = 4;
    for (size_t off = 0; off < len; off += block) {
        int n = (int)(len - off < block ? len - off : block);
        int c = LZ4_compress_default((const char *)in + off, (char *)out + pos + 4, n,
                                     LZ4_compressBound(n));
        CHECK(c > 0);
        uint32_t c32 = (uint32_t)c;
        memcpy(out + pos, &c32, 4);
        pos += 4 + (size_t)c;
    }
    *out_len = pos;
    return out;
}

typedef uint8_t *(*compress_fn)(const uint8_t *, size_t, size_t *);

static const struct {
    const char *name;
    compress_fn fn;
} comps[] = {
    { "xz", xz }, { "zstd", zst }, { "gzip", gz }, { "lz4", lz4f }, { "lz4-legacy", lz4l },
};

/* Linux appends the uncompressed size (le32) after the compressed stream. */
static uint8_t *with_size(uint8_t *c, size_t *clen, size_t raw_len)
{
    c = realloc(c, *clen + 4);
    uint32_t n = (uint32_t)raw_len;
    memcpy(c + *clen, &n, 4);
    *clen += 4;
    return c;
}

static void test_boot_each(void)
{
    size_t elf_len;
    uint8_t *elf = test_elf_simple(&elf_len);
    for (size_t i = 0; i < sizeof(comps) / sizeof(comps[0]); i++) {
        size_t clen, bzlen;
        uint8_t *c = with_size(comps[i].fn(elf, elf_len, &clen), &clen, elf_len);
        uint8_t *bz = test_bzimage(c, clen, 0x020f, &bzlen);
        struct guest_ram ram = test_ram(64 * TEST_MIB, 0);
        struct boot_config cfg = { .kernel = bz, .kernel_len = bzlen, .cmdline = "x",
                                   .vcpus = 1 };
        struct boot_result res;
        int rc = boot_prepare(&ram, &cfg, &res, err, sizeof(err));
        if (rc)
            fprintf(stderr, "  %s: %s\n", comps[i].name, err);
        CHECK_EQ(rc, 0);
        CHECK_EQ(res.entry, 16 * TEST_MIB);
        CHECK_EQ(memcmp(ram.low + 16 * TEST_MIB, elf + elf_len - 0x10000, 0x10000), 0);

        uint8_t *out;
        size_t out_len;
        CHECK_EQ(bzimage_extract(bz, bzlen, &out, &out_len, err, sizeof(err)), 0);
        CHECK_EQ(out_len, elf_len);
        CHECK(out && memcmp(out, elf, elf_len) == 0);
        free(out);
        test_ram_free(&ram);
        free(bz);
        free(c);
    }
    free(elf);
}

/* Truncated and corrupted payloads fail cleanly with the format named. */
static void test_broken_payloads(void)
{
    size_t raw_len = 300000;
    uint8_t *raw = malloc(raw_len);
    for (size_t i = 0; i < raw_len; i++)
        raw[i] = (uint8_t)(i * 7 ^ i >> 9);
    for (size_t i = 0; i < sizeof(comps) / sizeof(comps[0]); i++) {
        size_t clen;
        uint8_t *c = comps[i].fn(raw, raw_len, &clen);
        uint8_t *out;
        size_t out_len;
        CHECK_EQ(kernel_decompress(c, clen, 1 << 30, &out, &out_len, err, sizeof(err)), 0);
        CHECK(out_len == raw_len && memcmp(out, raw, raw_len) == 0);
        free(out);

        int rc = kernel_decompress(c, clen / 2, 1 << 30, &out, &out_len, err, sizeof(err));
        CHECK(rc < 0);
        CHECK(out == NULL);
        CHECK(test_contains(err, "truncated") || test_contains(err, "corrupt"));
        CHECK(test_contains(err, comps[i].name[0] == 'l' ? "lz4" : comps[i].name));

        for (size_t j = clen / 3; j < clen / 3 + 64 && j < clen; j++)
            c[j] ^= 0x5a;
        rc = kernel_decompress(c, clen, 1 << 30, &out, &out_len, err, sizeof(err));
        /* A flip in a literal run may decode to other bytes without error
         * in formats without checksums; it must never match the input. */
        if (rc == 0) {
            CHECK(out_len != raw_len || memcmp(out, raw, raw_len) != 0);
            free(out);
        } else {
            CHECK(out == NULL);
        }
        free(c);
    }
    free(raw);
}

static void test_output_cap(void)
{
    size_t raw_len = 20 << 20;
    uint8_t *raw = calloc(1, raw_len);    /* compresses to almost nothing */
    for (size_t i = 0; i < sizeof(comps) / sizeof(comps[0]); i++) {
        size_t clen;
        uint8_t *c = comps[i].fn(raw, raw_len, &clen);
        uint8_t *out;
        size_t out_len;
        CHECK_EQ(kernel_decompress(c, clen, 4 << 20, &out, &out_len, err, sizeof(err)),
                 -EFBIG);
        CHECK(test_contains(err, "more than 4 MiB"));
        /* The two 8 MiB blocks + a 4 MiB block of the legacy format. */
        CHECK_EQ(kernel_decompress(c, clen, raw_len, &out, &out_len, err, sizeof(err)), 0);
        CHECK_EQ(out_len, raw_len);
        free(out);
        free(c);
    }
    free(raw);
}

static void test_bad_bzimage(void)
{
    size_t elf_len, clen, bzlen;
    uint8_t *elf = test_elf_simple(&elf_len);
    uint8_t *c = gz(elf, elf_len, &clen);
    uint8_t *out;
    size_t out_len;

    uint8_t *bz = test_bzimage(c, clen, 0x0207, &bzlen);
    CHECK_EQ(bzimage_extract(bz, bzlen, &out, &out_len, err, sizeof(err)), -ENOTSUP);
    CHECK(test_contains(err, "2.08"));
    free(bz);

    bz = test_bzimage(c, clen, 0x020f, &bzlen);
    uint32_t v = 0xfffffff0u;
    memcpy(bz + 0x248, &v, 4);
    CHECK_EQ(bzimage_extract(bz, bzlen, &out, &out_len, err, sizeof(err)), -EINVAL);
    CHECK(test_contains(err, "outside"));
    v = 0x100;
    memcpy(bz + 0x248, &v, 4);
    v = (uint32_t)clen + 1;
    memcpy(bz + 0x24c, &v, 4);
    CHECK_EQ(bzimage_extract(bz, bzlen, &out, &out_len, err, sizeof(err)), -EINVAL);
    v = 0;
    memcpy(bz + 0x24c, &v, 4);
    CHECK_EQ(bzimage_extract(bz, bzlen, &out, &out_len, err, sizeof(err)), -EINVAL);
    CHECK_EQ(bzimage_extract(bz, 0x240, &out, &out_len, err, sizeof(err)), -ENOEXEC);
    bz[0x1fe] = 0;
    CHECK_EQ(bzimage_extract(bz, bzlen, &out, &out_len, err, sizeof(err)), -EINVAL);
    bz[0x202] = 'X';
    CHECK_EQ(bzimage_extract(bz, bzlen, &out, &out_len, err, sizeof(err)), -ENOEXEC);
    free(bz);

    /* A payload that decompresses to something other than an ELF. */
    static const uint8_t junk[4096];
    free(c);
    c = gz(junk, sizeof(junk), &clen);
    bz = test_bzimage(c, clen, 0x020f, &bzlen);
    CHECK_EQ(bzimage_extract(bz, bzlen, &out, &out_len, err, sizeof(err)), -EINVAL);
    CHECK(test_contains(err, "not an ELF"));
    free(bz);

    /* An unknown compression. */
    static const uint8_t bz2[] = "BZh91AY&SY";
    bz = test_bzimage(bz2, sizeof(bz2), 0x020f, &bzlen);
    CHECK_EQ(bzimage_extract(bz, bzlen, &out, &out_len, err, sizeof(err)), -ENOTSUP);
    CHECK(test_contains(err, "unsupported kernel compression"));
    free(bz);
    free(c);
    free(elf);
}

int main(void)
{
    test_boot_each();
    test_broken_payloads();
    test_output_cap();
    test_bad_bzimage();
    return check_done("test_loader_bzimage");
}
