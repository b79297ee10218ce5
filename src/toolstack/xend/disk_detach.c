/* Unplugging a disk: disk-detach to the VMM, which answers once the guest
 * let go (at most 10 s, then it forces the frontend closed); then the two
 * xenstore directories and the config entry go.  A request from a client
 * is answered later, from the main loop, so that xend keeps serving. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vdev.h"
#include "xend.h"

#define DETACH_TIMEOUT_S 15         /* the VMM gives the guest 10 s */

static struct cfg_disk *find_disk(struct domain *d, uint32_t id)
{
    for (size_t k = 0; k < d->cfg.n_disks; k++)
        if (d->cfg.disks[k].devid == id)
            return &d->cfg.disks[k];
    return NULL;
}

static void forget_disk(struct xend *x, struct domain *d, struct cfg_disk *disk)
{
    store_vbd_remove(x, d, disk);
    xdmesg(x, "domain %d (%s): disk %s (%s) detached", d->domid, d->cfg.name,
           disk->vdev, disk->target);
    cfg_disk_free(disk);
    size_t k = (size_t)(disk - d->cfg.disks);
    memmove(disk, disk + 1, (d->cfg.n_disks - k - 1) * sizeof(*disk));
    d->cfg.n_disks--;
    memset(&d->cfg.disks[d->cfg.n_disks], 0, sizeof(*disk));
    state_save(x, d);
}

/* The VMM's answer (r from vmm_parse_reply or a transport error).  A
 * frontend that did not close in time was forced closed by the VMM:
 * detached, with a warning. */
static int finish(struct xend *x, struct domain *d, uint32_t devid, int r,
                  json_object *rep, char *warn, size_t wlen, char *err,
                  size_t len)
{
    json_object *e;
    const char *why = rep && json_object_object_get_ex(rep, "error", &e) ?
                      json_object_get_string(e) : "";
    struct cfg_disk *disk = find_disk(d, devid);
    warn[0] = '\0';
    if (r == -EREMOTEIO && strstr(why, "did not close")) {
        snprintf(warn, wlen, "%s: %s (forced closed)",
                 disk ? disk->vdev : "?", why);
        r = 0;
    }
    if (r < 0)
        disk_vmm_err(d, "disk-detach", r, rep, err, len);
    else if (disk)
        forget_disk(x, d, disk);
    return r;
}

static json_object *ok_body(const char *warn)
{
    json_object *o = json_object_new_object();
    if (*warn)
        json_object_object_add(o, "warning", json_object_new_string(warn));
    return o;
}

static json_object *err_body(const char *err)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "error", json_object_new_string(err));
    json_object_object_add(o, "code", json_object_new_string("EIO"));
    return o;
}

static void answer(struct xend *x, struct domain *d, int r, json_object *rep)
{
    char warn[512], err[1024];
    struct detach *p = &d->detach;
    struct waiter w = p->waiter;
    close(p->sock);
    p->pending = false;
    r = finish(x, d, p->devid, r, rep, warn, sizeof(warn), err, sizeof(err));
    waiter_reply(x, &w, r < 0 ? 500 : 200, r < 0 ? err_body(err) : ok_body(warn));
}

static int start(struct domain *d, struct cfg_disk *disk, const struct waiter *w)
{
    json_object *args = json_object_new_object();
    json_object_object_add(args, "devid", json_object_new_int64(disk->devid));
    int sock = vmm_send(d, "disk-detach", args, -1);
    if (sock < 0)
        return sock;
    struct detach *p = &d->detach;
    memset(p, 0, sizeof(*p));
    p->pending = true;
    p->sock = sock;
    p->devid = disk->devid;
    p->waiter = *w;
    clock_gettime(CLOCK_MONOTONIC, &p->deadline);
    p->deadline.tv_sec += DETACH_TIMEOUT_S;
    return 1;
}

int disk_detach(struct xend *x, struct domain *d, const char *vdev,
                const struct waiter *w, char *warn, size_t wlen, char *err,
                size_t len)
{
    uint32_t id;
    struct cfg_disk *disk = vdev_number(vdev, &id) == 0 ? find_disk(d, id) : NULL;
    json_object *rep = NULL;
    warn[0] = '\0';
    if (!disk) {
        snprintf(err, len, "domain %s has no disk %.20s", d->cfg.name, vdev);
        return -ENOENT;
    }
    if ((d->pid > 0 && d->state == DS_CREATING) || d->detach.pending) {
        snprintf(err, len, "domain %s is %s", d->cfg.name, d->detach.pending ?
                 "detaching another disk" : "still starting");
        return -EBUSY;
    }
    if (d->pid <= 0)                /* no VMM: only the records go */
        return finish(x, d, id, 0, NULL, warn, wlen, err, len);
    int r;
    if (w && w->kind != W_NONE) {
        if ((r = start(d, disk, w)) < 0)
            disk_vmm_err(d, "disk-detach", r, NULL, err, len);
        return r;
    }
    json_object *args = json_object_new_object();
    json_object_object_add(args, "devid", json_object_new_int64(id));
    r = vmm_call(d, "disk-detach", args, &rep, DETACH_TIMEOUT_S * 1000);
    r = finish(x, d, id, r, rep, warn, wlen, err, len);
    json_object_put(rep);
    return r;
}

static bool passed(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > t->tv_sec ||
           (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

/* Reads what the VMM sent so far; answers on a whole line, EOF or the
 * deadline. */
static void poll_one(struct xend *x, struct domain *d)
{
    struct detach *p = &d->detach;
    ssize_t got = recv(p->sock, p->buf + p->n, sizeof(p->buf) - p->n - 1,
                       MSG_DONTWAIT);
    if (got < 0 && (errno == EAGAIN || errno == EINTR)) {
        if (passed(&p->deadline))
            answer(x, d, -ETIMEDOUT, NULL);
        return;
    }
    if (got <= 0)
        return answer(x, d, got == 0 ? -ECONNRESET : -errno, NULL);
    p->n += (size_t)got;
    p->buf[p->n] = '\0';
    if (!memchr(p->buf, '\n', p->n) && p->n + 1 < sizeof(p->buf))
        return;
    json_object *rep = NULL;
    int r = vmm_parse_reply(p->buf, &rep);
    answer(x, d, r, rep);
    json_object_put(rep);
}

void disk_poll_detaching(struct xend *x)
{
    for (int k = 0; k < XEND_MAX_DOMAINS; k++)
        if (x->doms[k].used && x->doms[k].detach.pending)
            poll_one(x, &x->doms[k]);
}

bool disk_any_detaching(const struct xend *x)
{
    for (int k = 0; k < XEND_MAX_DOMAINS; k++)
        if (x->doms[k].used && x->doms[k].detach.pending)
            return true;
    return false;
}

void disk_detach_abandon(struct xend *x, struct domain *d)
{
    struct detach *p = &d->detach;
    if (!p->pending)
        return;
    struct waiter w = p->waiter;
    close(p->sock);
    p->pending = false;
    waiter_reply(x, &w, 500, err_body("the domain went away during the "
                                      "detach"));
}
