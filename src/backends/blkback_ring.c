/* The blkif ring, backend side.  Producer index read once and checked
 * against the ring size, each request copied out once (RING_COPY_REQUEST)
 * before anything looks at it, responses pushed in batches with
 * RING_PUSH_RESPONSES_AND_CHECK_NOTIFY, and RING_FINAL_CHECK_FOR_REQUESTS
 * before the queue sleeps. */
#include "backends/blkback_int.h"

#include <stdio.h>

void blk_queue_broken(struct blk_queue *q, const char *why)
{
    if (q->broken)
        return;
    q->broken = true;
    blk_log(q->b, "queue %u: ring broken: %s; queue stopped", q->idx, why);
}

void blk_queue_respond(struct blk_queue *q, uint64_t id, uint8_t op, int16_t st)
{
    struct blkif_response rsp = { .id = id, .operation = op, .status = st };

    blk_guest_write(q->b, RING_GET_RESPONSE(&q->ring, q->ring.rsp_prod_pvt),
                    &rsp, sizeof(rsp));
    q->ring.rsp_prod_pvt++;
    q->rsp_pending = true;
    q->unpushed++;
    if (st != BLKIF_RSP_OKAY)
        q->b->st.errors++;
}

void blk_queue_push(struct blk_queue *q)
{
    int notify;

    if (!q->rsp_pending)
        return;
    q->rsp_pending = false;
    q->unpushed = 0;
    RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&q->ring, notify);
    if (q->b->ops->dirty)
        q->b->ops->dirty(q->b->env, &q->ring.sring->rsp_prod,
                         sizeof(q->ring.sring->rsp_prod));
    if (notify) {
        q->b->st.notifies++;
        q->b->ops->notify(q->b->env, q->port);
    }
}

/* A barrier waits until everything before it completed. */
static bool barrier_waits(struct blk_queue *q, const struct blkif_request *req)
{
    if (req->operation != BLKIF_OP_WRITE_BARRIER || q->inflight == 0)
        return false;
    q->held = *req;
    q->held_valid = true;
    q->waiting = true;
    return true;
}

/* Consume up to rp.  false: stopped (waiting for room, broken, or the
 * event's budget spent). */
static bool consume(struct blk_queue *q, RING_IDX rp)
{
    blkif_back_ring_t *r = &q->ring;
    struct blkif_request req;

    while (r->req_cons != rp) {
        if (RING_REQUEST_CONS_OVERFLOW(r, r->req_cons) || !q->free) {
            q->waiting = true;
            return false;
        }
        if (q->served >= BLKBACK_QUEUE_BUDGET) {
            q->more = true;     /* the VMM calls again: blkback_queue_more */
            return false;
        }
        RING_COPY_REQUEST(r, r->req_cons, &req);
        r->req_cons++;
        q->served++;
        if (barrier_waits(q, &req))
            return false;
        blk_req_start(q, &req);
    }
    return true;
}

static bool resume_held(struct blk_queue *q)
{
    if (!q->held_valid)
        return true;
    if (q->inflight)
        return false;
    q->held_valid = false;
    blk_req_start(q, &q->held);
    return true;
}

/* req_prod may not be more than a ring ahead of rsp_prod_pvt (Linux's
 * RING_REQUEST_PROD_OVERFLOW), nor behind req_cons: with requests in
 * flight a req_prod between rsp_prod_pvt and req_cons passes the first
 * test, and consume() would then run ~2^32 slots before req_cons wrapped
 * round to it. */
static bool prod_ok(struct blk_queue *q, RING_IDX rp)
{
    blkif_back_ring_t *r = &q->ring;
    char why[112];

    if (RING_REQUEST_PROD_OVERFLOW(r, rp))
        snprintf(why, sizeof(why), "req_prod %u is more than %u ahead of rsp_prod %u",
                 rp, RING_SIZE(r), r->rsp_prod_pvt);
    else if (rp - r->rsp_prod_pvt < r->req_cons - r->rsp_prod_pvt)
        snprintf(why, sizeof(why), "req_prod %u went back behind req_cons %u", rp,
                 r->req_cons);
    else
        return true;
    blk_queue_broken(q, why);
    return false;
}

void blk_queue_pass(struct blk_queue *q)
{
    blkif_back_ring_t *r = &q->ring;
    RING_IDX rp;
    int more;

    if (!q->connected || q->broken)
        return;
    q->waiting = false;
    q->more = false;
    if (!resume_held(q)) {
        q->waiting = true;
        return;
    }
    for (;;) {
        rp = __atomic_load_n(&r->sring->req_prod, __ATOMIC_ACQUIRE);
        if (!prod_ok(q, rp))
            return;
        if (!consume(q, rp))
            return;
        RING_FINAL_CHECK_FOR_REQUESTS(r, more);
        if (!more)
            return;
    }
}
