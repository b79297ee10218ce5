/* The VMM's xenstore identity: before starting domain N's VMM, xend
 * registers a fresh random token for N with xenstored (XS_CONTROL
 * "authorise N <token>") and hands it to the VMM (--xenstore-token).  The
 * VMM's connections that present it are N's backend, not domain 0
 * (docs/xenstored.md "Identities", docs/privilege.md). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <xenstore.h>

#include "xend.h"

#define TOKEN_BYTES 16 /* 128 bits, 32 hex characters */

static int random_hex(char *buf, size_t len)
{
    unsigned char raw[TOKEN_BYTES];
    if (len < 2 * TOKEN_BYTES + 1)
        return -ENOSPC;
    if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
        return -EIO;
    for (size_t i = 0; i < sizeof(raw); i++)
        snprintf(buf + 2 * i, 3, "%02x", raw[i]);
    return 0;
}

/* 0 with the token in buf; 0 with buf empty when there is no xenstored
 * (the VMM then reaches none either); else -errno. */
int vmm_xs_token(struct xend *x, int domid, char *buf, size_t len)
{
    char data[64];
    int n;
    char *reply;

    buf[0] = '\0';
    if (!x->xs || !x->s.xenstored_dir[0])
        return 0;
    int rc = random_hex(buf, len);
    if (rc)
        return rc;
    n = snprintf(data, sizeof(data), "%d%c%s", domid, '\0', buf);
    reply = xs_control_command(x->xs, "authorise", data, (unsigned)n + 1);
    if (!reply) {
        rc = errno ? -errno : -EIO;
        buf[0] = '\0';
        return rc;
    }
    free(reply);
    return 0;
}
