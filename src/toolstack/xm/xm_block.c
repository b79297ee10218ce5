/* xm block-attach, block-detach, block-list (and Xen 2.0's vbd-create,
 * vbd-destroy, vbd-list). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xm.h"

/* xend runs elsewhere: a relative image path is taken from where xm runs
 * ('file:disk.img' -> 'file:/cwd/disk.img'). */
static int absolute_target(const char *t, char *buf, size_t len)
{
    static const char *const pfx[] = { "file:", "tap:aio:", "tap2:aio:",
                                       "aio:", "" };
    char cwd[4096];
    for (size_t k = 0; k < sizeof(pfx) / sizeof(pfx[0]); k++) {
        size_t n = strlen(pfx[k]);
        if (strncmp(t, pfx[k], n) != 0)
            continue;
        if (t[n] == '/' || !t[n] || (!n && strchr(t, ':')))
            break;
        if (!getcwd(cwd, sizeof(cwd)))
            return -errno;
        snprintf(buf, len, "%.*s%s/%s", (int)n, t, cwd, t + n);
        return 0;
    }
    snprintf(buf, len, "%s", t);
    return 0;
}

int cmd_block_attach(struct xm *xm, int argc, char **argv)
{
    char target[4200];
    if (argc != 5)
        return xm_usage(xm);
    if (absolute_target(argv[2], target, sizeof(target)) < 0)
        return xm_error("can't make %s absolute: %s", argv[2], strerror(errno));
    struct xenoctl *h = xm_handle(xm);
    if (!h)
        return XM_FAIL;
    int r = xenoctl_block_attach(h, argv[1], target, argv[3], argv[4]);
    return r < 0 ? xm_fail(xm, r) : XM_OK;
}

int cmd_block_detach(struct xm *xm, int argc, char **argv)
{
    char warn[512];
    if (argc != 3)
        return xm_usage(xm);
    struct xenoctl *h = xm_handle(xm);
    if (!h)
        return XM_FAIL;
    int r = xenoctl_block_detach(h, argv[1], argv[2], warn, sizeof(warn));
    if (r < 0)
        return xm_fail(xm, r);
    if (*warn)
        fprintf(stderr, "Warning: %s\n", warn);
    return XM_OK;
}

/* xl's columns; -l adds what xend knows besides xenstore. */
int cmd_block_list(struct xm *xm, int argc, char **argv)
{
    bool lng = argc == 3 && strcmp(argv[1], "-l") == 0;
    if (argc != 2 && !lng)
        return xm_usage(xm);
    struct xenoctl *h = xm_handle(xm);
    struct xenoctl_vbd *v;
    size_t n;
    if (!h)
        return XM_FAIL;
    int r = xenoctl_block_list(h, argv[lng ? 2 : 1], &v, &n);
    if (r < 0)
        return xm_fail(xm, r);
    printf("%-5s %-3s %-6s %-5s %-6s %-8s %-30s%s\n", "Vdev", "BE", "handle",
           "state", "evt-ch", "ring-ref", "BE-path",
           lng ? " Dev   Mode Type Target" : "");
    for (size_t k = 0; k < n; k++) {
        printf("%-5u %-3d %-6u %-5d %-6d %-8d %-30s", v[k].devid,
               v[k].backend_id, v[k].devid, v[k].state, v[k].event_channel,
               v[k].ring_ref, v[k].backend);
        if (lng)
            printf(" %-5s %-4s %-4s %s", v[k].vdev, v[k].mode, v[k].type,
                   v[k].target);
        putchar('\n');
    }
    free(v);
    return XM_OK;
}
