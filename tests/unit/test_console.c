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

static char lines[8][CONSOLE_LINE_MAX + 1];
static unsigned nlines;

static void take_line(void *o, const char *l)
{
    (void)o;
    if (nlines < 8)
        strcpy(lines[nlines], l);
    nlines++;
}

/* The history keeps the newest bytes; crash reports quote its last lines. */
static void test_history(void)
{
    static struct console_history h;
    static char big[CONSOLE_HISTORY + 100];
    const char *a, *b;
    size_t al, bl;

    console_history_add(&h, "one\r\ntwo\n", 9);
    console_history_add(&h, "thr\001e\nfour", 10);
    nlines = 0;
    CHECK_EQ(console_history_lines(&h, 3, take_line, NULL), 3);
    CHECK_STR(lines[0], "two");
    CHECK_STR(lines[1], "thr.e");
    CHECK_STR(lines[2], "four");         /* unfinished, still shown */
    nlines = 0;
    CHECK_EQ(console_history_lines(&h, 40, take_line, NULL), 4);
    CHECK_STR(lines[0], "one");
    console_history_add(&h, "\n", 1);
    nlines = 0;
    CHECK_EQ(console_history_lines(&h, 1, take_line, NULL), 1);
    CHECK_STR(lines[0], "four");
    CHECK_EQ(console_history_lines(&h, 0, take_line, NULL), 0);

    /* Overflow: only the newest CONSOLE_HISTORY bytes, in order. */
    memset(big, 'x', sizeof(big));
    memcpy(big + sizeof(big) - 4, "END\n", 4);
    console_history_add(&h, big, sizeof(big));
    console_history_spans(&h, &a, &al, &b, &bl);
    CHECK_EQ(al + bl, CONSOLE_HISTORY);
    CHECK_EQ(bl ? b[bl - 4] : a[al - 4], 'E');
    nlines = 0;
    CHECK_EQ(console_history_lines(&h, 2, take_line, NULL), 1);
    CHECK_EQ(strlen(lines[0]), CONSOLE_LINE_MAX);  /* a long line is cut */
}

int main(void)
{
    test_history();
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
