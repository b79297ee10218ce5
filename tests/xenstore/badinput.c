/* Bad input against a running xenstored: malformed and oversized messages,
 * floods, a watch storm, endless and abandoned transactions, broken rings
 * and bad attach requests.  After each, another client must still be
 * served promptly and the daemon must be alive. */
#include "check.h"
#include "xs_client.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

static pid_t daemon_pid;

/* A fresh dom0 client gets an answer within the timeout. */
static int healthy(void)
{
    struct tc c;
    int rc;
    if (tc_open_socket(&c, "socket"))
        return 0;
    rc = tc_write(&c, 0, "/health", "ok") == 0 &&
         tc_read(&c, 0, "/health") == 0 && !strcmp(c.body, "ok");
    tc_close(&c);
    return rc && waitpid(daemon_pid, NULL, WNOHANG) == 0;
}

static int raw_send(struct tc *c, uint32_t type, uint32_t len,
                    const void *body, size_t blen)
{
    struct xsd_sockmsg h = { type, 1, 0, len };
    return tc_send(c, &h, sizeof(h)) || (blen && tc_send(c, body, blen));
}

static int closed_by_peer(struct tc *c)
{
    char b;
    struct timeval tv = { 2, 0 };
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    return recv(c->fd, &b, 1, 0) == 0;
}

static void malformed(void)
{
    struct tc c;
    CHECK_EQ(tc_open_socket(&c, "socket"), 0);
    CHECK_EQ(tc_req(&c, XS_READ, 0, "/no-nul", 7), EINVAL);
    CHECK_EQ(tc_req(&c, 12345, 0, "/x", 3), EINVAL);
    CHECK_EQ(tc_req(&c, XS_WATCH_EVENT, 0, "/x\0t", 5), EINVAL);
    CHECK_EQ(tc_req(&c, XS_WRITE, 0, "", 0), EINVAL);
    CHECK_EQ(tc_str(&c, XS_READ, 0, "/bad//path"), EINVAL);
    CHECK_EQ(tc_str(&c, XS_READ, 0, "/bad path"), EINVAL);
    CHECK_EQ(tc_str(&c, XS_READ, 0, "/trailing/"), EINVAL);
    CHECK_EQ(tc_str(&c, XS_READ, 55, "/x"), ENOENT); /* unknown tx */
    CHECK_EQ(tc_two(&c, XS_SET_PERMS, 0, "/", "q0"), EINVAL);
    CHECK_EQ(tc_str(&c, XS_READ, 0, "/still/answering"), ENOENT);
    /* a length beyond XENSTORE_PAYLOAD_MAX: the connection is dropped */
    CHECK_EQ(raw_send(&c, XS_READ, XENSTORE_PAYLOAD_MAX + 1, NULL, 0), 0);
    CHECK(closed_by_peer(&c));
    tc_close(&c);
    CHECK_EQ(tc_open_socket(&c, "socket"), 0);
    CHECK_EQ(raw_send(&c, XS_WRITE, 0xffffffffu, NULL, 0), 0);
    CHECK(closed_by_peer(&c));
    tc_close(&c);
    /* the maximum payload itself is fine */
    {
        static char big[XENSTORE_PAYLOAD_MAX];
        CHECK_EQ(tc_open_socket(&c, "socket"), 0);
        memcpy(big, "/bigval", 8);
        memset(big + 8, 'v', sizeof(big) - 8);
        CHECK_EQ(tc_req(&c, XS_WRITE, 0, big, sizeof(big)), 0);
        CHECK_EQ(tc_read(&c, 0, "/bigval"), 0);
        CHECK_EQ(c.hdr.len, XENSTORE_PAYLOAD_MAX - 8);
        tc_close(&c);
    }
    CHECK(healthy());
}

static void read_only_socket(void)
{
    struct tc c;
    CHECK_EQ(tc_open_socket(&c, "socket_ro"), 0);
    CHECK_EQ(tc_read(&c, 0, "/health"), 0);
    CHECK_EQ(tc_write(&c, 0, "/ro-write", "x"), EROFS);
    CHECK_EQ(tc_str(&c, XS_RM, 0, "/health"), EROFS);
    CHECK_EQ(tc_str(&c, XS_INTRODUCE, 0, "3"), EROFS);
    tc_close(&c);
}

static void half_message_and_flood(void)
{
    struct tc stall, flood;
    static char buf[64 * 1024];
    struct xsd_sockmsg h = { XS_READ, 1, 0, 8 };
    size_t off = 0;

    /* a client that sends half a header and stalls */
    CHECK_EQ(tc_open_socket(&stall, "socket"), 0);
    CHECK_EQ(tc_send(&stall, &h, 7), 0);
    CHECK(healthy());
    /* a client that pipelines thousands of requests and never reads */
    CHECK_EQ(tc_open_socket(&flood, "socket"), 0);
    while (off + sizeof(h) + 8 <= sizeof(buf)) {
        memcpy(buf + off, &h, sizeof(h));
        memcpy(buf + off + sizeof(h), "/health", 8);
        off += sizeof(h) + 8;
    }
    for (int i = 0; i < 20; i++)
        if (send(flood.fd, buf, off, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
            break;
    CHECK(healthy());
    tc_close(&flood);
    tc_close(&stall);
    CHECK(healthy());
}

static void watch_storm(void)
{
    struct tc lazy, w;
    struct timespec t0, t1;

    CHECK_EQ(tc_open_socket(&lazy, "socket"), 0);
    CHECK_EQ(tc_two(&lazy, XS_WATCH, 0, "/storm", "s"), 0);
    CHECK_EQ(tc_open_socket(&w, "socket"), 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < 20000; i++)
        if (tc_write(&w, 0, "/storm/x", "y"))
            break;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    CHECK(t1.tv_sec - t0.tv_sec < 60);
    CHECK(healthy());
    tc_close(&lazy);
    tc_close(&w);
}

static void transactions(void)
{
    struct tc idle, gone, c;
    uint32_t tx;

    /* a transaction that never ends does not block others */
    CHECK_EQ(tc_open_socket(&idle, "socket"), 0);
    CHECK_EQ(tc_str(&idle, XS_TRANSACTION_START, 0, ""), 0);
    tx = (uint32_t)atoi(idle.body);
    CHECK_EQ(tc_read(&idle, tx, "/health"), 0);
    CHECK_EQ(tc_write(&idle, tx, "/idle/x", "1"), 0);
    CHECK(healthy());
    /* a client vanishing mid-transaction leaves nothing behind */
    CHECK_EQ(tc_open_socket(&gone, "socket"), 0);
    CHECK_EQ(tc_str(&gone, XS_TRANSACTION_START, 0, ""), 0);
    tx = (uint32_t)atoi(gone.body);
    CHECK_EQ(tc_write(&gone, tx, "/gone/x", "1"), 0);
    tc_close(&gone);
    CHECK_EQ(tc_open_socket(&c, "socket"), 0);
    CHECK_EQ(tc_read(&c, 0, "/gone/x"), ENOENT);
    tc_close(&c);
    CHECK(healthy());
    tc_close(&idle);
}

static void bad_ring_indexes(void)
{
    struct tc g;
    CHECK_EQ(tc_ring_create(&g), 0);
    CHECK_EQ(tc_ring_attach(&g, 11), 0);
    g.intf->req_prod = g.intf->req_cons + XENSTORE_RING_SIZE + 5;
    tc_kick(&g);
    usleep(200000);
    CHECK_EQ(g.intf->error, XENSTORE_ERROR_RINGIDX);
    CHECK(healthy());
    /* the guest asks to reconnect: indexes reset, service resumes */
    g.intf->connection = XENSTORE_RECONNECT;
    tc_kick(&g);
    usleep(200000);
    CHECK_EQ(g.intf->connection, XENSTORE_CONNECTED);
    CHECK_EQ(g.intf->error, XENSTORE_ERROR_NONE);
    CHECK_EQ(g.intf->req_prod, 0);
    CHECK_EQ(tc_str(&g, XS_GET_DOMAIN_PATH, 0, "11"), 0);
    CHECK_STR(g.body, "/local/domain/11");
    /* a header with an oversized length: protocol error */
    {
        struct xsd_sockmsg h = { XS_READ, 1, 0, 100000 };
        CHECK_EQ(tc_ring_send(&g, (char *)&h, sizeof(h)), 0);
        usleep(200000);
        CHECK_EQ(g.intf->error, XENSTORE_ERROR_PROTO);
    }
    CHECK(healthy());
    tc_close(&g);
}

static void ring_flood(void)
{
    struct tc g;
    char msg[sizeof(struct xsd_sockmsg) + 3];
    struct xsd_sockmsg h = { XS_READ, 1, 0, 3 };

    CHECK_EQ(tc_ring_create(&g), 0);
    CHECK_EQ(tc_ring_attach(&g, 12), 0);
    memcpy(msg, &h, sizeof(h));
    memcpy(msg + sizeof(h), "/x", 3);
    /* fill the request ring again and again, never reading replies */
    for (int i = 0; i < 300; i++) {
        struct xenstore_domain_interface *in = g.intf;
        XENSTORE_RING_IDX prod = in->req_prod;
        if (XENSTORE_RING_SIZE - (prod - in->req_cons) < sizeof(msg))
            break;
        for (size_t k = 0; k < sizeof(msg); k++)
            in->req[MASK_XENSTORE_IDX(prod + k)] = msg[k];
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        in->req_prod = prod + sizeof(msg);
        tc_kick(&g);
    }
    usleep(200000);
    CHECK(healthy());
    /* the daemon stopped taking requests while replies wait */
    CHECK(g.intf->req_prod != g.intf->req_cons ||
          g.intf->rsp_prod - g.intf->rsp_cons == XENSTORE_RING_SIZE);
    tc_close(&g);
    CHECK(healthy());
}

static unsigned long daemon_ticks(void)
{
    char path[64], buf[512];
    unsigned long ut = 0, st = 0;
    FILE *f;
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)daemon_pid);
    f = fopen(path, "r");
    if (f && fgets(buf, sizeof(buf), f)) {
        char *p = strrchr(buf, ')');
        if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
                               "%lu %lu", &ut, &st) != 2)
            ut = st = 0;
    }
    if (f)
        fclose(f);
    return ut + st;
}

/* Out of descriptors: pending connections are shed, nothing spins, and
 * service resumes once clients go away. */
static void fd_exhaustion(void)
{
    struct rlimit old, lim;
    int fds[60], n = 0;
    unsigned long t0;

    CHECK_EQ(prlimit(daemon_pid, RLIMIT_NOFILE, NULL, &old), 0);
    lim.rlim_cur = 24;
    lim.rlim_max = old.rlim_max;
    CHECK_EQ(prlimit(daemon_pid, RLIMIT_NOFILE, &lim, NULL), 0);
    for (; n < 60; n++)
        if ((fds[n] = tc_unix("socket")) < 0)
            break;
    t0 = daemon_ticks();
    usleep(500000);
    /* a spinning loop would burn ~50 ticks in 0.5 s */
    CHECK(daemon_ticks() - t0 < 25);
    for (int i = 0; i < n; i++)
        close(fds[i]);
    usleep(100000);
    CHECK_EQ(prlimit(daemon_pid, RLIMIT_NOFILE, &old, NULL), 0);
    CHECK(healthy());
}

static void bad_attach(void)
{
    struct tc g;
    int32_t rc = 0;
    CHECK_EQ(tc_ring_create(&g), 0);
    CHECK(tc_ring_attach(&g, 0) < 0);     /* domain 0 has no ring */
    CHECK(tc_ring_attach(&g, 0x7ff5) < 0); /* reserved id */
    CHECK_EQ(ftruncate(g.memfd, 4096), 0); /* page beyond the memfd */
    CHECK_EQ(tc_ring_attach(&g, 13), -EINVAL);
    /* garbage instead of an attach message */
    g.ctl = tc_unix(XS_RING_SOCKET_NAME);
    CHECK(g.ctl >= 0);
    CHECK_EQ(send(g.ctl, "garbage", 7, 0), 7);
    CHECK_EQ(recv(g.ctl, &rc, sizeof(rc), MSG_WAITALL), (ssize_t)sizeof(rc));
    CHECK_EQ(rc, -EINVAL);
    tc_close(&g);
    CHECK(healthy());
}

int main(void)
{
    char rundir[64];
    char cmd[128];

    snprintf(rundir, sizeof(rundir), "/tmp/xs-bad.XXXXXX");
    if (!mkdtemp(rundir))
        return 1;
    setenv("XENSTORED_RUNDIR", rundir, 1);
    daemon_pid = tc_start_daemon(NULL); /* no fsync: floods stay fast */
    CHECK(daemon_pid > 0);
    CHECK(healthy());
    malformed();
    read_only_socket();
    half_message_and_flood();
    watch_storm();
    transactions();
    bad_ring_indexes();
    ring_flood();
    bad_attach();
    fd_exhaustion();
    kill(daemon_pid, SIGTERM);
    CHECK_EQ(waitpid(daemon_pid, NULL, 0), daemon_pid);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", rundir);
    if (system(cmd)) { /* best effort */ }
    return check_done("badinput");
}
