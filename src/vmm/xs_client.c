/* The VMM's own xenstore connection (through xenstored's unix socket, with
 * Debian's libxenstore), used by the backends' xenbus side.  With a token
 * (--xenstore-token) its first request is XS_CONTROL "identify <token>":
 * xenstored then treats it as the backend of this domain only.
 * Only the I/O thread calls in: each call is one round trip to a local
 * xenstored; vCPU threads never wait on it.  Watch events arrive on
 * xs_fileno(), which sits in the I/O loop, and go to the callback
 * registered for their token. */
#include "vmm/xs_client.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "common/log.h"
#include "vmm/vm.h"

#define XSC_MAX_WATCHES 32

struct xs_client {
    struct xs_handle *h;
    struct {
        char token[32];
        xsc_watch_fn fn;
        void *opaque;
    } w[XSC_MAX_WATCHES];
};

static void on_readable(void *opaque)
{
    struct xs_client *c = opaque;
    char **ev;

    while ((ev = xs_check_watch(c->h))) {
        for (unsigned i = 0; i < XSC_MAX_WATCHES; i++)
            if (c->w[i].fn && strcmp(c->w[i].token, ev[XS_WATCH_TOKEN]) == 0) {
                c->w[i].fn(c->w[i].opaque);
                break;
            }
        free(ev);
    }
}

/* One round trip, before any watch (no reader thread yet). */
static int identify(struct xs_handle *h, const char *token)
{
    char *reply = xs_control_command(h, "identify", (void *)token,
                                     (unsigned)strlen(token) + 1);
    if (!reply)
        return errno ? -errno : -EIO;
    free(reply);
    return 0;
}

struct xs_client *xsc_open(const char *xenstored_dir, const char *token, char *err,
                           size_t errlen)
{
    int rc;

    char path[256];
    struct xs_client *c;

    if (snprintf(path, sizeof(path), "%s/socket", xenstored_dir) >= (int)sizeof(path)) {
        snprintf(err, errlen, "xenstored dir too long");
        return NULL;
    }
    /* libxenstore finds the daemon through XENSTORED_PATH. */
    setenv("XENSTORED_PATH", path, 1);
    c = calloc(1, sizeof(*c));
    if (!c || !(c->h = xs_open(XS_OPEN_SOCKETONLY))) {
        snprintf(err, errlen, "cannot connect to xenstored at %s: %s", path,
                 strerror(errno));
        free(c);
        return NULL;
    }
    if (token[0] && (rc = identify(c->h, token))) {
        snprintf(err, errlen, "xenstored refused our token: %s", strerror(-rc));
        xs_close(c->h);
        free(c);
        return NULL;
    }
    if (token[0])
        log_info("xenstore: identified, this connection is our domain's backend only");
    if (ioloop_add(xs_fileno(c->h), on_readable, c)) {
        snprintf(err, errlen, "xenstore watch fd: %s", strerror(errno));
        xs_close(c->h);
        free(c);
        return NULL;
    }
    return c;
}

void xsc_close(struct xs_client *c)
{
    if (!c)
        return;
    ioloop_del(xs_fileno(c->h));
    xs_close(c->h);
    free(c);
}

int xsc_set_watch_fn(struct xs_client *c, const char *token, xsc_watch_fn fn, void *opaque)
{
    for (unsigned i = 0; i < XSC_MAX_WATCHES; i++)
        if (!c->w[i].fn) {
            snprintf(c->w[i].token, sizeof(c->w[i].token), "%s", token);
            c->w[i].fn = fn;
            c->w[i].opaque = opaque;
            return 0;
        }
    return -ENOSPC;
}

void xsc_clear_watch_fn(struct xs_client *c, const char *token)
{
    for (unsigned i = 0; i < XSC_MAX_WATCHES; i++)
        if (c->w[i].fn && strcmp(c->w[i].token, token) == 0)
            c->w[i].fn = NULL;
}

/* ---- struct vbd_xs_ops over libxenstore ---- */

static int op_read(void *o, const char *path, char *buf, size_t len)
{
    struct xs_client *c = o;
    unsigned n;
    char *v = xs_read(c->h, XBT_NULL, path, &n);

    if (!v)
        return errno ? -errno : -EIO;
    int rc = n < len ? (int)n : -E2BIG;
    if (rc >= 0) {
        memcpy(buf, v, n);
        buf[n] = '\0';
    }
    free(v);
    return rc;
}

static int op_write(void *o, const char *path, const char *val)
{
    struct xs_client *c = o;
    return xs_write(c->h, XBT_NULL, path, val, (unsigned)strlen(val)) ? 0
                                                                      : errno ? -errno : -EIO;
}

/* The first watch starts libxenstore's reader thread: it must not take
 * the signals that the I/O thread reads from its signalfd. */
static int op_watch(void *o, const char *path, const char *token)
{
    struct xs_client *c = o;
    sigset_t all, old;

    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    bool ok = xs_watch(c->h, path, token);
    int e = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return ok ? 0 : e ? -e : -EIO;
}

static void op_unwatch(void *o, const char *path, const char *token)
{
    struct xs_client *c = o;
    if (!xs_unwatch(c->h, path, token))
        log_warn("xenstore unwatch %s: %s", path, strerror(errno));
}

const struct vbd_xs_ops xsc_vbd_ops = { op_read, op_write, op_watch, op_unwatch };
