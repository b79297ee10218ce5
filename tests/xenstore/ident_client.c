/* Backend identities through the real daemon: domain 0 registers tokens
 * (XS_CONTROL authorise), a socket client identifies with one and is then
 * refused another domain's nodes; ring attaches carrying a token attach
 * only the token's domain, once; an untrusted peer (another uid, when we
 * run as root) has no rights until it identifies. */
#include "check.h"
#include "xs_client.h"

#include <grp.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define TOK5 "tok5-0123456789abcdef0123456789"
#define TOK6 "tok6-0123456789abcdef0123456789"
#define TOK7 "tok7-0123456789abcdef0123456789"

static int ctl2(struct tc *c, const char *cmd, const char *a, const char *b)
{
    char buf[256];
    size_t lc = strlen(cmd) + 1, la = strlen(a) + 1, lb = b ? strlen(b) + 1 : 0;
    memcpy(buf, cmd, lc);
    memcpy(buf + lc, a, la);
    if (b)
        memcpy(buf + lc + la, b, lb);
    return tc_req(c, XS_CONTROL, 0, buf, (uint32_t)(lc + la + lb));
}

static void setup(struct tc *d0)
{
    CHECK_EQ(ctl2(d0, "authorise", "5", TOK5), 0);
    CHECK_EQ(ctl2(d0, "authorise", "6", TOK6), 0);
    CHECK_EQ(ctl2(d0, "authorise", "7", TOK7), 0);
    CHECK_EQ(tc_write(d0, 0, "/local/domain/0/backend/vbd/5/51712/state", "1"), 0);
    CHECK_EQ(tc_write(d0, 0, "/local/domain/0/backend/vbd/6/51712/state", "1"), 0);
    CHECK_EQ(tc_write(d0, 0, "/local/domain/6/device/vbd/51712/state", "1"), 0);
    CHECK_EQ(tc_write(d0, 0, "/local/domain/5/device/vbd/51712/state", "1"), 0);
}

static void backend_socket(struct tc *d0)
{
    struct tc be, again;

    CHECK_EQ(tc_open_socket(&be, "socket"), 0);
    CHECK_EQ(ctl2(&be, "identify", "no-such-token-0123456789", NULL), EACCES);
    CHECK_EQ(ctl2(&be, "identify", TOK5, NULL), 0);
    CHECK_EQ(tc_write(&be, 0, "/local/domain/0/backend/vbd/5/51712/state", "4"), 0);
    CHECK_EQ(tc_read(&be, 0, "/local/domain/5/device/vbd/51712/state"), 0);
    /* the test: a VMM trying another domain's nodes is refused */
    CHECK_EQ(tc_write(&be, 0, "/local/domain/0/backend/vbd/6/51712/state", "4"),
             EACCES);
    CHECK_EQ(tc_read(&be, 0, "/local/domain/6/device/vbd/51712/state"), EACCES);
    CHECK_EQ(tc_write(&be, 0, "/local/domain/6/device/vbd/51712/state", "6"),
             EACCES);
    CHECK_EQ(tc_write(&be, 0, "/local/domain/0/evil", "1"), EACCES);
    CHECK_EQ(tc_req(&be, XS_INTRODUCE, 0, "9\0" "1\0" "2", 6), EACCES);
    CHECK_EQ(tc_two(&be, XS_WATCH, 0, "/local/domain/6", "spy"), EACCES);
    CHECK_EQ(tc_two(&be, XS_WATCH, 0, "/local/domain/5/device", "fe"), 0);
    CHECK_EQ(tc_wait_event(&be, 2000), 0); /* the initial one */
    CHECK_EQ(tc_write(d0, 0, "/local/domain/5/device/vbd/51712/state", "3"), 0);
    CHECK_EQ(tc_wait_event(&be, 2000), 0);
    CHECK_STR(be.last_event, "/local/domain/5/device/vbd/51712/state");
    CHECK_EQ(tc_read(d0, 0, "/local/domain/0/backend/vbd/6/51712/state"), 0);
    CHECK_STR(d0->body, "1");
    /* a token serves one connection */
    CHECK_EQ(tc_open_socket(&again, "socket"), 0);
    CHECK_EQ(ctl2(&again, "identify", TOK5, NULL), EACCES);
    CHECK_EQ(tc_write(&again, 0, "/local/domain/0/x", "1"), 0); /* still root */
    tc_close(&again);
    tc_close(&be);
}

/* Retry while the daemon has not yet seen the previous ring's EOF. */
static int attach_settled(struct tc *r, uint32_t domid, const char *tok)
{
    int rc = -EBUSY;
    for (int i = 0; i < 100 && rc == -EBUSY; i++) {
        rc = tc_ring_attach_token(r, domid, tok);
        if (rc == -EBUSY)
            usleep(10000);
    }
    return rc;
}

static void rings(void)
{
    struct tc r5, r7;

    CHECK_EQ(tc_ring_create(&r5), 0);
    CHECK_EQ(tc_ring_attach_token(&r5, 6, TOK5), -EACCES); /* foreign domid */
    CHECK_EQ(tc_ring_attach_token(&r5, 5, "bad token!"), -EACCES);
    CHECK_EQ(tc_ring_attach_token(&r5, 5, TOK5), 0);
    CHECK_EQ(tc_str(&r5, XS_GET_DOMAIN_PATH, 0, "5"), 0); /* served */
    CHECK_EQ(tc_ring_create(&r7), 0);
    CHECK_EQ(tc_ring_attach_token(&r7, 7, TOK7), 0);
    tc_close(&r7); /* the VMM goes away ... */
    CHECK_EQ(attach_settled(&r7, 7, TOK7), -EACCES); /* ... its token is spent */
    CHECK_EQ(attach_settled(&r7, 7, NULL), 0);       /* root needs none */
    tc_close(&r7);
    tc_close(&r5);
}

static int nobody_child(void)
{
    struct tc s, r;

    check_failures = 0; /* the parent's count is the parent's */
    if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
        return 100;
    CHECK_EQ(tc_open_socket(&s, "socket"), 0);
    CHECK_EQ(tc_read(&s, 0, "/local/domain/0/backend/vbd/6/51712/state"), EACCES);
    CHECK_EQ(tc_write(&s, 0, "/local/domain/0/x", "1"), EACCES);
    CHECK_EQ(ctl2(&s, "quota", "5", NULL), EACCES);
    CHECK_EQ(ctl2(&s, "identify", TOK6, NULL), 0);
    CHECK_EQ(tc_write(&s, 0, "/local/domain/0/backend/vbd/6/51712/state", "2"), 0);
    CHECK_EQ(tc_write(&s, 0, "/local/domain/0/backend/vbd/5/51712/state", "2"),
             EACCES);
    CHECK_EQ(tc_ring_create(&r), 0);
    CHECK_EQ(tc_ring_attach_token(&r, 8, NULL), -EACCES); /* no token, not root */
    CHECK_EQ(tc_ring_attach_token(&r, 5, TOK6), -EACCES);
    CHECK_EQ(tc_ring_attach_token(&r, 6, TOK6), 0);
    tc_close(&r);
    tc_close(&s);
    return check_failures ? 1 : 0;
}

static void untrusted_peer(void)
{
    char path[512];
    int status = -1;
    pid_t pid;

    if (geteuid() != 0) {
        printf("# untrusted peer: SKIP (needs root to run a client as nobody)\n");
        return;
    }
    snprintf(path, sizeof(path), "%s/socket", tc_rundir());
    CHECK_EQ(chmod(path, 0666), 0);
    snprintf(path, sizeof(path), "%s/" XS_RING_SOCKET_NAME, tc_rundir());
    CHECK_EQ(chmod(path, 0666), 0);
    CHECK_EQ(chmod(tc_rundir(), 0755), 0);
    pid = fork();
    if (pid == 0)
        _exit(nobody_child());
    CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
    CHECK_EQ(status, 0);
}

int main(void)
{
    char rundir[256];
    struct tc d0;
    pid_t pid;

    snprintf(rundir, sizeof(rundir), "/tmp/xs-ident.XXXXXX");
    if (!mkdtemp(rundir))
        return 1;
    setenv("XENSTORED_RUNDIR", rundir, 1);
    pid = tc_start_daemon(NULL);
    CHECK(pid > 0);
    CHECK_EQ(tc_open_socket(&d0, "socket"), 0);
    setup(&d0);
    backend_socket(&d0);
    rings();
    untrusted_peer();
    tc_close(&d0);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
    {
        char cmd[300];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", rundir);
        if (system(cmd)) { /* best effort */ }
    }
    return check_done("ident_client");
}
