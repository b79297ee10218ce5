/* xm create from the browser: a pasted config or one from the config
 * directory, parsed here by the same parser as xm (errors and warnings as
 * file:line:col), then sent to xend as xm sends it.
 *
 * The config directory is offered by listing: a file is named by what the
 * listing shows (no '/', no leading '.'), so no path typed in the page
 * reaches open() and the page can't probe for files elsewhere.  Relative
 * kernel and ramdisk paths are taken from the config directory. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "config_json.h"
#include "web.h"

#define MAX_VARS 16
#define MAX_CONFIGS 256

static bool config_name_ok(const char *name)
{
    size_t n = strlen(name);
    return n > 0 && n < 128 && name[0] != '.' && !strchr(name, '/');
}

/* A regular file of the config directory, opened without following a
 * symlink out of it; -ENOENT for anything else. */
static int open_config(struct web *w, const char *name)
{
    if (!config_name_ok(name))
        return -ENOENT;
    int dir = open(w->s.config_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return -ENOENT;
    int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    close(dir);
    struct stat st;
    if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
                    st.st_size > CFG_MAX_FILE)) {
        close(fd);
        fd = -1;
    }
    return fd < 0 ? -ENOENT : fd;
}

static char *read_config(struct web *w, const char *name, size_t *len)
{
    int fd = open_config(w, name);
    if (fd < 0)
        return NULL;
    char *buf = malloc(CFG_MAX_FILE + 1);
    size_t n = 0;
    ssize_t r = 0;
    while (buf && n < CFG_MAX_FILE &&
           (r = read(fd, buf + n, CFG_MAX_FILE - n)) > 0)
        n += (size_t)r;
    close(fd);
    if (!buf || r < 0) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(json_object_get_string(*(json_object *const *)a),
                  json_object_get_string(*(json_object *const *)b));
}

void api_configs(struct wreq *rq, struct wrep *rp)
{
    json_object *arr = json_object_new_array(), *o = json_object_new_object();
    DIR *d = opendir(rq->w->s.config_dir);
    for (struct dirent *e; d && (e = readdir(d)) &&
                           json_object_array_length(arr) < MAX_CONFIGS;) {
        int fd = open_config(rq->w, e->d_name);
        if (fd < 0)
            continue;
        close(fd);
        json_object_array_add(arr, json_object_new_string(e->d_name));
    }
    if (d)
        closedir(d);
    json_object_array_sort(arr, cmp_str);
    json_object_object_add(o, "dir", json_object_new_string(rq->w->s.config_dir));
    json_object_object_add(o, "configs", arr);
    rep_json(rp, 200, o);
}

void api_config_text(struct wreq *rq, struct wrep *rp, const char *name)
{
    size_t len;
    char *text = read_config(rq->w, name, &len);
    if (!text)
        return rep_error(rp, 404, "ENOENT", "no config '%.60s' in the "
                         "config directory", name);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "name", json_object_new_string(name));
    json_object_object_add(o, "text", json_object_new_string_len(text,
                                                                 (int)len));
    free(text);
    rep_json(rp, 200, o);
}

/* "vmid=3 site=cam" into vars (pointing into buf). */
static int split_vars(char *buf, struct cfg_var *vars, size_t *n)
{
    *n = 0;
    for (char *save = NULL, *t = strtok_r(buf, " \t\r\n", &save); t;
         t = strtok_r(NULL, " \t\r\n", &save)) {
        char *eq = strchr(t, '=');
        if (!eq || eq == t || *n == MAX_VARS)
            return -EINVAL;
        *eq = '\0';
        vars[(*n)++] = (struct cfg_var){ t, eq + 1 };
    }
    return 0;
}

static json_object *warnings(const struct cfg_diag *d)
{
    json_object *a = json_object_new_array();
    for (size_t k = 0; k < d->n_warnings; k++)
        json_object_array_add(a, json_object_new_string(d->warnings[k]));
    if (d->n_dropped) {
        char m[64];
        snprintf(m, sizeof(m), "%zu more warnings", d->n_dropped);
        json_object_array_add(a, json_object_new_string(m));
    }
    return a;
}

static void send_create(struct wreq *rq, struct wrep *rp,
                        struct domain_config *cfg, json_object *warn)
{
    if (config_paths_relative_to(cfg, rq->w->s.config_dir) < 0) {
        json_object_put(warn);
        return rep_error(rp, 500, "ENOMEM", "out of memory");
    }
    json_object *body = json_object_new_object();
    json_object_object_add(body, "config", config_to_json(cfg));
    api_forward(rq, rp, "POST", "/xend/domain", body);
    json_object_put(body);
    if (rp->body)
        json_object_object_add(rp->body, "warnings", warn);
    else
        json_object_put(warn);
}

static const char *body_str(struct wreq *rq, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(rq->body, key, &v) &&
           json_object_is_type(v, json_type_string) ?
           json_object_get_string(v) : NULL;
}

void api_create(struct wreq *rq, struct wrep *rp)
{
    const char *file = body_str(rq, "file"), *text = body_str(rq, "config");
    const char *vtext = body_str(rq, "vars");
    char vbuf[1024], *owned = NULL;
    struct cfg_var vars[MAX_VARS];
    size_t n_vars = 0, len = text ? strlen(text) : 0;
    snprintf(vbuf, sizeof(vbuf), "%s", vtext ? vtext : "");
    if (split_vars(vbuf, vars, &n_vars) < 0)
        return rep_error(rp, 400, "EINVAL", "variables are NAME=VALUE "
                         "separated by blanks (at most %d)", MAX_VARS);
    if (!file == !text)
        return rep_error(rp, 400, "EINVAL", "give \"config\" (the text) or "
                         "\"file\" (a name from the config directory)");
    if (file && !(text = owned = read_config(rq->w, file, &len)))
        return rep_error(rp, 404, "ENOENT", "no config '%.60s' in the "
                         "config directory", file);
    struct domain_config cfg;
    struct cfg_diag diag;
    if (config_parse(file ? file : "pasted", text, len, vars, n_vars, &cfg,
                     &diag) < 0) {
        rep_error(rp, 400, "EINVAL", "%s", diag.error);
        json_object_object_add(rp->body, "warnings", warnings(&diag));
    } else {
        send_create(rq, rp, &cfg, warnings(&diag));
        config_free(&cfg);
    }
    free(owned);
}
