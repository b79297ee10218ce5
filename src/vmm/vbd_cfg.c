/* The --disk option and the names a disk may carry. */
#include "vmm/vbd.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/vm.h"

int vbd_check_type(const char *type)
{
    return strcmp(type, "file") == 0 || strcmp(type, "phy") == 0 ? 0 : -EINVAL;
}

int vbd_check_name(const char *name)
{
    size_t n = strlen(name);
    if (n >= sizeof(((struct vm_disk_cfg *)0)->name))
        return -EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9')))
            return -EINVAL;
    return 0;
}

static int parse_num(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    if (*s < '0' || *s > '9')
        return -EINVAL;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v > max)
        return -EINVAL;
    *out = v;
    return 0;
}

/* One key=value of the spec. */
static int parse_kv(const char *k, const char *v, struct vm_disk_cfg *d, unsigned *seen,
                    char *err, size_t errlen)
{
    unsigned long n;

    if (strcmp(k, "fd") == 0 && !parse_num(v, 1u << 20, &n)) {
        d->fd = (int)n;
        *seen |= 1;
    } else if (strcmp(k, "devid") == 0 && !parse_num(v, VBD_MAX_DEVID, &n) && n) {
        d->devid = (unsigned)n;
        *seen |= 2;
    } else if (strcmp(k, "mode") == 0 && (!strcmp(v, "r") || !strcmp(v, "w"))) {
        d->readonly = v[0] == 'r';
        *seen |= 4;
    } else if (strcmp(k, "type") == 0 && !vbd_check_type(v)) {
        snprintf(d->type, sizeof(d->type), "%s", v);
    } else if (strcmp(k, "name") == 0 && *v && !vbd_check_name(v)) {
        snprintf(d->name, sizeof(d->name), "%s", v);
    } else {
        snprintf(err, errlen, "bad %s=%s (fd=N, devid=1..%u, mode=r|w, type=file|phy, "
                 "name=1-15 of [a-z0-9])", k, v, VBD_MAX_DEVID);
        return -EINVAL;
    }
    return 0;
}

int vbd_parse_disk(const char *spec, struct vm_disk_cfg *d, char *err, size_t errlen)
{
    char buf[256], *save = NULL;
    unsigned seen = 0;

    *d = (struct vm_disk_cfg){ .fd = -1, .type = "file" };
    if (snprintf(buf, sizeof(buf), "%s", spec) >= (int)sizeof(buf)) {
        snprintf(err, errlen, "too long");
        return -EINVAL;
    }
    for (char *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(kv, '=');
        if (!eq) {
            snprintf(err, errlen, "%s: want key=value", kv);
            return -EINVAL;
        }
        *eq = '\0';
        if (parse_kv(kv, eq + 1, d, &seen, err, errlen))
            return -EINVAL;
    }
    if (seen != 7) {
        snprintf(err, errlen, "fd=, devid= and mode= are required");
        return -EINVAL;
    }
    return 0;
}

/* Before the VMM opens anything of its own, so that a number that names
 * none of the inherited fds cannot name one of ours. */
int vbd_check_fds(const struct vm_config *c, char *err, size_t errlen)
{
    for (unsigned i = 0; i < c->nr_disks; i++) {
        const struct vm_disk_cfg *d = &c->disks[i];
        int fl = fcntl(d->fd, F_GETFL);
        if (fl < 0) {
            snprintf(err, errlen, "--disk fd=%d: %s (not inherited)", d->fd, strerror(errno));
            return -EBADF;
        }
        if (!d->readonly && (fl & O_ACCMODE) == O_RDONLY) {
            snprintf(err, errlen, "--disk fd=%d is read-only but mode=w", d->fd);
            return -EBADF;
        }
        for (unsigned j = 0; j < i; j++)
            if (c->disks[j].fd == d->fd || c->disks[j].devid == d->devid) {
                snprintf(err, errlen, "--disk %u and %u share an fd or a devid", j + 1, i + 1);
                return -EINVAL;
            }
        fcntl(d->fd, F_SETFD, FD_CLOEXEC);
    }
    return 0;
}
