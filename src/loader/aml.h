/* A tiny AML (ACPI Machine Language) writer: just what xeno's DSDT needs. */
#ifndef XENO_AML_H
#define XENO_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct aml {
    uint8_t *buf;
    size_t len;
    size_t cap;
    bool overflow;      /* a write did not fit; the output is unusable */
};

void aml_bytes(struct aml *a, const void *p, size_t n);
void aml_name_seg(struct aml *a, const char seg[4]);
void aml_integer(struct aml *a, uint64_t v);
void aml_string(struct aml *a, const char *s);
/* Opens a PkgLength-framed object (Scope, Device, Package); returns the mark
 * that aml_close() needs. */
size_t aml_open(struct aml *a, const uint8_t *opcode, size_t oplen);
void aml_close(struct aml *a, size_t mark);

#define AML_NAME_OP     0x08
#define AML_SCOPE_OP    0x10
#define AML_PACKAGE_OP  0x12
#define AML_ROOT_CHAR   0x5c

#endif
