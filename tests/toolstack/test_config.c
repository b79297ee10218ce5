/* Unit tests of the config parser's API: spec parsers, copies, errors. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config.h"

static int parse(const char *text, struct domain_config *c,
                 struct cfg_diag *d)
{
    return config_parse("t.cfg", text, strlen(text), NULL, 0, c, d);
}

static void test_disk_specs(void)
{
    struct cfg_disk d;
    char err[256];
    CHECK_EQ(cfg_disk_parse("phy:sda7,sda1,w", &d, err, sizeof(err)), 0);
    CHECK_STR(d.target, "/dev/sda7");
    CHECK_STR(d.vdev, "sda1");
    CHECK(d.writable && d.kind == CFG_DISK_PHY);
    cfg_disk_free(&d);
    CHECK_EQ(cfg_disk_parse("vdev=xvda,access=r,target=/x,y", &d, err,
                            sizeof(err)), 0);
    CHECK_STR(d.target, "/x,y");
    CHECK(!d.writable && d.kind == CFG_DISK_FILE);
    cfg_disk_free(&d);
    CHECK(cfg_disk_parse("", &d, err, sizeof(err)) < 0);
    CHECK(cfg_disk_parse("/a,,xvda,rw,extra", &d, err, sizeof(err)) < 0);
    CHECK(cfg_disk_parse("vdev=xvda,vdev=xvdb,target=/a", &d, err,
                         sizeof(err)) < 0);
    CHECK(strstr(err, "twice") != NULL);
    CHECK(cfg_disk_parse("/a,,hdc,cdrom,rw", &d, err, sizeof(err)) < 0);
}

static void test_vif_specs(void)
{
    struct cfg_vif v;
    char err[256];
    CHECK_EQ(cfg_vif_parse(" mac=00:16:3e:AA:bb:01 , bridge=br0 ", &v, err,
                           sizeof(err)), 0);
    CHECK_STR(v.mac, "00:16:3e:AA:bb:01");
    CHECK_STR(v.bridge, "br0");
    cfg_vif_free(&v);
    CHECK(cfg_vif_parse("mac=00:16:3e:aa:bb", &v, err, sizeof(err)) < 0);
    CHECK(cfg_vif_parse("bridge=a-very-long-bridge-name", &v, err,
                        sizeof(err)) < 0);
    CHECK(cfg_vif_parse("bridge", &v, err, sizeof(err)) < 0);
}

static void test_copy_and_validate(void)
{
    struct domain_config c, copy;
    struct cfg_diag d;
    char err[256];
    CHECK_EQ(parse("name='a'\nkernel='/k'\ndisk=['/img,,xvda']\n"
                   "vif=['mac=00:16:3e:00:00:01']\n", &c, &d), 0);
    CHECK_EQ(config_copy(&copy, &c), 0);
    config_free(&c);
    CHECK_STR(copy.name, "a");
    CHECK_STR(copy.disks[0].target, "/img");
    CHECK_STR(copy.vifs[0].mac, "00:16:3e:00:00:01");
    CHECK_EQ(config_validate(&copy, err, sizeof(err)), 0);
    copy.vcpus = 0;
    CHECK(config_validate(&copy, err, sizeof(err)) < 0);
    config_free(&copy);
}

static void test_errors_and_warnings(void)
{
    struct domain_config c;
    struct cfg_diag d;
    CHECK(parse("name = 'a' +\n", &c, &d) < 0);
    CHECK_STR(d.error, "t.cfg:1:13: expected a value, found end of line");
    CHECK(parse("name = 1 + 'a'\n", &c, &d) < 0);
    CHECK(strstr(d.error, "unsupported operand types for +") != NULL);
    CHECK(parse("x = 'a' * 3\n", &c, &d) < 0);
    CHECK(parse("x = '%q' % 1\n", &c, &d) < 0);
    CHECK(parse("x = '%999999d' % 1\n", &c, &d) < 0);
    CHECK(parse("x = [1] + 2\n", &c, &d) < 0);
    CHECK(parse("\\x\n", &c, &d) < 0);
    CHECK_EQ(parse("name='a'\nkernel='/k'\n" "a=1\nb=2\nc=3\nd=4\ne=5\nf=6\n"
                   "g=7\nh=8\ni=9\nj=10\nk=11\nl=12\nm=13\nn=14\no=15\np=16\n"
                   "q=17\nr=18\n", &c, &d), 0);
    CHECK_EQ(d.n_warnings, CFG_MAX_WARNINGS);
    CHECK_EQ(d.n_dropped, 2);
    config_free(&c);
    struct cfg_var bad = { "1x", "2" };
    CHECK(config_parse("t.cfg", "", 0, &bad, 1, &c, &d) < 0);
    CHECK(strstr(d.error, "command line") != NULL);
    struct cfg_var mem = { "memory", "lots" };
    CHECK(config_parse("t.cfg", "name='a'\nkernel='/k'\n", 20, &mem, 1, &c,
                       &d) < 0);
    CHECK_STR(d.error, "command line: memory: expected an integer, got "
                       "'lots'");
    CHECK(config_parse_file("/nonexistent/x.cfg", NULL, 0, &c, &d) < 0);
    CHECK(strstr(d.error, "No such file") != NULL);
}

/* owner = 'alice' or a uid; copied; anything else refused. */
static void test_owner(void)
{
    struct domain_config c, copy;
    struct cfg_diag d;
    CHECK_EQ(parse("name='a'\nkernel='/k'\nowner='alice'\n", &c, &d), 0);
    CHECK_STR(c.owner, "alice");
    CHECK_EQ(config_copy(&copy, &c), 0);
    config_free(&c);
    CHECK_STR(copy.owner, "alice");
    config_free(&copy);
    CHECK(copy.owner == NULL);
    CHECK_EQ(parse("name='a'\nkernel='/k'\nowner=1001\n", &c, &d), 0);
    CHECK_STR(c.owner, "1001");
    config_free(&c);
    CHECK_EQ(parse("name='a'\nkernel='/k'\n", &c, &d), 0);
    CHECK(c.owner == NULL);
    config_free(&c);
    CHECK(parse("name='a'\nkernel='/k'\nowner='Bob Smith'\n", &c, &d) < 0);
    CHECK(strstr(d.error, "not a user name or uid") != NULL);
    CHECK(parse("name='a'\nkernel='/k'\nowner=-1\n", &c, &d) < 0);
    CHECK(parse("name='a'\nkernel='/k'\nowner='../x'\n", &c, &d) < 0);
    CHECK(cfg_owner_valid("_svc-1.x"));
    CHECK(!cfg_owner_valid(""));
    CHECK(!cfg_owner_valid("12345678901"));
    CHECK(!cfg_owner_valid("a:b"));
}

static void test_actions(void)
{
    enum cfg_action a;
    CHECK_EQ(cfg_action_parse("rename-restart", &a), 0);
    CHECK_EQ(a, CFG_ACT_RENAME_RESTART);
    CHECK_STR(cfg_action_name(CFG_ACT_PRESERVE), "preserve");
    CHECK(cfg_action_parse("coredump-destroy", &a) < 0);
    CHECK(!cfg_name_valid("Domain-0"));
    CHECK(!cfg_name_valid("-x"));
    CHECK(cfg_name_valid("web.1_a-b"));
}

int main(void)
{
    test_disk_specs();
    test_vif_specs();
    test_copy_and_validate();
    test_errors_and_warnings();
    test_actions();
    test_owner();
    return check_done("test_config");
}
