/* libFuzzer target: the PV console ring backend with a hostile guest page
 * (indexes and contents from the input), output drained and input fed. */
#include "backends/console.h"

#include <string.h>

static void out(void *o, const char *b, size_t n) { (void)o; (void)b; (void)n; }
static void note(void *o) { (void)o; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t page[4096];
    struct console_backend c;

    memset(page, 0, sizeof(page));
    memcpy(page, data, size < sizeof(page) ? size : sizeof(page));
    console_backend_init(&c, page, out, note, NULL);
    console_backend_drain(&c);
    console_backend_input(&c, (const char *)data, size < 2048 ? size : 2048);
    console_backend_drain(&c);
    return 0;
}
