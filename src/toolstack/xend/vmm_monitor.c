/* xeno-vmm-monitor EXITFILE VMM [ARG...]: runs a xeno-vmm as its parent
 * and writes how it ended to EXITFILE ("exited N" or "signaled N"), then
 * ends the same way.  xend starts every VMM through it, so that a VMM's
 * exit status is known even when it ends while xend is not running or
 * after a new xend adopted it (an adopted VMM is not xend's child).
 * SIGTERM, SIGINT and SIGHUP are passed on to the VMM; if the monitor is
 * killed, the VMM gets SIGKILL (PR_SET_PDEATHSIG).  Inherited fds (the
 * domain's disks) go to the VMM only.
 * With --new-pid-ns first, the VMM starts as init of a new PID namespace
 * (xend asks for it with the jail, docs/privilege.md). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile pid_t vmm;
static bool monitor_pid_ns;

static void forward(int sig)
{
    if (vmm > 0)
        kill(vmm, sig);
}

static void write_exit(const char *path, int st)
{
    char tmp[4200], line[64];
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    int n = WIFEXITED(st) ? snprintf(line, sizeof(line), "exited %d\n", WEXITSTATUS(st))
                          : snprintf(line, sizeof(line), "signaled %d\n", WTERMSIG(st));
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    if (write(fd, line, (size_t)n) == n && fsync(fd) == 0)
        rename(tmp, path);
    close(fd);
}

static void run_vmm(pid_t monitor, char **argv)
{
    sigset_t none;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    /* In a new PID namespace the parent (outside it) shows as 0. */
    if (getppid() != monitor && !(monitor_pid_ns && getppid() == 0))
        _exit(1);               /* the monitor died before prctl */
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execv(argv[0], argv);
    dprintf(2, "xeno-vmm-monitor: exec %s: %s\n", argv[0], strerror(errno));
    _exit(1);
}

/* The VMM has its copy: our /proc/PID/cmdline need not show the token
 * (docs/xenstored.md, "Identities"). */
static void blank_token(char **argv)
{
    for (int k = 0; argv[k] && argv[k + 1]; k++)
        if (strcmp(argv[k], "--xenstore-token") == 0)
            memset(argv[k + 1], '*', strlen(argv[k + 1]));
}

int main(int argc, char **argv)
{
    bool pid_ns = argc > 1 && strcmp(argv[1], "--new-pid-ns") == 0;
    if (pid_ns) {
        argv++;
        argc--;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: xeno-vmm-monitor [--new-pid-ns] EXITFILE VMM [ARG...]\n");
        return 2;
    }
    monitor_pid_ns = pid_ns;
    if (pid_ns && unshare(CLONE_NEWPID) < 0) {
        fprintf(stderr, "xeno-vmm-monitor: new PID namespace: %s\n", strerror(errno));
        return 1;
    }
    unlink(argv[1]);
    struct sigaction sa = { .sa_handler = forward };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    pid_t self = getpid(), pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0)
        run_vmm(self, argv + 2);
    vmm = pid;
    blank_token(argv + 2);
    /* The disks' fds are the VMM's: a detached disk must really close. */
    closefrom(3);
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return 1;
    write_exit(argv[1], st);
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    signal(WTERMSIG(st), SIG_DFL);
    kill(getpid(), WTERMSIG(st));
    return 128 + WTERMSIG(st);
}
