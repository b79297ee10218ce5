/* The domain's block devices: blkback (data path) + vbd_xenbus (handshake)
 * per disk, on the I/O thread.  vCPU threads only reach vbd_notify(),
 * which sets a bit and writes an eventfd. */
#include "vmm/vbd.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "backends/blkback.h"
#include "backends/vbd_xenbus.h"
#include "common/log.h"
#include "vmm/gntmap.h"
#include "vmm/vm.h"
#include "vmm/xs_client.h"

struct vbd {
    struct vm *vm;
    unsigned slot;
    bool used;
    struct vm_disk_cfg cfg;
    struct blkback *bb;
    struct vbd_xenbus xb;
    int kick_fd;          /* eventfd, vCPU -> I/O thread; kept for the slot */
    int io_fd;            /* blkback_io_fd, or -1 */
    unsigned pending;     /* bit q: queue q kicked (atomic) */
    int reply_fd;         /* disk-detach waiting for its reply, or -1 */
    uint64_t closing_ns;  /* when the backend went Closing */
    uint64_t detach_ns;   /* when disk-detach came */
};

/* route[port]: 0, or (slot + 1) << 3 | queue.  Read by vCPU threads. */
struct vbd_set {
    struct gntmap mem;    /* guest RAM as blkback maps it (all disks) */
    struct vbd disk[VM_MAX_DISKS];
    uint8_t route[HV_NR_PORTS];
};

/* Mark queues (bit q) kicked and wake the I/O thread. */
static void kick_queues(struct vbd *v, unsigned bits)
{
    uint64_t one = 1;

    __atomic_fetch_or(&v->pending, bits, __ATOMIC_RELEASE);
    if (write(v->kick_fd, &one, sizeof(one)) < 0) {
        /* counter saturated: still readable */
    }
}

/* Queues that stopped on their budget get no event from the guest: kick
 * them ourselves, to be served after the I/O thread's other events. */
static void kick_unfinished(struct vbd *v)
{
    unsigned bits = 0;

    for (unsigned q = 0; v->bb && q < BLKBACK_MAX_QUEUES; q++)
        if (blkback_queue_more(v->bb, q))
            bits |= 1u << q;
    if (bits)
        kick_queues(v, bits);
}

static void on_kick(void *opaque)
{
    struct vbd *v = opaque;
    uint64_t n;

    if (read(v->kick_fd, &n, sizeof(n)) < 0) {
        /* spurious: nothing pending */
    }
    unsigned pend = __atomic_exchange_n(&v->pending, 0, __ATOMIC_ACQ_REL);
    for (unsigned q = 0; v->bb && pend; q++, pend >>= 1)
        if ((pend & 1) && blkback_queue_connected(v->bb, q))
            blkback_queue_event(v->bb, q);
    kick_unfinished(v);
}

static void on_io(void *opaque)
{
    struct vbd *v = opaque;
    if (v->bb)
        blkback_io_event(v->bb);
    kick_unfinished(v);
}

bool vbd_notify(struct vm *vm, unsigned port)
{
    struct vbd_set *s = vm->vbds;
    uint8_t r;

    if (!s || port >= HV_NR_PORTS || !(r = __atomic_load_n(&s->route[port], __ATOMIC_ACQUIRE)))
        return false;
    kick_queues(&s->disk[(r >> 3) - 1], 1u << (r & 7));
    return true;
}

/* ---- struct vbd_link_ops ---- */

static int link_bind(void *o, unsigned q, unsigned port)
{
    struct vbd *v = o;

    if (port == 0 || port >= HV_NR_PORTS || q >= BLKBACK_MAX_QUEUES ||
        hv_evtchn_bind_backend(&v->vm->dom, port))
        return -EINVAL;
    __atomic_store_n(&v->vm->vbds->route[port], (uint8_t)((v->slot + 1) << 3 | q),
                     __ATOMIC_RELEASE);
    return 0;
}

static void link_unbind(void *o, unsigned q, unsigned port)
{
    struct vbd *v = o;
    (void)q;
    if (port < HV_NR_PORTS)
        __atomic_store_n(&v->vm->vbds->route[port], 0, __ATOMIC_RELEASE);
}

static int link_connect(void *o, unsigned q, const uint32_t *refs, unsigned order,
                        unsigned port, const char *protocol)
{
    struct vbd *v = o;
    int rc = blkback_queue_connect(v->bb, q, refs, order, port, protocol);

    kick_unfinished(v);     /* connecting served the ring: budget too */
    return rc;
}

static void link_disconnect(void *o)
{
    struct vbd *v = o;
    blkback_disconnect(v->bb);
}

static void link_log(void *o, const char *msg)
{
    (void)o;
    log_info("%s", msg);
}

static const struct vbd_link_ops vbd_link = { link_bind, link_unbind, link_connect,
                                              link_disconnect, link_log };

/* ---- attach / detach ---- */

static void on_watch(void *opaque);

static struct vbd *find(struct vm *vm, unsigned devid)
{
    for (unsigned i = 0; vm->vbds && i < VM_MAX_DISKS; i++)
        if (vm->vbds->disk[i].used && vm->vbds->disk[i].cfg.devid == devid)
            return &vm->vbds->disk[i];
    return NULL;
}

static struct vbd *free_slot(struct vm *vm)
{
    for (unsigned i = 0; i < VM_MAX_DISKS; i++) {
        struct vbd *v = &vm->vbds->disk[i];
        if (v->used)
            continue;
        if (!v->vm) { /* first use: the eventfd stays for the slot's life */
            v->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
            if (v->kick_fd < 0)
                return NULL;
            v->vm = vm;
            v->slot = i;
        }
        return v;
    }
    errno = ENOSPC;
    return NULL;
}

/* The fd must be open, and writable for mode w. */
static int check_fd(int fd, bool readonly, char *err, size_t errlen)
{
    int fl = fcntl(fd, F_GETFL);

    if (fl < 0) {
        snprintf(err, errlen, "fd %d: %s", fd, strerror(errno));
        return -EBADF;
    }
    if (!readonly && (fl & O_ACCMODE) == O_RDONLY) {
        snprintf(err, errlen, "fd %d is read-only but mode=w", fd);
        return -EBADF;
    }
    return 0;
}

static bool is_cdrom(struct vm *vm, unsigned devid)
{
    char path[96], type[16];
    snprintf(path, sizeof(path), "/local/domain/%u/device/vbd/%u/device-type",
             vm->cfg.domid, devid);
    return xsc_vbd_ops.read(vm->xsc, path, type, sizeof(type)) > 0 &&
           strcmp(type, "cdrom") == 0;
}

static void features(struct vbd *v, struct vbd_features *f)
{
    struct blkback_info bi;

    blkback_info(v->bb, &bi);
    *f = (struct vbd_features){
        .sectors = bi.sectors, .info = bi.info, .sector_size = bi.sector_size,
        .physical_sector_size = bi.physical_sector_size, .flush = bi.flush,
        .discard = bi.discard && !v->cfg.readonly,
        .discard_granularity = bi.discard_granularity,
        .max_indirect_segs = bi.max_indirect_segs, .max_ring_order = bi.max_ring_order,
        .max_queues = bi.max_queues,
    };
}

/* Undo a (partial) attach: the slot is free again, its fd closed. */
static void release(struct vbd *v)
{
    vbd_xenbus_stop(&v->xb);
    if (v->io_fd >= 0)
        ioloop_del(v->io_fd);
    ioloop_del(v->kick_fd);
    xsc_clear_watch_fn(v->vm->xsc, v->xb.token);
    if (v->bb)
        blkback_destroy(v->bb);
    v->bb = NULL;
    v->io_fd = -1;
    v->used = false;
}

static int start_backend(struct vbd *v, int fd, char *err, size_t errlen)
{
    struct vm *vm = v->vm;
    unsigned q = vm->cfg.vcpus < BLKBACK_MAX_QUEUES ? vm->cfg.vcpus : BLKBACK_MAX_QUEUES;
    struct blkback_params p = {
        /* domid: the grantee the guest's grant entries must name, which is
         * us, domain 0 (blkfront grants to backend-id) -- not the guest. */
        .fd = fd, .domid = 0, .readonly = v->cfg.readonly,
        .cdrom = is_cdrom(vm, v->cfg.devid), .engine = BLKBACK_ENGINE_URING,
        .max_queues = q,
    };

    /* For bisecting host-side trouble (docs/testhost.md): inline
     * pread/pwrite instead of io_uring, buffered instead of O_DIRECT. */
    if (getenv("XENO_BLK_SYNC"))
        p.engine = BLKBACK_ENGINE_SYNC;
    if (getenv("XENO_BLK_NO_DIRECT"))
        p.no_direct = true;

    v->bb = blkback_create(&p, &gntmap_blkback_ops, &vm->vbds->mem, err, errlen);
    return v->bb ? 0 : -EIO;
}

/* The disk's fds into the I/O loop, its watch token, then the handshake. */
static int wire_up(struct vbd *v, char *err, size_t errlen)
{
    int rc = ioloop_add(v->kick_fd, on_kick, v);

    v->io_fd = blkback_io_fd(v->bb);
    if (!rc && v->io_fd >= 0)
        rc = ioloop_add(v->io_fd, on_io, v);
    if (!rc)
        rc = xsc_set_watch_fn(v->vm->xsc, v->xb.token, on_watch, v);
    if (rc) {
        snprintf(err, errlen, "devid %u: %s", v->cfg.devid, strerror(-rc));
        return rc;
    }
    rc = vbd_xenbus_start(&v->xb);
    if (rc)
        snprintf(err, errlen, "devid %u: %s %s: %s", v->cfg.devid,
                 rc == -ENOENT ? "no backend dir" : "cannot use", v->xb.be_path,
                 rc == -ENOENT ? "the toolstack writes it first" : strerror(-rc));
    return rc;
}

/* A usable fd for a devid we do not have yet: the free slot, else NULL
 * with the fd closed and err set. */
static struct vbd *claim_slot(struct vm *vm, int fd, const struct vm_disk_cfg *d,
                              char *err, size_t errlen)
{
    struct vbd *v = NULL;

    if (!vm->xsc)
        snprintf(err, errlen, "no xenstore (xeno-vmm runs without --xenstored-dir)");
    else if (check_fd(fd, d->readonly, err, errlen) == 0) {
        v = find(vm, d->devid) ? NULL : free_slot(vm);
        if (!v)
            snprintf(err, errlen, "devid %u: %s", d->devid,
                     find(vm, d->devid) ? "already attached" : "too many disks");
    }
    if (!v)
        close(fd);
    return v;
}

int vbd_attach(struct vm *vm, int fd, const struct vm_disk_cfg *d, char *err, size_t errlen)
{
    struct vbd_features f;
    struct vbd *v = claim_slot(vm, fd, d, err, errlen);
    int rc;

    if (!v)
        return -EINVAL;
    v->cfg = *d;
    v->cfg.fd = fd;
    v->io_fd = v->reply_fd = -1;
    v->pending = 0;
    v->used = true;
    if ((rc = start_backend(v, fd, err, errlen))) {
        v->used = false;
        return rc;
    }
    features(v, &f);
    vbd_xenbus_init(&v->xb, vm->cfg.domid, d->devid, &f, &xsc_vbd_ops, vm->xsc,
                    &vbd_link, v);
    if ((rc = wire_up(v, err, errlen))) {
        release(v);
        return rc;
    }
    log_info("vbd %u/%u: %s%s%s, %" PRIu64 " sectors, %s, InitWait", vm->cfg.domid,
             d->devid, d->name[0] ? d->name : "disk", d->type[0] ? " " : "", d->type,
             f.sectors, d->readonly ? "read-only" : "read-write");
    return 0;
}

static void reply_detached(struct vbd *v)
{
    static const char ok[] = "{\"ok\":true}\n";
    static const char forced[] = "{\"ok\":false,\"error\":\"frontend did not close in 10 s\"}\n";
    const char *r = v->xb.forced ? forced : ok;

    if (v->reply_fd >= 0) {
        if (write(v->reply_fd, r, strlen(r)) < 0) {
            /* xend went away: nothing to tell */
        }
        close(v->reply_fd);
    }
    v->reply_fd = -1;
}

/* After a state change: a finished detach frees the disk. */
static void after_event(struct vbd *v)
{
    if (!v->xb.detached)
        return;
    release(v); /* the fd is closed before xend hears "done" */
    if (v->reply_fd >= 0)
        log_info("vbd %u/%u: disk-detach answered after %" PRIu64 " ms", v->vm->cfg.domid,
                 v->cfg.devid, (vm_now_ns() - v->detach_ns) / 1000000);
    reply_detached(v);
}

/* How long a connect took us, and a close the guest: the numbers that
 * matter to a boot and to a shutdown (blkfront waits 5 s at most). */
static void note_times(struct vbd *v, int before, uint64_t t0)
{
    uint64_t now = vm_now_ns();

    if (v->xb.state == before)
        return;
    if (v->xb.state == 4)
        log_info("vbd %u/%u: connect took %" PRIu64 " us", v->vm->cfg.domid,
                 v->cfg.devid, (now - t0) / 1000);
    if (v->xb.state == 5)
        v->closing_ns = now;
    if (v->xb.state == 6 && before == 5)
        log_info("vbd %u/%u: frontend closed %" PRIu64 " ms after backend Closing",
                 v->vm->cfg.domid, v->cfg.devid, (now - v->closing_ns) / 1000000);
}

static void on_watch(void *opaque)
{
    struct vbd *v = opaque;
    uint64_t t0 = vm_now_ns();
    int before = v->xb.state;

    if (!v->used)
        return;
    vbd_xenbus_frontend_changed(&v->xb);
    note_times(v, before, t0);
    after_event(v);
}

int vbd_detach(struct vm *vm, unsigned devid, int reply_fd)
{
    struct vbd *v = find(vm, devid);

    if (!v)
        return -ENOENT;
    if (v->xb.detaching)
        return -EBUSY;
    v->reply_fd = reply_fd;
    v->detach_ns = vm_now_ns();
    int before = v->xb.state;
    vbd_xenbus_detach(&v->xb, vm_now_ns(), VBD_DETACH_TIMEOUT_NS);
    note_times(v, before, 0);
    after_event(v);
    return 0;
}

void vbd_tick(struct vm *vm)
{
    uint64_t now = vm_now_ns();

    for (unsigned i = 0; vm->vbds && i < VM_MAX_DISKS; i++) {
        struct vbd *v = &vm->vbds->disk[i];
        if (v->used && v->xb.detaching) {
            vbd_xenbus_tick(&v->xb, now);
            after_event(v);
        }
    }
}

void vbd_stats_json(struct vm *vm, char *buf, size_t len)
{
    size_t n = 0;

    n += (size_t)snprintf(buf, len, "[");
    for (unsigned i = 0; vm->vbds && i < VM_MAX_DISKS && n < len; i++) {
        struct vbd *v = &vm->vbds->disk[i];
        struct blkback_stats st;
        if (!v->used)
            continue;
        blkback_stats(v->bb, &st);
        n += (size_t)snprintf(buf + n, len - n,
            "%s{\"devid\":%u,\"name\":\"%s\",\"mode\":\"%s\",\"state\":%d,"
            "\"sectors\":%" PRIu64 ",\"rd_req\":%" PRIu64 ",\"wr_req\":%" PRIu64
            ",\"flush_req\":%" PRIu64 ",\"discard_req\":%" PRIu64 ",\"rd_bytes\":%" PRIu64
            ",\"wr_bytes\":%" PRIu64 ",\"errors\":%" PRIu64 "}",
            buf[n - 1] == '[' ? "" : ",", v->cfg.devid, v->cfg.name,
            v->cfg.readonly ? "r" : "w", v->xb.state, v->xb.feat.sectors, st.rd_req,
            st.wr_req, st.flush_req, st.discard_req, st.rd_bytes, st.wr_bytes, st.errors);
    }
    if (n < len)
        snprintf(buf + n, len - n, "]");
}

int vbd_start_all(struct vm *vm)
{
    char err[256];

    if (!vm->cfg.xenstored_dir)
        return 0;
    vm->vbds = calloc(1, sizeof(*vm->vbds));
    if (!vm->vbds)
        return -ENOMEM;
    vm->vbds->mem = (struct gntmap){ .dom = &vm->dom, .fd = vm->mem_fd, .base = vm->mem,
                                     .size = vm->mem_size };
    vm->xsc = xsc_open(vm->cfg.xenstored_dir, vm->cfg.xs_token, err, sizeof(err));
    if (!vm->xsc) {
        log_err("%s", err);
        return -EIO;
    }
    for (unsigned i = 0; i < vm->cfg.nr_disks; i++) {
        int rc = vbd_attach(vm, vm->cfg.disks[i].fd, &vm->cfg.disks[i], err, sizeof(err));
        if (rc) {
            log_err("--disk %u: %s", i + 1, err);
            return rc;
        }
    }
    return 0;
}

void vbd_stop_all(struct vm *vm)
{
    for (unsigned i = 0; vm->vbds && i < VM_MAX_DISKS; i++) {
        struct vbd *v = &vm->vbds->disk[i];
        if (v->used) {
            v->xb.detached = true;
            release(v);
            reply_detached(v);
        }
        if (v->vm)
            close(v->kick_fd);
    }
    xsc_close(vm->xsc);
    vm->xsc = NULL;
    free(vm->vbds);
    vm->vbds = NULL;
}
