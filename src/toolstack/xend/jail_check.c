/* Can xend give VMMs the jail (docs/privilege.md)?  Only as root, and only
 * when the uids it hands out exist where it runs: a xend started in a user
 * namespace (a test run by a non-root user: unshare -r) is uid 0 there,
 * but a setresuid to an unmapped uid fails and every jailed VMM would die
 * at start.  Then VMMs run unjailed, and xend says why at start. */
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "xend.h"

/* [first, first + count) lies inside one line of /proc/self/uid_map. */
static bool uids_mapped(unsigned long first, unsigned long count)
{
    unsigned long inside, outside, len;
    bool ok = false;
    FILE *f = fopen("/proc/self/uid_map", "re");
    if (!f)
        return true; /* no user namespaces: every uid exists */
    while (!ok && fscanf(f, "%lu %lu %lu", &inside, &outside, &len) == 3)
        ok = first >= inside && first + count <= inside + len;
    fclose(f);
    return ok;
}

int jail_possible(const struct xend_settings *s, char *why, size_t len)
{
    if (geteuid() != 0) {
        snprintf(why, len, "xend is not root, it cannot give them their own uid and namespaces");
        return -EPERM;
    }
    if (!uids_mapped(s->jail_uid_base, s->jail_uid_count)) {
        snprintf(why, len, "uids %u to %u (vmm-jail-uid-base, -count) are not mapped in "
                 "xend's user namespace", s->jail_uid_base, s->jail_uid_base + s->jail_uid_count - 1);
        return -EPERM;
    }
    return 0;
}
