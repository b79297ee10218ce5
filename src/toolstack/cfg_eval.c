/* Expressions: integers, strings, lists and tuples with + - * / // % and
 * parentheses, string % formatting, int() and str().  Evaluated while
 * parsed; ps->tok is the lookahead token throughout. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_int.h"

static int bad_operands(struct parser *ps, const char *op,
                        const struct val *a, const struct val *b)
{
    return perr(ps, a->line, a->col,
                "unsupported operand types for %s: %s and %s", op,
                val_type_name(a->t), val_type_name(b->t));
}

/* Python's floor division and modulo, with overflow and zero checks. */
static int int_op(struct parser *ps, const char *op, struct val *a,
                  const struct val *b)
{
    long long x = a->i, y = b->i, r;
    bool ovf = false;
    if (strchr("/%", op[0]) && y == 0)
        return perr(ps, b->line, b->col, "division by zero");
    switch (op[0]) {
    case '+': ovf = __builtin_add_overflow(x, y, &r); break;
    case '-': ovf = __builtin_sub_overflow(x, y, &r); break;
    case '*': ovf = __builtin_mul_overflow(x, y, &r); break;
    default:
        if (x == (-9223372036854775807LL - 1) && y == -1) {
            ovf = true;
            r = 0;
            break;
        }
        r = op[0] == '%' ? x % y : x / y;
        if (op[0] == '%' && r != 0 && ((r < 0) != (y < 0)))
            r += y;
        else if (op[0] == '/' && (x % y != 0) && ((x < 0) != (y < 0)))
            r -= 1;
        break;
    }
    if (ovf)
        return perr(ps, a->line, a->col, "integer overflow");
    a->i = r;
    return 0;
}

static int concat_str(struct parser *ps, struct val *a, const struct val *b)
{
    size_t la = strlen(a->s), lb = strlen(b->s);
    if (la + lb > CFG_MAX_STR)
        return perr(ps, a->line, a->col, "string too long");
    char *s = realloc(a->s, la + lb + 1);
    if (!s)
        return -ENOMEM;
    memcpy(s + la, b->s, lb + 1);
    a->s = s;
    return 0;
}

static int concat_list(struct parser *ps, struct val *a, struct val *b)
{
    if (a->n + b->n > CFG_MAX_ITEMS)
        return perr(ps, a->line, a->col, "list too long");
    struct val *it = realloc(a->items, (a->n + b->n + 1) * sizeof(*it));
    if (!it)
        return -ENOMEM;
    memcpy(it + a->n, b->items, b->n * sizeof(*it));
    a->items = it;
    a->n += b->n;
    free(b->items);
    b->items = NULL;
    b->n = 0;
    return 0;
}

/* a = a OP b; b is consumed. */
static int binop(struct parser *ps, const char *op, struct val *a,
                 struct val *b)
{
    int r;
    if (a->t == V_INT && b->t == V_INT)
        r = int_op(ps, op, a, b);
    else if (op[0] == '%' && a->t == V_STR) {
        struct val res;
        r = fmt_percent(ps, a, b, &res);
        if (r == 0) {
            res.line = a->line;
            res.col = a->col;
            val_free(a);
            *a = res;
        }
    } else if (op[0] == '+' && a->t == V_STR && b->t == V_STR)
        r = concat_str(ps, a, b);
    else if (op[0] == '+' && a->t == b->t && (a->t == V_LIST || a->t == V_TUPLE))
        r = concat_list(ps, a, b);
    else
        r = bad_operands(ps, op, a, b);
    val_free(b);
    return r;
}

static int eval_items(struct parser *ps, const char *close, struct val *out)
{
    while (!tok_is_op(ps, close)) {
        if (out->n >= CFG_MAX_ITEMS)
            return perr(ps, ps->tok.line, ps->tok.col,
                        "too many items (max %d)", CFG_MAX_ITEMS);
        struct val *it = realloc(out->items, (out->n + 1) * sizeof(*it));
        if (!it)
            return -ENOMEM;
        out->items = it;
        memset(&it[out->n], 0, sizeof(*it));
        int r = eval_expr(ps, &it[out->n]);
        out->n++;
        if (r < 0)
            return r;
        if (tok_is_op(ps, ","))
            r = lex_next(ps);
        else if (!tok_is_op(ps, close))
            r = perr(ps, ps->tok.line, ps->tok.col,
                     "expected ',' or '%s'", close);
        if (r < 0)
            return r;
    }
    return lex_next(ps);
}

/* '(' already current: a parenthesised expression or a tuple. */
static int eval_paren(struct parser *ps, struct val *out)
{
    int r = lex_next(ps);
    if (r < 0)
        return r;
    out->t = V_TUPLE;
    if (tok_is_op(ps, ")"))
        return lex_next(ps);
    struct val first = { 0 };
    if ((r = eval_expr(ps, &first)) < 0) {
        val_free(&first);
        return r;
    }
    if (tok_is_op(ps, ")")) {
        int line = out->line, col = out->col;
        *out = first;
        out->line = line;
        out->col = col;
        return lex_next(ps);
    }
    if (!tok_is_op(ps, ",")) {
        val_free(&first);
        return perr(ps, ps->tok.line, ps->tok.col, "expected ',' or ')'");
    }
    out->items = malloc(sizeof(*out->items));
    if (!out->items) {
        val_free(&first);
        return -ENOMEM;
    }
    out->items[0] = first;
    out->n = 1;
    if ((r = lex_next(ps)) < 0)
        return r;
    return eval_items(ps, ")", out);
}

static int to_int(struct parser *ps, struct val *v)
{
    if (v->t == V_INT)
        return 0;
    if (v->t != V_STR)
        return perr(ps, v->line, v->col, "int() of a %s", val_type_name(v->t));
    char *end;
    errno = 0;
    long long i = strtoll(v->s, &end, 10);
    while (*end == ' ')
        end++;
    if (errno || end == v->s || *end)
        return perr(ps, v->line, v->col, "invalid integer '%.40s'", v->s);
    free(v->s);
    v->s = NULL;
    v->t = V_INT;
    v->i = i;
    return 0;
}

static int to_str(struct parser *ps, struct val *v)
{
    if (v->t == V_STR)
        return 0;
    if (v->t != V_INT)
        return perr(ps, v->line, v->col, "str() of a %s", val_type_name(v->t));
    if (asprintf(&v->s, "%lld", v->i) < 0)
        return -ENOMEM;
    v->t = V_STR;
    return 0;
}

static int eval_call(struct parser *ps, const char *fn, struct val *out)
{
    int line = ps->tok.line, col = ps->tok.col;
    struct val args = { .line = line, .col = col };
    int r = lex_next(ps);                       /* past '(' */
    if (r == 0)
        r = eval_items(ps, ")", &args);
    if (r == 0 && args.n != 1)
        r = perr(ps, line, col, "%s() takes exactly one argument", fn);
    if (r == 0) {
        *out = args.items[0];
        args.n = 0;
        out->line = line;
        out->col = col;
        r = strcmp(fn, "int") == 0 ? to_int(ps, out) : to_str(ps, out);
    }
    val_free(&args);
    return r;
}

static int eval_name(struct parser *ps, struct val *out)
{
    char *name = ps->tok.s;
    ps->tok.s = NULL;
    int line = ps->tok.line, col = ps->tok.col, r = lex_next(ps);
    if (r == 0 && tok_is_op(ps, "(")) {
        if (strcmp(name, "int") == 0 || strcmp(name, "str") == 0)
            r = eval_call(ps, name, out);
        else
            r = perr(ps, line, col, "unsupported function '%s'", name);
    } else if (r == 0 && (strcmp(name, "True") == 0 ||
                          strcmp(name, "False") == 0)) {
        out->t = V_INT;
        out->i = name[0] == 'T';
    } else if (r == 0 && strcmp(name, "None") == 0) {
        out->t = V_NONE;
    } else if (r == 0) {
        struct sym *s = sym_find(ps, name);
        if (!s)
            r = perr(ps, line, col, "name '%s' is not defined%s", name,
                     ps->n_xm_vars ? " (give it on the command line: "
                                     "NAME=VALUE)" : "");
        else {
            s->used = true;
            r = val_copy(out, &s->v);
        }
    }
    out->line = line;
    out->col = col;
    free(name);
    return r;
}

/* Adjacent string literals are one string, as in Python. */
static int eval_strings(struct parser *ps, struct val *out)
{
    out->t = V_STR;
    out->s = ps->tok.s;
    ps->tok.s = NULL;
    int r;
    while ((r = lex_next(ps)) == 0 && ps->tok.t == T_STR) {
        struct val b = { .t = V_STR, .s = ps->tok.s };
        ps->tok.s = NULL;
        r = concat_str(ps, out, &b);
        val_free(&b);
        if (r < 0)
            return r;
    }
    return r;
}

static int eval_atom(struct parser *ps, struct val *out)
{
    memset(out, 0, sizeof(*out));
    out->line = ps->tok.line;
    out->col = ps->tok.col;
    switch (ps->tok.t) {
    case T_INT:
        out->t = V_INT;
        out->i = ps->tok.i;
        return lex_next(ps);
    case T_STR:
        return eval_strings(ps, out);
    case T_NAME:
        return eval_name(ps, out);
    case T_OP:
        if (tok_is_op(ps, "("))
            return eval_paren(ps, out);
        if (tok_is_op(ps, "[")) {
            out->t = V_LIST;
            int r = lex_next(ps);
            return r < 0 ? r : eval_items(ps, "]", out);
        }
        return perr(ps, ps->tok.line, ps->tok.col, "unexpected '%s'",
                    ps->tok.op);
    default:
        return perr(ps, ps->tok.line, ps->tok.col,
                    "expected a value, found end of %s",
                    ps->tok.t == T_EOF ? "file" : "line");
    }
}

static int eval_unary(struct parser *ps, struct val *out)
{
    if (tok_is_op(ps, "-") || tok_is_op(ps, "+")) {
        if (ps->eval_depth >= CFG_MAX_DEPTH)
            return perr(ps, ps->tok.line, ps->tok.col,
                        "expression nested too deeply");
        bool neg = ps->tok.op[0] == '-';
        int line = ps->tok.line, col = ps->tok.col;
        int r = lex_next(ps);
        ps->eval_depth++;
        if (r == 0)
            r = eval_unary(ps, out);
        ps->eval_depth--;
        if (r < 0)
            return r;
        if (out->t != V_INT)
            return perr(ps, line, col, "bad operand type for unary %c: %s",
                        neg ? '-' : '+', val_type_name(out->t));
        if (neg && __builtin_sub_overflow(0LL, out->i, &out->i))
            return perr(ps, line, col, "integer overflow");
        out->line = line;
        out->col = col;
        return 0;
    }
    return eval_atom(ps, out);
}

static bool is_op_of(const struct parser *ps, bool additive)
{
    if (additive)
        return tok_is_op(ps, "+") || tok_is_op(ps, "-");
    return tok_is_op(ps, "*") || tok_is_op(ps, "/") || tok_is_op(ps, "//") ||
           tok_is_op(ps, "%");
}

/* Left-associative binary operators: additive ones over terms, the others
 * over unary expressions. */
static int eval_binary(struct parser *ps, struct val *out, bool additive)
{
    int r = additive ? eval_binary(ps, out, false) : eval_unary(ps, out);
    while (r == 0 && is_op_of(ps, additive)) {
        char op[3];
        memcpy(op, ps->tok.op, sizeof(op));
        struct val b = { 0 };
        r = lex_next(ps);
        if (r == 0)
            r = additive ? eval_binary(ps, &b, false) : eval_unary(ps, &b);
        r = r < 0 ? (val_free(&b), r) : binop(ps, op, out, &b);
    }
    return r;
}

int eval_expr(struct parser *ps, struct val *out)
{
    memset(out, 0, sizeof(*out));
    if (ps->eval_depth >= CFG_MAX_DEPTH)
        return perr(ps, ps->tok.line, ps->tok.col,
                    "expression nested too deeply");
    ps->eval_depth++;
    int r = eval_binary(ps, out, true);
    ps->eval_depth--;
    if (r < 0)
        val_free(out);
    return r;
}
