/* A domain's virtual block devices on the xend side: xend opens each disk
 * itself (the VMM never opens a host path), checks what the VMM would
 * refuse, writes the xenstore directories, and hands the fd over — at exec
 * as an inherited fd, on hot-plug as SCM_RIGHTS with disk-attach. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "vbd_layout.h"
#include "xend.h"

#define SECTOR 512
#define ATTACH_TIMEOUT_MS 5000

/* What kind of file this is, for the user; NULL when it is the right kind. */
static const char *wrong_kind(const struct cfg_disk *disk, const struct stat *st)
{
    if (S_ISDIR(st->st_mode))
        return "is a directory";
    if (disk->kind == CFG_DISK_PHY && !S_ISBLK(st->st_mode))
        return S_ISREG(st->st_mode) ? "is not a block device (a file: use "
               "file:)" : "is not a block device";
    if (disk->kind == CFG_DISK_FILE && !S_ISREG(st->st_mode))
        return S_ISBLK(st->st_mode) ? "is a block device (use phy:)" :
               "is not a regular file";
    return NULL;
}

/* The VMM serves whole 512-byte sectors of a non-empty disk. */
static const char *wrong_size(const struct cfg_disk *disk, const struct stat *st)
{
    if (disk->kind != CFG_DISK_FILE)
        return NULL;
    if (st->st_size == 0)
        return "is empty (a disk needs at least one 512-byte sector)";
    if (st->st_size % SECTOR)
        return "is not a whole number of 512-byte sectors";
    return NULL;
}

static bool refused(int e)
{
    return e == EACCES || e == EPERM || e == EROFS;
}

static int open_err(const struct domain_config *cfg, const struct cfg_disk *disk,
                    char *err, size_t len, int e, const char *what)
{
    char spec[CFG_MSG_MAX];
    vbd_spec(disk, spec, sizeof(spec));
    snprintf(err, len, "domain %s: disk '%s': %s %s", cfg->name, spec,
             disk->target, what);
    /* For the API: refused by the file's permissions, in use, or a bad
     * config. */
    return refused(e) ? -EACCES : e == EBUSY ? -EBUSY : -EINVAL;
}

/* Why open() failed, in the user's words. */
static int open_failed(const struct domain_config *cfg,
                       const struct cfg_disk *disk, int e, char *err,
                       size_t len)
{
    char why[128];
    if (e == ENOENT)
        snprintf(why, sizeof(why), "does not exist");
    else if (e == EISDIR)
        snprintf(why, sizeof(why), "is a directory");
    else if (e == EBUSY)
        snprintf(why, sizeof(why), "is in use (mounted, or held exclusively "
                 "by another program)");
    else if (refused(e))
        snprintf(why, sizeof(why), "%s: %s", disk->writable ?
                 "can't be opened read-write" : "can't be read", strerror(e));
    else
        snprintf(why, sizeof(why), "%s", strerror(e));
    return open_err(cfg, disk, err, len, e, why);
}

/* What the VMM would refuse about an open disk, or NULL; *e its errno. */
static const char *check_open(int fd, const struct cfg_disk *disk, int *e)
{
    struct stat st;
    const char *bad;
    *e = EINVAL;
    if (fstat(fd, &st) < 0)
        return *e = errno, strerror(errno);
    if ((bad = wrong_kind(disk, &st)) != NULL) {
        *e = S_ISDIR(st.st_mode) ? EISDIR : ENOTBLK;
        return bad;
    }
    if ((bad = wrong_size(disk, &st)) != NULL)
        return bad;
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
        return *e = errno, strerror(errno);
    return NULL;
}

/* O_NONBLOCK so that a FIFO can't hang xend; cleared once the kind is
 * known.  O_CLOEXEC: only the domain's VMM inherits it (vmm_spawn).  A
 * writable block device is opened O_EXCL: Linux then refuses one that is
 * mounted or claimed by anyone else (the host's own filesystems). */
int disk_open(const struct domain_config *cfg, const struct cfg_disk *disk,
              int *out, char *err, size_t len)
{
    int flags = (disk->writable ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NOCTTY |
                O_NONBLOCK |
                (disk->writable && disk->kind == CFG_DISK_PHY ? O_EXCL : 0);
    int e, fd = open(disk->target, flags);
    if (fd < 0)
        return open_failed(cfg, disk, errno, err, len);
    const char *bad = check_open(fd, disk, &e);
    if (bad) {
        close(fd);
        return open_err(cfg, disk, err, len, e, bad);
    }
    *out = fd;
    return 0;
}

void disks_close(int *fds, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (fds[k] >= 0)
            close(fds[k]);
}

int disks_open_all(const struct domain_config *cfg, int *fds, char *err,
                   size_t len)
{
    for (size_t k = 0; k < cfg->n_disks; k++)
        fds[k] = -1;
    for (size_t k = 0; k < cfg->n_disks; k++) {
        int r = disk_open(cfg, &cfg->disks[k], &fds[k], err, len);
        if (r < 0) {
            disks_close(fds, k);
            return r;
        }
    }
    return 0;
}

/* The same file or device, also through another path or a symlink. */
static bool same_target(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino &&
               sa.st_rdev == sb.st_rdev;
    return strcmp(a, b) == 0;
}

/* As the READMEs insist: a disk is shared read-only or not at all. */
int disk_check_sharing(struct xend *x, const struct cfg_disk *a, char *err,
                       size_t len)
{
    for (int k = 0; k < XEND_MAX_DOMAINS; k++) {
        const struct domain *o = &x->doms[k];
        for (size_t j = 0; o->used && j < o->cfg.n_disks; j++) {
            const struct cfg_disk *b = &o->cfg.disks[j];
            if ((!a->writable && !b->writable) ||
                !same_target(a->target, b->target))
                continue;
            snprintf(err, len, "disk %s is used by domain %d (%s) as %s "
                     "%s: disks are shared read-only or not at all",
                     a->target, o->domid, o->cfg.name, b->vdev,
                     b->writable ? "read-write" : "read-only");
            return -EEXIST;
        }
    }
    return 0;
}

/* The VMM's error text, or strerror. */
void disk_vmm_err(const struct domain *d, const char *cmd, int r,
                  json_object *rep, char *err, size_t len)
{
    json_object *e;
    const char *why = rep && json_object_object_get_ex(rep, "error", &e) ?
                      json_object_get_string(e) : strerror(-r);
    snprintf(err, len, "xeno-vmm of %s: %s: %s", d->cfg.name, cmd, why);
}

static int attach_checks(struct xend *x, struct domain *d,
                         const struct cfg_disk *disk, char *err, size_t len)
{
    if (d->pid <= 0 || (d->state != DS_RUNNING && d->state != DS_PAUSED)) {
        snprintf(err, len, "domain %s is %s", d->cfg.name,
                 dom_state_name(d->state));
        return -EBUSY;
    }
    for (size_t k = 0; k < d->cfg.n_disks; k++)
        if (d->cfg.disks[k].devid == disk->devid) {
            bool same = strcmp(d->cfg.disks[k].vdev, disk->vdev) == 0;
            snprintf(err, len, "domain %s already has a disk %s%s%s%s",
                     d->cfg.name, disk->vdev, same ? "" : " (as ",
                     same ? "" : d->cfg.disks[k].vdev, same ? "" : ")");
            return -EEXIST;
        }
    if (d->cfg.n_disks >= CFG_MAX_DISKS) {
        snprintf(err, len, "domain %s has %d disks, the most there can be",
                 d->cfg.name, CFG_MAX_DISKS);
        return -ENOSPC;
    }
    return disk_check_sharing(x, disk, err, len);
}

static json_object *attach_args(const struct cfg_disk *disk)
{
    json_object *a = json_object_new_object();
    json_object_object_add(a, "devid", json_object_new_int64(disk->devid));
    json_object_object_add(a, "mode", json_object_new_string(disk->writable ? "w" : "r"));
    json_object_object_add(a, "type", json_object_new_string(
        disk->kind == CFG_DISK_PHY ? "phy" : "file"));
    json_object_object_add(a, "name", json_object_new_string(disk->vdev));
    return a;
}

/* Checks, open, xenstore, disk-attach; on any failure nothing is left. */
int disk_attach(struct xend *x, struct domain *d, const struct cfg_disk *disk,
                char *err, size_t len)
{
    int fd = -1, r = attach_checks(x, d, disk, err, len);
    if (r == 0)
        r = disk_open(&d->cfg, disk, &fd, err, len);
    if (r == 0 && (r = store_vbd_write(x, d, disk)) < 0)
        snprintf(err, len, "xenstore: %s", strerror(-r));
    if (r < 0)
        goto out;
    json_object *rep = NULL;
    r = vmm_call_fd(d, "disk-attach", attach_args(disk), fd, &rep,
                    ATTACH_TIMEOUT_MS);
    if (r < 0) {
        disk_vmm_err(d, "disk-attach", r, rep, err, len);
        store_vbd_remove(x, d, disk);
    }
    json_object_put(rep);
    if (r < 0)
        goto out;
    struct cfg_disk *slot = &d->cfg.disks[d->cfg.n_disks];
    *slot = *disk;
    slot->target = strdup(disk->target);
    slot->vdev = strdup(disk->vdev);
    d->cfg.n_disks++;
    state_save(x, d);
    xdmesg(x, "domain %d (%s): disk %s attached as %s (%s)", d->domid,
           d->cfg.name, disk->target, disk->vdev, disk->writable ? "w" : "r");
out:
    if (fd >= 0)
        close(fd);
    return r;
}

