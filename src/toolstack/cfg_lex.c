/* Tokenizer for config files: Python's tokens, minus what xm configs never
 * use.  Newlines inside brackets and after a backslash are not tokens. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_int.h"

void lex_init(struct parser *ps, const char *file, const char *text,
              size_t len)
{
    ps->file = file;
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
        text += 3;              /* a UTF-8 byte order mark */
        len -= 3;
    }
    ps->p = text;
    ps->end = text + len;
    ps->line = 1;
    ps->col = 1;
    ps->bracket_depth = 0;
    memset(&ps->tok, 0, sizeof(ps->tok));
}

void lex_free_tok(struct parser *ps)
{
    free(ps->tok.s);
    ps->tok.s = NULL;
}

static int peekc(const struct parser *ps, size_t ahead)
{
    if ((size_t)(ps->end - ps->p) <= ahead)
        return -1;
    return (unsigned char)ps->p[ahead];
}

static void advance(struct parser *ps)
{
    if (ps->p >= ps->end)
        return;
    if (*ps->p == '\n') {
        ps->line++;
        ps->col = 1;
    } else {
        ps->col++;
    }
    ps->p++;
}

bool tok_is_op(const struct parser *ps, const char *op)
{
    return ps->tok.t == T_OP && strcmp(ps->tok.op, op) == 0;
}

bool tok_is_name(const struct parser *ps, const char *name)
{
    return ps->tok.t == T_NAME && strcmp(ps->tok.s, name) == 0;
}

/* Skips blanks, comments and line continuations; stops at a newline that
 * ends a statement. */
static int skip_space(struct parser *ps)
{
    for (;;) {
        int c = peekc(ps, 0);
        if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
            advance(ps);
        } else if (c == '#') {
            while (peekc(ps, 0) != -1 && peekc(ps, 0) != '\n')
                advance(ps);
        } else if (c == '\\' && (peekc(ps, 1) == '\n' ||
                   (peekc(ps, 1) == '\r' && peekc(ps, 2) == '\n'))) {
            advance(ps);
            if (peekc(ps, 0) == '\r')
                advance(ps);
            advance(ps);
        } else if (c == '\\') {
            return perr(ps, ps->line, ps->col,
                        "unexpected character after line continuation");
        } else if (c == '\n' && ps->bracket_depth > 0) {
            advance(ps);
        } else {
            return 0;
        }
    }
}

static int lex_name(struct parser *ps)
{
    const char *start = ps->p;
    while (peekc(ps, 0) != -1 &&
           (isalnum(peekc(ps, 0)) || peekc(ps, 0) == '_'))
        advance(ps);
    ps->tok.t = T_NAME;
    ps->tok.s = strndup(start, (size_t)(ps->p - start));
    return ps->tok.s ? 0 : -ENOMEM;
}

static int lex_number(struct parser *ps)
{
    const char *start = ps->p;
    int base = 10;
    if (peekc(ps, 0) == '0' && (peekc(ps, 1) == 'x' || peekc(ps, 1) == 'X')) {
        base = 16;
        advance(ps);
        advance(ps);
    }
    long long v = 0;
    int digits = 0;
    for (;;) {
        int c = peekc(ps, 0), d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (base == 16 && isxdigit(c))
            d = tolower(c) - 'a' + 10;
        else if (c == '_' && digits > 0)
            d = -1;
        else
            break;
        advance(ps);
        if (d < 0)
            continue;
        digits++;
        if (__builtin_mul_overflow(v, base, &v) ||
            __builtin_add_overflow(v, d, &v))
            return perr(ps, ps->tok.line, ps->tok.col, "number too large");
    }
    if (digits == 0 || (peekc(ps, 0) != -1 &&
        (isalpha(peekc(ps, 0)) || peekc(ps, 0) == '.' || peekc(ps, 0) == '_')))
        return perr(ps, ps->tok.line, ps->tok.col, "invalid number '%.*s'",
                    (int)(ps->p - start + 1), start);
    ps->tok.t = T_INT;
    ps->tok.i = v;
    return 0;
}

static int lex_escape(struct parser *ps, char *out)
{
    int c = peekc(ps, 0);
    advance(ps);
    switch (c) {
    case 'n': *out = '\n'; return 1;
    case 't': *out = '\t'; return 1;
    case 'r': *out = '\r'; return 1;
    case '0': *out = '\0'; return 1;
    case '\\': case '\'': case '"': *out = (char)c; return 1;
    case '\n': return 0;                    /* continuation inside a string */
    default:
        out[0] = '\\';
        out[1] = (char)c;
        return 2;
    }
}

/* Room for 3 more bytes (an escape writes up to 2, plus the NUL). */
static int grow(struct parser *ps, char **buf, size_t n, size_t *cap)
{
    if (n + 3 <= *cap)
        return 0;
    if (*cap >= CFG_MAX_STR)
        return perr(ps, ps->tok.line, ps->tok.col, "string too long");
    char *nb = realloc(*buf, *cap * 2);
    if (!nb)
        return -ENOMEM;
    *buf = nb;
    *cap *= 2;
    return 0;
}

/* The characters up to the closing quote, escapes resolved. */
static int string_body(struct parser *ps, int quote, char **buf, size_t *n)
{
    size_t cap = 64;
    if (!(*buf = malloc(cap)))
        return -ENOMEM;
    for (;;) {
        int c = peekc(ps, 0), r;
        if (c == -1 || c == '\n')
            return perr(ps, ps->tok.line, ps->tok.col, "unterminated string");
        advance(ps);
        if (c == quote)
            return 0;
        if ((r = grow(ps, buf, *n, &cap)) < 0)
            return r;
        if (c != '\\')
            (*buf)[(*n)++] = (char)c;
        else if (peekc(ps, 0) != -1)
            *n += (size_t)lex_escape(ps, *buf + *n);
    }
}

static int lex_string(struct parser *ps)
{
    int quote = peekc(ps, 0);
    if (peekc(ps, 1) == quote && peekc(ps, 2) == quote)
        return perr(ps, ps->line, ps->col,
                    "triple-quoted strings are not supported");
    advance(ps);
    char *buf = NULL;
    size_t n = 0;
    int r = string_body(ps, quote, &buf, &n);
    if (r == 0 && memchr(buf, '\0', n))
        r = perr(ps, ps->tok.line, ps->tok.col,
                 "string contains a NUL character");
    if (r < 0) {
        free(buf);
        return r;
    }
    buf[n] = '\0';
    ps->tok.t = T_STR;
    ps->tok.s = buf;
    return 0;
}

static const char *const two_char_ops[] = { "//", "**", "==", "!=", "<=", ">=",
                                            "+=", NULL };

static int lex_op(struct parser *ps)
{
    int c = peekc(ps, 0);
    for (size_t k = 0; two_char_ops[k]; k++) {
        if (c == two_char_ops[k][0] && peekc(ps, 1) == two_char_ops[k][1]) {
            memcpy(ps->tok.op, two_char_ops[k], 3);
            advance(ps);
            advance(ps);
            ps->tok.t = T_OP;
            return 0;
        }
    }
    if (!strchr("=+-*/%()[],.:{}<>", c) || c == '\0')
        return perr(ps, ps->line, ps->col, "unexpected character '%s%c'",
                    isprint(c) ? "" : "\\", isprint(c) ? c : '?');
    if (c == '(' || c == '[' || c == '{')
        ps->bracket_depth++;
    if ((c == ')' || c == ']' || c == '}') && ps->bracket_depth > 0)
        ps->bracket_depth--;
    ps->tok.op[0] = (char)c;
    ps->tok.op[1] = '\0';
    ps->tok.t = T_OP;
    advance(ps);
    return 0;
}

int lex_next(struct parser *ps)
{
    lex_free_tok(ps);
    int r = skip_space(ps);
    if (r < 0)
        return r;
    ps->tok.line = ps->line;
    ps->tok.col = ps->col;
    int c = peekc(ps, 0);
    if (c == -1) {
        ps->tok.t = T_EOF;
        return 0;
    }
    if (c == '\n') {
        advance(ps);
        ps->tok.t = T_NEWLINE;
        return 0;
    }
    if (isalpha(c) || c == '_') {
        /* r'..' and u'..' prefixes: raw strings are read as plain ones */
        if ((c == 'r' || c == 'u') &&
            (peekc(ps, 1) == '\'' || peekc(ps, 1) == '"')) {
            advance(ps);
            return lex_string(ps);
        }
        return lex_name(ps);
    }
    if (isdigit(c))
        return lex_number(ps);
    if (c == '\'' || c == '"')
        return lex_string(ps);
    return lex_op(ps);
}

/* Skips the rest of the current line (after an ignored statement). */
void lex_skip_line(struct parser *ps)
{
    lex_free_tok(ps);
    ps->bracket_depth = 0;
    while (peekc(ps, 0) != -1 && peekc(ps, 0) != '\n')
        advance(ps);
}

static bool line_is_body(const struct parser *ps)
{
    size_t k = 0;
    int c = peekc(ps, k);
    if (c == ' ' || c == '\t')
        return true;
    while (c == '\r')
        c = peekc(ps, ++k);
    return c == '\n' || c == '#';
}

/* Skips a Python block: the current line and the indented (or blank)
 * lines after it. */
void lex_skip_indented_block(struct parser *ps)
{
    lex_skip_line(ps);
    while (peekc(ps, 0) == '\n') {
        advance(ps);
        if (!line_is_body(ps))
            break;
        while (peekc(ps, 0) != -1 && peekc(ps, 0) != '\n')
            advance(ps);
    }
    ps->tok.t = T_NEWLINE;
}
