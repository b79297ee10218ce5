/* C entry of every guest: boot information, Xen detection, hypercall
 * page, then the guest's test_main(). */
#include "guest.h"

struct hvm_start_info *start_info;

/* A guest may look at the machine before the hypercall page exists. */
__attribute__((weak)) void guest_early(void)
{
}

/* Where a started AP goes (64-bit guests); guests with SMP tests override. */
__attribute__((weak)) void ap_main(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

void guest_start(uint32_t start_info_paddr)
{
	static const char hello[] = "xeno-test: guest started\n";

	uart_write(hello, sizeof(hello) - 1);
	start_info = (struct hvm_start_info *)(uintptr_t)start_info_paddr;
#ifdef __x86_64__
	traps_init();
#endif
	if (xen_detect() < 0) {
		print("FAIL xen_detect: no XenVMMXenVMM CPUID leaf in 0x40000000-0x4000ff00\n");
		shutdown(SHUTDOWN_crash);  /* cannot hypercall: ends in a triple fault */
	}
	guest_early();
	xen_setup_hypercall_page();
	print("xeno-test %s (%s): start_info at %p, Xen CPUID base %x\n", guest_name,
	      sizeof(void *) == 8 ? "64-bit" : "32-bit", (void *)start_info,
	      xen_cpuid_base);
	if (start_info->magic != XEN_HVM_START_MAGIC_VALUE) {
		fail("start_info_magic", "got %x", start_info->magic);
		finish();
	}
	test_main();
	finish();
}

const char *cmdline(void)
{
	if (!start_info->cmdline_paddr)
		return "";
	return (const char *)(uintptr_t)start_info->cmdline_paddr;
}

int cmdline_get(const char *key, char *buf, size_t size)
{
	size_t klen = strlen(key);

	for (const char *p = cmdline(); *p;) {
		while (*p == ' ')
			p++;
		const char *end = p;
		while (*end && *end != ' ')
			end++;
		if ((size_t)(end - p) > klen && !strncmp(p, key, klen) && p[klen] == '=') {
			size_t n = (size_t)(end - p) - klen - 1;
			if (n >= size)
				n = size - 1;
			memcpy(buf, p + klen + 1, n);
			buf[n] = '\0';
			return 0;
		}
		p = end;
	}
	return -1;
}

unsigned long cmdline_ulong(const char *key, unsigned long dflt)
{
	char buf[32];
	unsigned long v = 0;

	if (cmdline_get(key, buf, sizeof(buf)) < 0 || !buf[0])
		return dflt;
	for (const char *p = buf; *p; p++) {
		if (*p < '0' || *p > '9')
			return dflt;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	return v;
}

static const struct hvm_memmap_table_entry *memmap(unsigned int *n)
{
	*n = start_info->version >= 1 ? start_info->memmap_entries : 0;
	return (const struct hvm_memmap_table_entry *)(uintptr_t)start_info->memmap_paddr;
}

uint64_t ram_end(void)
{
	unsigned int n;
	const struct hvm_memmap_table_entry *e = memmap(&n);
	uint64_t end = 0;

	for (unsigned int i = 0; i < n; i++)
		if (e[i].type == XEN_HVM_MEMMAP_TYPE_RAM && e[i].addr + e[i].size > end)
			end = e[i].addr + e[i].size;
	return end;
}

int is_ram(uint64_t addr, uint64_t len)
{
	unsigned int n;
	const struct hvm_memmap_table_entry *e = memmap(&n);

	for (unsigned int i = 0; i < n; i++)
		if (e[i].type == XEN_HVM_MEMMAP_TYPE_RAM && addr >= e[i].addr &&
		    addr + len <= e[i].addr + e[i].size)
			return 1;
	return 0;
}
