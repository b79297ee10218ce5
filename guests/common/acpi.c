#include "acpi.h"

struct sdt_header {
	char sig[4];
	uint32_t length;
	uint8_t revision, checksum;
	char oem[6], oem_table[8];
	uint32_t oem_rev, creator, creator_rev;
} __attribute__((packed));

static int checksum_ok(const void *p, uint32_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (uint32_t i = 0; i < len; i++)
		sum += b[i];
	return sum == 0;
}

static const struct sdt_header *table(uint64_t addr)
{
	/* Only the identity-mapped low 4 GiB is reachable. */
	if (!addr || addr >= (4ULL << 30))
		return NULL;
	return (const struct sdt_header *)(uintptr_t)addr;
}

static const struct sdt_header *find_madt(const char **why)
{
	const uint8_t *rsdp = (const uint8_t *)(uintptr_t)start_info->rsdp_paddr;
	uint32_t rsdt;
	uint64_t xsdt = 0;

	if (!rsdp) {
		*why = "start_info.rsdp_paddr is 0";
		return NULL;
	}
	if (memcmp(rsdp, "RSD PTR ", 8) || !checksum_ok(rsdp, 20)) {
		*why = "bad RSDP signature or checksum";
		return NULL;
	}
	memcpy(&rsdt, rsdp + 16, 4);
	if (rsdp[15] >= 2)
		memcpy(&xsdt, rsdp + 24, 8);
	const struct sdt_header *root = table(xsdt ? xsdt : rsdt);
	unsigned int entry = xsdt ? 8 : 4;
	if (!root || !checksum_ok(root, root->length)) {
		*why = "bad XSDT/RSDT";
		return NULL;
	}
	for (uint32_t off = sizeof(*root); off + entry <= root->length; off += entry) {
		uint64_t a = 0;
		memcpy(&a, (const uint8_t *)root + off, entry);
		const struct sdt_header *t = table(a);
		if (t && !memcmp(t->sig, "APIC", 4)) {
			if (!checksum_ok(t, t->length)) {
				*why = "MADT checksum";
				return NULL;
			}
			return t;
		}
	}
	*why = "no MADT";
	return NULL;
}

int acpi_cpus(struct cpu_entry *cpus, int max, const char **why)
{
	const struct sdt_header *madt = find_madt(why);
	int n = 0;

	if (!madt)
		return -1;
	const uint8_t *p = (const uint8_t *)madt + sizeof(*madt) + 8;
	const uint8_t *end = (const uint8_t *)madt + madt->length;
	while (p + 2 <= end && p[1] >= 2 && p + p[1] <= end) {
		uint32_t flags, uid = 0, id = 0;
		int found = 0;
		if (p[0] == 0 && p[1] >= 8) {          /* processor local APIC */
			memcpy(&flags, p + 4, 4);
			uid = p[2];
			id = p[3];
			found = flags & 1;
		} else if (p[0] == 9 && p[1] >= 16) {  /* processor local x2APIC */
			memcpy(&id, p + 4, 4);
			memcpy(&flags, p + 8, 4);
			memcpy(&uid, p + 12, 4);
			found = flags & 1;
		}
		if (found && n < max)
			cpus[n++] = (struct cpu_entry){ .uid = uid, .apic_id = id };
		p += p[1];
	}
	return n;
}

void start_second_cpu(volatile int *alive, unsigned long cycles)
{
	struct cpu_entry cpus[2];
	const char *why = "";

	lapic_enable();
	if (acpi_cpus(cpus, 2, &why) < 2) {
		fail("two_cpus", "the MADT lists fewer than 2 CPUs (%s): give --vcpus 2", why);
		finish();
	}
	pass("two_cpus");
	if (ap_start(cpus[1].apic_id, alive, cycles) < 0) {
		fail("ap_started", "the AP (apic %u) never reached ap_main", cpus[1].apic_id);
		finish();
	}
}
