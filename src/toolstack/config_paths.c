/* Relative kernel and ramdisk paths of a config, made absolute against a
 * directory (xend's auto-dir, xenoweb's config directory). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "config.h"

static int under(const char *dir, char **path)
{
    char *abs;
    if (!*path || (*path)[0] == '/')
        return 0;
    if (asprintf(&abs, "%s/%s", dir, *path) < 0)
        return -ENOMEM;
    free(*path);
    *path = abs;
    return 0;
}

int config_paths_relative_to(struct domain_config *cfg, const char *dir)
{
    int r = under(dir, &cfg->kernel);
    return r < 0 ? r : under(dir, &cfg->ramdisk);
}
