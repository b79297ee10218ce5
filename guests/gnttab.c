/* gnttab: grant table v1 as a PVH Linux uses it (ABI notes §8):
 * query_size, set/get_version, frames mapped with XENMEM_add_to_physmap
 * (XENMAPSPACE_grant_table) at gpfns above the end of RAM, readable and
 * writable there, moved by a second mapping; and setup_table. */
#include "events.h"

#include <xen/grant_table.h>

const char guest_name[] = GUEST_NAME;

static uint8_t granted_page[4096] __attribute__((aligned(4096), section(".bss.page_aligned")));

static long map_grant_frame(unsigned long idx, uint64_t gpfn)
{
	struct xen_add_to_physmap xatp = {
		.domid = DOMID_SELF, .space = XENMAPSPACE_grant_table, .idx = idx, .gpfn = gpfn,
	};

	return memory_op(XENMEM_add_to_physmap, gva(&xatp));
}

static uint32_t check_query_size(void)
{
	struct gnttab_query_size q = { .dom = DOMID_SELF };
	long rc = grant_table_op(GNTTABOP_query_size, gva(&q), 1);

	check(rc == 0 && q.status == GNTST_okay && q.max_nr_frames >= 1 &&
	      q.nr_frames <= q.max_nr_frames, "query_size",
	      "rc %ld status %d nr_frames %u max_nr_frames %u", rc, q.status, q.nr_frames,
	      q.max_nr_frames);
	print("grant table: %u of at most %u frames\n", q.nr_frames, q.max_nr_frames);
	/* Xen: every op but copy/map/unmap takes exactly one argument. */
	check_rc("query_size_count_2", grant_table_op(GNTTABOP_query_size, gva(&q), 2),
	         -XEN_EINVAL);
	return rc == 0 && q.status == GNTST_okay ? q.max_nr_frames : 0;
}

static long get_version(void)
{
	struct gnttab_get_version g = { .dom = DOMID_SELF };
	long rc = grant_table_op(GNTTABOP_get_version, gva(&g), 1);

	return rc ? rc : (long)g.version;
}

static long set_version(uint32_t v)
{
	struct gnttab_set_version s = { .version = v };

	return grant_table_op(GNTTABOP_set_version, gva(&s), 1);
}

static void check_versions(void)
{
	check_rc("get_version_initial", get_version(), 1);
	check_rc("set_version_1", set_version(1), 0);
	/* v2 is optional: Xen returns -ENOSYS when limited to v1. */
	long rc = set_version(2);
	if (rc == 0) {
		check_rc("get_version_2", get_version(), 2);
		check_rc("set_version_back_to_1", set_version(1), 0);
	} else {
		check_rc("set_version_2_refused", rc, -XEN_ENOSYS);
	}
	check_rc("set_version_3", set_version(3), -XEN_EINVAL);
	check_rc("get_version_1", get_version(), 1);
}

static int frame_is_zero(const volatile uint8_t *f)
{
	for (int i = 0; i < 4096; i++)
		if (f[i])
			return 0;
	return 1;
}

static void check_frames(uint32_t max_frames)
{
	uint64_t end = ram_end();
	uint64_t gpfn0 = (end >> 12) + 0x100, gpfn1 = gpfn0 + 1, gpfn2 = gpfn0 + 0x10;

	if ((gpfn2 + 1) << 12 > XENO_LOW_RAM_MAX) {
		fail("grant_frames", "RAM ends at %lx: run with less memory",
		     (unsigned long)end);
		return;
	}
	check(!is_ram(gpfn0 << 12, 0x11000), "grant_gpfns_outside_ram",
	      "chosen gpfn %lx is RAM", (unsigned long)gpfn0);

	check_rc("map_frame0_above_ram", map_grant_frame(0, gpfn0), 0);
	volatile uint8_t *f0 = (volatile uint8_t *)(uintptr_t)(gpfn0 << 12);
	check(frame_is_zero(f0), "frame0_zeroed", "fresh grant frame has content");

	/* A grant entry as a frontend writes it; read it back. */
	volatile struct grant_entry_v1 *e = (volatile struct grant_entry_v1 *)f0;
	e[8].domid = 0;
	e[8].frame = (uint32_t)(gpa(granted_page) >> 12);
	__atomic_store_n(&e[8].flags, GTF_permit_access, __ATOMIC_RELEASE);
	e[511].frame = 0xfeedf00d;
	check(e[8].flags == GTF_permit_access && e[511].frame == 0xfeedf00d,
	      "frame0_read_write", "wrote grant entries, read flags %x frame %x", e[8].flags,
	      e[511].frame);

	if (max_frames >= 2) {
		check_rc("map_frame1", map_grant_frame(1, gpfn1), 0);
		volatile uint32_t *f1 = (volatile uint32_t *)(uintptr_t)(gpfn1 << 12);
		f1[0] = 0x11111111;
		check(e[0].flags == 0 && e[0].domid == 0 && f1[0] == 0x11111111,
		      "frames_distinct", "frame 1 aliases frame 0");
	}

	/* Mapping frame 0 again moves it, contents and all. */
	check_rc("remap_frame0", map_grant_frame(0, gpfn2), 0);
	volatile struct grant_entry_v1 *e2 =
		(volatile struct grant_entry_v1 *)(uintptr_t)(gpfn2 << 12);
	check(e2[8].flags == GTF_permit_access && e2[511].frame == 0xfeedf00d,
	      "remap_keeps_contents", "entry 8 flags %x, entry 511 frame %x", e2[8].flags,
	      e2[511].frame);

	check_rc("map_frame_beyond_max", map_grant_frame(max_frames, gpfn0 + 0x20),
	         -XEN_EINVAL);

	/* setup_table: for a translated guest Xen reports the gpfn where each
	 * frame is mapped now. */
	static uint64_t frames[1024];  /* room for a VMM that over-writes */
	struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1 };
	set_xen_guest_handle(st.frame_list, (xen_pfn_t *)gva(frames));
	long rc = grant_table_op(GNTTABOP_setup_table, gva(&st), 1);
	check(rc == 0 && st.status == GNTST_okay, "setup_table", "rc %ld status %d", rc,
	      st.status);
	if (rc == 0 && st.status == GNTST_okay)
		check(frames[0] == gpfn2, "setup_table_frame", "frame_list[0] = %lx, mapped at %lx",
		      (unsigned long)frames[0], (unsigned long)gpfn2);
	st.nr_frames = max_frames < 1023 ? max_frames + 1 : 1023;
	rc = grant_table_op(GNTTABOP_setup_table, gva(&st), 1);
	check(rc == 0 && st.status == GNTST_general_error, "setup_table_too_many",
	      "rc %ld status %d, expected 0 / GNTST_general_error", rc, st.status);
}

void test_main(void)
{
	uint32_t max_frames = check_query_size();

	check_versions();
	if (max_frames)
		check_frames(max_frames);
}
