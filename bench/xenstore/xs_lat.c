/* Latency client for bench/xenstore/run.sh: times READ, WRITE and a small
 * transaction (start, read, write, commit) over the unix socket, and can
 * fill the store with N nodes.  Built by run.sh with the test client. */
#include "xs_client.h"

#include <stdlib.h>

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *what, double *v, int n)
{
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += v[i];
    qsort(v, (size_t)n, sizeof(*v), cmp);
    printf("%-12s n=%-6d avg %8.1f us  p50 %8.1f us  p99 %8.1f us\n", what, n,
           sum / n, v[n / 2], v[n * 99 / 100]);
}

static int one_txn(struct tc *c)
{
    uint32_t tx;
    if (tc_str(c, XS_TRANSACTION_START, 0, ""))
        return -1;
    tx = (uint32_t)atoi(c->body);
    if (tc_read(c, tx, "/bench/k") || tc_write(c, tx, "/bench/k", "v2"))
        return -1;
    return tc_str(c, XS_TRANSACTION_END, tx, "T") == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    struct tc c;
    int n = argc > 2 ? atoi(argv[2]) : 2000;
    double *v = calloc((size_t)n, sizeof(*v));

    if (!v || tc_open_socket(&c, "socket")) {
        fprintf(stderr, "cannot connect\n");
        return 1;
    }
    if (argc > 1 && !strcmp(argv[1], "stats")) {
        if (tc_str(&c, XS_CONTROL, 0, "stats"))
            return 1;
        fputs(c.body, stdout);
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "writes")) { /* N writes, own key */
        char path[64];
        snprintf(path, sizeof(path), "/bench/w%ld", (long)getpid());
        for (int i = 0; i < n; i++)
            if (tc_write(&c, 0, path, "value"))
                return 1;
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "fill")) {
        char path[64];
        for (int i = 0; i < n; i++) {
            snprintf(path, sizeof(path), "/fill/d%d/node%d", i / 100, i);
            if (tc_write(&c, 0, path, "0123456789abcdef"))
                return 1;
        }
        return 0;
    }
    if (tc_write(&c, 0, "/bench/k", "v"))
        return 1;
    for (int i = 0; i < n; i++) {
        double t = now_us();
        if (tc_read(&c, 0, "/bench/k"))
            return 1;
        v[i] = now_us() - t;
    }
    report("READ", v, n);
    for (int i = 0; i < n; i++) {
        double t = now_us();
        if (tc_write(&c, 0, "/bench/k", "value"))
            return 1;
        v[i] = now_us() - t;
    }
    report("WRITE", v, n);
    for (int i = 0; i < n; i++) {
        double t = now_us();
        if (one_txn(&c))
            return 1;
        v[i] = now_us() - t;
    }
    report("TRANSACTION", v, n);
    return 0;
}
