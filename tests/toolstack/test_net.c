/* Unit tests of the pure network parts of xend and the config: vif plans
 * (modes, names, NAT addresses and forwards), rate=, the vif xenstore
 * layout, the nftables rules and the DHCP hosts, the settings' checks. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "net.h"
#include "net_plan.h"
#include "vif_layout.h"
#include "xend.h"

static void test_rate(void)
{
    uint64_t b, u;
    CHECK_EQ(cfg_vif_rate("10Mb/s", &b, &u), 0);
    CHECK(b == 62500 && u == 50000);        /* 1.25 MB/s for 50 ms */
    CHECK_EQ(cfg_vif_rate("1MB/s@20ms", &b, &u), 0);
    CHECK(b == 20000 && u == 20000);
    CHECK_EQ(cfg_vif_rate("100KB/s@1s", &b, &u), 0);
    CHECK(b == 100000 && u == 1000000);
    CHECK_EQ(cfg_vif_rate("8b/s@1s", &b, &u), 0);
    CHECK(b == 1 && u == 1000000);
    CHECK_EQ(cfg_vif_rate("1Gb/s@100us", &b, &u), 0);
    CHECK(b == 12500 && u == 100);
    static const char *const bad[] = { "", "fast", "10Mb", "10Mb/m", "Mb/s",
        "10Xb/s", "10Mb/s@", "10Mb/s@5", "10Mb/s@5h", "1b/s", "-1MB/s",
        "10Mb/s@0ms" };
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
        CHECK_EQ(cfg_vif_rate(bad[k], &b, &u), -EINVAL);
}

static void test_vif_keys(void)
{
    struct cfg_vif v;
    char err[256];
    CHECK_EQ(cfg_vif_parse("devid=3, forward=2222:80, rate=5MB/s", &v, err,
                           sizeof(err)), 0);
    CHECK_STR(v.devid, "3");
    CHECK_STR(v.forward, "2222:80");
    cfg_vif_free(&v);
    CHECK_EQ(cfg_vif_parse("forward=none", &v, err, sizeof(err)), 0);
    cfg_vif_free(&v);
    static const char *const bad[] = { "devid=256", "devid=x", "forward=0",
        "forward=70000", "forward=22:", "rate=10", "devid=-1" };
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
        CHECK_EQ(cfg_vif_parse(bad[k], &v, err, sizeof(err)), -EINVAL);
}

static int plan(const struct xend_settings *s, int domid, unsigned devid,
                const char *spec, struct vif_plan *p, char *err, size_t len)
{
    struct cfg_vif v;
    if (cfg_vif_parse(spec, &v, err, len) < 0)
        return -99;
    int r = vif_plan(s, domid, devid, &v, p, err, len);
    cfg_vif_free(&v);
    return r;
}

static void test_plans(void)
{
    struct xend_settings s;
    struct vif_plan p;
    char err[256];
    settings_defaults(&s);
    CHECK_EQ(plan(&s, 3, 0, "mac=00:16:3e:00:00:01", &p, err, sizeof(err)), 0);
    CHECK_STR(p.ifname, "vif3.0");
    CHECK(p.mode == VIF_BRIDGE);
    CHECK_STR(p.bridge, "xenbr0");
    CHECK(p.fwd_host == 0 && p.rate_bytes == 0);
    CHECK_EQ(plan(&s, 3, 1, "mac=00:16:3e:00:00:01,bridge=br1,vifname=web0",
                  &p, err, sizeof(err)), 0);
    CHECK_STR(p.ifname, "web0");
    CHECK_STR(p.bridge, "br1");
    CHECK_EQ(plan(&s, 3, 0, "", &p, err, sizeof(err)), -EINVAL);
    CHECK(strstr(err, "no MAC") != NULL);
    /* nat: the address from the domid, the forward from the base */
    CHECK_EQ(plan(&s, 7, 0, "mac=00:16:3e:00:00:01,script=vif-nat", &p, err,
                  sizeof(err)), 0);
    CHECK(p.mode == VIF_NAT);
    CHECK_STR(p.ip, "10.0.10.7");
    CHECK_STR(p.bridge, "xennat0");
    CHECK(p.fwd_host == 2207 && p.fwd_guest == 22);
    CHECK_EQ(plan(&s, 7, 0, "mac=00:16:3e:00:00:01,script=/etc/xen/scripts/"
                  "vif-nat,forward=none", &p, err, sizeof(err)), 0);
    CHECK(p.fwd_host == 0);
    CHECK_EQ(plan(&s, 7, 0, "mac=00:16:3e:00:00:01,script=vif-nat,"
                  "forward=8080", &p, err, sizeof(err)), 0);
    CHECK(p.fwd_host == 8080 && p.fwd_guest == 22);
    CHECK_EQ(plan(&s, 7, 1, "mac=00:16:3e:00:00:01,script=vif-nat", &p, err,
                  sizeof(err)), -EINVAL);
    CHECK(strstr(err, "needs its address in ip=") != NULL);
    CHECK_EQ(plan(&s, 7, 1, "mac=00:16:3e:00:00:01,script=vif-nat,"
                  "ip=10.0.10.200", &p, err, sizeof(err)), 0);
    CHECK_STR(p.ip, "10.0.10.200");
    CHECK(p.fwd_host == 0);             /* only devid 0 gets the default */
    CHECK_EQ(plan(&s, 7, 0, "mac=00:16:3e:00:00:01,script=vif-nat,"
                  "ip=10.0.11.3", &p, err, sizeof(err)), -EINVAL);
    CHECK_EQ(plan(&s, 7, 0, "mac=00:16:3e:00:00:01,script=vif-nat,"
                  "ip=10.0.10.254", &p, err, sizeof(err)), -EINVAL);
    CHECK_EQ(plan(&s, 254, 0, "mac=00:16:3e:00:00:01,script=vif-nat", &p,
                  err, sizeof(err)), -ERANGE);
    CHECK(strstr(err, "no address in nat-subnet") != NULL);
    CHECK_EQ(plan(&s, 253, 0, "mac=00:16:3e:00:00:01,script=vif-nat", &p,
                  err, sizeof(err)), 0);
    CHECK_STR(p.ip, "10.0.10.253");
    /* route */
    CHECK_EQ(plan(&s, 2, 0, "mac=00:16:3e:00:00:01,script=vif-route", &p,
                  err, sizeof(err)), -EINVAL);
    CHECK_EQ(plan(&s, 2, 0, "mac=00:16:3e:00:00:01,script=vif-route,"
                  "ip=1.2.3.4 1.2.3.5", &p, err, sizeof(err)), 0);
    CHECK(p.mode == VIF_ROUTE && p.bridge[0] == '\0');
    CHECK_STR(p.ip, "1.2.3.4 1.2.3.5");
    CHECK_EQ(plan(&s, 2, 0, "mac=00:16:3e:00:00:01,script=vif-magic", &p,
                  err, sizeof(err)), -EINVAL);
    /* the host default mode */
    strcpy(s.vif_script, "vif-nat");
    CHECK_EQ(plan(&s, 2, 0, "mac=00:16:3e:00:00:01", &p, err, sizeof(err)), 0);
    CHECK(p.mode == VIF_NAT);
    CHECK_EQ(plan(&s, 2, 0, "mac=00:16:3e:00:00:01,rate=10Mb/s", &p, err,
                  sizeof(err)), 0);
    CHECK(p.rate_bytes == 62500 && p.rate_usec == 50000);
    s.nat_forward_base = 65535;
    CHECK_EQ(plan(&s, 2, 0, "mac=00:16:3e:00:00:01", &p, err, sizeof(err)),
             -ERANGE);
}

static void test_nat_net(void)
{
    struct nat_net n;
    uint32_t ip;
    char buf[20];
    CHECK_EQ(nat_parse_subnet("192.168.5.77/16", &n), 0);
    CHECK(n.base == 0xc0a80000 && n.prefix == 16);
    net_ip_str(nat_gateway(&n), buf, sizeof(buf));
    CHECK_STR(buf, "192.168.255.254");
    CHECK_EQ(nat_guest_ip(&n, 300, &ip), 0);
    net_ip_str(ip, buf, sizeof(buf));
    CHECK_STR(buf, "192.168.1.44");
    CHECK_EQ(nat_guest_ip(&n, 0, &ip), -ERANGE);
    static const char *const bad[] = { "10.0.0.0", "10.0.0.0/31",
        "10.0.0.0/7", "10.0.0/24", "10.0.0.0/x", "" };
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
        CHECK_EQ(nat_parse_subnet(bad[k], &n), -EINVAL);
}

static void test_settings_net(void)
{
    struct xend_settings s;
    char err[256];
    settings_defaults(&s);
    CHECK_EQ(net_settings_check(&s, err, sizeof(err)), 0);
    strcpy(s.vif_script, "vif-foo");
    CHECK_EQ(net_settings_check(&s, err, sizeof(err)), -EINVAL);
    settings_defaults(&s);
    strcpy(s.nat_subnet, "10.0.0.0/32");
    CHECK_EQ(net_settings_check(&s, err, sizeof(err)), -EINVAL);
    settings_defaults(&s);
    s.nat_forward_port = 0;
    CHECK_EQ(net_settings_check(&s, err, sizeof(err)), -EINVAL);
    s.nat_forward_base = 0;             /* no forwards at all: fine */
    CHECK_EQ(net_settings_check(&s, err, sizeof(err)), 0);
    settings_defaults(&s);
    strcpy(s.bridge_nic, "a b");
    CHECK_EQ(net_settings_check(&s, err, sizeof(err)), -EINVAL);
}

static void test_vif_layout(void)
{
    struct vif_plan p = { .devid = 1, .mode = VIF_NAT, .bridge = "xennat0",
                          .ip = "10.0.10.5", .mac = "00:16:3e:00:00:05",
                          .rate_bytes = 62500, .rate_usec = 50000 };
    struct vif_layout l;
    vif_layout(5, &p, &l);
    CHECK_STR(l.fe_dir, "/local/domain/5/device/vif/1");
    CHECK_STR(l.be_dir, "/local/domain/0/backend/vif/5/1");
    CHECK(l.fe_perm.owner == 5 && l.fe_perm.reader == 0);
    CHECK(l.be_perm.owner == 0 && l.be_perm.reader == 5);
    static const char *const fe[][2] = {
        { "backend", "/local/domain/0/backend/vif/5/1" }, { "backend-id", "0" },
        { "handle", "1" }, { "mac", "00:16:3e:00:00:05" }, { "state", "1" },
    };
    static const char *const be[][2] = {
        { "frontend", "/local/domain/5/device/vif/1" }, { "frontend-id", "5" },
        { "handle", "1" }, { "mac", "00:16:3e:00:00:05" }, { "online", "1" },
        { "state", "1" }, { "type", "vif" }, { "script", "vif-nat" },
        { "bridge", "xennat0" }, { "ip", "10.0.10.5" },
        { "rate", "62500,50000" }, { "hotplug-status", "connected" },
    };
    for (size_t k = 0; k < VIF_FE_KEYS; k++) {
        CHECK_STR(l.fe[k].key, fe[k][0]);
        CHECK_STR(l.fe[k].val, fe[k][1]);
    }
    CHECK_EQ(l.n_be, sizeof(be) / sizeof(be[0]));
    for (size_t k = 0; k < l.n_be; k++) {
        CHECK_STR(l.be[k].key, be[k][0]);
        CHECK_STR(l.be[k].val, be[k][1]);
    }
    struct vif_plan r = { .devid = 0, .mode = VIF_ROUTE, .ip = "1.2.3.4",
                          .mac = "00:16:3e:00:00:06" };
    vif_layout(2, &r, &l);
    CHECK_EQ(l.n_be, 10);               /* no bridge, no rate */
    CHECK_STR(l.be[8].key, "ip");
    struct net_open o = { .plan = p, .mtu = 9000 };
    char arg[VMM_NIC_ARG];
    vmm_nic_arg(&o, VMM_NIC_FD0 + 1, arg, sizeof(arg));
    CHECK_STR(arg, "fd=20,devid=1,mac=00:16:3e:00:00:05,mtu=9000");
}

static void test_mac(void)
{
    char mac[NET_MAC];
    vif_mac_from((const uint8_t[]){ 0xff, 0x01, 0xab }, mac);
    CHECK_STR(mac, "00:16:3e:7f:01:ab");
}

static void test_rules(void)
{
    struct nat_net n;
    struct vif_plan v[3] = {
        { .mode = VIF_NAT, .mac = "00:16:3e:00:00:01", .ip = "10.0.10.1",
          .fwd_host = 2201, .fwd_guest = 22 },
        { .mode = VIF_BRIDGE, .mac = "00:16:3e:00:00:02" },
        { .mode = VIF_NAT, .mac = "00:16:3e:00:00:03", .ip = "10.0.10.3" },
    };
    char buf[4096];
    nat_parse_subnet("10.0.10.0/24", &n);
    CHECK(nat_ruleset(&n, "xennat0", v, 3, buf, sizeof(buf)) > 0);
    CHECK(strncmp(buf, "table ip xeno_nat\ndelete table ip xeno_nat\n", 42) == 0);
    const char *fwd = "fib daddr type local tcp dport 2201 dnat to 10.0.10.1:22";
    const char *first = strstr(buf, fwd);
    CHECK(first && strstr(first + 1, fwd));        /* prerouting and output */
    CHECK(strstr(buf, "type nat hook output") != NULL);
    CHECK(strstr(buf, "ip saddr 10.0.10.0/24 ip daddr != 10.0.10.0/24 oifname "
                      "!= \"xennat0\" masquerade") != NULL);
    CHECK(strstr(buf, "dport 0") == NULL);
    CHECK_EQ(nat_ruleset(&n, "xennat0", v, 3, buf, 100), -ENOSPC);
    CHECK(nat_hosts(v, 3, buf, sizeof(buf)) > 0);
    CHECK_STR(buf, "00:16:3e:00:00:01,10.0.10.1\n00:16:3e:00:00:03,10.0.10.3\n");
    CHECK_EQ(nat_hosts(v, 3, buf, 10), -ENOSPC);
}

int main(void)
{
    test_rate();
    test_vif_keys();
    test_plans();
    test_nat_net();
    test_settings_net();
    test_vif_layout();
    test_mac();
    test_rules();
    return check_done("test_net");
}
