/* A fake xenstore for the xenbus state-machine tests (vbd, vif): a flat
 * table of nodes, one watch, writes that can be made to fail. */
#ifndef XENO_TESTS_FAKE_XS_H
#define XENO_TESTS_FAKE_XS_H

#include <stddef.h>
#include <stdint.h>

#include "backends/vbd_xenbus.h"

struct node { char path[160], val[64]; };
extern struct node store[256];
extern unsigned nstore;
extern char watched[160], watch_token[32];
extern int writes_failing; /* -errno for every write, 0 = fine */

void put(const char *path, const char *val);
const char *get(const char *path);   /* NULL if missing */
void rm_prefix(const char *prefix);
extern const struct vbd_xs_ops fake_xs;

/* For the xenbus fuzzers: the script step at data[i] (op, arg) sets
 * dir/keys[op % 16] to the input's next bytes (op & 64) or to
 * vals[arg % 16]. */
void put_fuzzed(const char *dir, const char *const keys[16], const char *const vals[16],
                const uint8_t *data, size_t size, size_t i);

#endif
