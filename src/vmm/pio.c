/* Port I/O exits, dispatched from one table. */
#include "vmm/vm.h"

#include <stdlib.h>
#include <string.h>
#include <xen/sched.h>

#include "common/log.h"
#include "xeno/exit.h"

typedef int (*pio_fn)(struct vcpu *v, uint16_t port, bool in, uint8_t *data,
                      unsigned size);

static int pio_hcall(struct vcpu *v, uint16_t port, bool in, uint8_t *data,
                     unsigned size)
{
    (void)port; (void)data;
    if (in || size != 4)
        return 0; /* not our trap: ignore like an unassigned port */
    return hcall_handle_io(v) == 0 ? 0 : -1;
}

static int pio_uart(struct vcpu *v, uint16_t port, bool in, uint8_t *data,
                    unsigned size)
{
    for (unsigned i = 0; i < size; i++)
        uart_io(v->vm, (uint16_t)(port - XENO_UART_PORT), in, data + i);
    return 0;
}

static int pio_debugcon(struct vcpu *v, uint16_t port, bool in, uint8_t *data,
                        unsigned size)
{
    (void)v; (void)port;
    if (in)
        data[0] = XENO_DEBUGCON_PORT; /* Bochs/QEMU debugcon readback */
    else
        conout_write((const char *)data, size);
    return 0;
}

/* FADT sleep control register: SLP_EN with \_S5's SLP_TYP is power-off. */
static int pio_sleep(struct vcpu *v, uint16_t port, bool in, uint8_t *data,
                     unsigned size)
{
    (void)size;
    if (in) {
        data[0] = 0;
        return 0;
    }
    if (port == XENO_ACPI_SLEEP_CTL_PORT && (data[0] & 0x20) &&
        ((data[0] >> 2) & 7) == XENO_ACPI_S5_SLP_TYP)
        vm_request_stop(v->vm, XENO_EXIT_POWEROFF);
    return 0;
}

/* The i8042's status and command port, for the one thing a guest without
 * a keyboard uses it for: command 0xFE pulses the CPU reset line (Linux's
 * native restart, e.g. a panic before its Xen reboot hooks exist, as
 * Firecracker serves it).  Status 0: no data, input buffer empty, so the
 * guest's kb_wait() does not spin. */
static int pio_i8042(struct vcpu *v, uint16_t port, bool in, uint8_t *data,
                     unsigned size)
{
    (void)port; (void)size;
    if (in) {
        data[0] = 0;
        return 0;
    }
    if (data[0] == 0xfe) {
        log_info("vcpu%u: reset through the keyboard controller (port 0x64, 0xfe)", v->id);
        vm_request_stop(v->vm, XENO_EXIT_SHUTDOWN_BASE + SHUTDOWN_reboot);
    }
    return 0;
}

int rtc_io(uint16_t port, bool in, uint8_t *data);

static int pio_rtc(struct vcpu *v, uint16_t port, bool in, uint8_t *data,
                   unsigned size)
{
    (void)v;
    for (unsigned i = 0; i < size; i++)
        rtc_io(port, in, data + i);
    return 0;
}

static const struct {
    uint16_t first, last;
    pio_fn fn;
} pio_table[] = {
    { XENO_HCALL_PORT, XENO_HCALL_PORT, pio_hcall },
    { XENO_UART_PORT, XENO_UART_PORT + 7, pio_uart },
    { XENO_DEBUGCON_PORT, XENO_DEBUGCON_PORT, pio_debugcon },
    { XENO_ACPI_SLEEP_CTL_PORT, XENO_ACPI_SLEEP_STS_PORT, pio_sleep },
    { 0x70, 0x71, pio_rtc },
    { 0x64, 0x64, pio_i8042 },
};

static uint32_t *port_counts; /* --verbose: exits per port */

void pio_count_enable(void)
{
    port_counts = calloc(65536, sizeof(*port_counts));
}

/* The busiest ports, for the exit statistics. */
void pio_count_report(void)
{
    if (!port_counts)
        return;
    for (int k = 0; k < 6; k++) {
        unsigned best = 0;
        for (unsigned p = 1; p < 65536; p++)
            if (port_counts[p] > port_counts[best])
                best = p;
        if (!port_counts[best])
            break;
        log_info("  port %#06x: %u exits", best, port_counts[best]);
        port_counts[best] = 0;
    }
}

int pio_dispatch(struct vcpu *v, uint16_t port, bool in, uint8_t *data,
                 unsigned size)
{
    if (port_counts)
        __atomic_fetch_add(&port_counts[port], 1, __ATOMIC_RELAXED);
    for (size_t i = 0; i < sizeof(pio_table) / sizeof(pio_table[0]); i++)
        if (port >= pio_table[i].first && port <= pio_table[i].last)
            return pio_table[i].fn(v, port, in, data, size);
    if (in)
        memset(data, 0xff, size); /* nothing there */
    return 0;
}
