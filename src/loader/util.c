/* Small helpers shared by the loader's files. */
#include <stdarg.h>
#include <stdio.h>

#include "loader/loader_int.h"

int loader_fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

uint8_t *guest_ram_ptr(const struct guest_ram *ram, uint64_t gpa, uint64_t len)
{
    uint64_t end;
    if (__builtin_add_overflow(gpa, len, &end))
        return NULL;
    if (ram->low && end <= ram->low_size)
        return ram->low + gpa;
    if (ram->high && gpa >= XENO_HIGH_RAM_BASE &&
        end - XENO_HIGH_RAM_BASE <= ram->high_size)
        return ram->high + (gpa - XENO_HIGH_RAM_BASE);
    return NULL;
}
