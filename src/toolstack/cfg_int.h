/* Internals of the config interpreter: values, tokens, the parser state.
 * The language is the part of Python that xm config files use. */
#ifndef XENO_TOOLSTACK_CFG_INT_H
#define XENO_TOOLSTACK_CFG_INT_H

#include "config.h"

#define CFG_MAX_STR (64 * 1024)
#define CFG_MAX_ITEMS 256
#define CFG_MAX_DEPTH 32
#define CFG_MAX_SYMS 256

enum val_type { V_NONE, V_INT, V_STR, V_LIST, V_TUPLE };

struct val {
    enum val_type t;
    long long i;
    char *s;
    struct val *items;
    size_t n;
    int line, col;              /* where the value was written */
};

enum tok_type { T_EOF, T_NEWLINE, T_NAME, T_INT, T_STR, T_OP };

struct token {
    enum tok_type t;
    int line, col;
    long long i;                /* T_INT */
    char *s;                    /* T_NAME, T_STR (owned by the lexer) */
    char op[3];                 /* T_OP: "=", "+", "//", "(" ... */
};

struct sym {
    char *name;
    struct val v;
    int line, col;
    bool used;                  /* read by another expression */
    bool from_cli;
};

struct xm_var {
    char *name;
    char *use;
    int line, col;
};

struct parser {
    const char *file;
    const char *p, *end;
    int line, col;
    int bracket_depth;
    int eval_depth;
    struct token tok;
    struct sym syms[CFG_MAX_SYMS];
    size_t n_syms;
    struct xm_var xm_vars[16];
    size_t n_xm_vars;
    struct cfg_diag *diag;
};

/* diagnostics */
int perr(struct parser *ps, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void pwarn(struct parser *ps, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* values */
void val_free(struct val *v);
int val_copy(struct val *dst, const struct val *src);
const char *val_type_name(enum val_type t);
char *val_repr(const struct val *v);    /* malloc'd, for messages */

/* lexer */
void lex_init(struct parser *ps, const char *file, const char *text,
              size_t len);
int lex_next(struct parser *ps);        /* fills ps->tok */
void lex_free_tok(struct parser *ps);
void lex_skip_line(struct parser *ps);
void lex_skip_indented_block(struct parser *ps);
bool tok_is_op(const struct parser *ps, const char *op);
bool tok_is_name(const struct parser *ps, const char *name);

/* expressions */
int eval_expr(struct parser *ps, struct val *out);
int fmt_percent(struct parser *ps, const struct val *fmt,
                const struct val *args, struct val *out);

/* symbols */
struct sym *sym_find(struct parser *ps, const char *name);
int sym_set(struct parser *ps, const char *name, struct val *v, int line,
            int col, bool from_cli);

/* statements: runs the whole file */
int run_file(struct parser *ps);

/* config.c: from the variables to the struct */
/* String keys that only feed the kernel command line (xm's create.py). */
struct cmdline_parts {
    const char *cmdline, *root, *extra, *ip, *netmask, *gateway, *hostname,
        *dhcp, *nfs_server, *nfs_root, *interface;
    bool memory_set, maxmem_set;
};

struct build {
    struct parser *ps;
    struct domain_config *cfg;
    struct cmdline_parts cl;
};

int key_err(struct build *b, const struct sym *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int apply_keys(struct build *b);

#endif
