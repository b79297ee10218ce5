/* Python's printf-style string formatting: "name-%d" % vmid,
 * "%s-%02x" % (a, b).  Integers and strings only. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_int.h"

#define FMT_MAX_WIDTH 1024

struct fmt_out {
    char *buf;
    size_t len, cap;
};

static int out_add(struct fmt_out *o, const char *s, size_t n)
{
    if (o->len + n > CFG_MAX_STR)
        return -E2BIG;
    if (o->len + n + 1 > o->cap) {
        size_t cap = (o->len + n + 1) * 2;
        char *b = realloc(o->buf, cap);
        if (!b)
            return -ENOMEM;
        o->buf = b;
        o->cap = cap;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
    return 0;
}

struct conv_spec {
    char flags[8];
    int width, prec;            /* -1: not given */
    char conv;
};

/* Parses the part after '%'; *pp is advanced past the conversion. */
static int parse_spec(const char **pp, struct conv_spec *cs)
{
    const char *p = *pp;
    size_t nf = 0;
    cs->width = cs->prec = -1;
    while (*p && strchr("-+ 0#", *p) && nf < sizeof(cs->flags) - 1)
        cs->flags[nf++] = *p++;
    cs->flags[nf] = '\0';
    for (; isdigit((unsigned char)*p); p++) {
        cs->width = (cs->width < 0 ? 0 : cs->width) * 10 + (*p - '0');
        if (cs->width > FMT_MAX_WIDTH)
            return -ERANGE;
    }
    if (*p == '.') {
        cs->prec = 0;
        for (p++; isdigit((unsigned char)*p); p++) {
            cs->prec = cs->prec * 10 + (*p - '0');
            if (cs->prec > FMT_MAX_WIDTH)
                return -ERANGE;
        }
    }
    while (*p == 'l' || *p == 'h' || *p == 'L')
        p++;
    cs->conv = *p;
    if (*p)
        p++;
    *pp = p;
    return 0;
}

static int conv_int(const struct conv_spec *cs, const struct val *v,
                    char *buf, size_t len)
{
    char cfmt[64];
    const char *lm = strchr("diu", cs->conv) ? "lld" :
                     cs->conv == 'x' ? "llx" : cs->conv == 'X' ? "llX" : "llo";
    if (cs->prec >= 0)
        snprintf(cfmt, sizeof(cfmt), "%%%s%d.%d%s", cs->flags,
                 cs->width < 0 ? 0 : cs->width, cs->prec, lm);
    else
        snprintf(cfmt, sizeof(cfmt), "%%%s%d%s", cs->flags,
                 cs->width < 0 ? 0 : cs->width, lm);
    long long i = v->i;
    if (strchr("xXo", cs->conv) && i < 0)
        return -EDOM;           /* Python prints -0x..; rare, refuse */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    return snprintf(buf, len, cfmt, i);
#pragma GCC diagnostic pop
}

static int conv_str(const struct conv_spec *cs, const char *s,
                    struct fmt_out *o)
{
    size_t n = strlen(s);
    if (cs->prec >= 0 && (size_t)cs->prec < n)
        n = (size_t)cs->prec;
    size_t pad = cs->width > 0 && (size_t)cs->width > n ?
                 (size_t)cs->width - n : 0;
    bool left = strchr(cs->flags, '-') != NULL;
    int r = 0;
    for (size_t k = 0; !left && k < pad && r == 0; k++)
        r = out_add(o, " ", 1);
    if (r == 0)
        r = out_add(o, s, n);
    for (size_t k = 0; left && k < pad && r == 0; k++)
        r = out_add(o, " ", 1);
    return r;
}

static int convert_one(struct parser *ps, const struct conv_spec *cs,
                       const struct val *v, struct fmt_out *o)
{
    char num[FMT_MAX_WIDTH * 2 + 64];
    if (strchr("diuxXo", cs->conv)) {
        if (v->t != V_INT)
            return perr(ps, v->line, v->col,
                        "%%%c format: a number is required, not %s",
                        cs->conv, val_type_name(v->t));
        int n = conv_int(cs, v, num, sizeof(num));
        if (n < 0)
            return perr(ps, v->line, v->col,
                        "%%%c of a negative number", cs->conv);
        return out_add(o, num, (size_t)n);
    }
    if (cs->conv == 's' || cs->conv == 'r') {
        if (v->t == V_INT) {
            snprintf(num, sizeof(num), "%lld", v->i);
            return conv_str(cs, num, o);
        }
        if (v->t != V_STR)
            return perr(ps, v->line, v->col, "%%%c of a %s is not supported",
                        cs->conv, val_type_name(v->t));
        if (cs->conv == 's')
            return conv_str(cs, v->s, o);
        int r = out_add(o, "'", 1);
        if (r == 0)
            r = conv_str(cs, v->s, o);
        return r ? r : out_add(o, "'", 1);
    }
    if (cs->conv == 'c' && v->t == V_INT && v->i > 0 && v->i < 128) {
        char c = (char)v->i;
        return out_add(o, &c, 1);
    }
    return perr(ps, v->line, v->col, "%%%c: bad argument %s", cs->conv,
                val_type_name(v->t));
}

static int fmt_loop(struct parser *ps, const struct val *fmt,
                    const struct val *args, struct fmt_out *o)
{
    bool tuple = args->t == V_TUPLE;
    size_t nargs = tuple ? args->n : 1, used = 0;
    const char *p = fmt->s;
    int r = 0;
    while (*p && r == 0) {
        const char *pct = strchr(p, '%');
        size_t lit = pct ? (size_t)(pct - p) : strlen(p);
        if ((r = out_add(o, p, lit)) < 0 || !pct)
            break;
        p = pct + 1;
        struct conv_spec cs;
        if (parse_spec(&p, &cs) < 0)
            return perr(ps, fmt->line, fmt->col, "format width too large");
        if (cs.conv == '%') {
            r = out_add(o, "%", 1);
            continue;
        }
        if (!cs.conv || !strchr("diuxXosrc", cs.conv))
            return perr(ps, fmt->line, fmt->col,
                        "unsupported format character '%c'",
                        cs.conv && isprint((unsigned char)cs.conv) ?
                        cs.conv : '?');
        if (used >= nargs)
            return perr(ps, fmt->line, fmt->col,
                        "not enough arguments for format string");
        r = convert_one(ps, &cs, tuple ? &args->items[used] : args, o);
        used++;
    }
    if (r == 0 && used < nargs)
        return perr(ps, fmt->line, fmt->col,
                    "not all arguments converted during string formatting");
    if (r == -E2BIG)
        return perr(ps, fmt->line, fmt->col, "formatted string too long");
    return r;
}

int fmt_percent(struct parser *ps, const struct val *fmt,
                const struct val *args, struct val *out)
{
    struct fmt_out o = { 0 };
    memset(out, 0, sizeof(*out));
    int r = out_add(&o, "", 0);
    if (r == 0)
        r = fmt_loop(ps, fmt, args, &o);
    if (r < 0) {
        free(o.buf);
        return r;
    }
    out->t = V_STR;
    out->s = o.buf;
    return 0;
}
