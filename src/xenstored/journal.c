/* Journal and snapshot.  Both files are sequences of records
 *     { u32 magic, u32 type, u32 len, u32 crc32(payload) } payload
 * Node records carry a whole node (path, perms, value, children), so
 * replaying is idempotent.  A group of records is applied only when its
 * COMMIT record is present and intact: a torn tail after kill -9 is cut. */
#include "journal.h"

#include "common/log.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define J_MAGIC 0x314a5358u /* "XSJ1" */
#define J_SNAPSHOT_BYTES (8u << 20)
#define J_MAX_RECORD (64u << 10)

enum jtype { J_NODE_PUT = 1, J_NODE_DEL, J_DOM_PUT, J_DOM_DEL, J_COMMIT };

struct jhdr {
    uint32_t magic, type, len, crc;
};

struct buf {
    char *p;
    size_t len, cap;
    bool oom;
};

struct journal {
    int dirfd;
    int fd;
    struct buf pending;
    uint64_t bytes;
    uint64_t records;
    bool unsynced;
    struct xs_core *core;
};

static void buf_put(struct buf *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        char *np;
        while (cap < b->len + n)
            cap *= 2;
        np = realloc(b->p, cap);
        if (!np) {
            b->oom = true;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

static void buf_u32(struct buf *b, uint32_t v) { buf_put(b, &v, 4); }

static void buf_blob(struct buf *b, const void *p, uint32_t n)
{
    buf_u32(b, n);
    if (n)
        buf_put(b, p, n);
}

/* Reserve a header, let the caller append the payload, then seal. */
static size_t rec_begin(struct buf *b, uint32_t type)
{
    struct jhdr h = { J_MAGIC, type, 0, 0 };
    size_t at = b->len;
    buf_put(b, &h, sizeof(h));
    return at;
}

static void rec_end(struct buf *b, size_t at)
{
    struct jhdr h;
    if (b->oom)
        return;
    memcpy(&h, b->p + at, sizeof(h));
    h.len = (uint32_t)(b->len - at - sizeof(h));
    h.crc = (uint32_t)crc32(0, (const Bytef *)b->p + at + sizeof(h), h.len);
    memcpy(b->p + at, &h, sizeof(h));
}

static void enc_node(struct buf *b, const struct xs_node *n)
{
    size_t at = rec_begin(b, J_NODE_PUT);
    buf_blob(b, n->path, (uint32_t)strlen(n->path));
    buf_blob(b, n->perms, n->nperms * (uint32_t)sizeof(*n->perms));
    buf_blob(b, n->value, n->vlen);
    buf_blob(b, n->children, n->clen);
    rec_end(b, at);
}

static void enc_dom(struct buf *b, const struct xs_domain *d)
{
    size_t at = rec_begin(b, J_DOM_PUT);
    buf_u32(b, d->domid);
    buf_u32(b, d->port);
    buf_put(b, &d->mfn, sizeof(d->mfn));
    buf_u32(b, d->target);
    rec_end(b, at);
}

static void enc_commit(struct buf *b)
{
    rec_end(b, rec_begin(b, J_COMMIT));
}

static void j_node_put(void *o, const struct xs_node *n)
{
    enc_node(&((struct journal *)o)->pending, n);
}

static void j_node_del(void *o, const char *path)
{
    struct buf *b = &((struct journal *)o)->pending;
    size_t at = rec_begin(b, J_NODE_DEL);
    buf_blob(b, path, (uint32_t)strlen(path));
    rec_end(b, at);
}

static void j_dom_put(void *o, const struct xs_domain *d)
{
    enc_dom(&((struct journal *)o)->pending, d);
}

static void j_dom_del(void *o, uint32_t domid)
{
    struct buf *b = &((struct journal *)o)->pending;
    size_t at = rec_begin(b, J_DOM_DEL);
    buf_u32(b, domid);
    rec_end(b, at);
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int j_commit(void *o)
{
    struct journal *j = o;
    int rc;

    if (!j->pending.len)
        return 0;
    enc_commit(&j->pending);
    if (j->pending.oom) {
        j->pending.len = 0;
        j->pending.oom = false;
        return -ENOMEM;
    }
    rc = write_all(j->fd, j->pending.p, j->pending.len);
    j->unsynced = true;
    j->bytes += j->pending.len;
    j->records++;
    j->pending.len = 0;
    if (rc)
        log_err("journal write: %s", strerror(-rc));
    else if (j->bytes > J_SNAPSHOT_BYTES)
        rc = journal_snapshot(j, j->core);
    return rc;
}

/* Group commit: one fdatasync for every commit written since the last. */
static int j_sync(void *o)
{
    struct journal *j = o;
    if (!j->unsynced)
        return 0;
    j->unsynced = false;
    if (fdatasync(j->fd)) {
        log_err("journal fsync: %s", strerror(errno));
        return -errno;
    }
    return 0;
}

static const struct xs_persist_ops journal_ops = {
    .node_put = j_node_put,
    .node_del = j_node_del,
    .dom_put = j_dom_put,
    .dom_del = j_dom_del,
    .commit = j_commit,
    .sync = j_sync,
};

/* ---- replay ---- */

struct cursor {
    const char *p;
    size_t len, off;
};

static int cur_u32(struct cursor *c, uint32_t *v)
{
    if (c->len - c->off < 4)
        return -EINVAL;
    memcpy(v, c->p + c->off, 4);
    c->off += 4;
    return 0;
}

static int cur_blob(struct cursor *c, const char **p, uint32_t *n)
{
    if (cur_u32(c, n) || c->len - c->off < *n)
        return -EINVAL;
    *p = c->p + c->off;
    c->off += *n;
    return 0;
}

static int apply_node(struct xs_core *core, struct cursor *c)
{
    const char *path, *perms, *val, *kids;
    uint32_t pl, rl, vl, kl;
    struct xs_node *n;
    char pbuf[XENSTORE_ABS_PATH_MAX + 1];

    if (cur_blob(c, &path, &pl) || cur_blob(c, &perms, &rl) ||
        cur_blob(c, &val, &vl) || cur_blob(c, &kids, &kl) ||
        pl > XENSTORE_ABS_PATH_MAX || rl % sizeof(struct xs_perm) || !rl)
        return -EINVAL;
    memcpy(pbuf, path, pl);
    pbuf[pl] = 0;
    /* the tree code relies on these: NUL-terminated child names, a path
     * it would have accepted */
    if ((kl && kids[kl - 1]) || memchr(pbuf, 0, pl) ||
        (!path_valid_abs(pbuf, XENSTORE_ABS_PATH_MAX) &&
         !path_is_special(pbuf)))
        return -EINVAL;
    n = node_new(pbuf);
    if (!n || node_set_value(n, val, vl) ||
        node_set_perms(n, (const struct xs_perm *)(const void *)perms,
                       rl / (uint32_t)sizeof(struct xs_perm)) ||
        (kl && !(n->children = xs_memdup(kids, kl)))) {
        node_free(n);
        return -ENOMEM;
    }
    n->clen = kl;
    return store_base_put(core, n);
}

static int apply_record(struct xs_core *core, uint32_t type, struct cursor *c)
{
    const char *p;
    uint32_t n, domid;
    char pbuf[XENSTORE_ABS_PATH_MAX + 1];
    struct xs_domain d = { 0 };

    switch (type) {
    case J_NODE_PUT:
        return apply_node(core, c);
    case J_NODE_DEL:
        if (cur_blob(c, &p, &n) || n > XENSTORE_ABS_PATH_MAX)
            return -EINVAL;
        memcpy(pbuf, p, n);
        pbuf[n] = 0;
        store_base_del(core, pbuf);
        return 0;
    case J_DOM_PUT:
        if (cur_u32(c, &d.domid) || cur_u32(c, &d.port) ||
            c->len - c->off < 8)
            return -EINVAL;
        memcpy(&d.mfn, c->p + c->off, 8);
        c->off += 8;
        if (cur_u32(c, &d.target))
            return -EINVAL;
        d.introduced = true;
        domain_load(core, &d);
        return 0;
    case J_DOM_DEL:
        if (cur_u32(c, &domid))
            return -EINVAL;
        if (domain_find(core, domid))
            domain_find(core, domid)->introduced = false;
        return 0;
    default:
        return 0;
    }
}

static bool crc_ok(const struct jhdr *h, const char *payload)
{
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
    (void)h; /* let the fuzzer reach the record decoders */
    (void)payload;
    return true;
#else
    return (uint32_t)crc32(0, (const Bytef *)payload, h->len) == h->crc;
#endif
}

/* Walk records; with apply == false return the end of the last intact
 * group, with apply == true apply records up to `limit`. */
static size_t replay(struct xs_core *core, const char *p, size_t len,
                     bool apply, size_t limit)
{
    size_t off = 0, good = 0;
    while (len - off >= sizeof(struct jhdr) && (!apply || off < limit)) {
        struct jhdr h;
        struct cursor c;
        memcpy(&h, p + off, sizeof(h));
        if (h.magic != J_MAGIC || h.len > J_MAX_RECORD ||
            len - off - sizeof(h) < h.len || !crc_ok(&h, p + off + sizeof(h)))
            break;
        c = (struct cursor){ p + off + sizeof(h), h.len, 0 };
        if (apply && apply_record(core, h.type, &c))
            log_warn("journal: bad record at %zu skipped", off);
        off += sizeof(h) + h.len;
        if (h.type == J_COMMIT)
            good = off;
    }
    return good;
}

size_t journal_replay_buf(struct xs_core *c, const char *p, size_t len)
{
    size_t good = replay(c, p, len, false, 0);
    replay(c, p, good, true, good);
    return good;
}

static int load_file(struct journal *j, struct xs_core *c, const char *name,
                     bool truncate)
{
    int fd = openat(j->dirfd, name, O_RDONLY | O_CLOEXEC);
    struct stat st;
    char *p;
    size_t good;

    if (fd < 0)
        return errno == ENOENT ? 0 : -errno;
    if (fstat(fd, &st) || !(p = malloc((size_t)st.st_size + 1))) {
        close(fd);
        return -ENOMEM;
    }
    if (read(fd, p, (size_t)st.st_size) != st.st_size) {
        free(p);
        close(fd);
        return -EIO;
    }
    close(fd);
    good = journal_replay_buf(c, p, (size_t)st.st_size);
    free(p);
    if (good != (size_t)st.st_size) {
        log_warn("%s: %zu bytes of torn tail dropped", name,
                 (size_t)st.st_size - good);
        if (truncate && ftruncate(j->fd, (off_t)good))
            return -errno;
    }
    return 0;
}

int journal_load(struct journal *j, struct xs_core *c)
{
    const struct xs_persist_ops *saved = c->persist;
    int rc;

    c->persist = NULL;
    rc = load_file(j, c, "snapshot", false);
    if (!rc)
        rc = load_file(j, c, "journal", true);
    c->persist = saved;
    c->dirty = false;
    for (size_t i = 0; i < c->ndoms; i++)
        c->doms[i].conn = NULL;
    return rc;
}

/* Write every node and introduced domain to snapshot.tmp, fsync, rename
 * over snapshot, fsync the directory, then empty the journal. */
int journal_snapshot(struct journal *j, struct xs_core *c)
{
    struct buf b = { 0 };
    size_t it;
    int fd, rc;

    for (struct xs_node *n = map_first(&c->base, &it); n;
         n = map_next(&c->base, &it, n))
        enc_node(&b, n);
    for (size_t i = 0; i < c->ndoms; i++)
        if (c->doms[i].introduced)
            enc_dom(&b, &c->doms[i]);
    enc_commit(&b);
    if (b.oom) {
        free(b.p);
        return -ENOMEM;
    }
    fd = openat(j->dirfd, "snapshot.tmp",
                O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    rc = fd < 0 ? -errno : write_all(fd, b.p, b.len);
    if (!rc && fsync(fd))
        rc = -errno;
    if (fd >= 0)
        close(fd);
    free(b.p);
    if (!rc && renameat(j->dirfd, "snapshot.tmp", j->dirfd, "snapshot"))
        rc = -errno;
    if (!rc && fsync(j->dirfd))
        rc = -errno;
    if (!rc && (ftruncate(j->fd, 0) || fdatasync(j->fd)))
        rc = -errno;
    if (!rc) {
        j->bytes = 0;
        j->unsynced = false; /* all of it is in the snapshot */
    } else {
        log_err("snapshot failed: %s", strerror(-rc));
    }
    return rc;
}

static int mkdir_p(const char *dir)
{
    char tmp[4096];
    size_t len = strlen(dir);
    if (len >= sizeof(tmp))
        return -ENAMETOOLONG;
    memcpy(tmp, dir, len + 1);
    for (char *s = tmp + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = 0;
        if (mkdir(tmp, 0700) && errno != EEXIST)
            return -errno;
        *s = '/';
    }
    if (mkdir(tmp, 0700) && errno != EEXIST)
        return -errno;
    return 0;
}

int journal_open(const char *dir, struct journal **out)
{
    struct journal *j;
    int rc = mkdir_p(dir);

    if (rc)
        return rc;
    j = calloc(1, sizeof(*j));
    if (!j)
        return -ENOMEM;
    j->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    j->fd = j->dirfd < 0 ? -1
                         : openat(j->dirfd, "journal",
                                  O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC,
                                  0600);
    if (j->fd < 0) {
        rc = -errno;
        journal_close(j);
        return rc;
    }
    *out = j;
    return 0;
}

void journal_attach(struct journal *j, struct xs_core *c)
{
    j->core = c;
    c->persist = &journal_ops;
    c->persist_opaque = j;
}

uint64_t journal_records(const struct journal *j)
{
    return j->records;
}

void journal_close(struct journal *j)
{
    if (!j)
        return;
    if (j->fd >= 0)
        close(j->fd);
    if (j->dirfd >= 0)
        close(j->dirfd);
    free(j->pending.p);
    free(j);
}
