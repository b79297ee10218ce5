/* A client connection as the core sees it: identity, watches,
 * transactions and the queue of outgoing messages.  The shell moves the
 * bytes (socket or ring) through conn_peek_out/conn_consume_out. */
#include "xs_core.h"

#include <string.h>

struct xs_conn *conn_new(struct xs_core *c, uint32_t domid, bool ro,
                         const struct xs_conn_ops *ops, void *io)
{
    struct xs_conn *conn = xs_calloc(1, sizeof(*conn));
    if (!conn)
        return NULL;
    conn->core = c;
    conn->domid = domid;
    conn->ro = ro;
    conn->ops = ops;
    conn->io = io;
    conn->out_tailp = &conn->out_head;
    conn->next = c->conns;
    c->conns = conn;
    return conn;
}

void conn_reset(struct xs_conn *conn)
{
    txn_free_all(conn);
    watch_free_all(conn);
}

void conn_drop_out(struct xs_conn *conn)
{
    while (conn->out_head) {
        struct xs_msgbuf *m = conn->out_head;
        conn->out_head = m->next;
        xs_free(m);
    }
    conn->out_tailp = &conn->out_head;
    conn->out_replies = conn->out_events = 0;
    conn->out_bytes = 0;
}

void conn_free(struct xs_conn *conn)
{
    struct xs_conn **pp;
    struct xs_domain *d;

    if (!conn)
        return;
    conn_reset(conn);
    conn_drop_out(conn);
    for (pp = &conn->core->conns; *pp; pp = &(*pp)->next) {
        if (*pp == conn) {
            *pp = conn->next;
            break;
        }
    }
    d = domain_find(conn->core, conn->domid);
    if (d && d->conn == conn)
        d->conn = NULL;
    xs_free(conn);
}

int conn_queue(struct xs_conn *conn, uint32_t type, uint32_t req_id,
               uint32_t tx_id, const void *body, uint32_t len, bool event)
{
    struct xsd_sockmsg hdr = { type, req_id, tx_id, len };
    struct xs_msgbuf *m;

    uint64_t byte_cap = conn_is_priv(conn) ? XS_MAX_PRIV_QUEUED_BYTES
                                           : XS_MAX_QUEUED_BYTES;

    /* watch storm: a client that does not read loses events, not memory */
    if (event && (conn->out_events >= XS_MAX_QUEUED_EVENTS ||
                  conn->out_bytes + len > byte_cap)) {
        conn->events_dropped++;
        return -ENOSPC;
    }
    m = xs_malloc(sizeof(*m) + sizeof(hdr) + len);
    if (!m)
        return -ENOMEM;
    m->next = NULL;
    m->len = (uint32_t)sizeof(hdr) + len;
    m->off = 0;
    m->is_event = event;
    memcpy(m->data, &hdr, sizeof(hdr));
    if (len)
        memcpy(m->data + sizeof(hdr), body, len);
    *conn->out_tailp = m;
    conn->out_tailp = &m->next;
    if (event)
        conn->out_events++;
    else
        conn->out_replies++;
    conn->out_bytes += m->len;
    if (conn->ops && conn->ops->output)
        conn->ops->output(conn);
    return 0;
}

size_t conn_peek_out(struct xs_conn *conn, const char **data)
{
    struct xs_msgbuf *m = conn->out_head;
    if (!m)
        return 0;
    *data = m->data + m->off;
    return m->len - m->off;
}

void conn_consume_out(struct xs_conn *conn, size_t n)
{
    struct xs_msgbuf *m = conn->out_head;
    if (!m)
        return;
    m->off += (uint32_t)n;
    conn->out_bytes -= n;
    if (m->off < m->len)
        return;
    conn->out_head = m->next;
    if (!conn->out_head)
        conn->out_tailp = &conn->out_head;
    if (m->is_event)
        conn->out_events--;
    else
        conn->out_replies--;
    xs_free(m);
}

/* Backpressure: stop taking requests while too many replies wait. */
bool conn_may_read(const struct xs_conn *conn)
{
    uint32_t cap = conn_is_priv(conn) ? XS_MAX_PRIV_OUTSTANDING
                                      : conn->core->quota[XS_Q_OUTSTANDING];
    return conn->out_replies < cap;
}
