/* Statements of a config file: `name = expr`, xm's xm_vars.var() and
 * xm_vars.check(), and the Python we skip with a warning (def, import). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_int.h"

static int end_of_statement(struct parser *ps)
{
    if (ps->tok.t == T_NEWLINE || ps->tok.t == T_EOF)
        return 0;
    if (ps->tok.t == T_OP)
        return perr(ps, ps->tok.line, ps->tok.col,
                    "unexpected '%s' after value", ps->tok.op);
    return perr(ps, ps->tok.line, ps->tok.col,
                "unexpected %s (missing ',' or operator?)",
                ps->tok.t == T_NAME ? "name" : "value");
}

static int assignment(struct parser *ps, const char *name, int line, int col)
{
    struct val v;
    int r = lex_next(ps);
    if (r == 0)
        r = eval_expr(ps, &v);
    if (r == 0 && (r = end_of_statement(ps)) < 0)
        val_free(&v);
    struct sym *cli = r == 0 ? sym_find(ps, name) : NULL;
    if (cli && cli->from_cli)          /* the command line wins */
        val_free(&v);
    else if (r == 0)
        r = sym_set(ps, name, &v, line, col, false);
    return r;
}

/* xm_vars.var('vmid', use="...", check=fn): declares a variable that the
 * command line must set; the check function is not run. */
static int xm_var_decl(struct parser *ps, int line, int col)
{
    struct xm_var xv = { .line = line, .col = col };
    int r = lex_next(ps);
    while (r == 0 && !tok_is_op(ps, ")")) {
        if (ps->tok.t == T_STR && !xv.name) {
            xv.name = ps->tok.s;
            ps->tok.s = NULL;
            r = lex_next(ps);
        } else if (ps->tok.t == T_NAME) {
            bool is_use = tok_is_name(ps, "use");
            r = lex_next(ps);
            if (r == 0 && !tok_is_op(ps, "="))
                r = perr(ps, ps->tok.line, ps->tok.col, "expected '='");
            if (r == 0)
                r = lex_next(ps);
            if (r == 0 && is_use && ps->tok.t == T_STR && !xv.use) {
                xv.use = ps->tok.s;
                ps->tok.s = NULL;
            }
            if (r == 0)
                r = lex_next(ps);   /* the value: a string or a name */
        } else {
            r = perr(ps, ps->tok.line, ps->tok.col,
                     "unexpected argument to xm_vars.var()");
        }
        if (r == 0 && tok_is_op(ps, ","))
            r = lex_next(ps);
    }
    if (r == 0 && !xv.name)
        r = perr(ps, line, col, "xm_vars.var() needs a variable name");
    if (r == 0 && ps->n_xm_vars >= sizeof(ps->xm_vars) / sizeof(ps->xm_vars[0]))
        r = perr(ps, line, col, "too many xm_vars.var() declarations");
    if (r == 0) {
        ps->xm_vars[ps->n_xm_vars++] = xv;
        return lex_next(ps);
    }
    free(xv.name);
    free(xv.use);
    return r;
}

static int xm_var_check(struct parser *ps, int line, int col)
{
    int r = lex_next(ps);
    if (r == 0 && !tok_is_op(ps, ")"))
        return perr(ps, ps->tok.line, ps->tok.col,
                    "xm_vars.check() takes no arguments");
    for (size_t k = 0; r == 0 && k < ps->n_xm_vars; k++) {
        struct xm_var *xv = &ps->xm_vars[k];
        struct sym *s = sym_find(ps, xv->name);
        if (s) {
            s->used = true;
            continue;
        }
        return perr(ps, line, col, "variable '%s' not set; give it on the "
                    "command line as %s=VALUE%s%s%s", xv->name, xv->name,
                    xv->use ? " (" : "", xv->use ? xv->use : "",
                    xv->use ? ")" : "");
    }
    return r == 0 ? lex_next(ps) : r;
}

static int method_call(struct parser *ps, const char *obj, int line, int col)
{
    int r = lex_next(ps);                       /* past '.' */
    if (r < 0)
        return r;
    if (ps->tok.t != T_NAME || strcmp(obj, "xm_vars") != 0)
        return perr(ps, line, col, "unsupported statement (only "
                    "'key = value' and xm_vars.var/check are understood)");
    char *meth = ps->tok.s;
    ps->tok.s = NULL;
    r = lex_next(ps);
    if (r == 0 && !tok_is_op(ps, "("))
        r = perr(ps, ps->tok.line, ps->tok.col, "expected '('");
    if (r == 0 && strcmp(meth, "var") == 0)
        r = xm_var_decl(ps, line, col);
    else if (r == 0 && strcmp(meth, "check") == 0)
        r = xm_var_check(ps, line, col);
    else if (r == 0)
        r = perr(ps, line, col, "unsupported call xm_vars.%s()", meth);
    free(meth);
    return r == 0 ? end_of_statement(ps) : r;
}

static const char *const skipped_blocks[] = { "def", "class", NULL };
static const char *const skipped_lines[] = { "import", "from", NULL };
static const char *const unsupported[] = { "if", "for", "while", "try",
                                           "with", "else", "elif", "print",
                                           "raise", "return", NULL };

static bool in_list(const char *const *list, const char *s)
{
    for (size_t k = 0; list[k]; k++)
        if (strcmp(list[k], s) == 0)
            return true;
    return false;
}

static int keyword_statement(struct parser *ps, bool *handled)
{
    const char *kw = ps->tok.s;
    int line = ps->tok.line, col = ps->tok.col;
    *handled = true;
    if (in_list(skipped_blocks, kw)) {
        pwarn(ps, line, col, "Python '%s' block ignored", kw);
        lex_skip_indented_block(ps);
        return 0;
    }
    if (in_list(skipped_lines, kw)) {
        pwarn(ps, line, col, "Python '%s' ignored", kw);
        lex_skip_line(ps);
        return lex_next(ps);
    }
    if (in_list(unsupported, kw))
        return perr(ps, line, col, "Python '%s' statements are not "
                    "supported in config files", kw);
    *handled = false;
    return 0;
}

static int statement(struct parser *ps)
{
    if (ps->tok.col != 1)
        return perr(ps, ps->tok.line, ps->tok.col, "unexpected indentation");
    if (ps->tok.t != T_NAME)
        return perr(ps, ps->tok.line, ps->tok.col, "expected 'key = value'");
    bool handled;
    int r = keyword_statement(ps, &handled);
    if (handled || r < 0)
        return r;
    char *name = ps->tok.s;
    int line = ps->tok.line, col = ps->tok.col;
    ps->tok.s = NULL;
    r = lex_next(ps);
    if (r == 0 && tok_is_op(ps, "="))
        r = assignment(ps, name, line, col);
    else if (r == 0 && tok_is_op(ps, "."))
        r = method_call(ps, name, line, col);
    else if (r == 0)
        r = perr(ps, ps->tok.line, ps->tok.col, "expected '=' after '%s'",
                 name);
    free(name);
    return r;
}

int run_file(struct parser *ps)
{
    int r = lex_next(ps);
    while (r == 0 && ps->tok.t != T_EOF) {
        if (ps->tok.t == T_NEWLINE)
            r = lex_next(ps);
        else
            r = statement(ps);
    }
    lex_free_tok(ps);
    return r;
}
