/* The VMM's threads as the host sees them.  A jailed VMM is init of its
 * own PID namespace (vmm_monitor.c), so the pid and thread ids it reports
 * over its control socket ("info", "vcpus") are that namespace's: pid 1,
 * tids 2, 3...  xend pins threads and moves processes by host ids, so it
 * maps them through the kernel's NSpid lines of the monitor's child.  A
 * VMM in the host's namespace maps to itself. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xend.h"

/* The monitor's one child: the VMM. */
int vmm_host_pid(const struct domain *d)
{
    char path[64];
    int pid = 0;
    if (d->pid <= 0)
        return -ESRCH;
    snprintf(path, sizeof(path), "/proc/%d/task/%d/children", d->pid, d->pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    if (fscanf(f, "%d", &pid) != 1)
        pid = 0;
    fclose(f);
    return pid > 0 ? pid : -ESRCH;
}

/* Host tid of a thread of process pid whose innermost NSpid is ns_tid. */
static int match_task(int pid, const char *task, int ns_tid)
{
    char path[96], line[256];
    int host = 0, inner = 0;
    snprintf(path, sizeof(path), "/proc/%d/task/%s/status", pid, task);
    FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, "NSpid:", 6) == 0) {
            /* "NSpid: <host> ... <innermost>" */
            char *p = line + 6, *end;
            host = (int)strtol(p, &end, 10);
            for (inner = host, p = end;; p = end) {
                long v = strtol(p, &end, 10);
                if (end == p)
                    break;
                inner = (int)v;
            }
            break;
        }
    fclose(f);
    return inner == ns_tid ? host : 0;
}

int vmm_host_tid(const struct domain *d, int ns_tid)
{
    char path[48];
    int pid = vmm_host_pid(d), host = 0;
    struct dirent *e;
    if (pid < 0)
        return pid;
    snprintf(path, sizeof(path), "/proc/%d/task", pid);
    DIR *dir = opendir(path);
    if (!dir)
        return -errno;
    while (!host && (e = readdir(dir)))
        if (e->d_name[0] != '.')
            host = match_task(pid, e->d_name, ns_tid);
    closedir(dir);
    return host > 0 ? host : -ESRCH;
}
