/* A fake xenstore for the xenbus state-machine tests (vbd, vif): a flat
 * table of nodes, one watch, writes that can be made to fail. */
#ifndef XENO_TESTS_FAKE_XS_H
#define XENO_TESTS_FAKE_XS_H

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

#endif
