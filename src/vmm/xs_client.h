/* The VMM's xenstore client (libxenstore), for the backends: domain 0, or
 * with a token the backend of its own domain only. */
#ifndef XENO_VMM_XS_CLIENT_H
#define XENO_VMM_XS_CLIENT_H

#include <stddef.h>

#include "backends/vbd_xenbus.h"

struct xs_client;
typedef void (*xsc_watch_fn)(void *opaque);

/* Connect to <xenstored_dir>/socket, identify with token (unless ""), and
 * put the watch fd in the I/O loop. */
struct xs_client *xsc_open(const char *xenstored_dir, const char *token, char *err,
                           size_t errlen);
void xsc_close(struct xs_client *c);

/* Route watch events carrying `token` to fn (the watch itself is set
 * through xsc_vbd_ops.watch). */
int xsc_set_watch_fn(struct xs_client *c, const char *token, xsc_watch_fn fn,
                     void *opaque);
void xsc_clear_watch_fn(struct xs_client *c, const char *token);

/* The xenstore ops of vbd_xenbus; o = the struct xs_client. */
extern const struct vbd_xs_ops xsc_vbd_ops;

#endif
