/* Golden tests of the config parser: every configs/NAME.cfg is parsed and
 * its canonical dump (or, for bad-*.cfg, its error) compared with
 * NAME.out.  A line `# test-vars: a=1 b=x` gives command-line variables.
 * With --update the .out files are rewritten (review the diff!). */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

#define MAX_VARS 8

struct vars {
    char buf[512];
    struct cfg_var v[MAX_VARS];
    size_t n;
};

static void read_vars(const char *path, struct vars *vs)
{
    FILE *f = fopen(path, "r");
    char line[512];
    vs->n = 0;
    while (f && fgets(line, sizeof(line), f)) {
        if (strncmp(line, "# test-vars:", 12) != 0)
            continue;
        snprintf(vs->buf, sizeof(vs->buf), "%s", line + 12);
        for (char *save = NULL, *t = strtok_r(vs->buf, " \n", &save);
             t && vs->n < MAX_VARS; t = strtok_r(NULL, " \n", &save)) {
            char *eq = strchr(t, '=');
            if (!eq)
                continue;
            *eq = '\0';
            vs->v[vs->n++] = (struct cfg_var){ t, eq + 1 };
        }
    }
    if (f)
        fclose(f);
}

static char *render(const char *cfg, bool *ok)
{
    struct vars vs;
    struct domain_config c;
    struct cfg_diag d;
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    read_vars(cfg, &vs);
    *ok = config_parse_file(cfg, vs.v, vs.n, &c, &d) == 0;
    for (size_t k = 0; k < d.n_warnings; k++)
        fprintf(out, "warning: %s\n", d.warnings[k]);
    if (*ok)
        config_dump(&c, out);
    else
        fprintf(out, "error: %s\n", d.error);
    config_free(&c);
    fclose(out);
    return text;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *buf = calloc(1, 1 << 20);
    size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    (void)n;
    fclose(f);
    return buf;
}

static int check_one(const char *name, bool update)
{
    char outname[512];
    bool ok, want_ok = strncmp(name, "bad-", 4) != 0;
    snprintf(outname, sizeof(outname), "%.*s.out",
             (int)(strlen(name) - 4), name);
    char *got = render(name, &ok), *want = slurp(outname);
    int fail = 0;
    if (update) {
        FILE *f = fopen(outname, "w");
        if (f) {
            fputs(got, f);
            fclose(f);
        }
    } else if (ok != want_ok) {
        fprintf(stderr, "FAIL %s: parse %s, expected %s\n%s", name,
                ok ? "succeeded" : "failed", want_ok ? "success" : "failure",
                got);
        fail = 1;
    } else if (!want || strcmp(got, want) != 0) {
        fprintf(stderr, "FAIL %s: output differs\n--- expected\n%s--- got\n"
                "%s", name, want ? want : "(no .out file)\n", got);
        fail = 1;
    }
    free(got);
    free(want);
    return fail;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_cfg(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return n > 4 && strcmp(e->d_name + n - 4, ".cfg") == 0;
}

int main(int argc, char **argv)
{
    bool update = argc > 2 && strcmp(argv[2], "--update") == 0;
    struct dirent **ents;
    if (argc < 2 || chdir(argv[1]) < 0) {
        fprintf(stderr, "usage: config_golden CONFIGDIR [--update]\n");
        return 2;
    }
    int n = scandir(".", &ents, is_cfg, by_name), failed = 0;
    for (int k = 0; k < n; k++) {
        failed += check_one(ents[k]->d_name, update);
        free(ents[k]);
    }
    free(ents);
    printf("config_golden: %d configs, %d failed\n", n, failed);
    return failed || n <= 0 ? 1 : 0;
}
