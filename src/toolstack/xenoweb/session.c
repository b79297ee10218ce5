/* Login tokens and sessions.  Two tokens are made at start, one for the
 * operator role and one for the read-only viewer role.  A token is shown
 * once to the browser, which exchanges it (POST /api/login) for a session
 * cookie (HttpOnly, SameSite=Strict) and a CSRF token; the token itself
 * is never put in a cookie or kept in a URL. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "guard.h"
#include "web.h"

int web_random_hex(char *out, size_t nbytes)
{
    unsigned char buf[64];
    if (nbytes > sizeof(buf))
        return -EINVAL;
    size_t got = 0;
    while (got < nbytes) {
        ssize_t r = getrandom(buf + got, nbytes - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        got += (size_t)r;
    }
    for (size_t k = 0; k < nbytes; k++)
        snprintf(out + 2 * k, 3, "%02x", buf[k]);
    return 0;
}

int web_tokens_init(struct web *w)
{
    int r = web_random_hex(w->tok_operator, WEB_TOKEN_LEN / 2);
    return r < 0 ? r : web_random_hex(w->tok_viewer, WEB_TOKEN_LEN / 2);
}

static enum web_role token_role(const struct web *w, const char *token)
{
    if (guard_token_eq(token, w->tok_operator))
        return ROLE_OPERATOR;
    if (guard_token_eq(token, w->tok_viewer))
        return ROLE_VIEWER;
    return ROLE_NONE;
}

/* A free slot, else the one idle longest (its browser logs in again). */
static struct session *slot(struct web *w)
{
    struct session *best = &w->sessions[0];
    for (size_t k = 0; k < WEB_MAX_SESSIONS; k++) {
        struct session *s = &w->sessions[k];
        if (!s->id[0])
            return s;
        if (s->last < best->last)
            best = s;
    }
    return best;
}

enum web_role web_login(struct web *w, const char *token, struct session *out)
{
    enum web_role role = token ? token_role(w, token) : ROLE_NONE;
    if (role == ROLE_NONE)
        return ROLE_NONE;
    struct session s = { .role = role, .last = time(NULL) };
    if (web_random_hex(s.id, WEB_TOKEN_LEN / 2) < 0 ||
        web_random_hex(s.csrf, WEB_TOKEN_LEN / 2) < 0)
        return ROLE_NONE;
    pthread_mutex_lock(&w->lock);
    *slot(w) = s;
    pthread_mutex_unlock(&w->lock);
    *out = s;
    return role;
}

static struct session *find(struct web *w, const char *id)
{
    time_t now = time(NULL);
    for (size_t k = 0; k < WEB_MAX_SESSIONS; k++) {
        struct session *s = &w->sessions[k];
        if (!s->id[0] || !guard_token_eq(s->id, id))
            continue;
        if (now - s->last > WEB_SESSION_IDLE_S && !s->consoles) {
            memset(s, 0, sizeof(*s));
            return NULL;
        }
        s->last = now;
        return s;
    }
    return NULL;
}

bool web_session_find(struct web *w, const char *id, struct session *out)
{
    pthread_mutex_lock(&w->lock);
    struct session *s = find(w, id);
    if (s)
        *out = *s;
    pthread_mutex_unlock(&w->lock);
    return s != NULL;
}

void web_logout(struct web *w, const char *id)
{
    pthread_mutex_lock(&w->lock);
    struct session *s = find(w, id);
    if (s)
        memset(s, 0, sizeof(*s));
    pthread_mutex_unlock(&w->lock);
}

/* Consoles open per session are bounded (one token can't open sockets
 * without limit). */
int web_console_get(struct web *w, const char *id)
{
    pthread_mutex_lock(&w->lock);
    struct session *s = find(w, id);
    int r = !s ? -EACCES : s->consoles >= WEB_MAX_CONSOLES_PER_SESSION ?
            -EMFILE : 0;
    if (r == 0)
        s->consoles++;
    pthread_mutex_unlock(&w->lock);
    return r;
}

void web_console_put(struct web *w, const char *id)
{
    pthread_mutex_lock(&w->lock);
    struct session *s = find(w, id);
    if (s && s->consoles)
        s->consoles--;
    pthread_mutex_unlock(&w->lock);
}
