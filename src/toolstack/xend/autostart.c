/* Autostart: every .cfg file in AUTO_DIR is created when xend starts, unless a
 * domain of that name already runs (adopted from before). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "xend.h"

static int is_cfg(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return e->d_name[0] != '.' && n > 4 && strcmp(e->d_name + n - 4, ".cfg") == 0;
}

static void start_one(struct xend *x, const char *path)
{
    struct domain_config cfg;
    struct cfg_diag diag;
    char err[512];
    if (config_parse_file(path, NULL, 0, &cfg, &diag) < 0) {
        xlog(x, LOG_ERR, "autostart: %s", diag.error);
        return;
    }
    /* Relative kernel and ramdisk paths are relative to the config file. */
    if (config_paths_relative_to(&cfg, x->s.auto_dir) < 0) {
        config_free(&cfg);
        return;
    }
    for (size_t k = 0; k < diag.n_warnings; k++)
        xlog(x, LOG_WARN, "autostart: %s", diag.warnings[k]);
    if (dom_by_name(x, cfg.name))
        xlog(x, LOG_INFO, "autostart: %s already running", cfg.name);
    else if (dom_create(x, &cfg, NULL, NULL, err, sizeof(err)) < 0)
        xlog(x, LOG_ERR, "autostart: %s: %s", path, err);
    config_free(&cfg);
}

void autostart(struct xend *x)
{
    struct dirent **ents;
    int n = scandir(x->s.auto_dir, &ents, is_cfg, alphasort);
    for (int k = 0; k < n; k++) {
        char path[XEND_PATH + 300];
        snprintf(path, sizeof(path), "%s/%s", x->s.auto_dir, ents[k]->d_name);
        start_one(x, path);
        free(ents[k]);
    }
    if (n > 0)
        free(ents);
}
