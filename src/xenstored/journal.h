/* Durable store: an append-only journal fsync'ed per commit plus a
 * snapshot replaced by atomic rename.  See docs/xenstored.md. */
#ifndef XENO_XS_JOURNAL_H
#define XENO_XS_JOURNAL_H

#include "xs_core.h"

struct journal;

int journal_open(const char *dir, struct journal **out);
int journal_load(struct journal *j, struct xs_core *c);
void journal_attach(struct journal *j, struct xs_core *c);
int journal_snapshot(struct journal *j, struct xs_core *c);
void journal_close(struct journal *j);
uint64_t journal_records(const struct journal *j);
/* Apply the intact groups of a journal/snapshot image; returns the length
 * of the intact prefix.  Pure (no file): the fuzz target drives it. */
size_t journal_replay_buf(struct xs_core *c, const char *p, size_t len);

#endif
