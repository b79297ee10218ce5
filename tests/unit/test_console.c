/* The PV console ring backend against a fake console page: output drained
 * across the wrap, input queued up to the ring size, and a hostile guest's
 * indexes marking the ring broken instead of reading out of bounds. */
#include "backends/console.h"
#include "check.h"

#include <errno.h>
#include <xen/io/console.h>

static char got[8192];
static size_t got_len;
static int notes;

static void out(void *o, const char *b, size_t n)
{
    (void)o;
    if (got_len + n <= sizeof(got)) {
        memcpy(got + got_len, b, n);
        got_len += n;
    }
}

static void note(void *o) { (void)o; notes++; }

static struct xencons_interface *fresh(struct console_backend *c, uint8_t *page)
{
    memset(page, 0, 4096);
    got_len = 0;
    notes = 0;
    console_backend_init(c, page, out, note, NULL);
    return (struct xencons_interface *)page;
}

static void guest_write(struct xencons_interface *r, const char *s)
{
    for (; *s; s++)
        r->out[MASK_XENCONS_IDX(r->out_prod++, r->out)] = *s;
}

int main(void)
{
    static uint8_t page[4096];
    struct console_backend c;
    struct xencons_interface *r = fresh(&c, page);

    guest_write(r, "hello");
    CHECK_EQ(console_backend_drain(&c), 5);
    CHECK(got_len == 5 && memcmp(got, "hello", 5) == 0);
    CHECK_EQ(r->out_cons, 5);
    CHECK_EQ(notes, 1);
    CHECK_EQ(console_backend_drain(&c), 0); /* nothing new: no notify */
    CHECK_EQ(notes, 1);

    /* Across the wrap of the 2048-byte ring and of the 32-bit indexes. */
    r = fresh(&c, page);
    r->out_cons = r->out_prod = 0xfffffffc;
    guest_write(r, "wrap-around");
    CHECK_EQ(console_backend_drain(&c), 11);
    CHECK(got_len == 11 && memcmp(got, "wrap-around", 11) == 0);

    /* Input: queued up to the ring size, then refused until consumed. */
    r = fresh(&c, page);
    char big[1500];
    memset(big, 'x', sizeof(big));
    CHECK_EQ(console_backend_input(&c, big, sizeof(big)), 1024);
    CHECK_EQ(r->in_prod, 1024);
    CHECK_EQ(console_backend_input(&c, "y", 1), 0);
    r->in_cons = 1000;
    CHECK_EQ(console_backend_input(&c, "yz", 2), 2);
    CHECK_EQ(r->in[MASK_XENCONS_IDX(1024, r->in)], 'y');

    /* Hostile: producer far ahead of the consumer. */
    r = fresh(&c, page);
    r->out_prod = 100000;
    CHECK_EQ(console_backend_drain(&c), -EPROTO);
    CHECK(c.broken);
    CHECK_EQ(got_len, 0);
    CHECK_EQ(console_backend_input(&c, "a", 1), -EPROTO);

    /* Hostile: input consumer ahead of our producer. */
    r = fresh(&c, page);
    r->in_cons = 5000;
    CHECK_EQ(console_backend_input(&c, "a", 1), -EPROTO);
    CHECK_EQ(r->in_prod, 0);

    return check_done("test_console");
}
