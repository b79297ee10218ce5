/* Request guards of xenoweb (see guard.h). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "guard.h"

static const char *const loopback_names[] = { "127.0.0.1", "localhost",
                                              "[::1]" };

bool guard_host_ok(const char *host, unsigned port)
{
    if (!host)
        return false;
    for (size_t k = 0; k < sizeof(loopback_names) / sizeof(*loopback_names);
         k++) {
        char want[64];
        snprintf(want, sizeof(want), "%s:%u", loopback_names[k], port);
        if (strcasecmp(host, want) == 0 ||
            (port == 80 && strcasecmp(host, loopback_names[k]) == 0))
            return true;
    }
    return false;
}

bool guard_origin_ok(const char *origin, unsigned port)
{
    return origin && strncasecmp(origin, "http://", 7) == 0 &&
           guard_host_ok(origin + 7, port);
}

bool guard_cookie(const char *header, const char *name, char *out,
                  size_t len)
{
    size_t nl = strlen(name);
    const char *p = header;
    while (p && *p) {
        p += strspn(p, " \t;");
        size_t vl = strcspn(p, ";");
        if (vl > nl && strncmp(p, name, nl) == 0 && p[nl] == '=') {
            vl -= nl + 1;
            while (vl && (p[nl + 1 + vl - 1] == ' ' ||
                          p[nl + 1 + vl - 1] == '\t'))
                vl--;
            if (vl == 0 || vl >= len)
                return false;
            memcpy(out, p + nl + 1, vl);
            out[vl] = '\0';
            return true;
        }
        p += vl;
    }
    return false;
}

bool guard_token_eq(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char d = la != lb || la == 0;
    for (size_t k = 0; k < la && k < lb; k++)
        d |= (unsigned char)(a[k] ^ b[k]);
    return d == 0;
}

bool guard_json_type(const char *t)
{
    if (!t || strncasecmp(t, "application/json", 16) != 0)
        return false;
    return t[16] == '\0' || t[16] == ';' || t[16] == ' ';
}
