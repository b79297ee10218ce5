/* AML encoding per ACPI 6.x chapter 20 ("ACPI Machine Language"). */
#include <string.h>

#include "loader/aml.h"

#define AML_PKGLEN_RESERVE 4    /* a PkgLength takes at most 4 bytes */

void aml_bytes(struct aml *a, const void *p, size_t n)
{
    if (a->overflow || n > a->cap - a->len) {
        a->overflow = true;
        return;
    }
    memcpy(a->buf + a->len, p, n);
    a->len += n;
}

static void aml_byte(struct aml *a, uint8_t b)
{
    aml_bytes(a, &b, 1);
}

void aml_name_seg(struct aml *a, const char seg[4])
{
    aml_bytes(a, seg, 4);
}

void aml_integer(struct aml *a, uint64_t v)
{
    uint8_t b[9];
    size_t n;
    if (v <= 1) {
        aml_byte(a, (uint8_t)v);            /* ZeroOp / OneOp */
        return;
    }
    if (v <= 0xff) { b[0] = 0x0a; n = 1; }
    else if (v <= 0xffff) { b[0] = 0x0b; n = 2; }
    else if (v <= 0xffffffff) { b[0] = 0x0c; n = 4; }
    else { b[0] = 0x0e; n = 8; }
    for (size_t i = 0; i < n; i++)
        b[1 + i] = (uint8_t)(v >> (8 * i));
    aml_bytes(a, b, 1 + n);
}

void aml_string(struct aml *a, const char *s)
{
    aml_byte(a, 0x0d);                      /* StringPrefix */
    aml_bytes(a, s, strlen(s) + 1);
}

size_t aml_open(struct aml *a, const uint8_t *opcode, size_t oplen)
{
    static const uint8_t reserve[AML_PKGLEN_RESERVE];
    aml_bytes(a, opcode, oplen);
    size_t mark = a->len;
    aml_bytes(a, reserve, sizeof(reserve));
    return mark;
}

/* PkgLength counts its own bytes: 1 byte holds up to 63, otherwise the lead
 * byte carries the count of following bytes in bits 7:6 and 4 low bits. */
void aml_close(struct aml *a, size_t mark)
{
    if (a->overflow)
        return;
    size_t body = a->len - mark - AML_PKGLEN_RESERVE;
    size_t n = body + 1 <= 0x3f ? 1 : body + 2 <= 0xfff ? 2 :
               body + 3 <= 0xfffff ? 3 : 4;
    size_t total = body + n;
    if (total > 0xfffffff) {
        a->overflow = true;
        return;
    }
    uint8_t *p = a->buf + mark;
    if (n == 1) {
        p[0] = (uint8_t)total;
    } else {
        p[0] = (uint8_t)((n - 1) << 6 | (total & 0xf));
        for (size_t i = 1; i < n; i++)
            p[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
    }
    memmove(p + n, p + AML_PKGLEN_RESERVE, body);
    a->len -= AML_PKGLEN_RESERVE - n;
}
