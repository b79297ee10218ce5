/* ACPI tables: structure, checksums and contents for several vCPU counts,
 * and (when iasl is installed) a disassembly of every table. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "loader/acpi_tables.h"
#include "loader_test_util.h"

static char err[256];

static const uint8_t *at(const struct guest_ram *ram, uint64_t gpa)
{
    CHECK(gpa >= XENO_ACPI_BASE && gpa < XENO_ACPI_BASE + XENO_ACPI_SIZE);
    return ram->low + gpa;
}

static uint8_t sum(const uint8_t *p, size_t len)
{
    uint8_t s = 0;
    for (size_t i = 0; i < len; i++)
        s += p[i];
    return s;
}

/* A table at gpa: signature, length inside the area, checksum. */
static const struct acpi_header *table(const struct guest_ram *ram, uint64_t gpa,
                                       const char *sig)
{
    const struct acpi_header *h = (const struct acpi_header *)at(ram, gpa);
    CHECK(memcmp(h->signature, sig, 4) == 0);
    CHECK(gpa + h->length <= XENO_ACPI_BASE + XENO_ACPI_SIZE);
    CHECK_EQ(sum((const uint8_t *)h, h->length), 0);
    CHECK(memcmp(h->oem_id, "XENO  ", 6) == 0);
    return h;
}

static void check_fadt(const struct guest_ram *ram, const struct acpi_fadt *f,
                       unsigned vcpus)
{
    CHECK_EQ(f->h.revision, 6);
    CHECK_EQ(f->h.length, sizeof(*f));
    CHECK(f->flags & ACPI_FADT_HW_REDUCED);
    CHECK(f->iapc_boot_arch & ACPI_IAPC_NO_VGA);
    CHECK_EQ(f->x_dsdt, f->dsdt);
    CHECK_EQ(f->sleep_control.space_id, ACPI_GAS_SYSTEM_IO);
    CHECK_EQ(f->sleep_control.bit_width, 8);
    CHECK_EQ(f->sleep_control.address, XENO_ACPI_SLEEP_CTL_PORT);
    CHECK_EQ(f->sleep_status.space_id, ACPI_GAS_SYSTEM_IO);
    CHECK_EQ(f->sleep_status.bit_width, 8);
    CHECK_EQ(f->sleep_status.address, XENO_ACPI_SLEEP_STS_PORT);

    const struct acpi_header *d = table(ram, f->x_dsdt, "DSDT");
    const uint8_t *aml = (const uint8_t *)(d + 1);
    size_t aml_len = d->length - sizeof(*d);
    /* Name (\_S5_, Package (4) { SLP_TYP, SLP_TYP, ... }) */
    static const uint8_t s5[] = { 0x08, '\\', '_', 'S', '5', '_', 0x12 };
    const uint8_t *p = memmem(aml, aml_len, s5, sizeof(s5));
    CHECK(p != NULL);
    if (p) {
        CHECK_EQ(p[8], 4);
        CHECK_EQ(p[9], 0x0a);
        CHECK_EQ(p[10], XENO_ACPI_S5_SLP_TYP);
    }
    unsigned cpus = 0;
    for (const uint8_t *q = aml; (q = memmem(q, aml_len - (size_t)(q - aml), "ACPI0007", 8));
         q++)
        cpus++;
    CHECK_EQ(cpus, vcpus);
}

static void check_madt(const struct acpi_madt *m, unsigned vcpus)
{
    CHECK_EQ(m->lapic_address, XENO_LAPIC_BASE);
    const uint8_t *p = (const uint8_t *)(m + 1), *end = (const uint8_t *)m + m->h.length;
    unsigned next = 0, ioapics = 0;
    while (p < end) {
        CHECK(p[1] >= 2 && p + p[1] <= end);
        if (p[1] < 2)
            break;
        if (p[0] == ACPI_MADT_LAPIC) {
            struct acpi_madt_lapic e;
            memcpy(&e, p, sizeof(e));
            CHECK_EQ(e.length, 8);
            CHECK(next <= ACPI_MAX_XAPIC_ID);
            CHECK_EQ(e.uid, next);
            CHECK_EQ(e.apic_id, next);
            CHECK_EQ(e.flags, ACPI_MADT_ENABLED);
            next++;
        } else if (p[0] == ACPI_MADT_X2APIC) {
            struct acpi_madt_x2apic e;
            memcpy(&e, p, sizeof(e));
            CHECK_EQ(e.length, 16);
            CHECK(next > ACPI_MAX_XAPIC_ID);
            CHECK_EQ(e.uid, next);
            CHECK_EQ(e.x2apic_id, next);
            CHECK_EQ(e.flags, ACPI_MADT_ENABLED);
            next++;
        } else if (p[0] == ACPI_MADT_IOAPIC) {
            struct acpi_madt_ioapic e;
            memcpy(&e, p, sizeof(e));
            CHECK_EQ(e.length, 12);
            CHECK_EQ(e.address, XENO_IOAPIC_BASE);
            CHECK_EQ(e.gsi_base, 0);
            CHECK_EQ(e.id, vcpus <= ACPI_MAX_XAPIC_ID ? vcpus : ACPI_MAX_XAPIC_ID);
            ioapics++;
        }
        p += p[1];
    }
    CHECK(p == end);
    CHECK_EQ(next, vcpus);
    CHECK_EQ(ioapics, 1);
}

/* Writes a table to dir/name.dat and disassembles it with iasl. */
static void iasl_check(const char *dir, const char *name, const void *t, size_t len)
{
    char path[512], cmd[1200];
    snprintf(path, sizeof(path), "%s/%s.dat", dir, name);
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (!f)
        return;
    fwrite(t, 1, len, f);
    fclose(f);
    snprintf(cmd, sizeof(cmd), "cd %s && iasl -d %s.dat >%s.log 2>&1 && "
             "! grep -qiE '(error|warning)[^s]' %s.dsl", dir, name, name, name);
    int rc = system(cmd);
    if (rc != 0)
        fprintf(stderr, "  iasl -d %s failed, see %s/%s.log\n", name, dir, name);
    CHECK_EQ(rc, 0);
}

static void test_vcpus(unsigned vcpus, bool use_iasl)
{
    struct guest_ram ram = test_ram(16 * TEST_MIB, 0);
    uint64_t rsdp_gpa = 0;
    CHECK_EQ(acpi_build(&ram, vcpus, &rsdp_gpa, err, sizeof(err)), 0);
    CHECK_EQ(rsdp_gpa, XENO_ACPI_BASE);
    const struct acpi_rsdp *r = (const struct acpi_rsdp *)at(&ram, rsdp_gpa);
    CHECK(memcmp(r->signature, "RSD PTR ", 8) == 0);
    CHECK_EQ(r->revision, 2);
    CHECK_EQ(r->length, sizeof(*r));
    CHECK_EQ(sum((const uint8_t *)r, 20), 0);
    CHECK_EQ(sum((const uint8_t *)r, sizeof(*r)), 0);

    const struct acpi_header *x = table(&ram, r->xsdt_address, "XSDT");
    const struct acpi_header *rs = table(&ram, r->rsdt_address, "RSDT");
    CHECK_EQ(x->length, sizeof(*x) + 2 * 8);
    CHECK_EQ(rs->length, sizeof(*rs) + 2 * 4);
    uint64_t t[2];
    uint32_t t32[2];
    memcpy(t, x + 1, sizeof(t));
    memcpy(t32, rs + 1, sizeof(t32));
    CHECK_EQ(t[0], t32[0]);
    CHECK_EQ(t[1], t32[1]);
    const struct acpi_fadt *f = (const struct acpi_fadt *)table(&ram, t[0], "FACP");
    const struct acpi_madt *m = (const struct acpi_madt *)table(&ram, t[1], "APIC");
    check_fadt(&ram, f, vcpus);
    check_madt(m, vcpus);

    char dir[] = "/tmp/xeno-acpi-XXXXXX";
    if (use_iasl && mkdtemp(dir)) {
        iasl_check(dir, "facp", f, f->h.length);
        iasl_check(dir, "apic", m, m->h.length);
        iasl_check(dir, "xsdt", x, x->length);
        const struct acpi_header *d = (const struct acpi_header *)at(&ram, f->x_dsdt);
        iasl_check(dir, "dsdt", d, d->length);
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "grep -q '_S5' %s/dsdt.dsl && grep -c ACPI0007 "
                 "%s/dsdt.dsl | grep -qx %u", dir, dir, vcpus);
        CHECK_EQ(system(cmd), 0);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        CHECK_EQ(system(cmd), 0);
    }
    test_ram_free(&ram);
}

static void test_errors(void)
{
    struct guest_ram ram = test_ram(16 * TEST_MIB, 0);
    uint64_t rsdp;
    CHECK_EQ(acpi_build(&ram, 0, &rsdp, err, sizeof(err)), -EINVAL);
    CHECK_EQ(acpi_build(&ram, LOADER_MAX_VCPUS + 1, &rsdp, err, sizeof(err)), -EINVAL);
    CHECK_EQ(acpi_build(&ram, LOADER_MAX_VCPUS, &rsdp, err, sizeof(err)), 0);
    ram.low_size = XENO_ACPI_BASE;
    CHECK_EQ(acpi_build(&ram, 1, &rsdp, err, sizeof(err)), -ENOMEM);
    test_ram_free(&ram);
}

int main(void)
{
    bool iasl = system("command -v iasl >/dev/null 2>&1") == 0;
    if (!iasl)
        printf("iasl not installed (acpica-tools): skipping disassembly checks\n");
    static const unsigned counts[] = { 1, 2, 64, 255, 256, 300 };
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
        test_vcpus(counts[i], iasl);
    test_vcpus(LOADER_MAX_VCPUS, false);
    test_errors();
    return check_done("test_loader_acpi");
}
