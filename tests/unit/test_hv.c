/* Unit tests for the pure Xen ABI core against fake guest memory. */
#include "hv/hv_internal.h"
#include "check.h"

#include <stdlib.h>
#include <xen/event_channel.h>
#include <xen/grant_table.h>
#include <xen/hvm/hvm_op.h>
#include <xen/hvm/params.h>
#include <xen/memory.h>
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/version.h>
#include <xen/xen.h>

#define RAM_SIZE (16u << 20)

static uint8_t *ram;
static struct {
    int upcalls[4];
    uint8_t last_vector;
    int map_calls;
    uint64_t map_gpa;
    int shutdowns;
    unsigned reason;
    char console[256];
    size_t console_len;
    int backend_notes;
} fx;

static void f_upcall(void *o, unsigned v, uint8_t vec) { (void)o; fx.upcalls[v]++; fx.last_vector = vec; }
static int f_map(void *o, uint64_t gpa, void *h, uint64_t len)
{ (void)o; (void)h; (void)len; fx.map_calls++; fx.map_gpa = gpa; return 0; }
static void f_shutdown(void *o, unsigned r) { (void)o; fx.shutdowns++; fx.reason = r; }
static void f_console(void *o, const char *b, size_t n)
{
    (void)o;
    if (fx.console_len + n < sizeof(fx.console)) {
        memcpy(fx.console + fx.console_len, b, n);
        fx.console_len += n;
    }
}
static void f_backend(void *o, unsigned p) { (void)o; (void)p; fx.backend_notes++; }

static const struct hv_ops ops = {
    .upcall = f_upcall, .map_frame = f_map, .shutdown = f_shutdown,
    .console_write = f_console, .backend_notify = f_backend,
};

static struct hv_domain dom;
/* Flat (paging off) 64-bit caller: gva == gpa. */
static const struct hv_vcpu_state flat = { .id = 0, .long_mode = true };

static long call(const struct hv_vcpu_state *vs, uint64_t nr, uint64_t a0,
                 uint64_t a1, uint64_t a2)
{
    uint64_t a[6] = { a0, a1, a2, 0, 0, 0 };
    return hv_hypercall(&dom, vs, nr, a);
}

static void setup(void)
{
    memset(&fx, 0, sizeof(fx));
    memset(ram, 0, RAM_SIZE);
    CHECK_EQ(hv_domain_init(&dom, 5, 2, &ops, NULL), 0);
    CHECK_EQ(hv_add_region(&dom, 0, RAM_SIZE, ram, true), 0);
}

static void put64(uint64_t gpa, uint64_t v) { memcpy(ram + gpa, &v, 8); }
static void put32(uint64_t gpa, uint32_t v) { memcpy(ram + gpa, &v, 4); }

static void test_page_walk(void)
{
    struct hv_vcpu_state vs = { .long_mode = true, .cr0 = 0x80010001,
                                .cr4 = 0x20, .efer = 0x500, .cr3 = 0x10000 };
    uint64_t gpa;

    setup();
    /* 4-level: PML4[511] -> PDPT[510] -> PD[0] -> PT[1] = 0x345000 (4K),
     * PD[1] 2 MiB page at 0x600000.  0xffffffff80000000 = [511][510][0]. */
    put64(0x10000 + 511 * 8, 0x11000 | 3);
    put64(0x11000 + 510 * 8, 0x12000 | 3);
    put64(0x12000 + 0 * 8, 0x13000 | 3);
    put64(0x12000 + 1 * 8, 0x600000 | 0x83);
    put64(0x13000 + 1 * 8, 0x345000 | 1); /* read-only */
    CHECK_EQ(guest_translate(&dom, &vs, 0xffffffff80001abcull, false, &gpa), 0);
    CHECK_EQ(gpa, 0x345abc);
    CHECK_EQ(guest_translate(&dom, &vs, 0xffffffff80001abcull, true, &gpa), -XEN_EFAULT);
    CHECK_EQ(guest_translate(&dom, &vs, 0xffffffff80212345ull, false, &gpa), 0);
    CHECK_EQ(gpa, 0x612345);
    CHECK_EQ(guest_translate(&dom, &vs, 0xffffffff80002000ull, false, &gpa), -XEN_EFAULT);
    CHECK_EQ(guest_translate(&dom, &vs, 0x0000800000000000ull, false, &gpa), -XEN_EFAULT);
    /* A page-table pointer outside guest memory is a fault, not a crash. */
    put64(0x12000 + 2 * 8, 0x7fff00000000ull | 3);
    CHECK_EQ(guest_translate(&dom, &vs, 0xffffffff80400000ull, false, &gpa), -XEN_EFAULT);
    /* 1 GiB page at PDPT level: PDPT[0] of PML4[0]. */
    put64(0x10000, 0x14000 | 3);
    put64(0x14000, 0x0 | 0x83);
    CHECK_EQ(guest_translate(&dom, &vs, 0x123456, false, &gpa), 0);
    CHECK_EQ(gpa, 0x123456);

    /* 32-bit, no PAE: PSE 4 MiB page and a 4K page. */
    struct hv_vcpu_state v32 = { .cr0 = 0x80000001, .cr4 = 0x10, .cr3 = 0x20000 };
    put32(0x20000 + 1 * 4, 0x400000 | 0x83);
    put32(0x20000 + 2 * 4, 0x21000 | 3);
    put32(0x21000 + 3 * 4, 0x777000 | 3);
    CHECK_EQ(guest_translate(&dom, &v32, 0x401234, false, &gpa), 0);
    CHECK_EQ(gpa, 0x401234);
    CHECK_EQ(guest_translate(&dom, &v32, 0x803010, true, &gpa), 0);
    CHECK_EQ(gpa, 0x777010);
    /* Without CR4.PSE the PS bit is ignored: PDE 1 then points at a table. */
    v32.cr4 = 0;
    put32(0x400000 + 1 * 4, 0x888000 | 1);
    CHECK_EQ(guest_translate(&dom, &v32, 0x401234, false, &gpa), 0);
    CHECK_EQ(gpa, 0x888234);

    /* PAE: PDPT at cr3, 2 MiB page. */
    struct hv_vcpu_state pae = { .cr0 = 0x80000001, .cr4 = 0x20, .cr3 = 0x30020 };
    put64(0x30020 + 1 * 8, 0x31000 | 1);
    put64(0x31000 + 0 * 8, 0xa00000 | 0x83);
    CHECK_EQ(guest_translate(&dom, &pae, 0x40012345, false, &gpa), 0);
    CHECK_EQ(gpa, 0xa12345);
    hv_domain_destroy(&dom);
}

static void test_version_and_console(void)
{
    setup();
    CHECK_EQ(call(&flat, __HYPERVISOR_xen_version, XENVER_version, 0, 0), 0x40011);
    CHECK_EQ(call(&flat, __HYPERVISOR_xen_version, XENVER_extraversion, 0x1000, 0), 0);
    CHECK(ram[0x1000] == '.');
    xen_feature_info_t fi = { .submap_idx = 0 };
    memcpy(ram + 0x2000, &fi, sizeof(fi));
    CHECK_EQ(call(&flat, __HYPERVISOR_xen_version, XENVER_get_features, 0x2000, 0), 0);
    memcpy(&fi, ram + 0x2000, sizeof(fi));
    CHECK(fi.submap & (1u << XENFEAT_auto_translated_physmap));
    CHECK(!(fi.submap & (1u << XENFEAT_hvm_safe_pvclock)));
    fi.submap_idx = 7;
    memcpy(ram + 0x2000, &fi, sizeof(fi));
    CHECK_EQ(call(&flat, __HYPERVISOR_xen_version, XENVER_get_features, 0x2000, 0), -XEN_EINVAL);
    CHECK_EQ(call(&flat, __HYPERVISOR_xen_version, 999, 0, 0), -XEN_ENOSYS);
    /* Bad pointer: EFAULT, nothing written anywhere. */
    CHECK_EQ(call(&flat, __HYPERVISOR_xen_version, XENVER_extraversion, RAM_SIZE - 4, 0), -XEN_EFAULT);

    memcpy(ram + 0x3000, "hello", 5);
    CHECK_EQ(call(&flat, __HYPERVISOR_console_io, CONSOLEIO_write, 5, 0x3000), 0);
    CHECK_EQ(fx.console_len, 5);
    CHECK(memcmp(fx.console, "hello", 5) == 0);
    CHECK_EQ(call(&flat, __HYPERVISOR_console_io, CONSOLEIO_write, 1ull << 40, 0x3000), -XEN_EFAULT);
    CHECK_EQ(call(&flat, __HYPERVISOR_console_io, CONSOLEIO_write, 100, RAM_SIZE - 10), -XEN_EFAULT);
    CHECK_EQ(call(&flat, __HYPERVISOR_console_io, CONSOLEIO_read, 5, 0x3000), -XEN_EPERM);
    CHECK_EQ(call(&flat, 55, 0, 0, 0), -XEN_ENOSYS);
    CHECK_EQ(call(&flat, ~0ull, 0, 0, 0), -XEN_ENOSYS);
    struct hv_vcpu_state bad = flat;
    bad.id = 99;
    CHECK_EQ(call(&bad, __HYPERVISOR_xen_version, XENVER_version, 0, 0), -XEN_EINVAL);
    hv_domain_destroy(&dom);
}

static long map_shinfo(uint64_t gpfn)
{
    struct xen_add_to_physmap x = { .domid = DOMID_SELF, .space = XENMAPSPACE_shared_info,
                                    .idx = 0, .gpfn = gpfn };
    memcpy(ram + 0x4000, &x, sizeof(x));
    return call(&flat, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, 0x4000, 0);
}

static long evop(unsigned cmd, void *op, size_t len)
{
    long rc;
    memcpy(ram + 0x5000, op, len);
    rc = call(&flat, __HYPERVISOR_event_channel_op, cmd, 0x5000, 0);
    memcpy(op, ram + 0x5000, len);
    return rc;
}

/* shared_info placed outside RAM twice (a hostile guest; Linux maps it
 * once): the first page stays mapped into the guest at the first gpa (a
 * KVM slot and an hv region), so it must not be freed -- both gpas show
 * the one page we own. */
static void test_shinfo_moved_outside_ram(void)
{
    const uint64_t g1 = (RAM_SIZE >> 12) + 16, g2 = g1 + 1;

    setup();
    CHECK_EQ(map_shinfo(g1), 0);
    uint8_t *p1 = hv_gpa_ptr(&dom, g1 << 12, 4096);
    CHECK(p1 != NULL && dom.shared_info == p1);
    CHECK_EQ(map_shinfo(g2), 0);
    uint8_t *p2 = hv_gpa_ptr(&dom, g2 << 12, 4096);
    CHECK(p2 != NULL && dom.shared_info == p2);
    CHECK(p1 == p2);                 /* the old mapping is not a freed page */
    if (p1)
        p1[100] = 1;                 /* ASan: no use after free */
    hv_domain_destroy(&dom);
}

static void test_evtchn(void)
{
    struct shared_info *s;

    setup();
    CHECK_EQ(map_shinfo(0x9), 0);
    s = (struct shared_info *)(ram + 0x9000);
    CHECK(dom.shared_info == (uint8_t *)s);

    struct xen_hvm_evtchn_upcall_vector uv = { .vcpu = 1, .vector = 0xf3 };
    memcpy(ram + 0x6000, &uv, sizeof(uv));
    CHECK_EQ(call(&flat, __HYPERVISOR_hvm_op, HVMOP_set_evtchn_upcall_vector, 0x6000, 0), 0);
    uv.vector = 5;
    memcpy(ram + 0x6000, &uv, sizeof(uv));
    CHECK_EQ(call(&flat, __HYPERVISOR_hvm_op, HVMOP_set_evtchn_upcall_vector, 0x6000, 0), -XEN_EINVAL);
    uv.vector = 0xf3; uv.vcpu = 7;
    memcpy(ram + 0x6000, &uv, sizeof(uv));
    CHECK_EQ(call(&flat, __HYPERVISOR_hvm_op, HVMOP_set_evtchn_upcall_vector, 0x6000, 0), -XEN_ENOENT);

    struct evtchn_bind_ipi ipi = { .vcpu = 1 };
    CHECK_EQ(evop(EVTCHNOP_bind_ipi, &ipi, sizeof(ipi)), 0);
    CHECK_EQ(ipi.port, 1);
    struct evtchn_send snd = { .port = ipi.port };
    CHECK_EQ(evop(EVTCHNOP_send, &snd, sizeof(snd)), 0);
    CHECK(s->evtchn_pending[0] & 2);
    CHECK_EQ(s->vcpu_info[1].evtchn_upcall_pending, 1);
    CHECK(s->vcpu_info[1].evtchn_pending_sel & 1);
    CHECK_EQ(fx.upcalls[1], 1);
    CHECK_EQ(fx.last_vector, 0xf3);
    /* Already pending: no second upcall. */
    CHECK_EQ(evop(EVTCHNOP_send, &snd, sizeof(snd)), 0);
    CHECK_EQ(fx.upcalls[1], 1);

    /* Masked port: pending set, no upcall; unmask re-delivers. */
    s->evtchn_pending[0] = 0;
    s->vcpu_info[1].evtchn_upcall_pending = 0;
    s->vcpu_info[1].evtchn_pending_sel = 0;
    s->evtchn_mask[0] = 2;
    CHECK_EQ(evop(EVTCHNOP_send, &snd, sizeof(snd)), 0);
    CHECK_EQ(fx.upcalls[1], 1);
    struct evtchn_unmask um = { .port = ipi.port };
    CHECK_EQ(evop(EVTCHNOP_unmask, &um, sizeof(um)), 0);
    CHECK_EQ(fx.upcalls[1], 2);
    CHECK_EQ(s->evtchn_mask[0], 0);

    /* Loopback interdomain pair. */
    struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
    CHECK_EQ(evop(EVTCHNOP_alloc_unbound, &au, sizeof(au)), 0);
    struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF, .remote_port = au.port };
    CHECK_EQ(evop(EVTCHNOP_bind_interdomain, &bi, sizeof(bi)), 0);
    CHECK(bi.local_port != au.port);
    snd.port = bi.local_port;
    CHECK_EQ(evop(EVTCHNOP_send, &snd, sizeof(snd)), 0);
    CHECK(hv_evtchn_is_pending(&dom, au.port));
    struct evtchn_status st = { .dom = DOMID_SELF, .port = au.port };
    CHECK_EQ(evop(EVTCHNOP_status, &st, sizeof(st)), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_interdomain);
    CHECK_EQ(st.u.interdomain.port, bi.local_port);
    struct evtchn_close cl = { .port = bi.local_port };
    CHECK_EQ(evop(EVTCHNOP_close, &cl, sizeof(cl)), 0);
    st.port = au.port;
    CHECK_EQ(evop(EVTCHNOP_status, &st, sizeof(st)), 0);
    CHECK_EQ(st.status, EVTCHNSTAT_unbound);

    /* Backend port: guest allocates for dom0, backend binds, send notifies. */
    struct evtchn_alloc_unbound be = { .dom = DOMID_SELF, .remote_dom = 0 };
    CHECK_EQ(evop(EVTCHNOP_alloc_unbound, &be, sizeof(be)), 0);
    CHECK_EQ(hv_evtchn_bind_backend(&dom, be.port), 0);
    CHECK_EQ(hv_evtchn_bind_backend(&dom, be.port), -XEN_EINVAL);
    snd.port = be.port;
    CHECK_EQ(evop(EVTCHNOP_send, &snd, sizeof(snd)), 0);
    CHECK_EQ(fx.backend_notes, 1);

    /* VIRQ: double bind is EEXIST, bad virq/vcpu rejected. */
    struct evtchn_bind_virq bv = { .virq = VIRQ_DEBUG, .vcpu = 0 };
    CHECK_EQ(evop(EVTCHNOP_bind_virq, &bv, sizeof(bv)), 0);
    CHECK_EQ(evop(EVTCHNOP_bind_virq, &bv, sizeof(bv)), -XEN_EEXIST);
    bv.virq = 1000;
    CHECK_EQ(evop(EVTCHNOP_bind_virq, &bv, sizeof(bv)), -XEN_EINVAL);
    bv.virq = VIRQ_TIMER; bv.vcpu = 9;
    CHECK_EQ(evop(EVTCHNOP_bind_virq, &bv, sizeof(bv)), -XEN_ENOENT);

    /* Hostile ports and sub-ops. */
    snd.port = 4096;
    CHECK_EQ(evop(EVTCHNOP_send, &snd, sizeof(snd)), -XEN_EINVAL);
    snd.port = 4000; /* free */
    CHECK_EQ(evop(EVTCHNOP_send, &snd, sizeof(snd)), -XEN_EINVAL);
    cl.port = 0xffffffff;
    CHECK_EQ(evop(EVTCHNOP_close, &cl, sizeof(cl)), -XEN_EINVAL);
    cl.port = 0;
    CHECK_EQ(evop(EVTCHNOP_close, &cl, sizeof(cl)), -XEN_EINVAL);
    CHECK_EQ(call(&flat, __HYPERVISOR_event_channel_op, EVTCHNOP_init_control, 0x5000, 0), -XEN_ENOSYS);
    CHECK_EQ(call(&flat, __HYPERVISOR_event_channel_op, 77, 0x5000, 0), -XEN_ENOSYS);
    CHECK_EQ(call(&flat, __HYPERVISOR_event_channel_op, EVTCHNOP_send, RAM_SIZE + 5, 0), -XEN_EFAULT);

    /* Exhaust the port space: ENOSPC, then everything still works. */
    ipi.vcpu = 0;
    long rc;
    int n = 0;
    while ((rc = evop(EVTCHNOP_bind_ipi, &ipi, sizeof(ipi))) == 0)
        n++;
    CHECK_EQ(rc, -XEN_ENOSPC);
    CHECK(n > 4000);
    hv_domain_destroy(&dom);
}

static void test_vcpu_info(void)
{
    struct vcpu_register_vcpu_info r = { .mfn = 0xa, .offset = 64 };

    setup();
    CHECK_EQ(map_shinfo(0x9), 0);
    memcpy(ram + 0x7000, &r, sizeof(r));
    CHECK_EQ(call(&flat, __HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 1, 0x7000), 0);
    CHECK(hv_vcpu_info(&dom, 1) == ram + 0xa040);
    CHECK_EQ(ram[0xa040], 1); /* marked pending */
    /* No vector yet: no upcall; setting the vector must deliver it, or the
     * flag stays set and every later event is lost (found booting Linux). */
    int before = fx.upcalls[1];
    struct xen_hvm_evtchn_upcall_vector uv = { .vcpu = 1, .vector = 0xf3 };
    memcpy(ram + 0x6000, &uv, sizeof(uv));
    CHECK_EQ(call(&flat, __HYPERVISOR_hvm_op, HVMOP_set_evtchn_upcall_vector, 0x6000, 0), 0);
    CHECK_EQ(fx.upcalls[1], before + 1);
    /* Still not taken after two watchdog ticks: injected again. */
    CHECK_EQ(hv_upcall_watchdog(&dom), 0);
    CHECK_EQ(hv_upcall_watchdog(&dom), 1);
    CHECK_EQ(fx.upcalls[1], before + 2);
    ram[0xa040] = 0; /* the guest took it */
    CHECK_EQ(hv_upcall_watchdog(&dom), 0);
    CHECK_EQ(call(&flat, __HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 1, 0x7000), -XEN_EINVAL);
    r.offset = 4096 - 63;
    memcpy(ram + 0x7000, &r, sizeof(r));
    CHECK_EQ(call(&flat, __HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, 0x7000), -XEN_EINVAL);
    r.offset = 0; r.mfn = 1ull << 40;
    memcpy(ram + 0x7000, &r, sizeof(r));
    CHECK_EQ(call(&flat, __HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, 0x7000), -XEN_EINVAL);
    CHECK_EQ(call(&flat, __HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 2, 0x7000), -XEN_ENOENT);
    CHECK_EQ(call(&flat, __HYPERVISOR_vcpu_op, VCPUOP_is_up, 1, 0), 1);
    CHECK_EQ(call(&flat, __HYPERVISOR_vcpu_op, 99, 0, 0), -XEN_ENOSYS);
    hv_domain_destroy(&dom);
}

/* VCPUOP_down/up/is_up as Xen's VPF_down; a vCPU that does not exist is
 * -ENOENT; the last vCPU up can not go down. */
static void test_vcpu_updown(void)
{
    setup();
    CHECK_EQ(call(&flat, __HYPERVISOR_vcpu_op, VCPUOP_is_up, 0, 0), 1);
    CHECK_EQ(call(&flat, __HYPERVISOR_vcpu_op, VCPUOP_down, 1, 0), 0);
    CHECK_EQ(call(&flat, __HYPERVISOR_vcpu_op, VCPUOP_is_up, 1, 0), 0);
    CHECK(hv_vcpu_is_down(&dom, 1));
    CHECK_EQ(call(&flat, __HYPERVISOR_vcpu_op, VCPUOP_down, 0, 0), -XEN_EINVAL);
    CHECK_EQ(call(&flat, __HYPERVISOR_vcpu_op, VCPUOP_is_up, 0, 0), 1);
    CHECK_EQ(call(&flat, __HYPERVISOR_vcpu_op, VCPUOP_up, 1, 0), 0);
    CHECK_EQ(call(&flat, __HYPERVISOR_vcpu_op, VCPUOP_is_up, 1, 0), 1);
    CHECK(!hv_vcpu_is_down(&dom, 1));
    CHECK_EQ(call(&flat, __HYPERVISOR_vcpu_op, VCPUOP_up, 2, 0), -XEN_ENOENT);
    CHECK_EQ(call(&flat, __HYPERVISOR_vcpu_op, VCPUOP_down, ~0ull, 0), -XEN_ENOENT);
    CHECK_EQ(call(&flat, __HYPERVISOR_vcpu_op, VCPUOP_is_up, 1ull << 32, 0), -XEN_ENOENT);
    CHECK(!hv_vcpu_is_down(&dom, 5));
    hv_domain_destroy(&dom);
}

static long gtop(unsigned cmd, void *op, size_t len, uint64_t count)
{
    long rc;
    memcpy(ram + 0x5000, op, len);
    rc = call(&flat, __HYPERVISOR_grant_table_op, cmd, 0x5000, count);
    memcpy(op, ram + 0x5000, len);
    return rc;
}

static void test_gnttab(void)
{
    struct gnttab_query_size q = { .dom = DOMID_SELF };
    uint64_t gpa;

    setup();
    CHECK_EQ(gtop(GNTTABOP_query_size, &q, sizeof(q), 1), 0);
    CHECK_EQ(q.status, GNTST_okay);
    CHECK_EQ(q.max_nr_frames, HV_GNTTAB_MAX_FRAMES);
    CHECK_EQ(gtop(GNTTABOP_query_size, &q, sizeof(q), 2), -XEN_EINVAL);
    struct gnttab_set_version sv = { .version = 2 };
    CHECK_EQ(gtop(GNTTABOP_set_version, &sv, sizeof(sv), 1), -XEN_ENOSYS);
    sv.version = 3;
    CHECK_EQ(gtop(GNTTABOP_set_version, &sv, sizeof(sv), 1), -XEN_EINVAL);
    sv.version = 1;
    CHECK_EQ(gtop(GNTTABOP_set_version, &sv, sizeof(sv), 1), 0);

    /* Frame 0 outside RAM: mapped through map_frame and readable there. */
    struct xen_add_to_physmap x = { .domid = DOMID_SELF, .space = XENMAPSPACE_grant_table,
                                    .idx = 0, .gpfn = 0x20000 };
    memcpy(ram + 0x4000, &x, sizeof(x));
    CHECK_EQ(call(&flat, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, 0x4000, 0), 0);
    CHECK_EQ(fx.map_calls, 1);
    CHECK_EQ(fx.map_gpa, 0x20000000ull);
    grant_entry_v1_t *tab = hv_gpa_ptr(&dom, 0x20000000ull, 4096);
    CHECK(tab != NULL);
    x.idx = HV_GNTTAB_MAX_FRAMES;
    memcpy(ram + 0x4000, &x, sizeof(x));
    CHECK_EQ(call(&flat, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, 0x4000, 0), -XEN_EINVAL);
    x.idx = 1; x.gpfn = 0x300; /* inside RAM: adopted in place */
    memcpy(ram + 0x4000, &x, sizeof(x));
    CHECK_EQ(call(&flat, __HYPERVISOR_memory_op, XENMEM_add_to_physmap, 0x4000, 0), 0);
    CHECK(dom.gnttab_frame[1] == ram + 0x300000);

    /* Grant checks for a backend. */
    if (tab) {
        tab[8] = (grant_entry_v1_t){ .flags = GTF_permit_access, .domid = 0, .frame = 0x123 };
        tab[9] = (grant_entry_v1_t){ .flags = GTF_permit_access | GTF_readonly, .domid = 0, .frame = 0x124 };
        tab[10] = (grant_entry_v1_t){ .flags = GTF_permit_access, .domid = 3, .frame = 0x125 };
        tab[11] = (grant_entry_v1_t){ .flags = GTF_permit_access, .domid = 0, .frame = 0xfffff };
    }
    CHECK_EQ(hv_gnttab_check(&dom, 8, 0, false, &gpa), 0);
    CHECK_EQ(gpa, 0x123000);
    CHECK_EQ(hv_gnttab_check(&dom, 9, 0, false, &gpa), -XEN_EPERM);
    CHECK_EQ(hv_gnttab_check(&dom, 9, 0, true, &gpa), 0);
    CHECK_EQ(hv_gnttab_check(&dom, 10, 0, true, &gpa), -XEN_EPERM);
    CHECK_EQ(hv_gnttab_check(&dom, 11, 0, true, &gpa), -XEN_EFAULT);
    CHECK_EQ(hv_gnttab_check(&dom, 3, 0, true, &gpa), -XEN_EINVAL);
    CHECK_EQ(hv_gnttab_check(&dom, 512 * 60, 0, true, &gpa), -XEN_EINVAL);

    /* setup_table returns where frames are. */
    uint64_t *list = (uint64_t *)(ram + 0x8000);
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 2 };
    st.frame_list.p = (xen_pfn_t *)(uintptr_t)0x8000;
    CHECK_EQ(gtop(GNTTABOP_setup_table, &st, sizeof(st), 1), 0);
    CHECK_EQ(st.status, GNTST_okay);
    CHECK_EQ(list[0], 0x20000);
    CHECK_EQ(list[1], 0x300);
    st.nr_frames = 1000;
    CHECK_EQ(gtop(GNTTABOP_setup_table, &st, sizeof(st), 1), 0);
    CHECK_EQ(st.status, GNTST_general_error);
    CHECK_EQ(gtop(GNTTABOP_map_grant_ref, &st, sizeof(st), 1), -XEN_ENOSYS);
    hv_domain_destroy(&dom);
}

static void test_sched_params_memory(void)
{
    struct sched_shutdown sd = { .reason = SHUTDOWN_crash };

    setup();
    memcpy(ram + 0x4000, &sd, sizeof(sd));
    CHECK_EQ(call(&flat, __HYPERVISOR_sched_op, SCHEDOP_shutdown, 0x4000, 0), 0);
    CHECK_EQ(fx.shutdowns, 1);
    CHECK_EQ(fx.reason, SHUTDOWN_crash);
    sd.reason = 77;
    memcpy(ram + 0x4000, &sd, sizeof(sd));
    CHECK_EQ(call(&flat, __HYPERVISOR_sched_op, SCHEDOP_shutdown, 0x4000, 0), -XEN_EINVAL);
    CHECK_EQ(fx.shutdowns, 1);
    CHECK_EQ(call(&flat, __HYPERVISOR_sched_op, SCHEDOP_yield, 0, 0), 0);
    struct sched_poll sp = { .nr_ports = 100000 };
    memcpy(ram + 0x4000, &sp, sizeof(sp));
    CHECK_EQ(call(&flat, __HYPERVISOR_sched_op, SCHEDOP_poll, 0x4000, 0), -XEN_EINVAL);
    sp.nr_ports = 1;
    sp.ports.p = (evtchn_port_t *)(uintptr_t)0x4100;
    put32(0x4100, 99999);
    memcpy(ram + 0x4000, &sp, sizeof(sp));
    CHECK_EQ(call(&flat, __HYPERVISOR_sched_op, SCHEDOP_poll, 0x4000, 0), -XEN_EINVAL);
    CHECK_EQ(call(&flat, __HYPERVISOR_sched_op, 42, 0x4000, 0), -XEN_ENOSYS);

    hv_set_param(&dom, HVM_PARAM_STORE_PFN, 0xfeff9);
    struct xen_hvm_param p = { .domid = DOMID_SELF, .index = HVM_PARAM_STORE_PFN };
    memcpy(ram + 0x4000, &p, sizeof(p));
    CHECK_EQ(call(&flat, __HYPERVISOR_hvm_op, HVMOP_get_param, 0x4000, 0), 0);
    memcpy(&p, ram + 0x4000, sizeof(p));
    CHECK_EQ(p.value, 0xfeff9);
    CHECK_EQ(call(&flat, __HYPERVISOR_hvm_op, HVMOP_set_param, 0x4000, 0), -XEN_EPERM);
    p.index = 5000;
    memcpy(ram + 0x4000, &p, sizeof(p));
    CHECK_EQ(call(&flat, __HYPERVISOR_hvm_op, HVMOP_get_param, 0x4000, 0), -XEN_EINVAL);
    p.index = HVM_PARAM_CALLBACK_IRQ; p.value = 1;
    memcpy(ram + 0x4000, &p, sizeof(p));
    CHECK_EQ(call(&flat, __HYPERVISOR_hvm_op, HVMOP_set_param, 0x4000, 0), 0);
    CHECK_EQ(call(&flat, __HYPERVISOR_hvm_op, HVMOP_pagetable_dying, 0x4000, 0), -XEN_ENOSYS);

    struct hv_memmap_entry mm[2] = { { 0, 0x9fc00, 1 }, { 0x100000, 0xf00000, 1 } };
    hv_set_memmap(&dom, mm, 2);
    struct xen_memory_map m = { .nr_entries = 8 };
    m.buffer.p = (void *)(uintptr_t)0x4200;
    memcpy(ram + 0x4000, &m, sizeof(m));
    CHECK_EQ(call(&flat, __HYPERVISOR_memory_op, XENMEM_memory_map, 0x4000, 0), 0);
    memcpy(&m, ram + 0x4000, sizeof(m));
    CHECK_EQ(m.nr_entries, 2);
    uint64_t a1;
    memcpy(&a1, ram + 0x4200 + 20, 8);
    CHECK_EQ(a1, 0x100000);
    m.nr_entries = 1;
    memcpy(ram + 0x4000, &m, sizeof(m));
    CHECK_EQ(call(&flat, __HYPERVISOR_memory_op, XENMEM_memory_map, 0x4000, 0), -XEN_EINVAL);
    dom.ram_pages = 4096;
    uint16_t self = DOMID_SELF;
    memcpy(ram + 0x4000, &self, 2);
    CHECK_EQ(call(&flat, __HYPERVISOR_memory_op, XENMEM_current_reservation, 0x4000, 0), 4096);
    self = 9;
    memcpy(ram + 0x4000, &self, 2);
    CHECK_EQ(call(&flat, __HYPERVISOR_memory_op, XENMEM_current_reservation, 0x4000, 0), -XEN_ESRCH);
    CHECK_EQ(call(&flat, __HYPERVISOR_memory_op, 63, 0x4000, 0), -XEN_ENOSYS);
    hv_domain_destroy(&dom);
}

/* An overlay added over a RAM page after lookups found RAM there wins from
 * then on (a lookup cache must not hide it), the rest of RAM still
 * answers, and a range that runs past the overlay's end is refused. */
static void test_region_overlay_later(void)
{
    static uint8_t frame[4096];

    setup();
    CHECK(hv_ram_ptr(&dom, 0x5000, 4096) == ram + 0x5000);
    CHECK(hv_gpa_ptr(&dom, 0x5000, 4096) == ram + 0x5000);
    CHECK_EQ(hv_add_region(&dom, 0x5000, 4096, frame, false), 0);
    CHECK(hv_gpa_ptr(&dom, 0x5000, 4096) == frame);
    CHECK(hv_ram_ptr(&dom, 0x5000, 4096) == NULL);            /* not RAM any more */
    CHECK(hv_ram_ptr(&dom, 0x5ff0, 16) == NULL);
    CHECK(hv_gpa_ptr(&dom, 0x5ff0, 32) == NULL);             /* past the overlay */
    CHECK(hv_ram_ptr(&dom, 0x6000, 4096) == ram + 0x6000);   /* the rest is RAM */
    CHECK(hv_ram_ptr(&dom, 0x4000, 4096) == ram + 0x4000);
    CHECK(hv_gpa_ptr(&dom, 0x5000, 4096) == frame);          /* after RAM hits again */
    CHECK(hv_ram_ptr(&dom, RAM_SIZE - 4096, 8192) == NULL);  /* past RAM's end */
}

int main(void)
{
    ram = aligned_alloc(4096, RAM_SIZE);
    test_page_walk();
    test_version_and_console();
    test_evtchn();
    test_shinfo_moved_outside_ram();
    test_vcpu_info();
    test_vcpu_updown();
    test_gnttab();
    test_sched_params_memory();
    test_region_overlay_later();
    free(ram);
    return check_done("test_hv");
}
