/* libFuzzer target: hostile hypercalls against the pure Xen ABI core.
 * Input = a 64-byte header (paging mode, vCPU, hypercall number, six
 * arguments) followed by the bytes of guest memory (which also hold the
 * guest's page tables, argument structs and grant tables).  A second call
 * runs on the state the first one left, so sequences are explored too
 * (a decrease then a populate, say). */
#include "hv/hv.h"

#include <stdlib.h>
#include <string.h>

#define RAM (256u * 1024)

static uint8_t *ram;

static void f_upcall(void *o, unsigned v, uint8_t vec) { (void)o; (void)v; (void)vec; }
static int f_map(void *o, uint64_t gpa, void *h, uint64_t len)
{ (void)o; (void)gpa; (void)h; (void)len; return 0; }
static void f_shutdown(void *o, unsigned r) { (void)o; (void)r; }
static void f_console(void *o, const char *b, size_t n) { (void)o; (void)b; (void)n; }
static void f_backend(void *o, unsigned p) { (void)o; (void)p; }
static void f_poll(void *o, unsigned v, uint64_t t) { (void)o; (void)v; (void)t; }
static void f_discard(void *o, uint8_t *h, uint64_t len) { (void)o; memset(h, 0, len); }

static const struct hv_ops ops = {
    .upcall = f_upcall, .map_frame = f_map, .shutdown = f_shutdown,
    .console_write = f_console, .backend_notify = f_backend, .poll_wait = f_poll,
    .discard = f_discard,
};

struct hdr {
    uint8_t mode, vcpu, pad[6];
    uint64_t nr[1];
    uint64_t args[6];
} __attribute__((packed));

static void one_call(struct hv_domain *d, const struct hdr *h)
{
    static const uint64_t cr0[] = { 0x11, 0x80010011, 0x80000011, 0x80010011 };
    static const uint64_t cr4[] = { 0, 0x20, 0x10, 0x20 };
    static const uint64_t efer[] = { 0, 0, 0, 0x500 };
    unsigned m = h->mode & 3;
    struct hv_vcpu_state vs = {
        .id = h->vcpu % 3, /* 2 vCPUs: 2 is out of range on purpose */
        .long_mode = m == 3, .cr0 = cr0[m], .cr4 = cr4[m], .efer = efer[m],
        .cr3 = 0x1000,
    };
    hv_hypercall(d, &vs, h->nr[0] % 64, h->args);
    hv_upcall_watchdog(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct hv_domain *d;
    struct hdr h[2];

    if (size < sizeof(h))
        return 0;
    if (!ram)
        ram = aligned_alloc(4096, RAM);
    memcpy(h, data, sizeof(h));
    memset(ram, 0, RAM);
    memcpy(ram, data + sizeof(h), size - sizeof(h) < RAM ? size - sizeof(h) : RAM);
    d = calloc(1, sizeof(*d));
    if (!d || hv_domain_init(d, 7, 2, &ops, NULL)) {
        free(d);
        return 0;
    }
    hv_add_region(d, 0, RAM, ram, true);
    hv_balloon_init(d, ram, RAM / 4096, RAM / 4096 - 8); /* the reservation calls */
    one_call(d, &h[0]);
    one_call(d, &h[1]);
    hv_domain_destroy(d);
    free(d);
    return 0;
}
