/* xeno xenstored: the pure core.  The tree, permissions, transactions,
 * watches, quotas, domains and request dispatch live behind this header and
 * touch no socket or file: the shell (sockio.c, ringio.c, journal.c, main.c)
 * moves bytes and persists what the core reports through xs_persist_ops. */
#ifndef XENO_XS_CORE_H
#define XENO_XS_CORE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xen/io/xs_wire.h>

#define XS_DOMID_NONE UINT32_MAX
#define XS_DOMAIN_PATH "/local/domain"

/* Permission bits (the letters n/r/w/b on the wire). */
enum {
    XS_P_NONE = 0,
    XS_P_READ = 1,
    XS_P_WRITE = 2,
    XS_P_OWNER = 4,
};

struct xs_perm {
    uint32_t id;
    uint32_t perms;
};

/* Node flags, used by transaction overlays. */
enum {
    XS_NODE_ABSENT = 1,   /* overlay entry: node does not exist */
    XS_NODE_MODIFIED = 2, /* overlay entry: written in the transaction */
};

struct xs_node {
    struct xs_node *hnext;
    uint32_t hash;
    uint32_t flags;
    char *path;
    uint64_t gen;      /* generation of the last change (base nodes) */
    uint64_t base_gen; /* overlay: base generation at first access, 0 absent */
    uint32_t nperms;
    uint32_t vlen;
    uint32_t clen;     /* children: names, each NUL-terminated */
    struct xs_perm *perms;
    char *value;
    char *children;
};

/* path -> node hash map (chained, power-of-two buckets). */
struct xs_map {
    struct xs_node **buckets;
    size_t nbuckets;
    size_t count;
};

/* Named quotas (Xen 4.17 xenstored defaults). */
enum xs_quota_id {
    XS_Q_NODES,
    XS_Q_NODE_SIZE,
    XS_Q_WATCHES,
    XS_Q_TRANSACTIONS,
    XS_Q_TRANS_NODES,
    XS_Q_OUTSTANDING,
    XS_Q_PATH_MAX,
    XS_Q_PERMS,
    XS_Q_COUNT
};

struct xs_quota_def {
    const char *name;
    const char *descr;
    uint32_t def;
};
extern const struct xs_quota_def xs_quota_defs[XS_Q_COUNT];

struct xs_domain {
    uint32_t domid;
    uint32_t port;
    uint64_t mfn;
    uint32_t target; /* XS_DOMID_NONE unless a device model (SET_TARGET) */
    uint32_t nodes;  /* nodes owned (quota accounting) */
    bool introduced;
    struct xs_conn *conn; /* the attached ring connection, if any */
};

struct xs_msgbuf {
    struct xs_msgbuf *next;
    uint32_t len, off;
    bool is_event;
    char data[];
};

struct xs_watch {
    struct xs_watch *next;     /* in the connection */
    struct xs_watch *gnext;    /* global list */
    struct xs_watch **gprevp;
    struct xs_conn *conn;
    char *path;   /* absolute (or special @name) */
    char *token;
    size_t strip; /* bytes to strip for relative watches */
};

struct xs_txn {
    struct xs_txn *next;
    uint32_t id;
    struct xs_map overlay;
    int32_t node_delta;      /* nodes created minus removed, for quota */
    struct xs_event *events; /* watches to fire on commit */
};

struct xs_event {
    struct xs_event *next;
    bool recurse;
    char *path;
    uint32_t nperms;
    struct xs_perm *perms;
};

struct xs_core;
struct xs_conn;

/* Who a connection speaks for (ident.c).  Rings are their domain; socket
 * connections start as domain 0 (trusted peer) or as nobody (any other
 * uid), and either may turn, once, into the backend of one domain by
 * presenting the token the toolstack registered for it. */
enum xs_ident {
    XS_ID_DOM0 = 0, /* full domain 0 (or the ring's own domain) */
    XS_ID_BACKEND,  /* a VMM: domain 0 limited to one domain's backends */
    XS_ID_NONE,     /* untrusted peer: nothing but "identify" */
};

/* What a token may be spent on: one socket identify, one ring attach. */
enum xs_token_use { XS_TOK_SOCKET = 1, XS_TOK_RING = 2 };

#define XS_TOKEN_MIN 16
#define XS_TOKEN_MAX 64

struct xs_token {
    struct xs_token *next;
    uint32_t domid;
    uint32_t spent; /* xs_token_use bits already used */
    char tok[XS_TOKEN_MAX + 1];
};

/* The shell's side of a connection. */
struct xs_conn_ops {
    void (*output)(struct xs_conn *conn);  /* new bytes were queued */
    void (*release)(struct xs_conn *conn); /* domain released: drop ring */
};

struct xs_conn {
    struct xs_conn *next;
    struct xs_core *core;
    uint32_t domid;
    bool ro;
    enum xs_ident ident;
    uint32_t be_domid; /* XS_ID_BACKEND: the domain served */
    struct xs_watch *watches;
    uint32_t nwatches;
    struct xs_txn *txns;
    uint32_t ntxns;
    uint32_t next_txid;
    struct xs_msgbuf *out_head, **out_tailp;
    uint32_t out_replies; /* queued replies not yet fully sent */
    uint32_t out_events;
    uint64_t out_bytes;
    uint64_t events_dropped;
    const struct xs_conn_ops *ops;
    void *io;
};

/* Persistence hooks: every committed change to the base tree or the
 * domain table is reported; commit() ends one atomic group.  sync() makes
 * the groups durable: the shell calls it before any reply or event leaves,
 * so nothing acknowledged is lost and one fsync serves many commits. */
struct xs_persist_ops {
    void (*node_put)(void *opaque, const struct xs_node *node);
    void (*node_del)(void *opaque, const char *path);
    void (*dom_put)(void *opaque, const struct xs_domain *dom);
    void (*dom_del)(void *opaque, uint32_t domid);
    int (*commit)(void *opaque); /* written, maybe not yet durable */
    int (*sync)(void *opaque);   /* make every commit durable */
};

struct xs_core {
    struct xs_map base;
    uint64_t gen;
    uint32_t quota[XS_Q_COUNT];
    struct xs_domain *doms;
    size_t ndoms, capdoms;
    struct xs_conn *conns;
    struct xs_watch *gwatches;
    struct xs_token *tokens; /* registered backend tokens (not persisted) */
    const struct xs_persist_ops *persist;
    void *persist_opaque;
    bool dirty; /* base changed since last commit */
    uint64_t stats_requests;
};

#define XS_MAX_QUEUED_EVENTS 4096u
#define XS_MAX_QUEUED_BYTES (1u << 20)       /* unprivileged connection */
#define XS_MAX_PRIV_QUEUED_BYTES (16u << 20) /* dom0 connection */
#define XS_MAX_PRIV_OUTSTANDING 1024u

/* Allocation accounting for leak tests. */
extern long xs_live_allocs;
void *xs_malloc(size_t n);
void *xs_calloc(size_t n, size_t m);
void *xs_memdup(const void *p, size_t n);
char *xs_strdup(const char *s);
void xs_free(void *p);

/* store.c: nodes and the path map */
struct xs_node *node_new(const char *path);
struct xs_node *node_copy(const struct xs_node *n);
void node_free(struct xs_node *n);
int node_set_value(struct xs_node *n, const char *val, uint32_t len);
int node_set_perms(struct xs_node *n, const struct xs_perm *p, uint32_t np);
bool node_has_child(const struct xs_node *n, const char *name);
int node_add_child(struct xs_node *n, const char *name);
void node_del_child(struct xs_node *n, const char *name);
uint32_t path_hash(const char *path);
int map_init(struct xs_map *m);
void map_destroy(struct xs_map *m);
struct xs_node *map_get(const struct xs_map *m, const char *path);
int map_put(struct xs_map *m, struct xs_node *n); /* replaces, frees old */
void map_del(struct xs_map *m, const char *path);
struct xs_node *map_first(const struct xs_map *m, size_t *it);
struct xs_node *map_next(const struct xs_map *m, size_t *it,
                         const struct xs_node *cur);
int store_base_put(struct xs_core *c, struct xs_node *n);
void store_base_del(struct xs_core *c, const char *path);

/* path.c */
int path_canon(const struct xs_conn *conn, const char *in, char **out,
               size_t *strip);
bool path_valid_abs(const char *p, size_t maxlen);
bool path_is_special(const char *p);
char *path_parent(const char *p);
const char *path_basename(const char *p);
bool path_is_under(const char *child, const char *parent);
char *path_join(const char *dir, const char *name);

/* perms.c */
int perms_parse(const char *const *strs, uint32_t n, struct xs_perm **out);
size_t perms_format(const struct xs_perm *p, uint32_t n, char *buf,
                    size_t cap);
uint32_t perms_for(const struct xs_core *c, const struct xs_conn *conn,
                   const struct xs_perm *p, uint32_t n);
bool conn_is_priv(const struct xs_conn *conn);
bool conn_acts_dom0(const struct xs_conn *conn);

/* ident.c: backend tokens and the path scope of a backend connection */
int ident_authorise(struct xs_core *c, uint32_t domid, const char *tok);
int ident_claim(struct xs_core *c, const char *tok, enum xs_token_use use,
                uint32_t want_domid, uint32_t *domid);
int ident_identify(struct xs_conn *conn, const char *tok);
void ident_drop(struct xs_core *c, uint32_t domid);
void ident_release(struct xs_core *c, uint32_t domid);
void ident_free_all(struct xs_core *c);
int ident_gate(const struct xs_conn *conn, const char *abs, uint32_t need);

/* transaction.c: a view is the base tree or a transaction overlay */
struct xs_view {
    struct xs_core *core;
    struct xs_conn *conn;
    struct xs_txn *txn;
};
int view_get(struct xs_view *v, const char *path, const struct xs_node **out);
int view_put(struct xs_view *v, struct xs_node *n);
int view_del(struct xs_view *v, const char *path);
int txn_start(struct xs_conn *conn, uint32_t *id);
struct xs_txn *txn_find(struct xs_conn *conn, uint32_t id);
int txn_end(struct xs_conn *conn, uint32_t id, bool commit);
void txn_free_all(struct xs_conn *conn);

/* tree.c: node operations shared by handlers */
int tree_read(struct xs_view *v, const char *path, const struct xs_node **out,
              uint32_t need);
int tree_write(struct xs_view *v, const char *path, const char *val,
               uint32_t len, bool only_create);
int tree_rm(struct xs_view *v, const char *path);
int tree_set_perms(struct xs_view *v, const char *path,
                   struct xs_perm *p, uint32_t n);
void tree_init(struct xs_core *c);

/* watch.c */
int watch_add(struct xs_conn *conn, const char *path, const char *token,
              struct xs_watch **out);
int watch_remove(struct xs_conn *conn, const char *path, const char *token);
void watch_free_all(struct xs_conn *conn);
void watch_fire(struct xs_core *c, const char *path, bool recurse,
                const struct xs_perm *p, uint32_t np);
int event_record(struct xs_view *v, const char *path, bool recurse,
                 const struct xs_node *n);
void event_free_list(struct xs_event *e);
void watch_send(struct xs_watch *w, const char *abs_path);

/* quota.c */
int quota_find(const char *name);
void quota_init(struct xs_core *c);
void quota_node_acct(struct xs_core *c, uint32_t owner, int delta);
int quota_check_nodes(struct xs_view *v, int delta);
uint32_t quota_node_size(const struct xs_node *n);

/* domain.c */
struct xs_domain *domain_find(struct xs_core *c, uint32_t domid);
struct xs_domain *domain_get(struct xs_core *c, uint32_t domid);
int domain_introduce(struct xs_core *c, uint32_t domid, uint64_t mfn,
                     uint32_t port);
int domain_release(struct xs_core *c, uint32_t domid);
void domain_persist(struct xs_core *c, const struct xs_domain *d);
void domain_load(struct xs_core *c, const struct xs_domain *d);
uint32_t conn_target(const struct xs_conn *conn);

/* conn.c */
struct xs_conn *conn_new(struct xs_core *c, uint32_t domid, bool ro,
                         const struct xs_conn_ops *ops, void *io);
void conn_free(struct xs_conn *conn);
void conn_reset(struct xs_conn *conn);
void conn_drop_out(struct xs_conn *conn);
int conn_queue(struct xs_conn *conn, uint32_t type, uint32_t req_id,
               uint32_t tx_id, const void *body, uint32_t len, bool event);
size_t conn_peek_out(struct xs_conn *conn, const char **data);
void conn_consume_out(struct xs_conn *conn, size_t n);
bool conn_may_read(const struct xs_conn *conn);

/* wire.c: stream framing */
struct xs_framer {
    struct xsd_sockmsg hdr;
    uint32_t have; /* bytes of header+body collected */
    char body[XENSTORE_PAYLOAD_MAX + 1];
};
enum { XS_FRAME_MORE = 0, XS_FRAME_DONE = 1 };
int framer_feed(struct xs_framer *f, const char *buf, size_t len,
                size_t *used);
void framer_reset(struct xs_framer *f);
int wire_split(char *body, uint32_t len, const char **argv, uint32_t max);
const char *wire_errname(int err);

/* dispatch.c */
int xs_core_init(struct xs_core *c);
void xs_core_destroy(struct xs_core *c);
void xs_core_request(struct xs_core *c, struct xs_conn *conn,
                     const struct xsd_sockmsg *hdr, char *body);
int xs_core_commit(struct xs_core *c);
int xs_core_sync(struct xs_core *c);

/* ring.c: the shared ring, pure copy logic */
enum { XS_RING_OK = 0, XS_RING_BAD = -1 };
int ring_req_avail(struct xenstore_domain_interface *intf, size_t *avail);
void ring_peek_req(struct xenstore_domain_interface *intf, char *buf,
                   size_t n);
size_t ring_take(struct xenstore_domain_interface *intf, size_t avail,
                 size_t have, size_t total);
int ring_read_req(struct xenstore_domain_interface *intf, char *buf,
                  size_t cap, size_t *got);
int ring_write_rsp(struct xenstore_domain_interface *intf, const char *buf,
                   size_t len, size_t *put);

#endif
