/* Control requests from xend, one table of commands. */
#include "vmm/control.h"
#include "vmm/vm.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "xeno/vmm_control.h"

static time_t start_time;

typedef int (*ctl_fn)(struct vm *vm, json_object *req, char *reply, size_t len);

static void set_paused(struct vm *vm, bool paused)
{
    pthread_mutex_lock(&vm->state_lock);
    vm->paused = paused;
    pthread_cond_broadcast(&vm->state_cond);
    pthread_mutex_unlock(&vm->state_lock);
    if (paused)
        vm_kick_all(vm);
}

static int ctl_info(struct vm *vm, json_object *req, char *reply, size_t len)
{
    (void)req;
    pthread_mutex_lock(&vm->state_lock);
    bool paused = vm->paused;
    pthread_mutex_unlock(&vm->state_lock);
    struct timespec cpu;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
    snprintf(reply, len,
             "{\"ok\":true,\"name\":\"%s\",\"domid\":%u,\"pid\":%d,"
             "\"memory_mib\":%llu,\"vcpus\":%u,\"state\":\"%s\","
             "\"cpu_time_ns\":%llu,\"start_time\":%lld}\n",
             vm->cfg.name ? vm->cfg.name : "", vm->cfg.domid, (int)getpid(),
             (unsigned long long)vm->cfg.memory_mib, vm->cfg.vcpus,
             paused ? "paused" : "running",
             (unsigned long long)cpu.tv_sec * 1000000000ull + (unsigned long long)cpu.tv_nsec,
             (long long)start_time);
    return 0;
}

static int ctl_pause(struct vm *vm, json_object *req, char *reply, size_t len)
{
    (void)req;
    set_paused(vm, true);
    snprintf(reply, len, "{\"ok\":true}\n");
    return 0;
}

static int ctl_unpause(struct vm *vm, json_object *req, char *reply, size_t len)
{
    (void)req;
    set_paused(vm, false);
    snprintf(reply, len, "{\"ok\":true}\n");
    return 0;
}

static int ctl_destroy(struct vm *vm, json_object *req, char *reply, size_t len)
{
    (void)req;
    snprintf(reply, len, "{\"ok\":true}\n");
    vm_request_stop(vm, XENO_EXIT_DESTROYED);
    return 0;
}

static const struct {
    const char *name;
    ctl_fn fn;
} commands[] = {
    { "info", ctl_info },
    { "pause", ctl_pause },
    { "unpause", ctl_unpause },
    { "destroy", ctl_destroy },
};

void control_handle(struct vm *vm, const char *line, char *reply, size_t len)
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
            commands[i].fn(vm, req, reply, len);
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
