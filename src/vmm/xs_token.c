/* --xenstore-token: the backend token xend registered with xenstored for
 * this domain.  The VMM spends it on its xenstore connection (XS_CONTROL
 * identify, xs_client.c) and on its ring attach (xsattach.c); from then on
 * xenstored lets it touch only its own domain's backend and frontend
 * directories (docs/xenstored.md "Identities"). */
#include "vmm/vm.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

static bool token_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
}

/* Copy arg to out and blank arg, so /proc/PID/cmdline no longer shows it. */
int vm_take_xs_token(char *arg, char out[VM_XS_TOKEN_LEN])
{
    size_t n = strlen(arg);

    if (n < VM_XS_TOKEN_MIN || n >= VM_XS_TOKEN_LEN)
        return -EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!token_char(arg[i]))
            return -EINVAL;
    memcpy(out, arg, n + 1);
    memset(arg, '*', n);
    return 0;
}
