/* xenoweb's request guards, pure functions: which Host and Origin headers
 * are ours (DNS rebinding, cross-site requests and WebSocket hijacking),
 * the session cookie, and constant-time token comparison. */
#ifndef XENOWEB_GUARD_H
#define XENOWEB_GUARD_H

#include <stdbool.h>
#include <stddef.h>

/* Host: exactly 127.0.0.1, localhost or [::1] with our port (the port may
 * be left out only when it is 80). */
bool guard_host_ok(const char *host, unsigned port);
/* Origin: "http://" + an allowed Host.  NULL is not ok. */
bool guard_origin_ok(const char *origin, unsigned port);
/* The value of cookie name in a Cookie header into out; false if absent
 * or longer than len - 1. */
bool guard_cookie(const char *header, const char *name, char *out,
                  size_t len);
bool guard_token_eq(const char *a, const char *b);
/* "application/json", optionally with parameters (; charset=utf-8). */
bool guard_json_type(const char *content_type);

#endif
