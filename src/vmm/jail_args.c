/* --jail uid=U,gid=G[,nofile=N]: the identity xend gives a VMM (jail.c). */
#include "vmm/vm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* uid=U,gid=G[,nofile=N]; root (0) is refused: the point is to leave it. */
int vm_parse_jail(const char *arg, struct vm_jail_cfg *j)
{
    static const char *const keys[] = { "uid=", "gid=", "nofile=" };
    unsigned *vals[] = { &j->uid, &j->gid, &j->nofile };
    bool seen[3] = { false, false, false };

    *j = (struct vm_jail_cfg){ .on = true };
    while (*arg) {
        size_t k = 0;
        while (k < 3 && strncmp(arg, keys[k], strlen(keys[k])) != 0)
            k++;
        if (k == 3 || seen[k])
            return -EINVAL;
        char *end;
        arg += strlen(keys[k]);
        errno = 0;
        unsigned long v = strtoul(arg, &end, 10);
        if (errno || end == arg || *arg == '-' || v == 0 || v > 0xfffffffeul ||
            (*end && (*end != ',' || !end[1])))
            return -EINVAL;
        *vals[k] = (unsigned)v;
        seen[k] = true;
        arg = *end ? end + 1 : end;
    }
    return seen[0] && seen[1] ? 0 : -EINVAL;
}
