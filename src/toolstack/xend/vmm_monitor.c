/* xeno-vmm-monitor EXITFILE VMM [ARG...]: runs a xeno-vmm as its parent
 * and writes how it ended to EXITFILE ("exited N" or "signaled N"), then
 * ends the same way.  xend starts every VMM through it, so that a VMM's
 * exit status is known even when it ends while xend is not running or
 * after a new xend adopted it (an adopted VMM is not xend's child).
 * SIGTERM, SIGINT and SIGHUP are passed on to the VMM; if the monitor is
 * killed, the VMM gets SIGKILL (PR_SET_PDEATHSIG). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile pid_t vmm;

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
    if (getppid() != monitor)
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

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: xeno-vmm-monitor EXITFILE VMM [ARG...]\n");
        return 2;
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
