/* CPU set lists: parse and print (cpumask.h). */
#include "cpumask.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cpumask_clear(struct cpumask *m)
{
    memset(m, 0, sizeof(*m));
}

void cpumask_set(struct cpumask *m, unsigned cpu)
{
    if (cpu < CPUMASK_MAX)
        m->bits[cpu / 64] |= 1ull << (cpu % 64);
}

static void unset(struct cpumask *m, unsigned cpu)
{
    m->bits[cpu / 64] &= ~(1ull << (cpu % 64));
}

bool cpumask_test(const struct cpumask *m, unsigned cpu)
{
    return cpu < CPUMASK_MAX && (m->bits[cpu / 64] >> (cpu % 64)) & 1;
}

unsigned cpumask_count(const struct cpumask *m)
{
    unsigned n = 0;
    for (size_t k = 0; k < CPUMASK_MAX / 64; k++)
        n += (unsigned)__builtin_popcountll(m->bits[k]);
    return n;
}

int cpumask_first_not_in(const struct cpumask *m, const struct cpumask *of)
{
    for (unsigned c = 0; c < CPUMASK_MAX; c++)
        if (cpumask_test(m, c) && !cpumask_test(of, c))
            return (int)c;
    return -1;
}

void cpumask_and(struct cpumask *m, const struct cpumask *with)
{
    for (size_t k = 0; k < CPUMASK_MAX / 64; k++)
        m->bits[k] &= with->bits[k];
}

/* A CPU number: decimal digits only, below CPUMASK_MAX. */
static int number(const char **p, unsigned *out)
{
    unsigned long v = 0;
    const char *s = *p;
    if (*s < '0' || *s > '9')
        return -1;
    while (*s >= '0' && *s <= '9') {
        v = v * 10 + (unsigned long)(*s++ - '0');
        if (v >= CPUMASK_MAX)
            return -1;
    }
    *p = s;
    *out = (unsigned)v;
    return 0;
}

/* One item: N, N-M, ^N, ^N-M. */
static int item(const char **p, struct cpumask *m, char *err, size_t len)
{
    const char *start = *p;
    bool neg = **p == '^';
    unsigned lo, hi;
    if (neg)
        (*p)++;
    if (number(p, &lo) < 0)
        goto bad;
    hi = lo;
    if (**p == '-') {
        (*p)++;
        if (number(p, &hi) < 0 || hi < lo)
            goto bad;
    }
    if (**p && **p != ',')
        goto bad;
    for (unsigned c = lo; c <= hi; c++)
        neg ? unset(m, c) : cpumask_set(m, c);
    return 0;
bad:
    snprintf(err, len, "bad CPU list item '%.*s' (use N, N-M or ^N, CPUs "
             "0 to %d)", (int)strcspn(start, ","), start, CPUMASK_MAX - 1);
    return -EINVAL;
}

int cpumask_parse(const char *s, struct cpumask *m, char *err, size_t len)
{
    cpumask_clear(m);
    while (*s == ' ')
        s++;
    if (strcmp(s, "all") == 0) {
        memset(m->bits, 0xff, sizeof(m->bits));
        return 0;
    }
    if (!*s) {
        snprintf(err, len, "empty CPU list");
        return -EINVAL;
    }
    for (const char *p = s; *p;) {
        if (item(&p, m, err, len) < 0)
            return -EINVAL;
        if (*p == ',' && !*++p) {
            snprintf(err, len, "CPU list '%.60s' ends with a comma", s);
            return -EINVAL;
        }
    }
    if (!cpumask_count(m)) {
        snprintf(err, len, "CPU list '%.60s' leaves no CPU", s);
        return -EINVAL;
    }
    return 0;
}

void cpumask_format(const struct cpumask *m, char *buf, size_t len)
{
    size_t used = 0;
    if (len)
        buf[0] = '\0';
    for (unsigned c = 0; c < CPUMASK_MAX && used < len; c++) {
        if (!cpumask_test(m, c))
            continue;
        unsigned e = c;
        while (e + 1 < CPUMASK_MAX && cpumask_test(m, e + 1))
            e++;
        int n = e == c ? snprintf(buf + used, len - used, "%s%u", used ? "," : "", c)
                       : snprintf(buf + used, len - used, "%s%u-%u", used ? "," : "", c, e);
        if (n < 0)
            break;
        used += (size_t)n;
        c = e;
    }
}
