/* xm destroy, shutdown, reboot, pause, unpause, mem-set, mem-max. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xm.h"

/* Commands of the form `xm CMD DOM` that call one library function. */
static int simple(struct xm *xm, int argc, char **argv,
                  int (*fn)(struct xenoctl *, const char *))
{
    if (argc != 2)
        return xm_usage(xm);
    struct xenoctl *h = xm_handle(xm);
    if (!h)
        return XM_FAIL;
    int r = fn(h, argv[1]);
    return r < 0 ? xm_fail(xm, r) : XM_OK;
}

int cmd_destroy(struct xm *xm, int argc, char **argv)
{
    return simple(xm, argc, argv, xenoctl_destroy);
}

int cmd_reboot(struct xm *xm, int argc, char **argv)
{
    return simple(xm, argc, argv, xenoctl_reboot);
}

int cmd_pause(struct xm *xm, int argc, char **argv)
{
    return simple(xm, argc, argv, xenoctl_pause);
}

int cmd_unpause(struct xm *xm, int argc, char **argv)
{
    return simple(xm, argc, argv, xenoctl_unpause);
}

static int parse_uint(const char *s, unsigned long long max,
                      unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || v > max)
        return -EINVAL;
    *out = v;
    return 0;
}

int cmd_shutdown(struct xm *xm, int argc, char **argv)
{
    bool wait = false;
    unsigned long long timeout = 300;
    int c;
    optind = 1;
    while ((c = getopt(argc, argv, "+wt:")) != -1) {
        if (c == 'w')
            wait = true;
        else if (c != 't' || parse_uint(optarg, 86400, &timeout) < 0)
            return xm_usage(xm);
    }
    if (optind != argc - 1)
        return xm_usage(xm);
    struct xenoctl *h = xm_handle(xm);
    if (!h)
        return XM_FAIL;
    int r = xenoctl_shutdown(h, argv[optind], wait, (unsigned)timeout);
    if (r < 0)
        return xm_fail(xm, r);
    if (wait)
        printf("Domain %s terminated\n", argv[optind]);
    return XM_OK;
}

static int mem_cmd(struct xm *xm, int argc, char **argv,
                   int (*fn)(struct xenoctl *, const char *, uint64_t))
{
    unsigned long long mib;
    if (argc != 3)
        return xm_usage(xm);
    if (parse_uint(argv[2], 1ULL << 40, &mib) < 0 || mib == 0)
        return xm_error("memory must be a positive number of MiB, not '%s'",
                        argv[2]);
    struct xenoctl *h = xm_handle(xm);
    if (!h)
        return XM_FAIL;
    int r = fn(h, argv[1], mib);
    return r < 0 ? xm_fail(xm, r) : XM_OK;
}

int cmd_mem_set(struct xm *xm, int argc, char **argv)
{
    return mem_cmd(xm, argc, argv, xenoctl_mem_set);
}

int cmd_mem_max(struct xm *xm, int argc, char **argv)
{
    return mem_cmd(xm, argc, argv, xenoctl_mem_max);
}
