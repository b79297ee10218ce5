/* Unit tests of the pure xenstore core: requests go in through
 * xs_core_request, replies are read from the connection's queue.  Ends
 * with a leak count and a snapshot/journal round trip. */
#include "check.h"
#include "journal.h"
#include "xs_core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core_req.h"

static void test_basic(struct xs_conn *d0)
{
    CHECK_EQ(wr(d0, 0, "/a/b/c", "hello"), 0);
    CHECK_EQ(rs(d0, XS_READ, 0, "/a/b/c"), 0);
    CHECK_STR(reply, "hello");
    CHECK_EQ(rhdr.len, 5);
    CHECK_EQ(rs(d0, XS_READ, 0, "/a/b"), 0);
    CHECK_EQ(rhdr.len, 0);
    CHECK_EQ(rs(d0, XS_DIRECTORY, 0, "/a"), 0);
    CHECK_STR(reply, "b");
    CHECK_EQ(wr(d0, 0, "/a/b/d", ""), 0);
    CHECK_EQ(rs(d0, XS_DIRECTORY, 0, "/a/b"), 0);
    CHECK_EQ(rhdr.len, 4);
    CHECK(!memcmp(reply, "c\0d\0", 4));
    CHECK_EQ(rs(d0, XS_MKDIR, 0, "/a/b/c"), 0); /* exists: no change */
    CHECK_EQ(rs(d0, XS_READ, 0, "/a/b/c"), 0);
    CHECK_STR(reply, "hello");
    CHECK_EQ(rs(d0, XS_RM, 0, "/a/b/zz"), 0); /* parent exists: OK */
    CHECK_EQ(rs(d0, XS_RM, 0, "/a/q/zz"), ENOENT);
    CHECK_EQ(rs(d0, XS_RM, 0, "/"), EINVAL);
    CHECK_EQ(rs(d0, XS_RM, 0, "/a/b"), 0);
    CHECK_EQ(rs(d0, XS_READ, 0, "/a/b/c"), ENOENT);
    CHECK_EQ(rs(d0, XS_DIRECTORY, 0, "/a"), 0);
    CHECK_EQ(rhdr.len, 0);
    CHECK_EQ(wr(d0, 0, "rel", "r"), 0);
    CHECK_EQ(rs(d0, XS_READ, 0, "/local/domain/0/rel"), 0);
    CHECK_STR(reply, "r");
    CHECK_EQ(rs(d0, XS_GET_DOMAIN_PATH, 0, "3"), 0);
    CHECK_STR(reply, "/local/domain/3");
    CHECK_EQ(rs(d0, XS_GET_PERMS, 0, "/a"), 0);
    CHECK_STR(reply, "n0");
}

static void test_bad_requests(struct xs_conn *d0)
{
    static const char *const bad[] = {
        "", "a//b", "/a/", "/a b", "/a\\b", "/é", "@other", "/a/./b",
    };
    char longp[XENSTORE_ABS_PATH_MAX + 10];
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
        CHECK_EQ(wr(d0, 0, bad[i], "x"), EINVAL);
    memset(longp, 'a', sizeof(longp) - 1);
    longp[0] = '/';
    longp[sizeof(longp) - 1] = 0;
    CHECK_EQ(wr(d0, 0, longp, "x"), EINVAL);
    CHECK_EQ(req(d0, XS_READ, 0, "/a", 2), EINVAL);  /* no NUL */
    CHECK_EQ(req(d0, XS_READ, 0, "/a\0/b", 6), EINVAL); /* two args */
    CHECK_EQ(req(d0, XS_WRITE, 0, "/a", 2), EINVAL);
    CHECK_EQ(req(d0, XS_READ, 0, "", 0), EINVAL);
    CHECK_EQ(rs(d0, 999, 0, "/a"), EINVAL);
    CHECK_EQ(rs(d0, XS_INVALID, 0, "/a"), EINVAL);
    CHECK_EQ(rs(d0, XS_WATCH_EVENT, 0, "/a"), EINVAL);
    CHECK_EQ(rs(d0, XS_ERROR, 0, "/a"), EINVAL);
    CHECK_EQ(rs(d0, XS_TRANSACTION_END, 0, "T"), ENOENT);
    CHECK_EQ(rs(d0, XS_READ, 77, "/a"), ENOENT);
    CHECK_EQ(r2(d0, XS_SET_PERMS, 0, "/a", "x0"), EINVAL);
    CHECK_EQ(r2(d0, XS_SET_PERMS, 0, "/a", "r"), EINVAL);
    CHECK_EQ(r2(d0, XS_SET_PERMS, 0, "/a", "r99999999"), EINVAL);
    CHECK_EQ(rs(d0, XS_SET_PERMS, 0, "/a"), EINVAL);
    CHECK_EQ(rs(d0, XS_INTRODUCE, 0, "1"), EINVAL);
    CHECK_EQ(rs(d0, XS_GET_DOMAIN_PATH, 0, "x"), EINVAL);
    CHECK_EQ(rs(d0, XS_RELEASE, 0, "44"), ENOENT);
    CHECK_EQ(r2(d0, XS_DIRECTORY_PART, 0, "/a", "x"), EINVAL);
    CHECK_EQ(rs(d0, XS_CONTROL, 0, "nonsense"), EINVAL);
    CHECK_EQ(r2(d0, XS_UNWATCH, 0, "/a", "nope"), ENOENT);
}

static void test_perms(struct xs_conn *d0, struct xs_conn *g1,
                       struct xs_conn *g2)
{
    char perms[] = "/local/domain/1\0n1\0r2";
    CHECK_EQ(rs(d0, XS_MKDIR, 0, "/local/domain/1"), 0);
    CHECK_EQ(req(d0, XS_SET_PERMS, 0, perms, sizeof(perms)), 0);
    CHECK_EQ(rs(d0, XS_GET_PERMS, 0, "/local/domain/1"), 0);
    CHECK(!memcmp(reply, "n1\0r2\0", 6));
    CHECK_EQ(wr(g1, 0, "x/y", "1"), 0);           /* owner writes */
    CHECK_EQ(rs(g1, XS_GET_PERMS, 0, "x/y"), 0);  /* inherited, owned by 1 */
    CHECK(!memcmp(reply, "n1\0r2\0", 6));
    CHECK_EQ(rs(g2, XS_READ, 0, "/local/domain/1/x/y"), 0); /* r2 */
    CHECK_EQ(wr(g2, 0, "/local/domain/1/x/y", "2"), EACCES);
    CHECK_EQ(wr(g2, 0, "/local/domain/1/new", "2"), EACCES);
    CHECK_EQ(rs(g2, XS_MKDIR, 0, "/local/domain/1/x/y"), EACCES);
    CHECK_EQ(rs(g1, XS_MKDIR, 0, "x/y"), 0);
    CHECK_EQ(rs(g2, XS_RM, 0, "/local/domain/1/x"), EACCES);
    CHECK_EQ(r2(g1, XS_SET_PERMS, 0, "x/y", "n2"), EPERM); /* give away */
    CHECK_EQ(r2(g1, XS_SET_PERMS, 0, "x/y", "n1"), 0);
    CHECK_EQ(rs(g2, XS_READ, 0, "/local/domain/1/x/y"), EACCES);
    CHECK_EQ(rs(g2, XS_READ, 0, "/local/domain/1/x/y/z"), EACCES);
    CHECK_EQ(rs(g1, XS_READ, 0, "x/y/z"), ENOENT);
    CHECK_EQ(wr(g1, 0, "/tool/x", "1"), EACCES);
    CHECK_EQ(rs(g1, XS_CONTROL, 0, "quota"), EACCES);
    CHECK_EQ(rs(g1, XS_INTRODUCE, 0, "3"), EACCES);
    /* device model: SET_TARGET lets domain 2 act for domain 1 */
    CHECK_EQ(req(d0, XS_INTRODUCE, 0, "2\0" "100\0" "3", 8), 0);
    CHECK_EQ(req(d0, XS_INTRODUCE, 0, "1\0" "200\0" "4", 8), 0);
    CHECK_EQ(r2(d0, XS_SET_TARGET, 0, "2", "1"), 0);
    CHECK_EQ(wr(g2, 0, "/local/domain/1/x/y", "dm"), 0);
    CHECK_EQ(rs(d0, XS_IS_DOMAIN_INTRODUCED, 0, "2"), 0);
    CHECK_STR(reply, "T");
    CHECK_EQ(rs(d0, XS_RELEASE, 0, "2"), 0);
    CHECK_EQ(rs(d0, XS_IS_DOMAIN_INTRODUCED, 0, "2"), 0);
    CHECK_STR(reply, "F");
    CHECK_EQ(wr(g2, 0, "/local/domain/1/x/y", "dm"), EACCES);
    /* read-only connection */
    {
        struct xs_conn *ro = conn_new(&core, 0, true, NULL, NULL);
        CHECK_EQ(rs(ro, XS_READ, 0, "/local/domain/1/x/y"), 0);
        CHECK_EQ(wr(ro, 0, "/ro", "x"), EROFS);
        CHECK_EQ(rs(ro, XS_RM, 0, "/a"), EROFS);
        conn_free(ro);
    }
}

static void test_transactions(struct xs_conn *d0, struct xs_conn *other)
{
    uint32_t t = tstart(d0), t2;
    CHECK(t != 0);
    CHECK_EQ(wr(d0, 0, "/t/v", "a"), 0);
    t = tstart(d0);
    CHECK_EQ(rs(d0, XS_READ, t, "/t/v"), 0);
    CHECK_EQ(wr(d0, t, "/t/v", "b"), 0);
    CHECK_EQ(wr(d0, t, "/t/new/deep", "n"), 0);
    CHECK_EQ(rs(other, XS_READ, 0, "/t/v"), 0);
    CHECK_STR(reply, "a");
    CHECK_EQ(rs(other, XS_READ, 0, "/t/new/deep"), ENOENT);
    CHECK_EQ(rs(d0, XS_DIRECTORY, t, "/t"), 0);
    CHECK_EQ(rhdr.len, 6);
    CHECK_EQ(rs(d0, XS_TRANSACTION_END, t, "T"), 0);
    CHECK_EQ(rs(other, XS_READ, 0, "/t/new/deep"), 0);
    /* conflict */
    t = tstart(d0);
    CHECK_EQ(rs(d0, XS_READ, t, "/t/v"), 0);
    CHECK_EQ(wr(other, 0, "/t/v", "x"), 0);
    CHECK_EQ(rs(d0, XS_READ, t, "/t/v"), 0);
    CHECK_STR(reply, "b"); /* snapshot isolation inside */
    CHECK_EQ(wr(d0, t, "/t/v", "c"), 0);
    CHECK_EQ(rs(d0, XS_TRANSACTION_END, t, "T"), EAGAIN);
    CHECK_EQ(rs(d0, XS_READ, 0, "/t/v"), 0);
    CHECK_STR(reply, "x");
    /* abort and rm in a transaction */
    t = tstart(d0);
    CHECK_EQ(rs(d0, XS_RM, t, "/t"), 0);
    CHECK_EQ(rs(d0, XS_READ, t, "/t/v"), ENOENT);
    CHECK_EQ(rs(d0, XS_TRANSACTION_END, t, "F"), 0);
    CHECK_EQ(rs(d0, XS_READ, 0, "/t/v"), 0);
    /* two transactions on disjoint nodes both commit */
    t = tstart(d0);
    t2 = tstart(other);
    CHECK_EQ(wr(d0, t, "/t/v", "1"), 0);
    CHECK_EQ(wr(other, t2, "/t/new/deep", "2"), 0);
    CHECK_EQ(rs(d0, XS_TRANSACTION_END, t, "T"), 0);
    CHECK_EQ(rs(other, XS_TRANSACTION_END, t2, "T"), 0);
    CHECK_EQ(rs(d0, XS_TRANSACTION_START, t2, ""), EBUSY); /* no nesting */
    CHECK_EQ(rs(d0, XS_TRANSACTION_END, t, "X"), EINVAL);
    CHECK_EQ(rs(d0, XS_TRANSACTION_END, t, "T"), ENOENT); /* already ended */
}

static void test_watches(struct xs_conn *d0, struct xs_conn *w,
                         struct xs_conn *g1)
{
    CHECK_EQ(r2(w, XS_WATCH, 0, "/wt", "tok"), 0);
    CHECK_EQ(pop(w), 0); /* fires once at once */
    CHECK_EQ(rhdr.type, XS_WATCH_EVENT);
    CHECK(!memcmp(reply, "/wt\0tok\0", 8));
    CHECK_EQ(r2(w, XS_WATCH, 0, "/wt", "tok"), EEXIST);
    CHECK_EQ(r2(w, XS_WATCH, 0, "/wt/sub/leaf", "deep"), 0);
    drain(w);
    CHECK_EQ(wr(d0, 0, "/wt/a", "1"), 0);
    CHECK_EQ(pop(w), 0);
    CHECK_STR(reply, "/wt/a");
    CHECK_EQ(pop(w), -1);
    CHECK_EQ(wr(d0, 0, "/wt/sub/leaf", "1"), 0);
    CHECK_EQ(pop(w), 0);
    CHECK_EQ(pop(w), 0);
    CHECK_EQ(pop(w), -1);
    CHECK_EQ(rs(d0, XS_RM, 0, "/wt"), 0); /* fires /wt and the deep one */
    {
        int deep = 0;
        for (int i = 0; i < 2; i++) {
            CHECK_EQ(pop(w), 0);
            deep += !strcmp(reply, "/wt/sub/leaf");
        }
        CHECK_EQ(deep, 1);
        CHECK_EQ(pop(w), -1);
    }
    CHECK_EQ(r2(w, XS_UNWATCH, 0, "/wt/sub/leaf", "deep"), 0);
    /* transaction: events only on commit */
    {
        uint32_t t = tstart(d0);
        CHECK_EQ(wr(d0, t, "/wt/x", "1"), 0);
        CHECK_EQ(pop(w), -1);
        CHECK_EQ(rs(d0, XS_TRANSACTION_END, t, "T"), 0);
        CHECK_EQ(pop(w), 0);
        CHECK_STR(reply, "/wt/x");
    }
    /* a relative watch reports relative paths; nothing unreadable leaks */
    CHECK_EQ(r2(g1, XS_WATCH, 0, "rw", "r"), 0);
    CHECK_EQ(pop(g1), 0);
    CHECK_STR(reply, "rw");
    CHECK_EQ(wr(g1, 0, "rw/k", "1"), 0);
    CHECK_EQ(pop(g1), 0);
    CHECK_STR(reply, "rw/k");
    CHECK_EQ(r2(g1, XS_WATCH, 0, "/secret", "s"), 0);
    drain(g1);
    CHECK_EQ(wr(d0, 0, "/secret/k", "1"), 0);
    CHECK_EQ(pop(g1), -1);
    /* special watches */
    CHECK_EQ(r2(w, XS_WATCH, 0, "@introduceDomain", "i"), 0);
    CHECK_EQ(r2(g1, XS_WATCH, 0, "@introduceDomain", "spy"), 0);
    drain(w);
    drain(g1);
    CHECK_EQ(req(d0, XS_INTRODUCE, 0, "9\0" "1\0" "2", 6), 0);
    CHECK_EQ(pop(w), 0);
    CHECK_STR(reply, "@introduceDomain");
    CHECK_EQ(pop(g1), -1); /* guests do not see domain life cycle */
    CHECK_EQ(rs(d0, XS_GET_PERMS, 0, "@introduceDomain"), 0);
    CHECK_STR(reply, "n0");
    {
        static const char p[] = "@introduceDomain\0n0\0r1";
        CHECK_EQ(req(d0, XS_SET_PERMS, 0, p, sizeof(p)), 0);
    }
    CHECK_EQ(pop(w), -1); /* a perms change is no domain event */
    CHECK_EQ(req(d0, XS_INTRODUCE, 0, "8\0" "1\0" "2", 6), 0);
    CHECK_EQ(pop(g1), 0); /* now domain 1 may see them (driver domain) */
    CHECK_STR(reply, "@introduceDomain");
    CHECK_EQ(rs(g1, XS_READ, 0, "@introduceDomain"), EINVAL);
    CHECK_EQ(r2(g1, XS_SET_PERMS, 0, "@introduceDomain", "b1"), EACCES);
    drain(w);
    CHECK_EQ(req(w, XS_RESET_WATCHES, 0, "", 0), 0);
    CHECK_EQ(w->nwatches, 0);
    /* watch storm: events for a client that never reads are capped */
    CHECK_EQ(r2(w, XS_WATCH, 0, "/storm", "s"), 0);
    for (int i = 0; i < 6000; i++)
        wr(d0, 0, "/storm/x", "y");
    CHECK(w->out_events <= XS_MAX_QUEUED_EVENTS);
    CHECK(w->events_dropped > 0);
    drain(w);
    /* a guest with a huge token is capped by bytes */
    {
        static char tok[3000];
        memset(tok, 't', sizeof(tok) - 1);
        CHECK_EQ(r2(g1, XS_WATCH, 0, "big", tok), 0);
        for (int i = 0; i < 1000; i++)
            wr(d0, 0, "/local/domain/1/big", "x");
        CHECK(g1->out_bytes <= XS_MAX_QUEUED_BYTES);
        CHECK(g1->events_dropped > 0);
        drain(g1);
        CHECK_EQ(r2(g1, XS_UNWATCH, 0, "big", tok), 0);
    }
}

static void test_quotas(struct xs_conn *d0, struct xs_conn *g1)
{
    char big[2100], name[64];
    int rc = 0, i;
    memset(big, 'z', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    CHECK_EQ(wr(g1, 0, "q/big", big), ENOSPC);
    CHECK_EQ(wr(d0, 0, "/dom0/big", big), 0); /* dom0 is not bound */
    {
        char p[] = "q\0n1\0r2\0r3\0r4\0r5\0r6";
        CHECK_EQ(wr(g1, 0, "q", ""), 0);
        CHECK_EQ(req(g1, XS_SET_PERMS, 0, p, sizeof(p)), ENOSPC);
    }
    CHECK_EQ(req(d0, XS_CONTROL, 0, "quota\0nodes\0" "20", 15), 0);
    for (i = 0; i < 40 && !rc; i++) {
        snprintf(name, sizeof(name), "q/n%d", i);
        rc = wr(g1, 0, name, "");
    }
    CHECK_EQ(rc, ENOSPC);
    CHECK(i < 25);
    {
        static const char set[] = "quota-set\0nodes\0" "1000";
        CHECK_EQ(req(d0, XS_CONTROL, 0, set, sizeof(set)), 0);
    }
    CHECK_EQ(wr(g1, 0, "q/more", ""), 0);
    CHECK_EQ(req(d0, XS_CONTROL, 0, "quota\0nodes\0" "0", 14), EINVAL);
    CHECK_EQ(req(d0, XS_CONTROL, 0, "quota\0bogus\0" "5", 14), EINVAL);
    CHECK_EQ(rs(d0, XS_CONTROL, 0, "quota"), 0);
    CHECK(strstr(reply, "transaction-nodes") != NULL);
    CHECK_EQ(r2(d0, XS_CONTROL, 0, "quota", "1"), 0);
    CHECK(strstr(reply, "Domain 1") != NULL);
    /* transaction-nodes */
    CHECK_EQ(req(d0, XS_CONTROL, 0, "quota\0transaction-nodes\0" "5", 26), 0);
    {
        uint32_t t = tstart(g1);
        for (i = 0, rc = 0; i < 10 && !rc; i++) {
            snprintf(name, sizeof(name), "q/n%d", i);
            rc = rs(g1, XS_READ, t, name);
        }
        CHECK_EQ(rc, ENOSPC);
        CHECK_EQ(rs(g1, XS_TRANSACTION_END, t, "F"), 0);
    }
    CHECK_EQ(req(d0, XS_CONTROL, 0, "quota\0transaction-nodes\0" "1024", 29),
             0);
    /* path-max for a domain */
    {
        char p[XENSTORE_REL_PATH_MAX + 10];
        memset(p, 'p', sizeof(p) - 1);
        p[sizeof(p) - 1] = 0;
        CHECK_EQ(wr(g1, 0, p, "x"), EINVAL);
    }
}

static void test_directory_part(struct xs_conn *d0)
{
    char name[128];
    uint32_t total = 0, off = 0;
    for (int i = 0; i < 200; i++) {
        snprintf(name, sizeof(name), "/big/child-with-a-long-name-%04d-xxxxxx", i);
        CHECK_EQ(wr(d0, 0, name, ""), 0);
        total += (uint32_t)strlen(name) - 5 + 1;
    }
    CHECK_EQ(rs(d0, XS_DIRECTORY, 0, "/big"), E2BIG);
    for (int rounds = 0; rounds < 10; rounds++) {
        char offs[16];
        uint32_t gl, sect;
        snprintf(offs, sizeof(offs), "%u", off);
        CHECK_EQ(r2(d0, XS_DIRECTORY_PART, 0, "/big", offs), 0);
        gl = (uint32_t)strlen(reply) + 1;
        sect = rhdr.len - gl;
        CHECK(sect > 0 && reply[rhdr.len - 1] == 0);
        if (sect == 1 || (sect >= 2 && reply[rhdr.len - 2] == 0)) {
            off += sect - 1; /* the extra empty name ends the list */
            break;
        }
        off += sect;
    }
    CHECK_EQ(off, total);
}

static void test_close_mid_transaction(void)
{
    struct xs_conn *c = conn_new(&core, 0, false, NULL, NULL);
    uint32_t t = tstart(c);
    CHECK_EQ(wr(c, t, "/vanish/x", "1"), 0);
    CHECK_EQ(r2(c, XS_WATCH, 0, "/vanish", "v"), 0);
    conn_free(c); /* client vanishes: its transaction and watch go */
    CHECK_EQ(map_get(&core.base, "/vanish/x") == NULL, 1);
    CHECK(core.gwatches == NULL || strcmp(core.gwatches->path, "/vanish"));
}

static int same_bytes(const void *a, const void *b, size_t n)
{
    return n == 0 || !memcmp(a, b, n);
}

static int same_node(const struct xs_node *a, const struct xs_node *b)
{
    return b && a->vlen == b->vlen && a->clen == b->clen &&
           a->nperms == b->nperms && same_bytes(a->value, b->value, a->vlen) &&
           same_bytes(a->children, b->children, a->clen) &&
           !memcmp(a->perms, b->perms, a->nperms * sizeof(*a->perms));
}

static int same_store(struct xs_core *a, struct xs_core *b)
{
    size_t it;
    if (a->base.count != b->base.count)
        return 0;
    for (struct xs_node *n = map_first(&a->base, &it); n;
         n = map_next(&a->base, &it, n))
        if (!same_node(n, map_get(&b->base, n->path)))
            return 0;
    return 1;
}

static void test_roundtrip(void)
{
    char dir[] = "/tmp/xs-unit.XXXXXX";
    struct journal *j, *j2;
    struct xs_core other;
    char cmd[64];

    CHECK(mkdtemp(dir) != NULL);
    CHECK_EQ(journal_open(dir, &j), 0);
    journal_attach(j, &core);
    CHECK_EQ(journal_snapshot(j, &core), 0);
    /* more changes after the snapshot go to the journal only */
    {
        struct xs_conn *c = conn_new(&core, 0, false, NULL, NULL);
        uint32_t t;
        CHECK_EQ(wr(c, 0, "/after/snap", "yes"), 0);
        CHECK_EQ(rs(c, XS_RM, 0, "/a"), 0);
        t = tstart(c);
        CHECK_EQ(wr(c, t, "/after/tx", "t"), 0);
        CHECK_EQ(rs(c, XS_TRANSACTION_END, t, "T"), 0);
        CHECK_EQ(req(c, XS_INTRODUCE, 0, "7\0" "77\0" "5", 7), 0);
        conn_free(c);
    }
    CHECK_EQ(xs_core_init(&other), 0);
    CHECK_EQ(journal_open(dir, &j2), 0);
    CHECK_EQ(journal_load(j2, &other), 0);
    CHECK(same_store(&core, &other));
    CHECK(domain_find(&other, 7) && domain_find(&other, 7)->introduced);
    CHECK_EQ(domain_find(&other, 7)->mfn, 77);
    journal_close(j2);
    xs_core_destroy(&other);
    /* a torn tail (kill -9 mid-write) is dropped, the rest loads */
    {
        FILE *f;
        snprintf(cmd, sizeof(cmd), "%s/journal", dir);
        f = fopen(cmd, "a");
        CHECK(f != NULL);
        if (f) {
            fwrite("XSJ1garbage", 1, 11, f);
            fclose(f);
        }
    }
    CHECK_EQ(xs_core_init(&other), 0);
    CHECK_EQ(journal_open(dir, &j2), 0);
    CHECK_EQ(journal_load(j2, &other), 0);
    CHECK(same_store(&core, &other));
    journal_close(j2);
    xs_core_destroy(&other);
    core.persist = NULL;
    journal_close(j);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    CHECK_EQ(system(cmd), 0);
}

int main(void)
{
    struct xs_conn *d0, *other, *g1, *g2;

    CHECK_EQ(xs_core_init(&core), 0);
    tree_init(&core);
    d0 = conn_new(&core, 0, false, NULL, NULL);
    other = conn_new(&core, 0, false, NULL, NULL);
    g1 = conn_new(&core, 1, false, NULL, NULL);
    g2 = conn_new(&core, 2, false, NULL, NULL);
    test_basic(d0);
    test_bad_requests(d0);
    test_perms(d0, g1, g2);
    test_transactions(d0, other);
    test_watches(d0, other, g1);
    test_quotas(d0, g1);
    test_directory_part(d0);
    test_close_mid_transaction();
    test_roundtrip();
    xs_core_destroy(&core);
    CHECK_EQ(xs_live_allocs, 0);
    return check_done("xenstore core");
}
