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
