/* A minimal 8250 UART at 0x3f8: transmit goes to the domain console,
 * receive is polled (no interrupts), enough for early consoles. */
#include "vmm/vm.h"

#include <pthread.h>

#define RX_SIZE 1024

static pthread_mutex_t uart_lock = PTHREAD_MUTEX_INITIALIZER;
static uint8_t ier, lcr, mcr, scr, dll = 1, dlm;
static char rx[RX_SIZE];
static unsigned rx_head, rx_len;

void uart_input(const char *buf, size_t len)
{
    pthread_mutex_lock(&uart_lock);
    for (size_t i = 0; i < len && rx_len < RX_SIZE; i++)
        rx[(rx_head + rx_len++) % RX_SIZE] = buf[i];
    pthread_mutex_unlock(&uart_lock);
}

static uint8_t uart_read(uint16_t off)
{
    bool dlab = lcr & 0x80;
    uint8_t v = 0;

    switch (off) {
    case 0:
        if (dlab)
            return dll;
        if (rx_len) {
            v = (uint8_t)rx[rx_head];
            rx_head = (rx_head + 1) % RX_SIZE;
            rx_len--;
        }
        return v;
    case 1: return dlab ? dlm : ier;
    case 2: return 0xc1;                    /* FIFOs on, no interrupt */
    case 3: return lcr;
    case 4: return mcr;
    case 5: return 0x60 | (rx_len ? 1 : 0); /* THR empty, TX empty, DR */
    case 6: return 0xb0;                    /* DCD, DSR, CTS */
    default: return scr;
    }
}

static void uart_write(uint16_t off, uint8_t v)
{
    bool dlab = lcr & 0x80;

    switch (off) {
    case 0:
        if (dlab)
            dll = v;
        else
            conout_write((const char *)&v, 1);
        break;
    case 1:
        if (dlab)
            dlm = v;
        else
            ier = v;
        break;
    case 3: lcr = v; break;
    case 4: mcr = v; break;
    case 7: scr = v; break;
    default: break;
    }
}

void uart_io(struct vm *vm, uint16_t off, bool in, uint8_t *data)
{
    (void)vm;
    pthread_mutex_lock(&uart_lock);
    if (in)
        *data = uart_read(off);
    else
        uart_write(off, *data);
    pthread_mutex_unlock(&uart_lock);
}
