/* The domain-0 half of the PV console: the xencons_interface ring in the
 * guest's console page.  Pure: it sees only the page and two callbacks, so
 * it is unit-tested and fuzzed with a fake page. */
#ifndef XENO_BACKENDS_CONSOLE_H
#define XENO_BACKENDS_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct console_backend {
    uint8_t *page;      /* struct xencons_interface, shared with the guest */
    bool broken;        /* guest corrupted its indexes: stop serving */
    void (*output)(void *opaque, const char *buf, size_t len);
    void (*notify)(void *opaque);
    void *opaque;
};

void console_backend_init(struct console_backend *c, uint8_t *page,
                          void (*output)(void *, const char *, size_t),
                          void (*notify)(void *), void *opaque);

/* Guest -> host: consume everything in the out ring.  Returns bytes
 * consumed, or -EPROTO once the ring is found corrupt. */
int console_backend_drain(struct console_backend *c);

/* Host -> guest: put up to len bytes in the in ring.  Returns bytes
 * queued (may be fewer when the ring is full), or -EPROTO. */
int console_backend_input(struct console_backend *c, const char *buf,
                          size_t len);

#endif
