/* Backend identities in the pure core (ident.c): a connection that spent
 * domain 5's token may write only domain 5's backend directories and read
 * its frontend ones; everything else, including another domain's nodes,
 * domain 0's other nodes and privileged requests, is EACCES. */
#include "check.h"
#include "xs_core.h"

#include "core_req.h"

#define TOK5 "0123456789abcdef0123456789abcdef"
#define TOK6 "fedcba9876543210fedcba9876543210"

static int ctl(struct xs_conn *c, const char *a, const char *b, const char *d)
{
    char buf[256];
    size_t la = strlen(a) + 1, lb = b ? strlen(b) + 1 : 0,
           ld = d ? strlen(d) + 1 : 0;
    memcpy(buf, a, la);
    if (b)
        memcpy(buf + la, b, lb);
    if (d)
        memcpy(buf + la + lb, d, ld);
    return req(c, XS_CONTROL, 0, buf, (uint32_t)(la + lb + ld));
}

/* What xend writes before it starts the VMMs of domains 5 and 6. */
static void layout(struct xs_conn *d0)
{
    CHECK_EQ(wr(d0, 0, "/local/domain/0/backend/vbd/5/768/frontend",
                "/local/domain/5/device/vbd/768"), 0);
    CHECK_EQ(wr(d0, 0, "/local/domain/0/backend/vbd/6/768/frontend",
                "/local/domain/6/device/vbd/768"), 0);
    CHECK_EQ(wr(d0, 0, "/local/domain/0/backend/vbd/55/768/state", "1"), 0);
    CHECK_EQ(wr(d0, 0, "/local/domain/0/name", "Domain-0"), 0);
    CHECK_EQ(wr(d0, 0, "/local/domain/5/device/vbd/768/state", "1"), 0);
    CHECK_EQ(wr(d0, 0, "/local/domain/5/name", "five"), 0);
    CHECK_EQ(wr(d0, 0, "/local/domain/6/device/vbd/768/state", "1"), 0);
    CHECK_EQ(wr(d0, 0, "/tool/x", "1"), 0);
}

static void test_tokens(struct xs_conn *d0, struct xs_conn *be,
                        struct xs_conn *g5)
{
    struct xs_conn *again = conn_new(&core, 0, false, NULL, NULL);
    uint32_t domid;

    CHECK_EQ(ctl(d0, "authorise", "5", "short"), EINVAL);
    CHECK_EQ(ctl(d0, "authorise", "0", TOK5), EINVAL);
    CHECK_EQ(ctl(d0, "authorise", "5", TOK5), 0);
    CHECK_EQ(ctl(d0, "authorise", "6", TOK5), EEXIST); /* one domain each */
    CHECK_EQ(ctl(d0, "authorise", "6", TOK6), 0);
    CHECK_EQ(ctl(g5, "authorise", "5", TOK6), EACCES); /* domain 0 only */
    CHECK_EQ(ctl(g5, "identify", TOK5, NULL), EACCES); /* rings: never */
    CHECK_EQ(ctl(be, "identify", "ffffffffffffffffffffffffffffffff", NULL),
             EACCES);
    CHECK_EQ(ctl(be, "identify", TOK5, NULL), 0);
    CHECK_EQ(be->ident, XS_ID_BACKEND);
    CHECK_EQ(be->be_domid, 5);
    CHECK_EQ(ctl(be, "identify", TOK6, NULL), EACCES); /* once */
    CHECK_EQ(ctl(again, "identify", TOK5, NULL), EACCES); /* spent */
    CHECK_EQ(again->ident, XS_ID_DOM0);
    /* the ring use: only for the token's domain, once */
    CHECK_EQ(ident_claim(&core, TOK5, XS_TOK_RING, 6, &domid), -EACCES);
    CHECK_EQ(ident_claim(&core, TOK5, XS_TOK_RING, 5, &domid), 0);
    CHECK_EQ(domid, 5);
    CHECK_EQ(ident_claim(&core, TOK5, XS_TOK_RING, 5, &domid), -EACCES);
    CHECK(core.tokens && core.tokens->domid == 6 && !core.tokens->next);
    conn_free(again);
}

static void test_scope(struct xs_conn *d0, struct xs_conn *be)
{
    const char *own = "/local/domain/0/backend/vbd/5/768";

    CHECK_EQ(wr(be, 0, "/local/domain/0/backend/vbd/5/768/state", "4"), 0);
    CHECK_EQ(wr(be, 0, "/local/domain/0/backend/vbd/5/768/sectors", "8"), 0);
    CHECK_EQ(wr(be, 0, "/local/domain/0/error/backend/vbd/5/768/error",
                "-5 x"), 0);
    CHECK_EQ(rs(be, XS_READ, 0, "/local/domain/0/backend/vbd/5/768/frontend"),
             0);
    CHECK_EQ(rs(be, XS_DIRECTORY, 0, own), 0);
    CHECK_EQ(rs(be, XS_GET_PERMS, 0, "/local/domain/0/backend/vbd/5/768/sectors"),
             0);
    CHECK_STR(reply, "n0"); /* created as domain 0's, not the guest's */
    CHECK_EQ(rs(be, XS_READ, 0, "/local/domain/5/device/vbd/768/state"), 0);
    CHECK_STR(reply, "1");
    /* another domain's nodes */
    CHECK_EQ(wr(be, 0, "/local/domain/0/backend/vbd/6/768/state", "4"), EACCES);
    CHECK_EQ(wr(be, 0, "/local/domain/0/backend/vbd/55/768/state", "4"),
             EACCES);
    CHECK_EQ(rs(be, XS_READ, 0, "/local/domain/0/backend/vbd/6/768/frontend"),
             EACCES);
    CHECK_EQ(rs(be, XS_READ, 0, "/local/domain/6/device/vbd/768/state"),
             EACCES);
    CHECK_EQ(wr(be, 0, "/local/domain/6/device/vbd/768/state", "5"), EACCES);
    CHECK_EQ(rs(be, XS_RM, 0, "/local/domain/0/backend/vbd/6"), EACCES);
    /* its own guest's other nodes, domain 0 outside its dirs, /tool */
    CHECK_EQ(wr(be, 0, "/local/domain/5/device/vbd/768/state", "5"), EACCES);
    CHECK_EQ(rs(be, XS_READ, 0, "/local/domain/5/name"), EACCES);
    CHECK_EQ(rs(be, XS_READ, 0, "/local/domain/0/name"), EACCES);
    CHECK_EQ(wr(be, 0, "/local/domain/0/name", "evil"), EACCES);
    CHECK_EQ(wr(be, 0, "name", "evil"), EACCES); /* relative: domain 0's */
    CHECK_EQ(wr(be, 0, "/local/domain/0/backend/vbd/5x/1", "1"), EACCES);
    CHECK_EQ(wr(be, 0, "/local/domain/0/backend/5", "1"), EACCES);
    CHECK_EQ(rs(be, XS_DIRECTORY, 0, "/local/domain/0/backend/vbd"), EACCES);
    CHECK_EQ(rs(be, XS_READ, 0, "/tool/x"), EACCES);
    CHECK_EQ(wr(be, 0, "/tool/x", "2"), EACCES);
    CHECK_EQ(rs(be, XS_GET_PERMS, 0, "@releaseDomain"), EACCES);
    CHECK_EQ(r2(be, XS_SET_PERMS, 0, own, "n5"), EPERM); /* owner stays 0 */
    /* refused paths are freed once (fuzz-xs-wire found a double free) */
    CHECK_EQ(r2(be, XS_SET_PERMS, 0, "/local/domain/6", "n6"), EACCES);
    CHECK_EQ(r2(be, XS_SET_PERMS, 0, "@introduceDomain", "n0"), EACCES);
    /* privileged requests */
    CHECK_EQ(req(be, XS_INTRODUCE, 0, "9\0" "1\0" "2", 6), EACCES);
    CHECK_EQ(rs(be, XS_RELEASE, 0, "6"), EACCES);
    CHECK_EQ(r2(be, XS_SET_TARGET, 0, "5", "6"), EACCES);
    CHECK_EQ(ctl(be, "quota", NULL, NULL), EACCES);
    CHECK_EQ(ctl(be, "authorise", "6", TOK5), EACCES);
    CHECK_EQ(rs(d0, XS_READ, 0, "/local/domain/0/name"), 0);
    CHECK_STR(reply, "Domain-0");
    CHECK_EQ(rs(d0, XS_READ, 0, "/local/domain/0/backend/vbd/6/768/frontend"),
             0); /* nothing of domain 6's was touched */
}

static void test_watches(struct xs_conn *d0, struct xs_conn *be)
{
    CHECK_EQ(r2(be, XS_WATCH, 0, "/local/domain/6/device", "spy"), EACCES);
    CHECK_EQ(r2(be, XS_WATCH, 0, "/local/domain", "spy"), EACCES);
    CHECK_EQ(r2(be, XS_WATCH, 0, "@releaseDomain", "spy"), EACCES);
    CHECK_EQ(r2(be, XS_WATCH, 0, "/local/domain/5/device/vbd/768/state",
                "fe"), 0);
    CHECK_EQ(pop(be), 0); /* the initial event */
    CHECK_EQ(rhdr.type, XS_WATCH_EVENT);
    CHECK_EQ(wr(d0, 0, "/local/domain/6/device/vbd/768/state", "3"), 0);
    CHECK_EQ(pop(be), -1); /* nothing from domain 6 */
    CHECK_EQ(wr(d0, 0, "/local/domain/5/device/vbd/768/state", "3"), 0);
    CHECK_EQ(pop(be), 0);
    CHECK_EQ(rhdr.type, XS_WATCH_EVENT);
    CHECK(!strcmp(reply, "/local/domain/5/device/vbd/768/state"));
}

/* An untrusted peer (sockio sets XS_ID_NONE) gets nothing but identify. */
static void test_nobody(struct xs_conn *d0)
{
    struct xs_conn *nb = conn_new(&core, 0, false, NULL, NULL);
    nb->ident = XS_ID_NONE;
    CHECK_EQ(rs(nb, XS_READ, 0, "/local/domain/0/name"), EACCES);
    CHECK_EQ(wr(nb, 0, "/local/domain/0/backend/vbd/6/1", "1"), EACCES);
    CHECK_EQ(r2(nb, XS_WATCH, 0, "/", "all"), EACCES);
    CHECK_EQ(rs(nb, XS_TRANSACTION_START, 0, ""), EACCES);
    CHECK_EQ(ctl(nb, "quota", NULL, NULL), EACCES);
    CHECK_EQ(ctl(nb, "identify", TOK6, NULL), 0);
    CHECK_EQ(wr(nb, 0, "/local/domain/0/backend/vif/6/0/state", "2"), 0);
    CHECK_EQ(wr(nb, 0, "/local/domain/0/backend/vif/5/0/state", "2"), EACCES);
    /* release: the token and the backend rights go with the domain */
    CHECK_EQ(wr(d0, 0, "/x", "1"), 0);
    CHECK_EQ(ctl(d0, "authorise", "6", TOK5), 0);
    CHECK_EQ(domain_introduce(&core, 6, 1, 2), 0);
    CHECK_EQ(rs(d0, XS_RELEASE, 0, "6"), 0);
    CHECK(core.tokens == NULL);
    CHECK_EQ(nb->ident, XS_ID_NONE);
    CHECK_EQ(wr(nb, 0, "/local/domain/0/backend/vif/6/0/state", "3"), EACCES);
    conn_free(nb);
}

int main(void)
{
    struct xs_conn *d0, *be, *g5;

    CHECK_EQ(xs_core_init(&core), 0);
    tree_init(&core);
    d0 = conn_new(&core, 0, false, NULL, NULL);
    be = conn_new(&core, 0, false, NULL, NULL);
    g5 = conn_new(&core, 5, false, NULL, NULL);
    layout(d0);
    test_tokens(d0, be, g5);
    test_scope(d0, be);
    test_watches(d0, be);
    test_nobody(d0);
    xs_core_destroy(&core);
    CHECK_EQ(xs_live_allocs, 0);
    return check_done("xenstore identities");
}
