/* ACPI table layouts (ACPI 6.x), written for xeno: Debian ships no ACPICA
 * development headers (acpica-tools has only the tools).  Shared with the
 * unit tests, which parse what acpi_build() wrote. */
#ifndef XENO_ACPI_TABLES_H
#define XENO_ACPI_TABLES_H

#include <stddef.h>
#include <stdint.h>

#define ACPI_PACKED __attribute__((packed))

struct acpi_rsdp {
    char signature[8];          /* "RSD PTR " */
    uint8_t checksum;           /* first 20 bytes */
    char oem_id[6];
    uint8_t revision;           /* 2: ACPI 2.0+ layout */
    uint32_t rsdt_address;
    uint32_t length;            /* 36 */
    uint64_t xsdt_address;
    uint8_t extended_checksum;  /* all 36 bytes */
    uint8_t reserved[3];
} ACPI_PACKED;

struct acpi_header {
    char signature[4];
    uint32_t length;
    uint8_t revision;
    uint8_t checksum;
    char oem_id[6];
    char oem_table_id[8];
    uint32_t oem_revision;
    char creator_id[4];
    uint32_t creator_revision;
} ACPI_PACKED;

/* Generic Address Structure. */
struct acpi_gas {
    uint8_t space_id;           /* ACPI_GAS_SYSTEM_IO ... */
    uint8_t bit_width;
    uint8_t bit_offset;
    uint8_t access_size;        /* 1 = byte */
    uint64_t address;
} ACPI_PACKED;

#define ACPI_GAS_SYSTEM_IO 1
#define ACPI_GAS_ACCESS_BYTE 1

struct acpi_fadt {
    struct acpi_header h;
    uint32_t firmware_ctrl;
    uint32_t dsdt;
    uint8_t reserved0;
    uint8_t preferred_pm_profile;
    uint16_t sci_int;
    uint32_t smi_cmd;
    uint8_t acpi_enable;
    uint8_t acpi_disable;
    uint8_t s4bios_req;
    uint8_t pstate_cnt;
    uint32_t pm1a_evt_blk;
    uint32_t pm1b_evt_blk;
    uint32_t pm1a_cnt_blk;
    uint32_t pm1b_cnt_blk;
    uint32_t pm2_cnt_blk;
    uint32_t pm_tmr_blk;
    uint32_t gpe0_blk;
    uint32_t gpe1_blk;
    uint8_t pm1_evt_len;
    uint8_t pm1_cnt_len;
    uint8_t pm2_cnt_len;
    uint8_t pm_tmr_len;
    uint8_t gpe0_blk_len;
    uint8_t gpe1_blk_len;
    uint8_t gpe1_base;
    uint8_t cst_cnt;
    uint16_t p_lvl2_lat;
    uint16_t p_lvl3_lat;
    uint16_t flush_size;
    uint16_t flush_stride;
    uint8_t duty_offset;
    uint8_t duty_width;
    uint8_t day_alrm;
    uint8_t mon_alrm;
    uint8_t century;
    uint16_t iapc_boot_arch;
    uint8_t reserved1;
    uint32_t flags;
    struct acpi_gas reset_reg;
    uint8_t reset_value;
    uint16_t arm_boot_arch;
    uint8_t minor_revision;
    uint64_t x_firmware_ctrl;
    uint64_t x_dsdt;
    struct acpi_gas x_pm1a_evt_blk;
    struct acpi_gas x_pm1b_evt_blk;
    struct acpi_gas x_pm1a_cnt_blk;
    struct acpi_gas x_pm1b_cnt_blk;
    struct acpi_gas x_pm2_cnt_blk;
    struct acpi_gas x_pm_tmr_blk;
    struct acpi_gas x_gpe0_blk;
    struct acpi_gas x_gpe1_blk;
    struct acpi_gas sleep_control;
    struct acpi_gas sleep_status;
    uint64_t hypervisor_id;
} ACPI_PACKED;

_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP layout");
_Static_assert(sizeof(struct acpi_header) == 36, "header layout");
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT 6.0 layout");
_Static_assert(offsetof(struct acpi_fadt, flags) == 112, "FADT flags offset");
_Static_assert(offsetof(struct acpi_fadt, x_dsdt) == 140, "FADT X_DSDT offset");
_Static_assert(offsetof(struct acpi_fadt, sleep_control) == 244, "FADT sleep offset");

/* FADT flags and IA-PC boot architecture flags. */
#define ACPI_FADT_WBINVD          (1u << 0)
#define ACPI_FADT_POWER_BUTTON    (1u << 4)     /* no fixed power button */
#define ACPI_FADT_SLEEP_BUTTON    (1u << 5)     /* no fixed sleep button */
#define ACPI_FADT_HW_REDUCED      (1u << 20)
#define ACPI_IAPC_NO_VGA          (1u << 2)
#define ACPI_IAPC_NO_CMOS_RTC     (1u << 5)

/* The sleep control register's SLP_TYP field and SLP_EN bit. */
#define ACPI_SLEEP_TYP_SHIFT 2
#define ACPI_SLEEP_EN        (1u << 5)

struct acpi_madt {
    struct acpi_header h;
    uint32_t lapic_address;
    uint32_t flags;
} ACPI_PACKED;

#define ACPI_MADT_LAPIC   0
#define ACPI_MADT_IOAPIC  1
#define ACPI_MADT_X2APIC  9
#define ACPI_MADT_ENABLED 1u

struct acpi_madt_lapic {
    uint8_t type;
    uint8_t length;             /* 8 */
    uint8_t uid;
    uint8_t apic_id;
    uint32_t flags;
} ACPI_PACKED;

struct acpi_madt_x2apic {
    uint8_t type;
    uint8_t length;             /* 16 */
    uint16_t reserved;
    uint32_t x2apic_id;
    uint32_t flags;
    uint32_t uid;
} ACPI_PACKED;

struct acpi_madt_ioapic {
    uint8_t type;
    uint8_t length;             /* 12 */
    uint8_t id;
    uint8_t reserved;
    uint32_t address;
    uint32_t gsi_base;
} ACPI_PACKED;

/* xAPIC IDs stop at 254 (255 is the broadcast ID): above, x2APIC entries. */
#define ACPI_MAX_XAPIC_ID 254

/* The byte that makes the bytes of [p, p + len) sum to zero. */
static inline uint8_t acpi_checksum(const void *p, size_t len)
{
    const uint8_t *b = p;
    uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += b[i];
    return (uint8_t)-sum;
}

#endif
