/* Peer identity (peer.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "peer.h"

#define DIAG_TIMEOUT_MS 1000

int peer_unix_uid(int fd, uid_t *uid)
{
    struct ucred cred;
    socklen_t n = sizeof(cred);
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &n) < 0)
        return -errno;
    if (n != sizeof(cred))
        return -EPROTO;
    *uid = cred.uid;
    return 0;
}

/* An IPv4 address as inet_diag wants it in an IPv6 socket's tuple: the
 * kernel keeps v4-mapped peers of a v6 socket as AF_INET6. */
static int fill_end(const struct sockaddr *sa, int family, __be16 *port,
                    __be32 addr[4])
{
    memset(addr, 0, 16);
    if (sa->sa_family == AF_INET && family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
        *port = in->sin_port;
        addr[0] = in->sin_addr.s_addr;
        return 0;
    }
    if (sa->sa_family == AF_INET6 && family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
        *port = in6->sin6_port;
        memcpy(addr, &in6->sin6_addr, 16);
        return 0;
    }
    return -EAFNOSUPPORT;
}

struct diag_request {
    struct nlmsghdr nlh;
    struct inet_diag_req_v2 req;
};

static int diag_build(const struct sockaddr *client, const struct sockaddr *server,
                      struct diag_request *m)
{
    memset(m, 0, sizeof(*m));
    m->nlh.nlmsg_len = sizeof(*m);
    m->nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    m->nlh.nlmsg_flags = NLM_F_REQUEST;     /* one socket, not a dump */
    m->nlh.nlmsg_seq = 1;
    m->req.sdiag_family = (__u8)client->sa_family;
    m->req.sdiag_protocol = IPPROTO_TCP;
    m->req.idiag_states = 1u << TCP_ESTABLISHED;
    m->req.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
    m->req.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
    int r = fill_end(client, client->sa_family, &m->req.id.idiag_sport,
                     m->req.id.idiag_src);
    return r < 0 ? r : fill_end(server, client->sa_family, &m->req.id.idiag_dport,
                                m->req.id.idiag_dst);
}

/* The answer: one inet_diag_msg whose tuple is the one asked for. */
static int diag_parse(const char *buf, size_t n, const struct diag_request *m,
                      uid_t *uid)
{
    const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
    if (!NLMSG_OK(h, n))
        return -EPROTO;
    if (h->nlmsg_type == NLMSG_ERROR) {
        const struct nlmsgerr *e = NLMSG_DATA(h);
        return h->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) && e->error ? e->error
                                                                    : -EPROTO;
    }
    if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
        h->nlmsg_len < NLMSG_LENGTH(sizeof(struct inet_diag_msg)))
        return -EPROTO;
    const struct inet_diag_msg *d = NLMSG_DATA(h);
    if (d->id.idiag_sport != m->req.id.idiag_sport ||
        d->id.idiag_dport != m->req.id.idiag_dport ||
        memcmp(d->id.idiag_src, m->req.id.idiag_src, 16) != 0 ||
        memcmp(d->id.idiag_dst, m->req.id.idiag_dst, 16) != 0)
        return -ESRCH;
    /* A connection the client has closed may already be a time-wait
     * socket, which reports uid 0 and no inode: only a live socket with a
     * file behind it names a user. */
    if (d->idiag_state != TCP_ESTABLISHED || d->idiag_inode == 0)
        return -ENOTCONN;
    *uid = d->idiag_uid;
    return 0;
}

static int diag_exchange(const struct diag_request *m, uid_t *uid)
{
    int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (fd < 0)
        return -errno;
    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
    int r = 0;
    if (sendto(fd, m, sizeof(*m), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
        r = -errno;
    union {
        char buf[8192];
        struct nlmsghdr align;
    } u;
    struct pollfd p = { .fd = fd, .events = POLLIN };
    if (r == 0 && poll(&p, 1, DIAG_TIMEOUT_MS) <= 0)
        r = -ETIMEDOUT;
    ssize_t got = r == 0 ? recv(fd, u.buf, sizeof(u.buf), 0) : -1;
    if (r == 0 && got < 0)
        r = -errno;
    if (r == 0)
        r = diag_parse(u.buf, (size_t)got, m, uid);
    close(fd);
    return r;
}

int peer_tcp_lookup(const struct sockaddr *client, const struct sockaddr *server,
                    uid_t *uid)
{
    struct diag_request m;
    int r = diag_build(client, server, &m);
    return r < 0 ? r : diag_exchange(&m, uid);
}

int peer_tcp_uid(int fd, uid_t *uid)
{
    struct sockaddr_storage local, peer;
    socklen_t ll = sizeof(local), pl = sizeof(peer);
    if (getsockname(fd, (struct sockaddr *)&local, &ll) < 0 ||
        getpeername(fd, (struct sockaddr *)&peer, &pl) < 0)
        return -errno;
    return peer_tcp_lookup((struct sockaddr *)&peer, (struct sockaddr *)&local, uid);
}

bool uid_in_group(uid_t uid, const char *group)
{
    struct group gr, *g = NULL;
    struct passwd pw, *p = NULL;
    char gbuf[4096], pbuf[4096];
    gid_t groups[256];
    int n = (int)(sizeof(groups) / sizeof(groups[0]));
    if (!group || !*group || getgrnam_r(group, &gr, gbuf, sizeof(gbuf), &g) != 0 ||
        !g)
        return false;
    if (getpwuid_r(uid, &pw, pbuf, sizeof(pbuf), &p) != 0 || !p)
        return false;
    if (p->pw_gid == g->gr_gid)
        return true;
    if (getgrouplist(p->pw_name, p->pw_gid, groups, &n) < 0)
        return false;           /* more than 256 groups: not trusted */
    for (int k = 0; k < n; k++)
        if (groups[k] == g->gr_gid)
            return true;
    return false;
}

void caller_from_uid(struct caller *c, bool known, uid_t uid, const char *admin_group)
{
    struct passwd pw, *p = NULL;
    char buf[4096];
    memset(c, 0, sizeof(*c));
    c->known = known;
    if (!known)
        return;
    c->uid = uid;
    if (getpwuid_r(uid, &pw, buf, sizeof(buf), &p) == 0 && p &&
        strlen(p->pw_name) < sizeof(c->name))
        strcpy(c->name, p->pw_name);
    c->admin = uid == 0 || uid == geteuid() || uid_in_group(uid, admin_group);
}
