/* Parsing a config: command-line variables, the file, the keys, then the
 * kernel command line of xm's ip/root/extra keys and the final checks. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg_int.h"

static int append(char **dst, const char *sep, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int append(char **dst, const char *sep, const char *fmt, ...)
{
    char *part, *res;
    va_list ap;
    va_start(ap, fmt);
    int r = vasprintf(&part, fmt, ap);
    va_end(ap);
    if (r < 0)
        return -ENOMEM;
    r = asprintf(&res, "%s%s%s", *dst ? *dst : "", *dst ? sep : "", part);
    free(part);
    if (r < 0)
        return -ENOMEM;
    free(*dst);
    *dst = res;
    return 0;
}

/* xm: "ip=IP:NFS:GW:MASK:HOST:IF:DHCP root=ROOT EXTRA"; cmdline wins. */
static int compose_cmdline(struct build *b)
{
    const struct cmdline_parts *c = &b->cl;
    char **out = &b->cfg->cmdline;
    int r = 0;
    if (c->cmdline) {
        if (c->root || c->extra)
            pwarn(b->ps, 0, 0, "'cmdline' given: 'root' and 'extra' ignored");
        return (*out = strdup(c->cmdline)) ? 0 : -ENOMEM;
    }
    const char *dhcp = c->dhcp ? c->dhcp : "off";
    if (c->ip || strcmp(dhcp, "off") != 0)
        r = append(out, " ", "ip=%s:%s:%s:%s:%s:%s:%s", c->ip ? c->ip : "",
                   c->nfs_server ? c->nfs_server : "",
                   c->gateway ? c->gateway : "", c->netmask ? c->netmask : "",
                   c->hostname ? c->hostname : "",
                   c->interface ? c->interface : "eth0", dhcp);
    if (r == 0 && c->nfs_root && !c->nfs_server)
        return perr(b->ps, 0, 0, "nfs_root needs nfs_server");
    if (r == 0 && c->nfs_root)
        r = append(out, " ", "root=/dev/nfs nfsroot=%s:%s", c->nfs_server,
                   c->nfs_root);
    else if (r == 0 && c->root)
        r = append(out, " ", "root=%s", strncmp(c->root, "root=", 5) == 0 ?
                   c->root + 5 : c->root);
    if (r == 0 && c->extra)
        r = append(out, " ", "%s", c->extra);
    return r;
}

static bool looks_int(const char *s)
{
    const char *p = s + (*s == '-');
    if (!*p || strlen(p) > 18)
        return false;
    for (; *p; p++)
        if (!isdigit((unsigned char)*p))
            return false;
    return true;
}

static bool ident_valid(const char *s)
{
    if (!*s || isdigit((unsigned char)*s))
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_')
            return false;
    return true;
}

static int set_cli_vars(struct parser *ps, const struct cfg_var *vars,
                        size_t n)
{
    for (size_t k = 0; k < n; k++) {
        if (!ident_valid(vars[k].name)) {
            snprintf(ps->diag->error, sizeof(ps->diag->error),
                     "command line: '%.64s' is not a valid variable name",
                     vars[k].name);
            return -EINVAL;
        }
        struct val v = { .t = V_STR };
        if (looks_int(vars[k].value)) {
            v.t = V_INT;
            v.i = strtoll(vars[k].value, NULL, 10);
        } else if (!(v.s = strdup(vars[k].value))) {
            return -ENOMEM;
        }
        int r = sym_set(ps, vars[k].name, &v, 0, 0, true);
        if (r < 0)
            return r;
    }
    return 0;
}

static int finish(struct build *b)
{
    struct domain_config *c = b->cfg;
    int r = compose_cmdline(b);
    if (r < 0)
        return r;
    struct sym *mx = sym_find(b->ps, "maxmem");
    if (!b->cl.maxmem_set)
        c->maxmem_mib = c->memory_mib;
    else if (b->cl.memory_set && c->memory_mib > c->maxmem_mib && mx)
        return key_err(b, mx, "%llu MiB is less than memory (%llu MiB)",
                       (unsigned long long)c->maxmem_mib,
                       (unsigned long long)c->memory_mib);
    else if (!b->cl.memory_set && c->memory_mib > c->maxmem_mib)
        c->memory_mib = c->maxmem_mib;
    struct sym *mv = sym_find(b->ps, "maxvcpus");
    if (!mv)
        c->maxvcpus = c->vcpus;
    else if (c->vcpus > c->maxvcpus)
        return key_err(b, mv, "%u is less than vcpus (%u)", c->maxvcpus, c->vcpus);
    char err[CFG_MSG_MAX - 64];
    if (config_validate(c, err, sizeof(err)) < 0)
        return perr(b->ps, 0, 0, "%s", err);
    return 0;
}

static void parser_free(struct parser *ps)
{
    for (size_t k = 0; k < ps->n_syms; k++) {
        free(ps->syms[k].name);
        val_free(&ps->syms[k].v);
    }
    for (size_t k = 0; k < ps->n_xm_vars; k++) {
        free(ps->xm_vars[k].name);
        free(ps->xm_vars[k].use);
    }
    lex_free_tok(ps);
    free(ps);
}

int config_parse(const char *file, const char *text, size_t len,
                 const struct cfg_var *vars, size_t n_vars,
                 struct domain_config *out, struct cfg_diag *diag)
{
    memset(diag, 0, sizeof(*diag));
    config_init(out);
    struct parser *ps = calloc(1, sizeof(*ps));
    if (!ps)
        return -ENOMEM;
    ps->diag = diag;
    lex_init(ps, file, text, len);
    struct build b = { .ps = ps, .cfg = out };
    int r = set_cli_vars(ps, vars, n_vars);
    if (r == 0 && memchr(text, '\0', len))
        r = perr(ps, 0, 0, "file contains a NUL byte");
    if (r == 0)
        r = run_file(ps);
    if (r == 0)
        r = apply_keys(&b);
    if (r == 0)
        r = finish(&b);
    parser_free(ps);
    if (r < 0) {
        if (!diag->error[0])
            snprintf(diag->error, sizeof(diag->error), "%s: %s", file,
                     strerror(-r));
        config_free(out);
    }
    return r;
}

int config_parse_file(const char *path, const struct cfg_var *vars,
                      size_t n_vars, struct domain_config *out,
                      struct cfg_diag *diag)
{
    memset(diag, 0, sizeof(*diag));
    config_init(out);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(diag->error, sizeof(diag->error), "%s: %s", path,
                 strerror(errno));
        return -errno;
    }
    char *buf = malloc(CFG_MAX_FILE + 1);
    size_t len = 0;
    ssize_t n = 1;
    while (buf && len <= CFG_MAX_FILE &&
           (n = read(fd, buf + len, CFG_MAX_FILE + 1 - len)) > 0)
        len += (size_t)n;
    close(fd);
    int r = !buf ? -ENOMEM : n < 0 ? -EIO : len > CFG_MAX_FILE ? -EFBIG : 0;
    if (r < 0) {
        snprintf(diag->error, sizeof(diag->error), "%s: %s", path,
                 r == -EFBIG ? "file too large (max 1 MiB)" : strerror(-r));
        free(buf);
        return r;
    }
    r = config_parse(path, buf, len, vars, n_vars, out, diag);
    free(buf);
    return r;
}
