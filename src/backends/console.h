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

/* What the guest printed last: a ring of the most recent bytes, replayed
 * to a console client when it connects and quoted by crash reports. */
#define CONSOLE_HISTORY 16384

struct console_history {
    char buf[CONSOLE_HISTORY];
    size_t head, len;
};

void console_history_add(struct console_history *h, const char *buf, size_t len);
/* The stored bytes, oldest first, as at most two spans. */
void console_history_spans(const struct console_history *h, const char **a,
                           size_t *alen, const char **b, size_t *blen);
/* Calls fn for each of the last n lines, oldest first: split at '\n', '\r'
 * dropped, other control and non-ASCII bytes shown as '.', each cut at
 * CONSOLE_LINE_MAX.  An unfinished last line counts.  Returns the number
 * of lines passed. */
#define CONSOLE_LINE_MAX 240
unsigned console_history_lines(const struct console_history *h, unsigned n,
                               void (*fn)(void *opaque, const char *line),
                               void *opaque);

#endif
