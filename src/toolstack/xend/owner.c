/* Domain owners (config key owner), the identity of API callers, and who
 * may use a domain's files: its console and log are xend's user's, with an
 * ACL for the owner and the admin group, nobody else (docs/privilege.md). */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/posix_acl.h>
#include <linux/posix_acl_xattr.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/log.h"
#include "peer.h"
#include "xend.h"

struct policy xend_policy(const struct xend_settings *s)
{
    return (struct policy){ .others_list = strcmp(s->others, "list") == 0,
                            .user_create = s->user_create };
}

/* "alice" or "1001" to a uid. */
static int owner_uid(const char *owner, uid_t *uid)
{
    struct passwd pw, *p = NULL;
    char buf[4096], *end;
    if (owner[strspn(owner, "0123456789")] == '\0') {
        unsigned long n = strtoul(owner, &end, 10);
        if (*end || n >= 0xffffffffUL)
            return -EINVAL;
        *uid = (uid_t)n;
        return 0;
    }
    if (getpwnam_r(owner, &pw, buf, sizeof(buf), &p) != 0 || !p)
        return -ENOENT;
    *uid = p->pw_uid;
    return 0;
}

int owner_resolve(struct domain *d, char *err, size_t len)
{
    d->has_owner = false;
    if (!d->cfg.owner)
        return 0;
    if (owner_uid(d->cfg.owner, &d->owner_uid) < 0) {
        snprintf(err, len, "owner '%.40s': no such user", d->cfg.owner);
        return -EINVAL;
    }
    d->has_owner = true;
    return 0;
}

/* In a child as the creator: can it open each file the domain gets?
 * Writes the index of the first refused file and its errno. */
static void check_as(const struct caller *c, const char *const *paths,
                     const bool *rw, size_t n, int out)
{
    struct passwd pw, *p = NULL;
    char buf[4096];
    gid_t groups[256];
    int ng = (int)(sizeof(groups) / sizeof(groups[0])), res[2] = { -1, 0 };
    gid_t gid = getpwuid_r(c->uid, &pw, buf, sizeof(buf), &p) == 0 && p ? p->pw_gid
                                                                        : (gid_t)c->uid;
    if (!p || getgrouplist(p->pw_name, gid, groups, &ng) < 0)
        ng = 0;
    if (setgroups((size_t)ng, groups) < 0 || setresgid(gid, gid, gid) < 0 ||
        setresuid(c->uid, c->uid, c->uid) < 0) {
        res[0] = 0, res[1] = EPERM;
    }
    for (size_t k = 0; res[0] < 0 && k < n; k++) {
        int fd = open(paths[k], (rw[k] ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
            res[0] = (int)k, res[1] = errno;
        else
            close(fd);
    }
    if (write(out, res, sizeof(res)) < 0)
        _exit(1);
    _exit(0);
}

/* The kernel, ramdisk and disks of cfg, as c could open them; xend opens
 * them as root, so a user's domain must not reach what the user can't. */
static int files_open_as(const struct caller *c, const struct domain_config *cfg,
                         char *err, size_t len)
{
    const char *paths[CFG_MAX_DISKS + 2];
    bool rw[CFG_MAX_DISKS + 2] = { false };
    size_t n = 0;
    paths[n++] = cfg->kernel;
    if (cfg->ramdisk)
        paths[n++] = cfg->ramdisk;
    for (size_t k = 0; k < cfg->n_disks && k < CFG_MAX_DISKS; k++) {
        rw[n] = cfg->disks[k].writable;
        paths[n++] = cfg->disks[k].target;
    }
    int fds[2], res[2] = { 0, EIO }, st;
    if (pipe2(fds, O_CLOEXEC) < 0)
        return -errno;
    pid_t pid = fork();
    if (pid == 0)
        check_as(c, paths, rw, n, fds[1]);
    close(fds[1]);
    ssize_t got = pid > 0 ? read(fds[0], res, sizeof(res)) : -1;
    close(fds[0]);
    if (pid > 0)
        waitpid(pid, &st, 0);
    if (got != (ssize_t)sizeof(res))
        res[0] = 0, res[1] = EIO;
    if (res[0] < 0)
        return 0;
    char who[CALLER_NAME_MAX + 40];
    caller_describe(c, who, sizeof(who));
    snprintf(err, len, "%s may not use %.200s in a domain: %s", who,
             paths[res[0] < (int)n ? res[0] : 0], strerror(res[1]));
    return -EACCES;
}

int owner_for_create(const struct caller *c, struct domain_config *cfg, char *err,
                     size_t len)
{
    uid_t uid;
    char who[CALLER_NAME_MAX + 40], num[16];
    if (c && c->known && c->admin)
        return 0;
    if (!c || !c->known) {
        snprintf(err, len, "an unidentified caller may not create domains");
        return -EACCES;
    }
    caller_describe(c, who, sizeof(who));
    if (cfg->owner && (owner_uid(cfg->owner, &uid) < 0 || uid != c->uid)) {
        snprintf(err, len, "%s may not create a domain owned by %.40s", who,
                 cfg->owner);
        return -EACCES;
    }
    snprintf(num, sizeof(num), "%u", (unsigned)c->uid);
    free(cfg->owner);
    if (!(cfg->owner = strdup(c->name[0] ? c->name : num)))
        return -ENOMEM;
    return files_open_as(c, cfg, err, len);
}

struct target owner_target(const struct domain *d, char *name, size_t len)
{
    struct target t = { .domain = true, .domid = d->domid,
                        .has_owner = d->has_owner, .owner = d->owner_uid,
                        .owner_name = name };
    snprintf(name, len, "%s", d->cfg.owner ? d->cfg.owner : "");
    return t;
}

/* Who besides xend's user gets at a domain's file. */
struct sharing {
    bool has_user, has_group;
    uid_t user;                 /* the owner */
    gid_t group;                /* xend-admin-group */
};

static void acl_add(struct posix_acl_xattr_entry *e, size_t *n, unsigned tag,
                    unsigned perm, uint32_t id)
{
    e[*n] = (struct posix_acl_xattr_entry){ .e_tag = htole16((uint16_t)tag),
                                            .e_perm = htole16((uint16_t)perm),
                                            .e_id = htole32(id) };
    (*n)++;
}

/* xend's user (perm_self), the owner and the admin group (perm), no one
 * else: three parties, more than owner:group can say, so an access ACL.
 * xenoweb runs as root without capabilities: it needs the owner bits. */
static int set_acl(const char *path, const struct sharing *sh, unsigned perm_self,
                   unsigned perm)
{
    struct {
        struct posix_acl_xattr_header h;
        struct posix_acl_xattr_entry e[6];
    } a;
    size_t n = 0;
    a.h.a_version = htole32(POSIX_ACL_XATTR_VERSION);
    acl_add(a.e, &n, ACL_USER_OBJ, perm_self, (uint32_t)ACL_UNDEFINED_ID);
    if (sh->has_user)
        acl_add(a.e, &n, ACL_USER, perm, sh->user);
    acl_add(a.e, &n, ACL_GROUP_OBJ, 0, (uint32_t)ACL_UNDEFINED_ID);
    if (sh->has_group)
        acl_add(a.e, &n, ACL_GROUP, perm, sh->group);
    acl_add(a.e, &n, ACL_MASK, perm, (uint32_t)ACL_UNDEFINED_ID);
    acl_add(a.e, &n, ACL_OTHER, 0, (uint32_t)ACL_UNDEFINED_ID);
    return setxattr(path, "system.posix_acl_access", &a,
                    sizeof(a.h) + n * sizeof(a.e[0]), 0) < 0 ? -errno : 0;
}

/* perm: ACL_READ (| ACL_WRITE).  Without ACLs on the filesystem the owner
 * gets the file and the admin group its group (xend's own user then only
 * by capability). */
static void share(struct xend *x, const char *path, const struct sharing *sh,
                  unsigned perm)
{
    unsigned self = ACL_READ | ACL_WRITE;
    mode_t mode = (mode_t)(self << 6 | perm << 3);
    if (!path[0])
        return;
    if (geteuid() == 0 && chown(path, geteuid(), getegid()) < 0 && errno != ENOENT)
        xlog(x, LOG_WARN, "chown %s: %s", path, strerror(errno));
    int r = set_acl(path, sh, self, perm);
    if (r == 0 || r == -ENOENT)
        return;
    if (geteuid() == 0 && chown(path, sh->has_user ? sh->user : geteuid(),
                                sh->has_group ? sh->group : getegid()) < 0)
        xlog(x, LOG_WARN, "chown %s: %s", path, strerror(errno));
    if (chmod(path, mode) < 0)
        xlog(x, LOG_WARN, "chmod %s: %s", path, strerror(errno));
}

void owner_apply_modes(struct xend *x, const struct domain *d)
{
    struct group gr, *g = NULL;
    char buf[4096];
    struct sharing sh = { .has_user = d->has_owner, .user = d->owner_uid };
    if (x->s.admin_group[0] &&
        getgrnam_r(x->s.admin_group, &gr, buf, sizeof(buf), &g) == 0 && g) {
        sh.has_group = true;
        sh.group = g->gr_gid;
    }
    share(x, d->con_path, &sh, ACL_READ | ACL_WRITE);
    share(x, d->log_path, &sh, ACL_READ);
    if (d->ctl_path[0] && chmod(d->ctl_path, 0600) < 0 && errno != ENOENT)
        xlog(x, LOG_WARN, "chmod %s: %s", d->ctl_path, strerror(errno));
}

void caller_of_socket(struct xend *x, int fd, bool tcp, struct caller *c)
{
    uid_t uid = 0;
    int r = fd < 0 ? -EBADF : tcp ? peer_tcp_uid(fd, &uid) : peer_unix_uid(fd, &uid);
    static bool told;
    if (r == -ENOENT && tcp && !told) {     /* no sock_diag handler for TCP */
        told = true;
        xlog(x, LOG_WARN, "cannot tell who calls over HTTP: the kernel has no TCP sock_diag "
             "(modprobe tcp_diag); every HTTP caller is nobody (list only) until it has");
    }
    if (r < 0)
        xlog(x, LOG_DEBUG, "caller of a %s connection not identified (%s): nobody",
             tcp ? "TCP" : "unix", strerror(-r));
    caller_from_uid(c, r == 0, uid, x->s.admin_group);
}
