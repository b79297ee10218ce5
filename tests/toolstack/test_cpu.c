/* CPU lists (cpumask.h) and Xen shares as cgroup values (cpushare.h). */
#include <errno.h>

#include "check.h"
#include "cpumask.h"
#include "cpushare.h"

static void fmt_is(const char *in, const char *want)
{
    struct cpumask m;
    char err[160], out[256];
    CHECK_EQ(cpumask_parse(in, &m, err, sizeof(err)), 0);
    cpumask_format(&m, out, sizeof(out));
    CHECK_STR(out, want);
}

static void test_parse(void)
{
    fmt_is("3", "3");
    fmt_is("0-3,6", "0-3,6");
    fmt_is("0-7,^2", "0-1,3-7");
    fmt_is("5,4,3", "3-5");
    fmt_is("0-3,^1-2", "0,3");
    fmt_is("1023", "1023");
    fmt_is("0,2,4-5,7", "0,2,4-5,7");
    struct cpumask m;
    char err[160];
    CHECK_EQ(cpumask_parse("all", &m, err, sizeof(err)), 0);
    CHECK_EQ(cpumask_count(&m), CPUMASK_MAX);
    static const char *const bad[] = { "", "x", "1-", "-1", "3-1", "1,,2", "1,",
                                       "1024", "99999999999", "^1", "1 2", "0x1",
                                       "1-2-3", "1^2" };
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        err[0] = '\0';
        CHECK_EQ(cpumask_parse(bad[k], &m, err, sizeof(err)), -EINVAL);
        CHECK(err[0] != '\0');
    }
}

static void test_sets(void)
{
    struct cpumask a, host;
    char err[160];
    cpumask_parse("0-3", &a, err, sizeof(err));
    cpumask_parse("0-1", &host, err, sizeof(err));
    CHECK_EQ(cpumask_first_not_in(&a, &host), 2);
    CHECK_EQ(cpumask_first_not_in(&host, &a), -1);
    cpumask_and(&a, &host);
    CHECK_EQ(cpumask_count(&a), 2);
    CHECK(cpumask_test(&a, 1) && !cpumask_test(&a, 2) && !cpumask_test(&a, 5000));
}

static void test_shares(void)
{
    char buf[64];
    CHECK_EQ(cpushare_cgroup_weight(256), 256);
    CHECK_EQ(cpushare_cgroup_weight(768), 768);
    CHECK_EQ(cpushare_cgroup_weight(1), 1);
    CHECK_EQ(cpushare_cgroup_weight(65535), 10000);
    cpushare_cpu_max(0, buf, sizeof(buf));
    CHECK_STR(buf, "max 100000");
    cpushare_cpu_max(50, buf, sizeof(buf));
    CHECK_STR(buf, "50000 100000");
    cpushare_cpu_max(250, buf, sizeof(buf));
    CHECK_STR(buf, "250000 100000");
    CHECK_EQ(cpushare_cap_from_max("max 100000\n"), 0);
    CHECK_EQ(cpushare_cap_from_max("50000 100000\n"), 50);
    CHECK_EQ(cpushare_cap_from_max("1000 3000"), 33);
    CHECK_EQ(cpushare_cap_from_max("garbage"), -1);
    CHECK_EQ(cpushare_cap_from_max("5 0"), -1);
}

int main(void)
{
    test_parse();
    test_sets();
    test_shares();
    return check_done("test_cpu");
}
