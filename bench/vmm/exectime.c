/* exectime: run a command once and print, on one line,
 *   exec_ns=<CLOCK_MONOTONIC just before fork> end_ns=<after wait4>
 *   wall_us=<end - exec> cpu_us=<user + system> rss_kib=<peak RSS>
 *   status=<exit status>
 * so that a VMM's own CLOCK_MONOTONIC phase stamps (XENO_STARTUP_TRACE) can
 * be placed on the same time line.  Unlike `date; /usr/bin/time cmd; date`
 * it adds no process of its own between the two stamps.
 *
 *   exectime [-o FILE] [-e FILE] -- COMMAND [ARG...]
 * -o / -e send the command's stdout / stderr to FILE (default /dev/null). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static int redirect(const char *path, int fd)
{
    int f = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (f < 0 || dup2(f, fd) < 0)
        return -1;
    close(f);
    return 0;
}

int main(int argc, char **argv)
{
    const char *out = "/dev/null", *errf = "/dev/null";
    struct rusage ru;
    int o, status;

    while ((o = getopt(argc, argv, "+o:e:")) != -1) {
        if (o == 'o')
            out = optarg;
        else if (o == 'e')
            errf = optarg;
        else
            return 2;
    }
    if (optind >= argc) {
        fprintf(stderr, "usage: exectime [-o FILE] [-e FILE] -- COMMAND [ARG...]\n");
        return 2;
    }
    uint64_t t0 = now_ns();
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        int in = open("/dev/null", O_RDONLY);
        if (in < 0 || dup2(in, 0) < 0 || redirect(out, 1) || redirect(errf, 2))
            _exit(126);
        execvp(argv[optind], argv + optind);
        _exit(127);
    }
    while (wait4(pid, &status, 0, &ru) < 0)
        if (errno != EINTR) {
            perror("wait4");
            return 1;
        }
    uint64_t t1 = now_ns();
    long cpu_us = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000L +
                  ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
    printf("exec_ns=%" PRIu64 " end_ns=%" PRIu64 " wall_us=%" PRIu64 " cpu_us=%ld "
           "rss_kib=%ld status=%d\n", t0, t1, (t1 - t0) / 1000, cpu_us, ru.ru_maxrss,
           WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    return 0;
}
