/* libxenoctl against a running xend (started by xenoctl.sh with the fake
 * VMM): every call, its errors, over the unix socket or HTTP.
 * Usage: test_xenoctl WHERE KERNEL */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "xenoctl.h"

static const char *kernel;

static char *config(const char *name, int memory, const char *extra)
{
    static char buf[1024];
    snprintf(buf, sizeof(buf), "{\"name\":\"%s\",\"kernel\":\"%s\","
             "\"memory\":%d,\"maxmem\":%d%s}", name, kernel, memory,
             memory * 2, extra);
    return buf;
}

static void nap_ms(int ms)
{
    struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&t, NULL);
}

static void test_open_errors(void)
{
    char err[256];
    CHECK(xenoctl_open("http://:x", err, sizeof(err)) == NULL);
    CHECK(strstr(err, "bad xend URL") != NULL);
    struct xenoctl *h = xenoctl_open("/nonexistent/xend.sock", err, sizeof(err));
    struct xenoctl_domain *d;
    size_t n;
    CHECK(h != NULL);
    CHECK_EQ(xenoctl_list(h, &d, &n), -ENOENT);
    CHECK(strstr(xenoctl_error(h), "is xend running?") != NULL);
    xenoctl_close(h);
}

static void test_node(struct xenoctl *h)
{
    struct xenoctl_node n;
    CHECK_EQ(xenoctl_info(h, &n), 0);
    CHECK_EQ(n.total_memory_mib, 4096);
    CHECK_EQ(n.dom0_memory_mib, 1024);
    CHECK(n.nr_cpus >= 1);
    CHECK_STR(n.version, "0.1.0");
    int status = 0;
    char *reply;
    CHECK_EQ(xenoctl_request(h, "GET", "/xend", NULL, &status, &reply), 0);
    CHECK_EQ(status, 200);
    CHECK(reply && strstr(reply, "/xend/domain"));
    free(reply);
}

static int find(struct xenoctl *h, const char *name, struct xenoctl_domain *out)
{
    struct xenoctl_domain *d;
    size_t n;
    int found = -1;
    if (xenoctl_list(h, &d, &n) < 0)
        return -1;
    for (size_t k = 0; k < n; k++)
        if (strcmp(d[k].name, name) == 0) {
            *out = d[k];
            found = 0;
        }
    free(d);
    return found;
}

static void test_create(struct xenoctl *h)
{
    int id = -1;
    struct xenoctl_domain d;
    CHECK_EQ(xenoctl_create(h, config("lib1", 256, ",\"vcpus\":2"), &id), 0);
    CHECK(id > 0);
    CHECK_EQ(find(h, "Domain-0", &d), 0);
    CHECK_EQ(d.domid, 0);
    CHECK_EQ(find(h, "lib1", &d), 0);
    CHECK_EQ(d.domid, id);
    CHECK_EQ(d.vcpus, 2);
    CHECK_STR(d.state, "running");
    CHECK(d.pid > 0);
    CHECK_EQ(xenoctl_create(h, config("lib1", 256, ""), NULL), -EEXIST);
    CHECK(strstr(xenoctl_error(h), "already exists") != NULL);
    CHECK_EQ(xenoctl_create(h, config("huge", 3000, ""), NULL), -ENOSPC);
    CHECK(strstr(xenoctl_error(h), "not enough memory") != NULL);
    CHECK_EQ(xenoctl_create(h, "{not json", NULL), -EINVAL);
    CHECK_EQ(xenoctl_create(h, "{\"name\":\"nokernel\"}", NULL), -EINVAL);
    CHECK(strstr(xenoctl_error(h), "kernel") != NULL);
}

static void test_info_and_ops(struct xenoctl *h)
{
    struct xenoctl_domain d;
    char *json = NULL, path[256];
    double up = -1;
    CHECK_EQ(xenoctl_domain_info(h, "lib1", &d, &json), 0);
    CHECK(json && strstr(json, "\"config\""));
    free(json);
    char id[16];
    snprintf(id, sizeof(id), "%d", d.domid);
    CHECK_EQ(xenoctl_domain_info(h, id, &d, NULL), 0);
    CHECK_STR(d.name, "lib1");
    CHECK_EQ(xenoctl_domain_info(h, "nosuch", &d, NULL), -ENOENT);
    CHECK_EQ(xenoctl_destroy(h, "nosuch"), -ENOENT);
    CHECK_EQ(xenoctl_destroy(h, "../etc"), -EINVAL);
    CHECK_EQ(xenoctl_pause(h, "lib1"), 0);
    CHECK_EQ(xenoctl_domain_info(h, "lib1", &d, NULL), 0);
    CHECK_STR(d.state, "paused");
    CHECK_EQ(xenoctl_unpause(h, "lib1"), 0);
    CHECK_EQ(xenoctl_mem_set(h, "lib1", 400), 0);
    CHECK_EQ(xenoctl_domain_info(h, "lib1", &d, NULL), 0);
    CHECK_EQ(d.memory_mib, 400);
    CHECK_EQ(d.maxmem_mib, 512);
    CHECK_EQ(xenoctl_mem_set(h, "lib1", 513), -EINVAL);
    CHECK_EQ(xenoctl_mem_set(h, "0", 900), 0);
    CHECK_EQ(xenoctl_mem_set(h, "0", 10), -ENOSPC);
    CHECK_EQ(xenoctl_uptime(h, "lib1", &up), 0);
    CHECK(up >= 0);
    CHECK_EQ(xenoctl_console_path(h, "lib1", path, sizeof(path)), 0);
    CHECK(strstr(path, "dom") != NULL);
}

static void test_console(struct xenoctl *h)
{
    char path[100], buf[128] = "";
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (xenoctl_console_path(h, "lib1", path, sizeof(path)) < 0) {
        CHECK(0);
        return;
    }
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK_EQ(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    CHECK(n > 0 && strstr(buf, "fake console of lib1"));
    close(fd);
}

static void test_reboot_shutdown(struct xenoctl *h)
{
    struct xenoctl_domain d;
    CHECK_EQ(xenoctl_reboot(h, "lib1"), 0);
    for (int k = 0; k < 100; k++) {
        if (xenoctl_domain_info(h, "lib1", &d, NULL) == 0 && d.restarts == 1 &&
            strcmp(d.state, "running") == 0)
            break;
        nap_ms(50);
    }
    CHECK_EQ(d.restarts, 1);
    CHECK_EQ(xenoctl_shutdown(h, "lib1", true, 10), 0);
    CHECK_EQ(xenoctl_domain_info(h, "lib1", &d, NULL), -ENOENT);
    CHECK_EQ(xenoctl_shutdown(h, "lib1", false, 0), -ENOENT);
    CHECK_EQ(xenoctl_create(h, config("lib2", 128, ""), NULL), 0);
    CHECK_EQ(xenoctl_destroy(h, "lib2"), 0);
    CHECK_EQ(xenoctl_destroy(h, "lib2"), -ENOENT);
}

static void test_rings(struct xenoctl *h)
{
    char *text = NULL;
    CHECK_EQ(xenoctl_dmesg(h, false, &text), 0);
    CHECK(text && strstr(text, "(lib1) started"));
    free(text);
    CHECK_EQ(xenoctl_dmesg(h, true, &text), 0);
    free(text);
    CHECK_EQ(xenoctl_dmesg(h, false, &text), 0);
    CHECK_STR(text, "");
    free(text);
    CHECK_EQ(xenoctl_log(h, &text), 0);
    CHECK(text && strstr(text, "xend 0.1.0 ready"));
    free(text);
    CHECK_EQ(xenoctl_mem_set(h, "0", 1024), 0);
}

/* Hot-plug on a domain with no disks: attach, list, refusals, detach. */
static void test_block(struct xenoctl *h)
{
    char img[] = "/tmp/test_xenoctl.XXXXXX", target[64], warn[128];
    struct xenoctl_vbd *v = NULL;
    struct xenoctl_domain d;
    size_t n = 9;
    int fd = mkstemp(img);
    CHECK(fd >= 0 && ftruncate(fd, 1 << 20) == 0);
    close(fd);
    snprintf(target, sizeof(target), "file:%s", img);
    CHECK_EQ(xenoctl_create(h, config("blk1", 64, ""), NULL), 0);
    CHECK_EQ(xenoctl_block_list(h, "blk1", &v, &n), 0);
    CHECK_EQ(n, 0);
    free(v);
    CHECK_EQ(xenoctl_block_attach(h, "blk1", target, "xvdb", "w"), 0);
    CHECK_EQ(xenoctl_block_list(h, "blk1", &v, &n), 0);
    CHECK_EQ(n, 1);
    if (n == 1) {
        CHECK_EQ(v[0].devid, 51728);
        CHECK_STR(v[0].vdev, "xvdb");
        CHECK_STR(v[0].mode, "w");
        CHECK_STR(v[0].type, "file");
        CHECK_STR(v[0].target, img);
        CHECK(strstr(v[0].backend, "/backend/vbd/") != NULL);
    }
    free(v);
    CHECK_EQ(xenoctl_domain_info(h, "blk1", &d, NULL), 0);
    CHECK_EQ(d.nr_vbds, 1);
    CHECK_EQ(xenoctl_block_attach(h, "blk1", target, "xvdb", "r"), -EEXIST);
    CHECK_EQ(xenoctl_block_attach(h, "blk1", "file:/nonexistent.img", "xvdc",
                                  "r"), -EINVAL);
    CHECK(strstr(xenoctl_error(h), "does not exist") != NULL);
    CHECK_EQ(xenoctl_block_attach(h, "blk1", target, "floppy", "r"), -EINVAL);
    CHECK_EQ(xenoctl_block_attach(h, "nosuch", target, "xvdc", "r"), -ENOENT);
    CHECK_EQ(xenoctl_block_detach(h, "blk1", "../x", NULL, 0), -EINVAL);
    CHECK_EQ(xenoctl_block_detach(h, "blk1", "51728", warn, sizeof(warn)), 0);
    CHECK_STR(warn, "");
    CHECK_EQ(xenoctl_block_detach(h, "blk1", "xvdb", NULL, 0), -ENOENT);
    CHECK_EQ(xenoctl_block_list(h, "blk1", &v, &n), 0);
    CHECK_EQ(n, 0);
    free(v);
    CHECK_EQ(xenoctl_destroy(h, "blk1"), 0);
    unlink(img);
}

int main(int argc, char **argv)
{
    char err[256];
    if (argc != 3) {
        fprintf(stderr, "usage: test_xenoctl WHERE KERNEL\n");
        return 2;
    }
    kernel = argv[2];
    test_open_errors();
    struct xenoctl *h = xenoctl_open(argv[1], err, sizeof(err));
    if (!h) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    test_node(h);
    test_create(h);
    test_info_and_ops(h);
    test_console(h);
    test_reboot_shutdown(h);
    test_rings(h);
    test_block(h);
    xenoctl_close(h);
    return check_done(argv[1]);
}
