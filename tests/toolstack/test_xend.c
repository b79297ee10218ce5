/* Unit tests of xend's pure parts: settings, rings, the route table and
 * the memory budget, on a struct xend with no processes behind it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "common/log.h"
#include "vbd_layout.h"
#include "xend.h"

static const char *write_tmp(const char *text)
{
    static char path[64];
    snprintf(path, sizeof(path), "/tmp/test_xend.XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, text, strlen(text)) < 0)
        return "/nonexistent";
    close(fd);
    return path;
}

static void test_settings(void)
{
    struct xend_settings s;
    char err[256];
    settings_defaults(&s);
    CHECK_STR(s.address, "127.0.0.1");
    CHECK_EQ(s.port, 8000);
    CHECK(!s.privileged_port);
    const char *p = write_tmp("# comment\nxend-port = 9000  # trailing\n"
                              "xend-privileged-port = yes\n"
                              "xend-address = '10.0.0.1'\n\n");
    CHECK_EQ(settings_load(&s, p, err, sizeof(err)), 0);
    CHECK_EQ(s.port, 9000);
    CHECK(s.privileged_port);
    CHECK_STR(s.address, "10.0.0.1");
    unlink(p);
    settings_defaults(&s);
    CHECK_STR(s.admin_group, "xeno");
    CHECK(!s.user_create);
    CHECK_STR(s.others, "list");
    p = write_tmp("xend-others = all\nxend-user-create = yes\n");
    CHECK_EQ(settings_load(&s, p, err, sizeof(err)), 0);
    CHECK(s.user_create);
    CHECK(settings_check(&s, err, sizeof(err)) < 0);
    unlink(p);
    p = write_tmp("xend-others = everything\n");
    CHECK(settings_load(&s, p, err, sizeof(err)) < 0);
    unlink(p);
    settings_defaults(&s);
    p = write_tmp("xend-port = 80\nxend-prot = 1\n");
    CHECK_EQ(settings_load(&s, p, err, sizeof(err)), -EINVAL);
    CHECK(strstr(err, ":2: unknown setting 'xend-prot'") != NULL);
    unlink(p);
    p = write_tmp("xend-http-server = maybe\n");
    CHECK_EQ(settings_load(&s, p, err, sizeof(err)), -EINVAL);
    unlink(p);
    p = write_tmp("xend-port 80\n");
    CHECK_EQ(settings_load(&s, p, err, sizeof(err)), -EINVAL);
    unlink(p);
    settings_defaults(&s);
    memset(s.run_dir, 'a', 90);
    s.run_dir[90] = '\0';
    CHECK_EQ(settings_check(&s, err, sizeof(err)), -ENAMETOOLONG);
    CHECK(settings_load(&s, "/nonexistent", err, sizeof(err)) == -ENOENT);
}

static void test_ring(void)
{
    struct ring r;
    ring_init(&r, 3);
    for (int k = 0; k < 5; k++) {
        char line[16];
        snprintf(line, sizeof(line), "line %d", k);
        ring_push(&r, line);
    }
    json_object *o = ring_json(&r), *lines;
    CHECK(json_object_object_get_ex(o, "lines", &lines));
    CHECK_EQ(json_object_array_length(lines), 3);
    CHECK(strstr(json_object_get_string(json_object_array_get_idx(lines, 0)),
                 "] line 2") != NULL);
    json_object_put(o);
    ring_clear(&r);
    CHECK_EQ(r.count, 0);
    free(r.lines);
    free(r.tags);
}

static const struct caller root = { .known = true, .uid = 0, .admin = true };

static int call_as(struct xend *x, const struct caller *who, const char *method,
                   const char *path, const char *body, json_object **out)
{
    struct xreq rq = { method, path, body ? json_tokener_parse(body) : NULL,
                       { .kind = W_NONE }, NULL, who };
    struct xrep rp;
    route_dispatch(x, &rq, &rp);
    json_object_put(rq.body);
    if (out)
        *out = rp.body;
    else
        json_object_put(rp.body);
    return rp.status;
}

static int call(struct xend *x, const char *method, const char *path,
                const char *body, json_object **out)
{
    return call_as(x, &root, method, path, body, out);
}

/* The policy in front of the routes: refusals are 403 and change nothing. */
static void test_route_policy(struct xend *x)
{
    const struct caller dave = { .known = true, .uid = 4104, .name = "dave" };
    json_object *o, *v;
    uint64_t dom0 = x->dom0_mib;
    xdmesg(x, "a line for the ring");
    size_t lines = x->dmesg.count;
    CHECK_EQ(call_as(x, &dave, "GET", "/xend/domain", NULL, NULL), 200);
    CHECK_EQ(call_as(x, NULL, "GET", "/xend/domain", NULL, NULL), 200);
    CHECK_EQ(call_as(x, &dave, "GET", "/xend/node", NULL, NULL), 200);
    CHECK_EQ(call_as(x, &dave, "GET", "/xend/node/log", NULL, NULL), 403);
    CHECK_EQ(call_as(x, &dave, "POST", "/xend/node/dmesg", "{\"op\":\"clear\"}", NULL), 403);
    CHECK_EQ(x->dmesg.count, lines);
    CHECK_EQ(call_as(x, &dave, "GET", "/xend/node/dmesg", NULL, &o), 200);
    CHECK(json_object_object_get_ex(o, "lines", &v));
    CHECK_EQ(json_object_array_length(v), 0);       /* none of its domains */
    json_object_put(o);
    CHECK_EQ(call_as(x, &dave, "POST", "/xend/domain/0",
                     "{\"op\":\"mem_set\",\"memory\":1500}", &o), 403);
    CHECK(json_object_object_get_ex(o, "error", &v));
    CHECK_STR(json_object_get_string(v),
              "user dave (uid 4104) may not mem-set domain 0 (no owner)");
    json_object_put(o);
    CHECK_EQ(x->dom0_mib, dom0);
    CHECK_EQ(call_as(x, &dave, "GET", "/xend/domain/0", NULL, NULL), 403);
    CHECK_EQ(call_as(x, NULL, "POST", "/xend/domain",
                     "{\"config\":{\"name\":\"a\",\"kernel\":\"/k\"}}", &o), 403);
    CHECK(json_object_object_get_ex(o, "error", &v));
    CHECK_STR(json_object_get_string(v), "an unidentified caller may not create domains");
    json_object_put(o);
    CHECK_EQ(call_as(x, &dave, "GET", "/xend/domain/nosuch", NULL, NULL), 404);
    strcpy(x->s.others, "none");
    CHECK_EQ(call_as(x, NULL, "GET", "/xend/domain", NULL, NULL), 403);
    CHECK_EQ(call_as(x, &dave, "GET", "/xend/domain", NULL, NULL), 200);
    strcpy(x->s.others, "list");
}

static void test_routes(struct xend *x)
{
    json_object *o, *v;
    CHECK_EQ(call(x, "GET", "/xend/", NULL, NULL), 200);
    CHECK_EQ(call(x, "GET", "/xend/node?x=1", NULL, &o), 200);
    CHECK(json_object_object_get_ex(o, "free_memory", &v));
    CHECK_EQ(json_object_get_int64(v), 3072);
    json_object_put(o);
    CHECK_EQ(call(x, "GET", "/xend/domain", NULL, &o), 200);
    CHECK(json_object_object_get_ex(o, "domains", &v));
    CHECK_EQ(json_object_array_length(v), 1);
    json_object_put(o);
    CHECK_EQ(call(x, "GET", "/xend/domain/0", NULL, NULL), 200);
    CHECK_EQ(call(x, "GET", "/xend/domain/web", NULL, &o), 404);
    CHECK(json_object_object_get_ex(o, "code", &v));
    CHECK_STR(json_object_get_string(v), "ENOENT");
    json_object_put(o);
    CHECK_EQ(call(x, "PUT", "/xend/domain", NULL, NULL), 405);
    CHECK_EQ(call(x, "GET", "/xend/domain/a/b", NULL, NULL), 404);
    CHECK_EQ(call(x, "GET", "/etc/passwd", NULL, NULL), 404);
    CHECK_EQ(call(x, "POST", "/xend/domain", "{}", NULL), 400);
    CHECK_EQ(call(x, "POST", "/xend/domain", "{\"config\":{\"name\":\"a\"}}",
                  NULL), 400);
    CHECK_EQ(call(x, "POST", "/xend/domain/0", "{\"op\":\"destroy\"}", NULL),
             400);
    CHECK_EQ(call(x, "POST", "/xend/domain/0", "{\"op\":\"mem_set\"}", NULL),
             400);
    CHECK_EQ(call(x, "POST", "/xend/domain/0",
                  "{\"op\":\"mem_set\",\"memory\":2048}", NULL), 200);
    CHECK_EQ(x->dom0_mib, 2048);
    CHECK_EQ(call(x, "POST", "/xend/domain/0",
                  "{\"op\":\"mem_set\",\"memory\":5000}", NULL), 409);
    CHECK_EQ(call(x, "POST", "/xend/node/dmesg", "{\"op\":\"nope\"}", NULL),
             400);
    CHECK_EQ(call(x, "DELETE", "/xend/domain/Domain-0", NULL, NULL), 400);
    CHECK_EQ(call(x, "GET", "/xend/domain/web/vbd", NULL, NULL), 404);
    CHECK_EQ(call(x, "PUT", "/xend/domain/web/vbd", NULL, NULL), 405);
    CHECK_EQ(call(x, "GET", "/xend/domain/web/vbd/xvda", NULL, NULL), 405);
    CHECK_EQ(call(x, "DELETE", "/xend/domain/web/vbd/xvda", NULL, NULL), 404);
    CHECK_EQ(call(x, "DELETE", "/xend/domain/web/vbd/xvda/x", NULL, NULL), 404);
    CHECK_EQ(call(x, "DELETE", "/xend/domain//vbd/xvda", NULL, NULL), 404);
    CHECK_EQ(call(x, "POST", "/xend/domain/0/vbd", "{}", NULL), 400);
}

/* The keys, values and permissions Xen's toolstack writes for a vbd. */
static void test_vbd_layout(void)
{
    struct cfg_disk disk;
    struct vbd_layout l;
    char err[256], buf[VMM_DISK_ARG];
    CHECK_EQ(cfg_disk_parse("phy:sda7,xvda1,w", &disk, err, sizeof(err)), 0);
    vbd_layout(7, &disk, &l);
    CHECK_STR(l.fe_dir, "/local/domain/7/device/vbd/51713");
    CHECK_STR(l.be_dir, "/local/domain/0/backend/vbd/7/51713");
    CHECK(l.fe_perm.owner == 7 && l.fe_perm.reader == 0);
    CHECK(l.be_perm.owner == 0 && l.be_perm.reader == 7);
    static const char *const fe[][2] = {
        { "backend", "/local/domain/0/backend/vbd/7/51713" },
        { "backend-id", "0" }, { "state", "1" },
        { "virtual-device", "51713" }, { "device-type", "disk" },
    };
    static const char *const be[][2] = {
        { "frontend", "/local/domain/7/device/vbd/51713" },
        { "frontend-id", "7" }, { "online", "1" }, { "state", "1" },
        { "mode", "w" }, { "params", "/dev/sda7" }, { "type", "phy" },
        { "dev", "xvda1" }, { "removable", "0" }, { "bootable", "1" },
    };
    for (size_t k = 0; k < VBD_FE_KEYS; k++) {
        CHECK_STR(l.fe[k].key, fe[k][0]);
        CHECK_STR(l.fe[k].val, fe[k][1]);
    }
    for (size_t k = 0; k < VBD_BE_KEYS; k++) {
        CHECK_STR(l.be[k].key, be[k][0]);
        CHECK_STR(l.be[k].val, be[k][1]);
    }
    vmm_disk_arg(&disk, 3, buf, sizeof(buf));
    CHECK_STR(buf, "fd=3,devid=51713,mode=w,type=phy,name=xvda1");
    vbd_spec(&disk, buf, sizeof(buf));
    CHECK_STR(buf, "phy:/dev/sda7,xvda1,w");
    cfg_disk_free(&disk);
    CHECK_EQ(cfg_disk_parse("file:/i.iso,hdc:cdrom,r", &disk, err,
                            sizeof(err)), 0);
    vbd_layout(1, &disk, &l);
    CHECK_STR(l.fe[4].val, "cdrom");
    CHECK_STR(l.be[4].val, "r");
    CHECK_STR(l.be[6].val, "file");
    CHECK_STR(l.be[8].val, "1");
    vmm_disk_arg(&disk, 4, buf, sizeof(buf));
    CHECK_STR(buf, "fd=4,devid=5632,mode=r,type=file,name=hdc");
    cfg_disk_free(&disk);
}

static void test_budget(struct xend *x)
{
    char err[512];
    x->dom0_mib = 1024;
    x->doms[0].used = true;
    x->doms[0].target_mib = 1000;
    CHECK_EQ(mem_check(x, NULL, 2072, err, sizeof(err)), 0);
    CHECK_EQ(mem_check(x, NULL, 2073, err, sizeof(err)), -ENOSPC);
    CHECK(strstr(err, "2073 MiB needed, 2072 MiB free (host 4096 MiB, "
                      "Domain-0 1024 MiB, other domains 1000 MiB)") != NULL);
    CHECK_EQ(mem_check(x, &x->doms[0], 3072, err, sizeof(err)), 0);
    CHECK_EQ(mem_set_dom0(x, 3097, err, sizeof(err)), -ENOSPC);
    CHECK_EQ(mem_set_dom0(x, 100, err, sizeof(err)), -ENOSPC);
    x->doms[0].used = false;
}

int main(void)
{
    static struct xend x;
    char dir[] = "/tmp/test_xend.XXXXXX";
    log_init("test_xend", LOG_ERR);
    test_settings();
    test_ring();
    settings_defaults(&x.s);
    if (!mkdtemp(dir))
        return 1;
    snprintf(x.s.state_dir, sizeof(x.s.state_dir), "%s", dir);
    x.s.total_memory_mib = 4096;
    x.s.dom0_memory_mib = 1024;
    mem_init(&x);
    ring_init(&x.dmesg, 10);
    ring_init(&x.log, 10);
    test_routes(&x);
    test_route_policy(&x);
    test_budget(&x);
    test_vbd_layout();
    char cmd[64];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return check_done("test_xend");
}
