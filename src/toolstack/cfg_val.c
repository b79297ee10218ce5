/* Values of the config language and the parser's diagnostics. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_int.h"

static void vdiag(char *buf, size_t len, const char *file, int line, int col,
                  const char *fmt, va_list ap)
{
    int n = line > 0 ? snprintf(buf, len, "%s:%d:%d: ", file, line, col)
                     : snprintf(buf, len, "%s: ", file);
    if (n < 0 || (size_t)n >= len)
        return;
    vsnprintf(buf + n, len - (size_t)n, fmt, ap);
}

int perr(struct parser *ps, int line, int col, const char *fmt, ...)
{
    va_list ap;
    if (ps->diag->error[0])             /* keep the first error */
        return -EINVAL;
    va_start(ap, fmt);
    vdiag(ps->diag->error, sizeof(ps->diag->error), ps->file, line, col,
          fmt, ap);
    va_end(ap);
    return -EINVAL;
}

void pwarn(struct parser *ps, int line, int col, const char *fmt, ...)
{
    struct cfg_diag *d = ps->diag;
    va_list ap;
    if (d->n_warnings >= CFG_MAX_WARNINGS) {
        d->n_dropped++;
        return;
    }
    va_start(ap, fmt);
    vdiag(d->warnings[d->n_warnings++], CFG_MSG_MAX, ps->file, line, col,
          fmt, ap);
    va_end(ap);
}

void val_free(struct val *v)
{
    free(v->s);
    for (size_t k = 0; k < v->n; k++)
        val_free(&v->items[k]);
    free(v->items);
    memset(v, 0, sizeof(*v));
}

int val_copy(struct val *dst, const struct val *src)
{
    *dst = *src;
    dst->s = NULL;
    dst->items = NULL;
    dst->n = 0;
    if (src->s && !(dst->s = strdup(src->s)))
        return -ENOMEM;
    if (src->n) {
        dst->items = calloc(src->n, sizeof(*dst->items));
        if (!dst->items) {
            val_free(dst);
            return -ENOMEM;
        }
        for (size_t k = 0; k < src->n; k++) {
            dst->n = k + 1;
            if (val_copy(&dst->items[k], &src->items[k]) < 0) {
                val_free(dst);
                return -ENOMEM;
            }
        }
    }
    return 0;
}

const char *val_type_name(enum val_type t)
{
    switch (t) {
    case V_INT: return "integer";
    case V_STR: return "string";
    case V_LIST: return "list";
    case V_TUPLE: return "tuple";
    default: return "None";
    }
}

/* A short rendering for error messages: strings quoted and cut. */
char *val_repr(const struct val *v)
{
    char *out = NULL;
    int r;
    switch (v->t) {
    case V_INT:
        r = asprintf(&out, "%lld", v->i);
        break;
    case V_STR:
        r = asprintf(&out, "'%.40s%s'", v->s, strlen(v->s) > 40 ? "..." : "");
        break;
    default:
        r = asprintf(&out, "%s", val_type_name(v->t));
        break;
    }
    return r < 0 ? NULL : out;
}

struct sym *sym_find(struct parser *ps, const char *name)
{
    for (size_t k = 0; k < ps->n_syms; k++)
        if (strcmp(ps->syms[k].name, name) == 0)
            return &ps->syms[k];
    return NULL;
}

/* Takes ownership of *v (it is cleared). */
int sym_set(struct parser *ps, const char *name, struct val *v, int line,
            int col, bool from_cli)
{
    struct sym *s = sym_find(ps, name);
    if (!s) {
        if (ps->n_syms >= CFG_MAX_SYMS) {
            val_free(v);
            return perr(ps, line, col, "too many variables (max %d)",
                        CFG_MAX_SYMS);
        }
        s = &ps->syms[ps->n_syms];
        memset(s, 0, sizeof(*s));
        if (!(s->name = strdup(name))) {
            val_free(v);
            return -ENOMEM;
        }
        ps->n_syms++;
    }
    val_free(&s->v);
    s->v = *v;
    memset(v, 0, sizeof(*v));
    s->line = line;
    s->col = col;
    s->from_cli = from_cli;
    return 0;
}
