/* Control requests from xend, one table of commands. */
#include "vmm/control.h"
#include "vmm/vm.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vmm/vbd.h"
#include "vmm/vif.h"
#include "xeno/vmm_control.h"

static time_t start_time;

/* What a command sees of its request. */
struct ctl_req {
    json_object *json;
    int client;
    struct ctl_fds *fds;
};

typedef int (*ctl_fn)(struct vm *vm, struct ctl_req *req, char *reply, size_t len);

static void set_paused(struct vm *vm, bool paused)
{
    pthread_mutex_lock(&vm->state_lock);
    vm->paused = paused;
    pthread_cond_broadcast(&vm->state_cond);
    pthread_mutex_unlock(&vm->state_lock);
    if (paused)
        vm_kick_all(vm);
}

static int ctl_info(struct vm *vm, struct ctl_req *req, char *reply, size_t len)
{
    (void)req;
    pthread_mutex_lock(&vm->state_lock);
    bool paused = vm->paused;
    pthread_mutex_unlock(&vm->state_lock);
    struct timespec cpu;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
    unsigned online = vm_vcpus_probe(vm, 100);
    snprintf(reply, len,
             "{\"ok\":true,\"name\":\"%s\",\"domid\":%u,\"pid\":%d,"
             "\"memory_mib\":%llu,\"vcpus\":%u,\"vcpus_online\":%u,\"state\":\"%s\","
             "\"cpu_time_ns\":%llu,\"start_time\":%lld,"
             "\"maxmem_mib\":%llu,\"mem_kib\":%llu,\"max_kib\":%llu,\"held_kib\":%llu}\n",
             vm->cfg.name ? vm->cfg.name : "", vm->cfg.domid, (int)getpid(),
             (unsigned long long)vm->cfg.memory_mib, vm->cfg.vcpus, online,
             paused ? "paused" : "running",
             (unsigned long long)cpu.tv_sec * 1000000000ull + (unsigned long long)cpu.tv_nsec,
             (long long)start_time, (unsigned long long)vm->cfg.maxmem_mib,
             (unsigned long long)__atomic_load_n(&vm->dom.ram_pages, __ATOMIC_RELAXED) * 4,
             (unsigned long long)__atomic_load_n(&vm->dom.max_pages, __ATOMIC_RELAXED) * 4,
             (unsigned long long)(vm_held_bytes(vm) >> 10));
    return 0;
}

static int ctl_pause(struct vm *vm, struct ctl_req *req, char *reply, size_t len)
{
    (void)req;
    set_paused(vm, true);
    snprintf(reply, len, "{\"ok\":true}\n");
    return 0;
}

static int ctl_unpause(struct vm *vm, struct ctl_req *req, char *reply, size_t len)
{
    (void)req;
    set_paused(vm, false);
    snprintf(reply, len, "{\"ok\":true}\n");
    return 0;
}

static int ctl_destroy(struct vm *vm, struct ctl_req *req, char *reply, size_t len)
{
    (void)req;
    snprintf(reply, len, "{\"ok\":true}\n");
    vm_request_stop(vm, XENO_EXIT_DESTROYED);
    return 0;
}

static int fail(char *reply, size_t len, const char *msg)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "ok", json_object_new_boolean(0));
    json_object_object_add(o, "error", json_object_new_string(msg));
    snprintf(reply, len, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    return -1;
}

static const char *str_field(json_object *req, const char *key, const char *dflt)
{
    json_object *v;
    if (!json_object_object_get_ex(req, key, &v) || !json_object_is_type(v, json_type_string))
        return dflt;
    return json_object_get_string(v);
}

static int devid_field(json_object *req, unsigned *devid)
{
    json_object *v;
    if (!json_object_object_get_ex(req, "devid", &v) || !json_object_is_type(v, json_type_int))
        return -1;
    int64_t d = json_object_get_int64(v);
    if (d <= 0 || d > VBD_MAX_DEVID)
        return -1;
    *devid = (unsigned)d;
    return 0;
}

/* The one fd that came with the request; the caller closes the others. */
static int take_fd(struct ctl_fds *fds)
{
    int fd = -1, n = 0;
    for (unsigned i = 0; i < fds->n; i++)
        if (fds->fd[i] >= 0 && n++ == 0) {
            fd = fds->fd[i];
            fds->fd[i] = -1;
        }
    if (n > 1) { /* the contract says exactly one */
        close(fd);
        return -2;
    }
    return fd;
}

static int ctl_disk_attach(struct vm *vm, struct ctl_req *req, char *reply, size_t len)
{
    struct vm_disk_cfg d = { .fd = -1 };
    const char *mode = str_field(req->json, "mode", NULL);
    const char *type = str_field(req->json, "type", "file");
    const char *name = str_field(req->json, "name", "");
    char err[256];

    if (json_object_object_get_ex(req->json, "path", NULL))
        return fail(reply, len, "disk-attach: the VMM opens no host path (it is jailed, "
                                "docs/privilege.md): send the disk's fd with SCM_RIGHTS");
    if (devid_field(req->json, &d.devid))
        return fail(reply, len, "disk-attach: devid must be a number (1 to 268435455)");
    if (!mode || (strcmp(mode, "r") && strcmp(mode, "w")))
        return fail(reply, len, "disk-attach: mode must be \"r\" or \"w\"");
    if (vbd_check_type(type) || vbd_check_name(name))
        return fail(reply, len, "disk-attach: type is file or phy; name is 1-15 of [a-z0-9]");
    int fd = take_fd(req->fds);
    if (fd < 0)
        return fail(reply, len, fd == -2 ? "disk-attach: send exactly one fd"
                                         : "disk-attach: no disk fd (send it with SCM_RIGHTS)");
    d.readonly = mode[0] == 'r';
    snprintf(d.type, sizeof(d.type), "%s", type);
    snprintf(d.name, sizeof(d.name), "%s", name);
    if (vbd_attach(vm, fd, &d, err, sizeof(err)))
        return fail(reply, len, err);
    snprintf(reply, len, "{\"ok\":true}\n");
    return 0;
}

static int ctl_disk_detach(struct vm *vm, struct ctl_req *req, char *reply, size_t len)
{
    unsigned devid;
    int rc, fd;

    if (devid_field(req->json, &devid))
        return fail(reply, len, "disk-detach: devid must be a number");
    fd = fcntl(req->client, F_DUPFD_CLOEXEC, 0);
    if (fd < 0)
        return fail(reply, len, strerror(errno));
    rc = vbd_detach(vm, devid, fd);
    if (rc) {
        close(fd);
        return fail(reply, len, rc == -ENOENT ? "disk-detach: no such disk"
                                              : "disk-detach: already detaching");
    }
    reply[0] = '\0'; /* vbd replies once the frontend closed */
    return 0;
}

static int ctl_disk_stats(struct vm *vm, struct ctl_req *req, char *reply, size_t len)
{
    char disks[7600];
    (void)req;
    vbd_stats_json(vm, disks, sizeof(disks));
    snprintf(reply, len, "{\"ok\":true,\"disks\":%s}\n", disks);
    return 0;
}

/* A vif's devid: 0..VIF_MAX_DEVID (vif handles start at 0). */
static int nic_devid(json_object *req, unsigned *devid)
{
    json_object *v;
    if (!json_object_object_get_ex(req, "devid", &v) || !json_object_is_type(v, json_type_int))
        return -1;
    int64_t d = json_object_get_int64(v);
    if (d < 0 || d > VIF_MAX_DEVID)
        return -1;
    *devid = (unsigned)d;
    return 0;
}

static int ctl_nic_attach(struct vm *vm, struct ctl_req *req, char *reply, size_t len)
{
    struct vm_nic_cfg n = { .fd = -1, .mtu = 1500 };
    const char *mac = str_field(req->json, "mac", NULL);
    json_object *mtu;
    char err[256];

    if (nic_devid(req->json, &n.devid))
        return fail(reply, len, "nic-attach: devid must be a number (0 to 65535)");
    if (!mac || vif_parse_mac(mac, n.mac))
        return fail(reply, len, "nic-attach: mac must be XX:XX:XX:XX:XX:XX");
    if (json_object_object_get_ex(req->json, "mtu", &mtu)) {
        int64_t m = json_object_is_type(mtu, json_type_int) ? json_object_get_int64(mtu) : 0;
        if (m < VIF_MIN_MTU || m > VIF_MAX_MTU)
            return fail(reply, len, "nic-attach: mtu must be a number (68 to 65521)");
        n.mtu = (unsigned)m;
    }
    int fd = take_fd(req->fds);
    if (fd < 0)
        return fail(reply, len, fd == -2 ? "nic-attach: send exactly one fd"
                                         : "nic-attach: no tap fd (send it with SCM_RIGHTS)");
    if (vif_attach(vm, fd, &n, err, sizeof(err)))
        return fail(reply, len, err);
    snprintf(reply, len, "{\"ok\":true}\n");
    return 0;
}

static int ctl_nic_detach(struct vm *vm, struct ctl_req *req, char *reply, size_t len)
{
    unsigned devid;
    int rc, fd;

    if (nic_devid(req->json, &devid))
        return fail(reply, len, "nic-detach: devid must be a number");
    fd = fcntl(req->client, F_DUPFD_CLOEXEC, 0);
    if (fd < 0)
        return fail(reply, len, strerror(errno));
    rc = vif_detach(vm, devid, fd);
    if (rc) {
        close(fd);
        return fail(reply, len, rc == -ENOENT ? "nic-detach: no such vif"
                                              : "nic-detach: already detaching");
    }
    reply[0] = '\0'; /* vif replies once the frontend closed */
    return 0;
}

static int ctl_nic_stats(struct vm *vm, struct ctl_req *req, char *reply, size_t len)
{
    char nics[3600];
    (void)req;
    vif_stats_json(vm, nics, sizeof(nics));
    snprintf(reply, len, "{\"ok\":true,\"nics\":%s}\n", nics);
    return 0;
}

/* Each vCPU's thread id (xend pins and measures them) and whether the
 * guest uses it (vcpu_state.c). */
static int ctl_vcpus(struct vm *vm, struct ctl_req *req, char *reply, size_t len)
{
    json_object *o = json_object_new_object(), *a = json_object_new_array();
    unsigned online = vm_vcpus_probe(vm, 100);
    (void)req;

    for (unsigned i = 0; i < vm->cfg.vcpus; i++) {
        const struct vcpu *v = &vm->vcpu[i];
        json_object *e = json_object_new_object();
        json_object_object_add(e, "id", json_object_new_int((int)i));
        json_object_object_add(e, "tid", json_object_new_int(__atomic_load_n(&v->tid, __ATOMIC_ACQUIRE)));
        json_object_object_add(e, "online", json_object_new_boolean(v->guest_online));
        json_object_object_add(e, "down", json_object_new_boolean(hv_vcpu_is_down(&vm->dom, i)));
        json_object_array_add(a, e);
    }
    json_object_object_add(o, "ok", json_object_new_boolean(1));
    json_object_object_add(o, "online", json_object_new_int((int)online));
    json_object_object_add(o, "vcpus", a);
    int n = snprintf(reply, len, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    return n < (int)len ? 0 : fail(reply, len, "vcpus: reply too long");
}

/* {"cmd":"mem-max","kib":N}: the most the guest may populate, up to the
 * maxmem its memory map holds (xm mem-max). */
static int ctl_mem_max(struct vm *vm, struct ctl_req *req, char *reply, size_t len)
{
    uint64_t limit = vm->cfg.maxmem_mib << 10;
    json_object *v;
    char msg[160];

    if (!json_object_object_get_ex(req->json, "kib", &v) || !json_object_is_type(v, json_type_int) ||
        json_object_get_int64(v) <= 0)
        return fail(reply, len, "mem-max: kib must be a positive number");
    int64_t kib = json_object_get_int64(v);
    if ((uint64_t)kib > limit) {
        snprintf(msg, sizeof(msg), "mem-max: %lld KiB is above the %llu KiB (maxmem) "
                 "the guest's memory map holds", (long long)kib, (unsigned long long)limit);
        return fail(reply, len, msg);
    }
    hv_set_max_pages(&vm->dom, (uint64_t)kib / 4);
    snprintf(reply, len, "{\"ok\":true,\"max_kib\":%llu}\n", (unsigned long long)kib / 4 * 4);
    return 0;
}

static const struct {
    const char *name;
    ctl_fn fn;
} commands[] = {
    { "mem-max", ctl_mem_max },
    { "info", ctl_info },
    { "pause", ctl_pause },
    { "unpause", ctl_unpause },
    { "destroy", ctl_destroy },
    { "disk-attach", ctl_disk_attach },
    { "disk-detach", ctl_disk_detach },
    { "disk-stats", ctl_disk_stats },
    { "nic-attach", ctl_nic_attach },
    { "nic-detach", ctl_nic_detach },
    { "nic-stats", ctl_nic_stats },
    { "vcpus", ctl_vcpus },
};

void control_handle(struct vm *vm, const char *line, int client,
                    struct ctl_fds *fds, char *reply, size_t len)
{
    json_object *req = json_tokener_parse(line), *cmd;
    const char *name;

    if (!req || !json_object_object_get_ex(req, "cmd", &cmd) ||
        !(name = json_object_get_string(cmd))) {
        snprintf(reply, len, "{\"ok\":false,\"error\":\"malformed request\"}\n");
        json_object_put(req);
        return;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(commands[i].name, name) == 0) {
            struct ctl_req r = { req, client, fds };
            commands[i].fn(vm, &r, reply, len);
            json_object_put(req);
            return;
        }
    snprintf(reply, len, "{\"ok\":false,\"error\":\"unknown command\"}\n");
    json_object_put(req);
}

void control_mark_start(void)
{
    start_time = time(NULL);
}
