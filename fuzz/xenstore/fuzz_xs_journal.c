/* libFuzzer target: replaying a journal or snapshot image, as found on disk
 * after a crash or corruption.  Intact groups are applied, anything else
 * ignored; the store must stay usable and leak nothing. */
#include "journal.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct xs_core core;
    struct xs_conn *c;
    static char body[] = "/after-replay\0ok";
    struct xsd_sockmsg h = { XS_WRITE, 1, 0, sizeof(body) - 1 };

    if (xs_core_init(&core))
        return 0;
    journal_replay_buf(&core, (const char *)data, size);
    tree_init(&core);
    c = conn_new(&core, 0, false, NULL, NULL);
    xs_core_request(&core, c, &h, body);
    xs_core_destroy(&core);
    if (xs_live_allocs != 0)
        abort();
    return 0;
}
