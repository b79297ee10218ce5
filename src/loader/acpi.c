/* ACPI tables for a PVH guest: RSDP -> XSDT/RSDT -> FADT (hardware-reduced,
 * sleep registers for S5) -> DSDT (\_S5, processor devices), and a MADT with
 * one enabled local APIC per vCPU plus the IOAPIC. */
#include <errno.h>
#include <string.h>

#include "loader/acpi_tables.h"
#include "loader/aml.h"
#include "loader/loader_int.h"

#define ACPI_OEM_ID "XENO  "
#define ACPI_OEM_TABLE_ID "XENOVMM "
#define ACPI_CREATOR_ID "XENO"

/* Bump allocator over the ACPI area of guest RAM. */
struct acpi_area {
    uint8_t *base;
    size_t used;
    size_t size;
};

static void *area_alloc(struct acpi_area *a, size_t len, uint64_t *gpa)
{
    size_t off = (a->used + 15) & ~(size_t)15;
    if (off > a->size || len > a->size - off)
        return NULL;
    a->used = off + len;
    *gpa = XENO_ACPI_BASE + off;
    return a->base + off;
}

static void header_init(struct acpi_header *h, const char sig[4], uint32_t len,
                        uint8_t rev)
{
    memcpy(h->signature, sig, 4);
    h->length = len;
    h->revision = rev;
    memcpy(h->oem_id, ACPI_OEM_ID, 6);
    memcpy(h->oem_table_id, ACPI_OEM_TABLE_ID, 8);
    h->oem_revision = 1;
    memcpy(h->creator_id, ACPI_CREATOR_ID, 4);
    h->creator_revision = 1;
}

static void header_sum(struct acpi_header *h)
{
    h->checksum = 0;
    h->checksum = acpi_checksum(h, h->length);
}

static struct acpi_gas sleep_reg(uint16_t port)
{
    return (struct acpi_gas){ .space_id = ACPI_GAS_SYSTEM_IO, .bit_width = 8,
                              .access_size = ACPI_GAS_ACCESS_BYTE, .address = port };
}

static int build_fadt(struct acpi_area *a, uint64_t dsdt, uint64_t *gpa)
{
    struct acpi_fadt *f = area_alloc(a, sizeof(*f), gpa);
    if (!f)
        return -ENOSPC;
    memset(f, 0, sizeof(*f));
    header_init(&f->h, "FACP", sizeof(*f), 6);
    f->dsdt = (uint32_t)dsdt;
    f->x_dsdt = dsdt;
    f->flags = ACPI_FADT_WBINVD | ACPI_FADT_POWER_BUTTON | ACPI_FADT_SLEEP_BUTTON |
               ACPI_FADT_HW_REDUCED;
    /* No VGA, no CMOS RTC, no i8042, no legacy ISA devices announced. */
    f->iapc_boot_arch = ACPI_IAPC_NO_VGA | ACPI_IAPC_NO_CMOS_RTC;
    f->sleep_control = sleep_reg(XENO_ACPI_SLEEP_CTL_PORT);
    f->sleep_status = sleep_reg(XENO_ACPI_SLEEP_STS_PORT);
    memcpy(&f->hypervisor_id, "XenoVMM\0", 8);
    header_sum(&f->h);
    return 0;
}

/* Processor device names C000..CFFF (hex vCPU id). */
static void cpu_name(unsigned id, char name[4])
{
    static const char hex[] = "0123456789ABCDEF";
    name[0] = 'C';
    name[1] = hex[(id >> 8) & 0xf];
    name[2] = hex[(id >> 4) & 0xf];
    name[3] = hex[id & 0xf];
}

static void dsdt_body(struct aml *a, unsigned vcpus)
{
    static const uint8_t name_op = AML_NAME_OP, pkg_op = AML_PACKAGE_OP;
    static const uint8_t root = AML_ROOT_CHAR, scope_op = AML_SCOPE_OP;
    static const uint8_t device_op[] = { 0x5b, 0x82 };
    static const uint8_t four = 4;

    /* Name (\_S5, Package (4) { SLP_TYP, SLP_TYP, 0, 0 }) */
    aml_bytes(a, &name_op, 1);
    aml_bytes(a, &root, 1);
    aml_name_seg(a, "_S5_");
    size_t pkg = aml_open(a, &pkg_op, 1);
    aml_bytes(a, &four, 1);
    aml_integer(a, XENO_ACPI_S5_SLP_TYP);
    aml_integer(a, XENO_ACPI_S5_SLP_TYP);
    aml_integer(a, 0);
    aml_integer(a, 0);
    aml_close(a, pkg);

    /* Scope (\_SB) { Device (Cnnn) { Name (_HID, "ACPI0007") Name (_UID, n) } } */
    size_t sb = aml_open(a, &scope_op, 1);
    aml_bytes(a, &root, 1);
    aml_name_seg(a, "_SB_");
    for (unsigned i = 0; i < vcpus; i++) {
        char name[4];
        cpu_name(i, name);
        size_t dev = aml_open(a, device_op, sizeof(device_op));
        aml_name_seg(a, name);
        aml_bytes(a, &name_op, 1);
        aml_name_seg(a, "_HID");
        aml_string(a, "ACPI0007");
        aml_bytes(a, &name_op, 1);
        aml_name_seg(a, "_UID");
        aml_integer(a, i);
        aml_close(a, dev);
    }
    aml_close(a, sb);
}

static int build_dsdt(struct acpi_area *a, unsigned vcpus, uint64_t *gpa)
{
    struct acpi_header *h = area_alloc(a, sizeof(*h), gpa);
    if (!h)
        return -ENOSPC;
    struct aml aml = { .buf = (uint8_t *)(h + 1), .cap = a->size - a->used };
    dsdt_body(&aml, vcpus);
    if (aml.overflow)
        return -ENOSPC;
    a->used += aml.len;
    memset(h, 0, sizeof(*h));
    /* Revision 2: integers are 64-bit. */
    header_init(h, "DSDT", (uint32_t)(sizeof(*h) + aml.len), 2);
    header_sum(h);
    return 0;
}

/* The IOAPIC takes the first ID after the CPUs'; IOAPIC IDs are 8-bit, so
 * beyond 254 vCPUs it stays at 254 (a separate name space from x2APIC IDs). */
static uint8_t ioapic_id(unsigned vcpus)
{
    return (uint8_t)(vcpus <= ACPI_MAX_XAPIC_ID ? vcpus : ACPI_MAX_XAPIC_ID);
}

static int build_madt(struct acpi_area *a, unsigned vcpus, uint64_t *gpa)
{
    unsigned nx = vcpus > ACPI_MAX_XAPIC_ID + 1 ? vcpus - ACPI_MAX_XAPIC_ID - 1 : 0;
    size_t len = sizeof(struct acpi_madt) +
                 (vcpus - nx) * sizeof(struct acpi_madt_lapic) +
                 nx * sizeof(struct acpi_madt_x2apic) + sizeof(struct acpi_madt_ioapic);
    uint8_t *t = area_alloc(a, len, gpa);
    if (!t)
        return -ENOSPC;
    memset(t, 0, len);
    struct acpi_madt *m = (struct acpi_madt *)t;
    header_init(&m->h, "APIC", (uint32_t)len, 5);
    m->lapic_address = (uint32_t)XENO_LAPIC_BASE;
    uint8_t *p = t + sizeof(*m);
    for (unsigned i = 0; i < vcpus; i++) {
        if (i <= ACPI_MAX_XAPIC_ID) {
            struct acpi_madt_lapic e = { ACPI_MADT_LAPIC, sizeof(e), (uint8_t)i,
                                         (uint8_t)i, ACPI_MADT_ENABLED };
            memcpy(p, &e, sizeof(e));
            p += sizeof(e);
        } else {
            struct acpi_madt_x2apic e = { ACPI_MADT_X2APIC, sizeof(e), 0, i,
                                          ACPI_MADT_ENABLED, i };
            memcpy(p, &e, sizeof(e));
            p += sizeof(e);
        }
    }
    struct acpi_madt_ioapic io = { ACPI_MADT_IOAPIC, sizeof(io), ioapic_id(vcpus), 0,
                                   (uint32_t)XENO_IOAPIC_BASE, 0 };
    memcpy(p, &io, sizeof(io));
    header_sum(&m->h);
    return 0;
}

/* XSDT (64-bit pointers) and RSDT (32-bit, for old readers) to the same
 * tables; everything sits below 1 MiB. */
static int build_roots(struct acpi_area *a, const uint64_t *tables, unsigned n,
                       uint64_t *xsdt_gpa, uint64_t *rsdt_gpa)
{
    size_t xlen = sizeof(struct acpi_header) + 8 * n;
    size_t rlen = sizeof(struct acpi_header) + 4 * n;
    uint8_t *x = area_alloc(a, xlen, xsdt_gpa);
    uint8_t *r = x ? area_alloc(a, rlen, rsdt_gpa) : NULL;
    if (!r)
        return -ENOSPC;
    memset(x, 0, xlen);
    memset(r, 0, rlen);
    header_init((struct acpi_header *)x, "XSDT", (uint32_t)xlen, 1);
    header_init((struct acpi_header *)r, "RSDT", (uint32_t)rlen, 1);
    for (unsigned i = 0; i < n; i++) {
        uint32_t t32 = (uint32_t)tables[i];
        memcpy(x + sizeof(struct acpi_header) + 8 * i, &tables[i], 8);
        memcpy(r + sizeof(struct acpi_header) + 4 * i, &t32, 4);
    }
    header_sum((struct acpi_header *)x);
    header_sum((struct acpi_header *)r);
    return 0;
}

int acpi_build(struct guest_ram *ram, unsigned vcpus, uint64_t *rsdp_gpa,
               char *err, size_t errlen)
{
    if (vcpus == 0 || vcpus > LOADER_MAX_VCPUS)
        return loader_fail(err, errlen, -EINVAL, "ACPI: %u vCPUs (1 to %u supported)",
                           vcpus, LOADER_MAX_VCPUS);
    uint8_t *base = guest_ram_ptr(ram, XENO_ACPI_BASE, XENO_ACPI_SIZE);
    if (!base)
        return loader_fail(err, errlen, -ENOMEM,
                           "ACPI: low RAM (%llu KiB) does not hold the ACPI area",
                           (unsigned long long)(ram->low_size / 1024));
    memset(base, 0, XENO_ACPI_SIZE);
    struct acpi_area a = { base, 0, XENO_ACPI_SIZE };
    uint64_t rsdp, dsdt, tables[2], xsdt, rsdt;
    struct acpi_rsdp *r = area_alloc(&a, sizeof(*r), &rsdp);
    int rc = r ? 0 : -ENOSPC;
    if (!rc)
        rc = build_dsdt(&a, vcpus, &dsdt);
    if (!rc)
        rc = build_fadt(&a, dsdt, &tables[0]);
    if (!rc)
        rc = build_madt(&a, vcpus, &tables[1]);
    if (!rc)
        rc = build_roots(&a, tables, 2, &xsdt, &rsdt);
    if (rc)
        return loader_fail(err, errlen, rc, "ACPI: tables for %u vCPUs exceed %llu KiB",
                           vcpus, XENO_ACPI_SIZE / 1024);
    memcpy(r->signature, "RSD PTR ", 8);
    memcpy(r->oem_id, ACPI_OEM_ID, 6);
    r->revision = 2;
    r->rsdt_address = (uint32_t)rsdt;
    r->length = sizeof(*r);
    r->xsdt_address = xsdt;
    r->checksum = acpi_checksum(r, 20);
    r->extended_checksum = acpi_checksum(r, sizeof(*r));
    *rsdp_gpa = rsdp;
    return 0;
}
