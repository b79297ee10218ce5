/* Handlers for per-connection state: watches and transactions. */
#include "dispatch.h"

#include <stdio.h>
#include <string.h>

int op_watch(struct xs_req *r)
{
    const char *argv[2];
    int rc = req_args(r, argv, 2);
    if (rc)
        return rc;
    return watch_add(r->conn, argv[0], argv[1], &r->fire_new);
}

int op_unwatch(struct xs_req *r)
{
    const char *argv[2];
    int rc = req_args(r, argv, 2);
    if (rc)
        return rc;
    return watch_remove(r->conn, argv[0], argv[1]);
}

int op_reset_watches(struct xs_req *r)
{
    conn_reset(r->conn);
    return 0;
}

int op_txn_start(struct xs_req *r)
{
    char buf[16];
    uint32_t id;
    int rc;

    if (r->hdr->tx_id)
        return -EBUSY; /* no nested transactions */
    rc = txn_start(r->conn, &id);
    if (rc)
        return rc;
    snprintf(buf, sizeof(buf), "%u", id);
    return reply_str(r, buf);
}

int op_txn_end(struct xs_req *r)
{
    const char *argv[1];
    bool commit;
    int rc = req_args(r, argv, 1);

    if (rc)
        return rc;
    if (!strcmp(argv[0], "T"))
        commit = true;
    else if (!strcmp(argv[0], "F"))
        commit = false;
    else
        return -EINVAL;
    return txn_end(r->conn, r->hdr->tx_id, commit);
}
