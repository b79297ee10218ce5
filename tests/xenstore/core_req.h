/* Requests into the pure xenstore core, for the core's unit tests: each
 * goes in through xs_core_request and its reply is popped from the
 * connection's queue into rhdr/reply. */
#ifndef XENO_TEST_CORE_REQ_H
#define XENO_TEST_CORE_REQ_H

#include "xs_core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct xs_core core;
static char reply[XENSTORE_PAYLOAD_MAX + 1];
static struct xsd_sockmsg rhdr;

/* A watch event that arrived before a reply, kept for the next pop(). */
static struct xs_conn *held_conn;
static struct xsd_sockmsg held_hdr;
static char held[XENSTORE_PAYLOAD_MAX + 1];

/* Pop the next queued message of conn into rhdr/reply. */
static inline int pop(struct xs_conn *c)
{
    const char *d;
    size_t n;
    if (held_conn == c) {
        held_conn = NULL;
        rhdr = held_hdr;
        memcpy(reply, held, sizeof(held));
        return 0;
    }
    n = conn_peek_out(c, &d);
    if (n < sizeof(rhdr))
        return -1;
    memcpy(&rhdr, d, sizeof(rhdr));
    memcpy(reply, d + sizeof(rhdr), rhdr.len);
    reply[rhdr.len] = 0;
    conn_consume_out(c, n);
    return 0;
}

static inline void drain(struct xs_conn *c)
{
    while (pop(c) == 0)
        ;
}

/* Run one request; returns 0 or the errno of an XS_ERROR reply. */
static inline int req(struct xs_conn *c, uint32_t type, uint32_t tx, const void *p,
               uint32_t len)
{
    struct xsd_sockmsg h = { type, 42, tx, len };
    char body[XENSTORE_PAYLOAD_MAX + 1];
    memcpy(body, p, len);
    body[len] = 0;
    xs_core_request(&core, c, &h, body);
    if (pop(c))
        return -1;
    if (rhdr.type == XS_WATCH_EVENT) { /* own watch fired first */
        held_hdr = rhdr;
        memcpy(held, reply, sizeof(held));
        if (pop(c))
            return -1;
        held_conn = c;
    }
    if (rhdr.type == XS_ERROR) {
        for (size_t i = 0; i < sizeof(xsd_errors) / sizeof(*xsd_errors); i++)
            if (!strcmp(reply, xsd_errors[i].errstring))
                return xsd_errors[i].errnum;
        return -2;
    }
    return rhdr.type == type && rhdr.req_id == 42 ? 0 : -3;
}

static inline int rs(struct xs_conn *c, uint32_t type, uint32_t tx, const char *s)
{
    return req(c, type, tx, s, (uint32_t)strlen(s) + 1);
}

static inline int r2(struct xs_conn *c, uint32_t type, uint32_t tx, const char *a,
              const char *b)
{
    char buf[XENSTORE_PAYLOAD_MAX];
    size_t la = strlen(a) + 1, lb = strlen(b) + 1;
    memcpy(buf, a, la);
    memcpy(buf + la, b, lb);
    return req(c, type, tx, buf, (uint32_t)(la + lb));
}

static inline int wr(struct xs_conn *c, uint32_t tx, const char *path,
              const char *val)
{
    char buf[XENSTORE_PAYLOAD_MAX];
    size_t lp = strlen(path) + 1, lv = strlen(val);
    memcpy(buf, path, lp);
    memcpy(buf + lp, val, lv);
    return req(c, XS_WRITE, tx, buf, (uint32_t)(lp + lv));
}

static inline uint32_t tstart(struct xs_conn *c)
{
    return rs(c, XS_TRANSACTION_START, 0, "") ? 0 : (uint32_t)atoi(reply);
}

#endif
