/* xenoweb: the web console, a client of xend's JSON API (as xm is) that
 * serves a browser UI and a WebSocket console on 127.0.0.1:8080.
 *
 *   browser ──HTTP/WebSocket── xenoweb ──libxenoctl── xend
 *                                 └──── domain console sockets (as xm console)
 *
 * One file per concern: main.c (options, tokens), server.c (libmicrohttpd,
 * guards, headers), session.c (login, cookies, CSRF), api.c (the /api
 * route table), create.c (xm configs), stats.c (the CPU/memory history),
 * console.c (console hubs and WebSocket viewers), files.c (static files),
 * ws.c (framing), guard.c (Host/Origin/cookie checks). */
#ifndef XENOWEB_WEB_H
#define XENOWEB_WEB_H

#include <json-c/json.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "xenoctl.h"

#define WEB_TOKEN_LEN 64            /* hex characters of a token */
#define WEB_MAX_SESSIONS 64
#define WEB_SESSION_IDLE_S (12 * 3600)
#define WEB_MAX_BODY (256 * 1024)   /* a pasted config is ≤ this */
#define WEB_MAX_CONSOLES_PER_SESSION 8
#define WEB_MAX_CONNECTIONS 128
#define WEB_COOKIE "xenoweb_session"

enum web_role { ROLE_NONE = 0, ROLE_VIEWER = 1, ROLE_OPERATOR = 2 };

struct web_settings {
    const char *address;        /* loopback only */
    unsigned port;
    const char *xend;           /* where libxenoctl finds xend; NULL: default */
    const char *www;            /* the static files */
    const char *token_file;     /* written 0600 at start */
    const char *config_dir;     /* configs offered by the create page */
    unsigned sample_ms;         /* stats sampling period */
    bool print_token;
};

struct session {
    char id[WEB_TOKEN_LEN + 1];     /* the cookie; "" = free slot */
    char csrf[WEB_TOKEN_LEN + 1];
    enum web_role role;
    time_t last;
    unsigned consoles;
};

struct stats;
struct hub;

struct web {
    struct web_settings s;
    char tok_operator[WEB_TOKEN_LEN + 1];
    char tok_viewer[WEB_TOKEN_LEN + 1];
    pthread_mutex_t lock;           /* sessions and hubs */
    struct session sessions[WEB_MAX_SESSIONS];
    struct hub *hubs;
    struct stats *stats;
    struct MHD_Daemon *mhd;
};

/* One API request, after the guards. */
struct wreq {
    struct web *w;
    struct MHD_Connection *c;
    const char *method;
    const char *path;           /* below /api/ */
    json_object *body;          /* POST: an object */
    struct session sess;        /* a copy; role ROLE_NONE: not logged in */
};

struct wrep {
    int status;
    json_object *body;
    char cookie[256];           /* Set-Cookie, when not empty */
};

/* session.c */
int web_random_hex(char *out, size_t nbytes);   /* 2*nbytes chars + NUL */
int web_tokens_init(struct web *w);
enum web_role web_login(struct web *w, const char *token, struct session *out);
bool web_session_find(struct web *w, const char *id, struct session *out);
void web_logout(struct web *w, const char *id);
int web_console_get(struct web *w, const char *id);
void web_console_put(struct web *w, const char *id);

/* api.c */
void api_dispatch(struct wreq *rq, struct wrep *rp);
void rep_error(struct wrep *rp, int status, const char *code,
               const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void rep_json(struct wrep *rp, int status, json_object *body);
struct xenoctl *api_xend(struct web *w, struct wrep *rp);
/* xend's answer to a request, as is (its status and error text). */
void api_forward(struct wreq *rq, struct wrep *rp, const char *method,
                 const char *xpath, json_object *body);
bool api_dom_ok(const char *dom);

/* create.c */
void api_create(struct wreq *rq, struct wrep *rp);
void api_configs(struct wreq *rq, struct wrep *rp);
void api_config_text(struct wreq *rq, struct wrep *rp, const char *name);

/* stats.c */
int stats_start(struct web *w);
void stats_stop(struct web *w);
/* Adds cpu_pct and cpu_hist to each domain of xend's list. */
void stats_annotate(struct web *w, json_object *domains);
json_object *stats_history(struct web *w, int domid);

/* console.c: runs a viewer on an upgraded socket until it closes. */
void console_serve(struct web *w, const char *dom, const struct session *s,
                   int sock, const char *extra, size_t extra_len);

/* files.c: a static file, or NULL when url is not one. */
struct MHD_Response *files_response(struct web *w, const char *url,
                                    int *status);

/* server.c */
int server_start(struct web *w);
void server_stop(struct web *w);
void server_security_headers(struct MHD_Response *res);

#endif
