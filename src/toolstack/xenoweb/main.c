/* xenoweb [-a ADDR] [-p PORT] [-x XEND] [-w WWW] [-t TOKEN_FILE]
 *         [-c CONFIG_DIR] [--sample-ms MS] [--print-token]
 *
 * The web console: two random tokens (operator and read-only viewer) are
 * made at start and written to TOKEN_FILE (mode 0600); --print-token also
 * prints the operator's login URL. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "web.h"

#ifndef XENOWEB_WWW
#define XENOWEB_WWW "/usr/share/xeno/www"
#endif

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void usage(void)
{
    fprintf(stderr, "usage: xenoweb [-a ADDR] [-p PORT] [-x XEND] [-w WWW] "
            "[-t TOKEN_FILE] [-c CONFIG_DIR] [--sample-ms MS] "
            "[--print-token]\n");
}

static int parse(int argc, char **argv, struct web_settings *s)
{
    static const struct option opts[] = {
        { "address", 1, 0, 'a' }, { "port", 1, 0, 'p' },
        { "xend", 1, 0, 'x' }, { "www", 1, 0, 'w' },
        { "token-file", 1, 0, 't' }, { "config-dir", 1, 0, 'c' },
        { "sample-ms", 1, 0, 'S' }, { "print-token", 0, 0, 'P' },
        { "help", 0, 0, 'h' }, { 0, 0, 0, 0 } };
    int c;
    char *end;
    while ((c = getopt_long(argc, argv, "a:p:x:w:t:c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'a': s->address = optarg; break;
        case 'p':
            s->port = (unsigned)strtoul(optarg, &end, 10);
            if (*end || s->port == 0 || s->port > 65535)
                return -EINVAL;
            break;
        case 'x': s->xend = optarg; break;
        case 'w': s->www = optarg; break;
        case 't': s->token_file = optarg; break;
        case 'c': s->config_dir = optarg; break;
        case 'S':
            s->sample_ms = (unsigned)strtoul(optarg, &end, 10);
            if (*end || s->sample_ms < 100 || s->sample_ms > 60000)
                return -EINVAL;
            break;
        case 'P': s->print_token = true; break;
        default: return -EINVAL;
        }
    }
    return optind == argc ? 0 : -EINVAL;
}

/* The tokens, root-only (the file is replaced, never appended to). */
static int write_tokens(const struct web *w)
{
    char tmp[1100];
    snprintf(tmp, sizeof(tmp), "%s.new", w->s.token_file);
    unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return -errno;
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        return -errno;
    }
    fprintf(f, "url http://%s:%u/\noperator %s\nviewer %s\n", w->s.address,
            w->s.port, w->tok_operator, w->tok_viewer);
    if (fclose(f) != 0 || rename(tmp, w->s.token_file) < 0)
        return -errno;
    return 0;
}

int main(int argc, char **argv)
{
    static struct web w = { .s = {
        .address = "127.0.0.1", .port = 8080, .www = XENOWEB_WWW,
        .token_file = "/run/xeno/xenoweb.token", .config_dir = "/etc/xeno",
        .sample_ms = 2000 } };
    if (parse(argc, argv, &w.s) < 0) {
        usage();
        return 2;
    }
    pthread_mutex_init(&w.lock, NULL);
    int r = web_tokens_init(&w);
    if (r < 0) {
        fprintf(stderr, "xenoweb: error: no random tokens: %s\n",
                strerror(-r));
        return 1;
    }
    if ((r = write_tokens(&w)) < 0) {
        fprintf(stderr, "xenoweb: error: can't write %s: %s\n",
                w.s.token_file, strerror(-r));
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    if (server_start(&w) < 0 || stats_start(&w) < 0)
        return 1;
    printf("xenoweb: web console on http://%s:%u/ (tokens in %s)\n",
           w.s.address, w.s.port, w.s.token_file);
    if (w.s.print_token)
        printf("xenoweb: log in at http://%s:%u/#token=%s\n", w.s.address,
               w.s.port, w.tok_operator);
    fflush(stdout);
    while (!stop)
        pause();
    stats_stop(&w);
    server_stop(&w);
    unlink(w.s.token_file);
    return 0;
}
