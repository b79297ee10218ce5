/* Request handling: the dispatch table and what handlers see. */
#ifndef XENO_XS_DISPATCH_H
#define XENO_XS_DISPATCH_H

#include "xs_core.h"

#define XS_MAX_ARGS 64

struct xs_req {
    struct xs_core *core;
    struct xs_conn *conn;
    const struct xsd_sockmsg *hdr;
    char *body;
    struct xs_view view;
    uint32_t flags;       /* the op's XS_F_* */
    char *reply;          /* xs_malloc'd; NULL means "OK" */
    uint32_t rlen;
    struct xs_watch *fire_new; /* a new watch fires once, after the reply */
};

typedef int (*xs_handler)(struct xs_req *r);

enum {
    XS_F_PRIV = 1,  /* domain 0 only */
    XS_F_WRITE = 2, /* modifies the store: refused on socket_ro */
    XS_F_TXN = 4,   /* honours tx_id */
};

struct xs_op {
    uint32_t type;
    xs_handler fn;
    uint32_t flags;
};

int reply_buf(struct xs_req *r, const void *p, size_t len);
int reply_str(struct xs_req *r, const char *s);
int req_args(struct xs_req *r, const char **argv, uint32_t want);
int req_path(struct xs_req *r, const char *in, char **abs);
int req_gate(struct xs_req *r, char **abs);
int req_domid(const char *s, uint32_t *domid);

int op_read(struct xs_req *r);
int op_write(struct xs_req *r);
int op_mkdir(struct xs_req *r);
int op_rm(struct xs_req *r);
int op_directory(struct xs_req *r);
int op_directory_part(struct xs_req *r);
int op_get_perms(struct xs_req *r);
int op_set_perms(struct xs_req *r);
int op_watch(struct xs_req *r);
int op_unwatch(struct xs_req *r);
int op_reset_watches(struct xs_req *r);
int op_txn_start(struct xs_req *r);
int op_txn_end(struct xs_req *r);
int op_introduce(struct xs_req *r);
int op_release(struct xs_req *r);
int op_get_domain_path(struct xs_req *r);
int op_is_domain_introduced(struct xs_req *r);
int op_resume(struct xs_req *r);
int op_set_target(struct xs_req *r);
int op_control(struct xs_req *r);

#endif
