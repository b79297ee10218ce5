/* xm create CONFIG [VAR=VALUE...] [-c] [-n|--dry-run] */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "config_json.h"
#include "xm.h"

#define MAX_VARS 32
#define CONFIG_DIR_ENV "XENO_CONFIG_DIR"
#define CONFIG_DIR "/etc/xeno"

struct create_args {
    const char *file;
    bool console, dry_run;
    struct cfg_var vars[MAX_VARS];
    size_t n_vars;
};

static int parse_args(struct xm *xm, int argc, char **argv,
                      struct create_args *a)
{
    for (int k = 1; k < argc; k++) {
        char *eq = strchr(argv[k], '=');
        if (strcmp(argv[k], "-c") == 0)
            a->console = true;
        else if (strcmp(argv[k], "-n") == 0 || strcmp(argv[k], "--dry-run") == 0)
            a->dry_run = true;
        else if (strcmp(argv[k], "-f") == 0 && k + 1 < argc && !a->file)
            a->file = argv[++k];
        else if (argv[k][0] == '-')
            return xm_usage(xm);
        else if (eq && a->n_vars < MAX_VARS) {
            *eq = '\0';
            a->vars[a->n_vars++] = (struct cfg_var){ argv[k], eq + 1 };
        } else if (!eq && !a->file)
            a->file = argv[k];
        else
            return xm_usage(xm);
    }
    return a->file ? XM_OK : xm_usage(xm);
}

/* As xm: a bare name that is not a file is looked up in the config dir,
 * as NAME and as NAME.cfg. */
static const char *resolve(const char *file, char *buf, size_t len)
{
    const char *dir = getenv(CONFIG_DIR_ENV);
    if (strchr(file, '/') || access(file, F_OK) == 0)
        return file;
    dir = dir && *dir ? dir : CONFIG_DIR;
    snprintf(buf, len, "%s/%s", dir, file);
    if (access(buf, F_OK) == 0)
        return buf;
    snprintf(buf, len, "%s/%s.cfg", dir, file);
    return access(buf, F_OK) == 0 ? buf : file;
}

static void print_warnings(const struct cfg_diag *d)
{
    for (size_t k = 0; k < d->n_warnings; k++)
        fprintf(stderr, "Warning: %s\n", d->warnings[k]);
    if (d->n_dropped)
        fprintf(stderr, "Warning: %zu more warnings\n", d->n_dropped);
}

static int dry_run(const struct domain_config *cfg)
{
    printf("Would create domain:\n");
    config_dump(cfg, stdout);
    return XM_OK;
}

/* xend runs elsewhere (another cwd): relative kernel and ramdisk paths
 * are taken from where xm runs. */
static int absolute(char **path)
{
    char cwd[4096], *abs;
    if (!*path || (*path)[0] == '/')
        return 0;
    if (!getcwd(cwd, sizeof(cwd)) || asprintf(&abs, "%s/%s", cwd, *path) < 0)
        return -errno;
    free(*path);
    *path = abs;
    return 0;
}

static int do_create(struct xm *xm, const char *file,
                     struct domain_config *cfg, bool console)
{
    if (absolute(&cfg->kernel) < 0 || absolute(&cfg->ramdisk) < 0)
        return xm_error("can't make the kernel's path absolute: %s",
                        strerror(errno));
    struct xenoctl *h = xm_handle(xm);
    if (!h)
        return XM_FAIL;
    json_object *j = config_to_json(cfg);
    int domid = -1;
    int r = xenoctl_create(h, json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE), &domid);
    json_object_put(j);
    if (r < 0)              /* which config, and xend's why */
        return xm_error("%s: %s", file, *xenoctl_error(h) ? xenoctl_error(h)
                        : strerror(-r));
    printf("Started domain %s (id=%d)\n", cfg->name, domid);
    fflush(stdout);
    return console ? xm_console_attach(xm, cfg->name) : XM_OK;
}

int cmd_create(struct xm *xm, int argc, char **argv)
{
    struct create_args a = { 0 };
    struct domain_config cfg;
    struct cfg_diag diag;
    char buf[4096];
    int r = parse_args(xm, argc, argv, &a);
    if (r != XM_OK)
        return r;
    const char *file = resolve(a.file, buf, sizeof(buf));
    if (config_parse_file(file, a.vars, a.n_vars, &cfg, &diag) < 0) {
        print_warnings(&diag);
        return xm_error("%s", diag.error);
    }
    print_warnings(&diag);
    printf("Using config file \"%s\".\n", file);
    fflush(stdout);             /* before any error on stderr */
    r = a.dry_run ? dry_run(&cfg) : do_create(xm, file, &cfg, a.console);
    config_free(&cfg);
    return r;
}
