/* PV console ring backend.  Ring rule: read the guest's index once,
 * barrier, check prod - cons <= size, mask; a bad ring marks the
 * connection broken instead of crashing anything. */
#include "backends/console.h"

#include <errno.h>
#include <xen/io/console.h>

#define OUT_SIZE sizeof(((struct xencons_interface *)0)->out)
#define IN_SIZE sizeof(((struct xencons_interface *)0)->in)

void console_backend_init(struct console_backend *c, uint8_t *page,
                          void (*output)(void *, const char *, size_t),
                          void (*notify)(void *), void *opaque)
{
    *c = (struct console_backend){ .page = page, .output = output,
                                   .notify = notify, .opaque = opaque };
}

int console_backend_drain(struct console_backend *c)
{
    struct xencons_interface *ring = (struct xencons_interface *)c->page;
    XENCONS_RING_IDX cons, prod;
    char buf[OUT_SIZE];
    size_t n = 0;

    if (c->broken)
        return -EPROTO;
    /* out_cons is ours: the guest may scribble on it; keep it anyway. */
    cons = __atomic_load_n(&ring->out_cons, __ATOMIC_RELAXED);
    prod = __atomic_load_n(&ring->out_prod, __ATOMIC_ACQUIRE);
    if ((XENCONS_RING_IDX)(prod - cons) > OUT_SIZE) {
        c->broken = true;
        return -EPROTO;
    }
    while (cons != prod)
        buf[n++] = ring->out[MASK_XENCONS_IDX(cons++, ring->out)];
    __atomic_store_n(&ring->out_cons, cons, __ATOMIC_RELEASE);
    if (n && c->output)
        c->output(c->opaque, buf, n);
    if (n && c->notify)
        c->notify(c->opaque);
    return (int)n;
}

int console_backend_input(struct console_backend *c, const char *buf, size_t len)
{
    struct xencons_interface *ring = (struct xencons_interface *)c->page;
    XENCONS_RING_IDX cons, prod;
    size_t n = 0;

    if (c->broken)
        return -EPROTO;
    cons = __atomic_load_n(&ring->in_cons, __ATOMIC_ACQUIRE);
    prod = __atomic_load_n(&ring->in_prod, __ATOMIC_RELAXED);
    if ((XENCONS_RING_IDX)(prod - cons) > IN_SIZE) {
        c->broken = true;
        return -EPROTO;
    }
    while (n < len && (XENCONS_RING_IDX)(prod - cons) < IN_SIZE)
        ring->in[MASK_XENCONS_IDX(prod++, ring->in)] = buf[n++];
    __atomic_store_n(&ring->in_prod, prod, __ATOMIC_RELEASE);
    if (n && c->notify)
        c->notify(c->opaque);
    return (int)n;
}

void console_history_add(struct console_history *h, const char *buf, size_t len)
{
    if (len >= CONSOLE_HISTORY) {
        buf += len - CONSOLE_HISTORY;
        len = CONSOLE_HISTORY;
    }
    for (size_t i = 0; i < len; i++) {
        h->buf[(h->head + h->len) % CONSOLE_HISTORY] = buf[i];
        if (h->len < CONSOLE_HISTORY)
            h->len++;
        else
            h->head = (h->head + 1) % CONSOLE_HISTORY;
    }
}

void console_history_spans(const struct console_history *h, const char **a,
                           size_t *alen, const char **b, size_t *blen)
{
    size_t first = h->len < CONSOLE_HISTORY - h->head ? h->len : CONSOLE_HISTORY - h->head;
    *a = h->buf + h->head;
    *alen = first;
    *b = h->buf;
    *blen = h->len - first;
}

static char history_at(const struct console_history *h, size_t i)
{
    return h->buf[(h->head + i) % CONSOLE_HISTORY];
}

/* Start of the n-th last line (index into the history). */
static size_t lines_start(const struct console_history *h, unsigned n)
{
    size_t end = h->len;
    if (end && history_at(h, end - 1) == '\n')
        end--;                      /* the last line's own newline */
    for (size_t i = end; i > 0; i--)
        if (history_at(h, i - 1) == '\n' && --n == 0)
            return i;
    return 0;
}

unsigned console_history_lines(const struct console_history *h, unsigned n,
                               void (*fn)(void *opaque, const char *line),
                               void *opaque)
{
    char line[CONSOLE_LINE_MAX + 1];
    size_t ll = 0;
    unsigned count = 0;

    if (!n)
        return 0;
    for (size_t i = lines_start(h, n); i < h->len; i++) {
        unsigned char c = (unsigned char)history_at(h, i);
        if (c == '\n') {
            line[ll] = '\0';
            fn(opaque, line);
            count++;
            ll = 0;
        } else if (c != '\r' && ll < CONSOLE_LINE_MAX) {
            line[ll++] = (c == '\t' || (c >= 0x20 && c < 0x7f)) ? (char)c : '.';
        }
    }
    if (ll) {
        line[ll] = '\0';
        fn(opaque, line);
        count++;
    }
    return count;
}
