/* Unit tests of the local-users policy core (policy.c) and of peer
 * identity (peer.c): SO_PEERCRED, sock_diag on IPv4 and IPv6 loopback,
 * a closed client that must not come out as root. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "peer.h"
#include "policy.h"

#define ALICE 4101
#define BOB 4102
#define STRANGER 4103u

static const struct caller root = { .known = true, .uid = 0, .admin = true, .name = "root" };
static const struct caller alice = { .known = true, .uid = ALICE, .name = "alice" };
static const struct caller dave = { .known = true, .uid = 4104 };
static const struct caller nobody = { .known = false };

static const struct target t_alice = { .domain = true, .domid = 3, .has_owner = true,
                                       .owner = ALICE, .owner_name = "alice" };
static const struct target t_bob = { .domain = true, .domid = 4, .has_owner = true,
                                     .owner = BOB, .owner_name = "bob" };
static const struct target t_none = { .domain = true, .domid = 5 };
static const struct target t_host = { .domain = false };

/* The whole matrix for one policy: rows callers, columns (need, target). */
static void test_matrix(void)
{
    const struct policy def = { .others_list = true, .user_create = false };
    const struct caller *who[] = { &root, &alice, &dave, &nobody };
    const struct { enum access need; const struct target *t; bool want[4]; } cells[] = {
        { ACC_LIST, &t_host, { 1, 1, 1, 1 } },
        { ACC_CREATE, &t_host, { 1, 0, 0, 0 } },
        { ACC_ADMIN, &t_host, { 1, 0, 0, 0 } },
        { ACC_READ, &t_alice, { 1, 1, 0, 0 } },
        { ACC_OPERATE, &t_alice, { 1, 1, 0, 0 } },
        { ACC_ADMIN, &t_alice, { 1, 0, 0, 0 } },
        { ACC_READ, &t_bob, { 1, 0, 0, 0 } },
        { ACC_OPERATE, &t_bob, { 1, 0, 0, 0 } },
        { ACC_OPERATE, &t_none, { 1, 0, 0, 0 } },
    };
    for (size_t k = 0; k < sizeof(cells) / sizeof(cells[0]); k++)
        for (size_t c = 0; c < 4; c++)
            if (policy_allows(&def, who[c], cells[k].need, cells[k].t) != cells[k].want[c]) {
                fprintf(stderr, "cell %zu caller %zu\n", k, c);
                CHECK(0);
            } else {
                CHECK(1);
            }
}

static void test_settings_change_it(void)
{
    const struct policy none = { .others_list = false, .user_create = true };
    CHECK(policy_allows(&none, &alice, ACC_CREATE, &t_host));
    CHECK(policy_allows(&none, &dave, ACC_CREATE, &t_host));
    CHECK(!policy_allows(&none, &nobody, ACC_CREATE, &t_host));
    CHECK(!policy_allows(&none, &nobody, ACC_LIST, &t_host));
    CHECK(policy_allows(&none, &dave, ACC_LIST, &t_host));
    CHECK(policy_sees(&none, &alice, &t_alice));
    CHECK(!policy_sees(&none, &alice, &t_bob));
    CHECK(!policy_sees(&none, &nobody, &t_alice));
    CHECK(policy_sees(&none, &root, &t_bob));
    const struct policy list = { .others_list = true };
    CHECK(policy_sees(&list, &nobody, &t_bob));
    /* a caller with uid 0 that is not known is still nobody */
    const struct caller fake_root = { .known = false, .uid = 0, .admin = true };
    CHECK(!policy_allows(&list, &fake_root, ACC_OPERATE, &t_none));
    CHECK(!policy_allows(&list, &fake_root, ACC_ADMIN, &t_host));
}

static void test_messages(void)
{
    char buf[256];
    policy_refusal(&alice, "destroy", &t_bob, buf, sizeof(buf));
    CHECK_STR(buf, "user alice (uid 4101) may not destroy domain 4 (owned by bob)");
    policy_refusal(&dave, "pause", &t_none, buf, sizeof(buf));
    CHECK_STR(buf, "uid 4104 may not pause domain 5 (no owner)");
    policy_refusal(&nobody, "create domains", &t_host, buf, sizeof(buf));
    CHECK_STR(buf, "an unidentified caller may not create domains");
    struct target by_uid = t_bob;
    by_uid.owner_name = NULL;
    policy_refusal(&alice, "read", &by_uid, buf, sizeof(buf));
    CHECK_STR(buf, "user alice (uid 4101) may not read domain 4 (owned by uid 4102)");
}

static void test_caller(void)
{
    struct caller c;
    caller_from_uid(&c, true, 0, "");
    CHECK(c.known && c.admin);
    CHECK_STR(c.name, "root");
    caller_from_uid(&c, false, 0, "root");
    CHECK(!c.known && !c.admin);
    if (geteuid() == 0) {
        caller_from_uid(&c, true, 3999777, "root");
        CHECK(c.known && !c.admin);
        CHECK_STR(c.name, "");
        CHECK(uid_in_group(0, "root"));
        CHECK(!uid_in_group(3999777, "root"));
        CHECK(!uid_in_group(0, "no-such-group-xeno"));
    }
}

/* In a child: become uid (when root), connect to sa, send a byte, and wait
 * for the parent to say done (or close at once when linger is false). */
static pid_t client(const struct sockaddr *sa, socklen_t len, uid_t uid, bool linger,
                    int done)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    if (geteuid() == 0 && uid != 0 && setresuid(uid, uid, uid) < 0)
        _exit(2);
    int fd = socket(sa->sa_family, SOCK_STREAM, 0);
    char b = 0;
    if (fd < 0 || connect(fd, sa, len) < 0 || write(fd, "x", 1) != 1)
        _exit(3);
    if (linger && read(done, &b, 1) < 0)
        _exit(4);
    _exit(0);
}

static int listener(int family, struct sockaddr_storage *ss, socklen_t *len)
{
    int fd = socket(family, SOCK_STREAM, 0);
    memset(ss, 0, sizeof(*ss));
    if (family == AF_INET) {
        struct sockaddr_in *in = (struct sockaddr_in *)ss;
        in->sin_family = AF_INET;
        in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        *len = sizeof(*in);
    } else {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
        in6->sin6_family = AF_INET6;
        in6->sin6_addr = in6addr_loopback;
        *len = sizeof(*in6);
    }
    if (fd < 0 || bind(fd, (struct sockaddr *)ss, *len) < 0 || listen(fd, 4) < 0 ||
        getsockname(fd, (struct sockaddr *)ss, len) < 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* uid of the peer of one connection from a child running as want. */
static int tcp_case(int family, uid_t want, bool linger, uid_t *got)
{
    struct sockaddr_storage ss;
    socklen_t len;
    int lfd = listener(family, &ss, &len), pipefd[2], st;
    if (lfd < 0)
        return -EAFNOSUPPORT;
    if (pipe(pipefd) < 0)
        return -errno;
    pid_t pid = client((struct sockaddr *)&ss, len, want, linger, pipefd[0]);
    int fd = accept(lfd, NULL, NULL);
    char b;
    int r = fd < 0 || read(fd, &b, 1) != 1 ? -EIO : 0;
    if (r == 0 && !linger)
        usleep(100000);             /* the client has closed by now */
    if (r == 0)
        r = peer_tcp_uid(fd, got);
    if (write(pipefd[1], "d", 1) < 0)
        r = r ? r : -EIO;
    waitpid(pid, &st, 0);
    close(pipefd[0]), close(pipefd[1]);
    if (fd >= 0)
        close(fd);
    close(lfd);
    return r;
}

static void test_tcp(void)
{
    uid_t want = geteuid() == 0 ? STRANGER : geteuid(), got = 12345;
    CHECK_EQ(tcp_case(AF_INET, want, true, &got), 0);
    CHECK_EQ(got, want);
    got = 12345;
    int r = tcp_case(AF_INET6, want, true, &got);
    if (r == -EAFNOSUPPORT) {
        printf("# no IPv6 loopback: skipped\n");
    } else {
        CHECK_EQ(r, 0);
        CHECK_EQ(got, want);
    }
    if (geteuid() == 0) {
        got = 12345;
        CHECK_EQ(tcp_case(AF_INET, 0, true, &got), 0);
        CHECK_EQ(got, 0);
    }
    /* a client that sent its request and closed: its socket is an orphan
     * or time-wait, which says uid 0 -- that must not be believed */
    got = 12345;
    r = tcp_case(AF_INET, want, false, &got);
    CHECK(r < 0);
    CHECK_EQ(got, 12345);
    /* a tuple that matches no socket */
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(1),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    struct sockaddr_in b = a;
    b.sin_port = htons(2);
    CHECK(peer_tcp_lookup((struct sockaddr *)&a, (struct sockaddr *)&b, &got) < 0);
    /* families must agree */
    struct sockaddr_in6 c6 = { .sin6_family = AF_INET6 };
    CHECK_EQ(peer_tcp_lookup((struct sockaddr *)&a, (struct sockaddr *)&c6, &got),
             -EAFNOSUPPORT);
}

static void test_unix(void)
{
    uid_t want = geteuid() == 0 ? STRANGER : geteuid(), got = 12345;
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    char dir[] = "/tmp/test_policy.XXXXXX";
    if (!mkdtemp(dir)) {
        CHECK(0);
        return;
    }
    chmod(dir, 0755);
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/s", dir);
    int lfd = socket(AF_UNIX, SOCK_STREAM, 0), pipefd[2], st;
    mode_t old = umask(0);
    CHECK(lfd >= 0 && bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
          listen(lfd, 2) == 0);
    umask(old);
    CHECK(pipe(pipefd) == 0);
    pid_t pid = client((struct sockaddr *)&sa, sizeof(sa), want, true, pipefd[0]);
    int fd = accept(lfd, NULL, NULL);
    CHECK_EQ(peer_unix_uid(fd, &got), 0);
    CHECK_EQ(got, want);
    CHECK(write(pipefd[1], "d", 1) == 1);
    waitpid(pid, &st, 0);
    close(fd), close(lfd), close(pipefd[0]), close(pipefd[1]);
    unlink(sa.sun_path);
    rmdir(dir);
    CHECK_EQ(peer_unix_uid(-1, &got), -EBADF);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    test_matrix();
    test_settings_change_it();
    test_messages();
    test_caller();
    test_tcp();
    test_unix();
    return check_done("policy");
}
