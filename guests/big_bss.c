/* Linked into the "too_big" guest: 16 MiB of .bss, so the image does not
 * fit in a small domain (bad-input test of the VMM's loader). */
#include <stdint.h>

uint8_t big_bss[16 << 20] __attribute__((used, aligned(4096)));
