/* Disk specs: xm's 'phy:/dev/sda7,sda1,w' and 'file:/img,xvda,r', and xl's
 * 'format=raw, vdev=xvda, access=rw, target=/img' (see
 * xl-disk-configuration(5)). */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "vdev.h"

#define DISK_MAX_SPEC 4096

struct disk_fields {
    char *target, *format, *vdev, *access, *devtype;
    bool legacy;                /* 'phy:' / 'file:' positional form */
    int kind;                   /* -1: from the target's path */
};

static int derr(char *err, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int derr(char *err, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

static int set_field(char **field, const char *name, char *v, char *err,
                     size_t len)
{
    if (*field)
        return derr(err, len, "'%s' given twice", name);
    *field = v;
    return 0;
}

/* 'phy:', 'file:', 'tap:aio:', 'raw:' in front of the first positional. */
static char *strip_prefix(struct disk_fields *f, char *t)
{
    static const struct { const char *p; int kind; } pfx[] = {
        { "phy:", CFG_DISK_PHY }, { "file:", CFG_DISK_FILE },
        { "tap:aio:", CFG_DISK_FILE }, { "tap2:aio:", CFG_DISK_FILE },
        { "aio:", CFG_DISK_FILE }, { "raw:", -1 },
    };
    for (size_t k = 0; k < sizeof(pfx) / sizeof(pfx[0]); k++) {
        size_t n = strlen(pfx[k].p);
        if (strncmp(t, pfx[k].p, n) == 0) {
            f->legacy = true;
            f->kind = pfx[k].kind;
            return t + n;
        }
    }
    return t;
}

static int positional(struct disk_fields *f, int *pos, char *t, char *err,
                      size_t len)
{
    if (*pos == 0)
        t = strip_prefix(f, t);
    char **slots_xl[] = { &f->target, &f->format, &f->vdev, &f->access };
    char **slots_legacy[] = { &f->target, &f->vdev, &f->access };
    char ***slots = f->legacy ? slots_legacy : slots_xl;
    int n = f->legacy ? 3 : 4;
    static const char *const names_xl[] = { "target", "format", "vdev",
                                            "access" };
    static const char *const names_legacy[] = { "target", "vdev", "access" };
    for (; *pos < n && *slots[*pos]; (*pos)++)
        ;                       /* skip slots given by name */
    if (*pos >= n)
        return derr(err, len, "too many positional parameters at '%.40s'", t);
    const char *name = f->legacy ? names_legacy[*pos] : names_xl[*pos];
    (*pos)++;
    if (!*t)                    /* '/img,,hda': an empty slot is a default */
        return 0;
    return set_field(slots[*pos - 1], name, t, err, len);
}

static int keyword(struct disk_fields *f, char *t, char *eq, char *err,
                   size_t len)
{
    *eq = '\0';
    char *k = cfg_trim(t), *v = cfg_trim(eq + 1);
    if (strcmp(k, "format") == 0)
        return set_field(&f->format, k, v, err, len);
    if (strcmp(k, "vdev") == 0)
        return set_field(&f->vdev, k, v, err, len);
    if (strcmp(k, "access") == 0)
        return set_field(&f->access, k, v, err, len);
    if (strcmp(k, "devtype") == 0)
        return set_field(&f->devtype, k, v, err, len);
    return derr(err, len, "unknown disk parameter '%.30s' (target, format, "
                "vdev, access, devtype)", k);
}

static int split_spec(struct disk_fields *f, char *s, char *err, size_t len)
{
    int pos = 0, r = 0;
    char *tgt = strstr(s, "target=");
    if (tgt && (tgt == s || tgt[-1] == ',' || isspace((unsigned char)tgt[-1]))) {
        r = set_field(&f->target, "target", cfg_trim(tgt + 7), err, len);
        *tgt = '\0';            /* target= takes the rest of the spec */
    }
    for (char *t; r == 0 && (t = strsep(&s, ",")) != NULL;) {
        t = cfg_trim(t);
        if (!*t && !s)
            break;              /* a trailing comma */
        char *eq = strchr(t, '=');
        if (eq)
            r = keyword(f, t, eq, err, len);
        else if (strcmp(t, "cdrom") == 0)
            r = set_field(&f->devtype, "devtype", t, err, len);
        else
            r = positional(f, &pos, t, err, len);
    }
    return r;
}

static bool path_valid(const char *p)
{
    if (p[0] != '/' || strlen(p) > 4095)
        return false;
    for (; *p; p++)
        if (iscntrl((unsigned char)*p))
            return false;
    return true;
}

static int parse_access(const char *a, bool *writable, char *err, size_t len)
{
    if (!a || strcmp(a, "w") == 0 || strcmp(a, "rw") == 0)
        *writable = true;
    else if (strcmp(a, "r") == 0 || strcmp(a, "ro") == 0)
        *writable = false;
    else if (strcmp(a, "w!") == 0 || strcmp(a, "!") == 0)
        return derr(err, len, "access '%s': writable sharing is refused", a);
    else
        return derr(err, len, "access '%.10s' (r, ro, w or rw)", a);
    return 0;
}

/* Legacy 'phy:sda6': xm added /dev/ in front of bare device names. */
static int fill_target(struct disk_fields *f, struct cfg_disk *out,
                       char *err, size_t len)
{
    bool bare = f->legacy && f->kind == CFG_DISK_PHY && f->target[0] != '/';
    if (asprintf(&out->target, "%s%s", bare ? "/dev/" : "", f->target) < 0) {
        out->target = NULL;
        return -ENOMEM;
    }
    if (!path_valid(out->target))
        return derr(err, len, "target '%.40s' must be an absolute path",
                    f->target);
    out->kind = f->kind >= 0 ? (enum cfg_disk_kind)f->kind :
                strncmp(out->target, "/dev/", 5) == 0 ? CFG_DISK_PHY
                                                      : CFG_DISK_FILE;
    return 0;
}

static int fill(struct disk_fields *f, struct cfg_disk *out, char *err,
                size_t len)
{
    if (!f->target)
        return derr(err, len, "no target (device or image file)");
    if (!f->vdev)
        return derr(err, len, "no virtual device (vdev)");
    if (f->format && strcmp(f->format, "raw") != 0)
        return derr(err, len, "format '%.20s' is not supported (raw only)",
                    f->format);
    char *colon = strchr(f->vdev, ':');     /* legacy 'hdc:cdrom' */
    if (colon && strcmp(colon, ":cdrom") == 0) {
        *colon = '\0';
        f->devtype = "cdrom";
    }
    if (f->devtype && strcmp(f->devtype, "cdrom") != 0 &&
        strcmp(f->devtype, "disk") != 0)
        return derr(err, len, "devtype '%.20s' (disk or cdrom)", f->devtype);
    if (vdev_number(f->vdev, &out->devid) < 0)
        return derr(err, len, "invalid virtual device '%.20s' (xvda..., "
                    "sda..sddx, hda..hdt with partitions, or a number)",
                    f->vdev);
    out->cdrom = f->devtype && strcmp(f->devtype, "cdrom") == 0;
    int r = parse_access(f->access ? f->access : out->cdrom ? "r" : NULL,
                         &out->writable, err, len);
    if (r == 0 && out->cdrom && out->writable)
        r = derr(err, len, "a cdrom can not be writable");
    if (r == 0)
        r = fill_target(f, out, err, len);
    if (r == 0 && !(out->vdev = strdup(f->vdev)))
        r = -ENOMEM;
    return r;
}

int cfg_disk_parse(const char *spec, struct cfg_disk *out, char *err,
                   size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (strlen(spec) > DISK_MAX_SPEC)
        return derr(err, errlen, "disk spec too long");
    char *s = strdup(spec);
    if (!s)
        return -ENOMEM;
    struct disk_fields f = { .kind = -1 };
    int r = split_spec(&f, s, err, errlen);
    if (r == 0)
        r = fill(&f, out, err, errlen);
    free(s);
    if (r < 0)
        cfg_disk_free(out);
    return r;
}

void cfg_disk_free(struct cfg_disk *d)
{
    free(d->target);
    free(d->vdev);
    memset(d, 0, sizeof(*d));
}
