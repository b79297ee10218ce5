/* Symbol lookup through the kallsyms tables inside a vmlinux image (Debian
 * ships no System.map).  The tables have no header, so we find them by
 * their shape and accept them only if they are self-consistent:
 *
 *  - kallsyms_token_table: 256 NUL-terminated strings in which the tokens
 *    for '0'..'9' are those digits, directly followed (after alignment) by
 *    kallsyms_token_index, the 256 u16 offsets of those strings;
 *  - kallsyms_offsets (s32 x n), kallsyms_relative_base (u64),
 *    kallsyms_num_syms (u32, n), kallsyms_names (n entries of a length and
 *    token bytes), then kallsyms_markers (u32: offset of every 256th name),
 *    each 8-byte aligned.  Every marker must match the names walked.
 *
 * What lies between the markers and the token table differs between
 * builds (6.1.192 has kallsyms_seqs_of_names there), so both are searched
 * for separately. */
#include <errno.h>
#include <string.h>

#include "loader/loader_int.h"

#define KSYM_TOKENS 256
#define KSYM_TOKEN_TABLE_MAX 8192       /* bytes; real tables are ~1 KiB */
#define KSYM_NAME_MAX 512               /* KSYM_NAME_LEN */
#define KSYM_MIN_SYMS 256
#define KSYM_MAX_SYMS 4000000u
/* Candidate tables whose names we walk before giving up: bounds the work a
 * hostile image can cause (Debian's 6.1 needs 1). */
#define KSYM_MAX_TRIES 16

static size_t align8(size_t x)
{
    return (x + 7) & ~(size_t)7;
}

/* Walks back from the '0' token at `zero` over the 0x30 tokens before it;
 * returns the table start or 0. */
static size_t token_table_start(const uint8_t *img, size_t zero)
{
    size_t q = zero;
    for (int k = 0; k < '0'; k++) {
        if (q < 2 || img[q - 1] != 0 || zero - q > KSYM_TOKEN_TABLE_MAX)
            return 0;
        q--;                                    /* onto the NUL */
        size_t end = q;
        while (q > 0 && img[q - 1] != 0 && end - q < KSYM_NAME_MAX)
            q--;
        if (q == end)
            return 0;                           /* empty token */
    }
    return q;
}

/* Parses the 256 tokens at start and checks that the index follows. */
static bool token_table_check(const uint8_t *img, size_t len, size_t start,
                              struct kallsyms *ks)
{
    uint16_t off[KSYM_TOKENS];
    size_t p = start;
    for (int t = 0; t < KSYM_TOKENS; t++) {
        if (p - start > KSYM_TOKEN_TABLE_MAX)
            return false;
        off[t] = (uint16_t)(p - start);
        const uint8_t *nul = memchr(img + p, 0, len - p);
        if (!nul || nul == img + p)
            return false;
        p = (size_t)(nul - img) + 1;
    }
    for (size_t idx = p; idx < p + 8 && idx + 2 * KSYM_TOKENS <= len; idx++) {
        bool ok = true;
        for (int t = 0; t < KSYM_TOKENS && ok; t++)
            ok = get_le16(img + idx + 2 * t) == off[t];
        if (ok) {
            ks->token_table = start;
            ks->token_index = idx;
            return true;
        }
    }
    return false;
}

static bool find_tokens(const uint8_t *img, size_t len, struct kallsyms *ks)
{
    static const char digits[] = "0\0" "1\0" "2\0" "3\0" "4\0" "5\0" "6\0" "7\0" "8\0" "9";
    size_t pos = 0;
    while (pos < len) {
        const uint8_t *hit = memmem(img + pos, len - pos, digits, sizeof(digits));
        if (!hit)
            return false;
        size_t zero = (size_t)(hit - img);
        size_t start = token_table_start(img, zero);
        if (start && token_table_check(img, len, start, ks))
            return true;
        pos = zero + 1;
    }
    return false;
}

/* Length of the name entry at p (1- or 2-byte length), or 0 if it runs
 * past end.  *hdr receives the size of the length field. */
static size_t name_entry(const uint8_t *img, size_t p, size_t end, size_t *hdr)
{
    if (p >= end)
        return 0;
    size_t n = img[p];
    *hdr = 1;
    if (n & 0x80) {                 /* "big" symbols (Linux >= 6.1) */
        if (p + 1 >= end)
            return 0;
        n = (n & 0x7f) | (size_t)img[p + 1] << 7;
        *hdr = 2;
    }
    return n && n <= end - p - *hdr ? n : 0;
}

/* Walks n names from `names`; checks every marker against the walk. */
static bool names_check(const uint8_t *img, size_t len, size_t names, uint32_t n)
{
    size_t nmarkers = (n + 255) / 256, p = names;
    for (uint32_t i = 0; i < n; i++) {
        size_t hdr, sz = name_entry(img, p, len, &hdr);
        if (!sz)
            return false;
        p += hdr + sz;
    }
    size_t markers = align8(p);
    if (markers > len || nmarkers > (len - markers) / 4)
        return false;
    p = names;
    for (uint32_t i = 0; i < n; i++) {
        if (i % 256 == 0 && get_le32(img + markers + 4 * (i / 256)) != p - names)
            return false;
        size_t hdr, sz = name_entry(img, p, len, &hdr);
        p += hdr + sz;
    }
    return true;
}

/* relative_base (u64), num_syms (u32, padded to 8), then the names.
 * Returns 1 if found, -1 if the names were walked in vain, 0 if the cheap
 * checks failed. */
static int base_candidate(const uint8_t *img, size_t len, size_t p, struct kallsyms *ks)
{
    uint64_t base = get_le64(img + p);
    if (base < 0xffffffff80000000ULL || (base & 0xfffff) != 0)
        return 0;
    uint32_t n = get_le32(img + p + 8);
    if (n < KSYM_MIN_SYMS || n > KSYM_MAX_SYMS || get_le32(img + p + 12) != 0)
        return 0;
    size_t offsets_len = align8((size_t)n * 4);
    if (p < offsets_len)
        return 0;
    if (!names_check(img, len, p + 16, n))
        return -1;
    ks->base = base;
    ks->nsyms = n;
    ks->names = p + 16;
    ks->offsets = p - offsets_len;
    ks->abs_percpu = false;
    for (uint32_t i = 0; i < n && !ks->abs_percpu; i++)
        ks->abs_percpu = (int32_t)get_le32(img + ks->offsets + 4 * (size_t)i) < 0;
    return 1;
}

int kallsyms_find(const uint8_t *img, size_t len, struct kallsyms *ks)
{
    memset(ks, 0, sizeof(*ks));
    if (len < 64 || !find_tokens(img, len, ks))
        return -ENOENT;
    unsigned tries = 0;
    for (size_t p = 8; p + 16 <= len && tries < KSYM_MAX_TRIES; p += 8) {
        /* Cheap filter: the high half of the base is 0xffffffff. */
        if (get_le32(img + p + 4) != 0xffffffffu)
            continue;
        int rc = base_candidate(img, len, p, ks);
        tries += rc != 0;
        if (rc > 0) {
            ks->img = img;
            ks->len = len;
            return 0;
        }
    }
    return -ENOENT;
}

/* Expands the sz token bytes at p into out (type letter first). */
static size_t name_expand(const struct kallsyms *ks, size_t p, size_t sz, char *out)
{
    size_t n = 0;
    for (size_t k = 0; k < sz; k++) {
        uint8_t tok = ks->img[p + k];
        size_t toff = ks->token_table + get_le16(ks->img + ks->token_index + 2 * tok);
        const uint8_t *s = ks->img + toff;
        size_t tl = strnlen((const char *)s, ks->len - toff);
        if (tl > KSYM_NAME_MAX - 1 - n)
            return 0;
        memcpy(out + n, s, tl);
        n += tl;
    }
    out[n] = '\0';
    return n;
}

static uint64_t sym_vaddr(const struct kallsyms *ks, uint32_t i)
{
    int32_t off = (int32_t)get_le32(ks->img + ks->offsets + 4 * (size_t)i);
    if (!ks->abs_percpu)
        return ks->base + (uint32_t)off;
    if (off >= 0)
        return (uint64_t)off;
    return ks->base - 1 + (uint64_t)(-(int64_t)off);
}

int kallsyms_each(const struct kallsyms *ks,
                  int (*fn)(void *opaque, char type, const char *name, uint64_t vaddr),
                  void *opaque)
{
    char buf[KSYM_NAME_MAX];
    size_t p = ks->names;
    for (uint32_t i = 0; i < ks->nsyms; i++) {
        size_t hdr, sz = name_entry(ks->img, p, ks->len, &hdr);
        size_t n = name_expand(ks, p + hdr, sz, buf);
        p += hdr + sz;
        if (n < 2)
            continue;
        int rc = fn(opaque, buf[0], buf + 1, sym_vaddr(ks, i));
        if (rc)
            return rc;
    }
    return 0;
}

struct name_query {
    const char *name;
    uint64_t vaddr;
};

static int match_text(void *opaque, char type, const char *name, uint64_t vaddr)
{
    struct name_query *q = opaque;
    if ((type != 't' && type != 'T') || strcmp(name, q->name) != 0)
        return 0;
    q->vaddr = vaddr;
    return 1;
}

int kallsyms_lookup(const struct kallsyms *ks, const char *name, uint64_t *vaddr)
{
    struct name_query q = { name, 0 };
    if (kallsyms_each(ks, match_text, &q) != 1)
        return -ENOENT;
    *vaddr = q.vaddr;
    return 0;
}
