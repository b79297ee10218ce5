/* A read-only CMOS real-time clock (ports 0x70/0x71), so guests read the
 * host's wall clock at boot instead of 1970. */
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

int rtc_io(uint16_t port, bool in, uint8_t *data);

static uint8_t rtc_index;

static uint8_t bcd(int v) { return (uint8_t)(((v / 10) << 4) | (v % 10)); }

static uint8_t rtc_read(uint8_t reg)
{
    time_t now = time(NULL);
    struct tm tm;

    gmtime_r(&now, &tm);
    switch (reg) {
    case 0x00: return bcd(tm.tm_sec);
    case 0x02: return bcd(tm.tm_min);
    case 0x04: return bcd(tm.tm_hour);
    case 0x06: return bcd(tm.tm_wday + 1);
    case 0x07: return bcd(tm.tm_mday);
    case 0x08: return bcd(tm.tm_mon + 1);
    case 0x09: return bcd(tm.tm_year % 100);
    case 0x32: return bcd(19 + tm.tm_year / 100);
    case 0x0a: return 0x26;  /* no update in progress */
    case 0x0b: return 0x02;  /* 24-hour, BCD */
    case 0x0d: return 0x80;  /* battery good */
    default: return 0;
    }
}

int rtc_io(uint16_t port, bool in, uint8_t *data)
{
    if (port == 0x70) {
        if (in)
            *data = rtc_index;
        else
            rtc_index = *data & 0x7f;
    } else if (in) {
        *data = rtc_read(rtc_index);
    }
    return 0;
}
