/* Linux bzImage: find the compressed vmlinux through the boot protocol setup
 * header (Documentation/arch/x86/boot.rst) and decompress it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "loader/loader_int.h"

/* Setup header offsets in the image file. */
#define BZ_SETUP_SECTS    0x1f1
#define BZ_BOOT_FLAG      0x1fe
#define BZ_HEADER         0x202
#define BZ_VERSION        0x206
#define BZ_PAYLOAD_OFFSET 0x248
#define BZ_PAYLOAD_LENGTH 0x24c
#define BZ_HDR_END        0x250     /* everything we read lies below */

#define BZ_MIN_VERSION 0x0208      /* first protocol with payload_offset */

/* The decompressed vmlinux may not be larger than this. */
#define BZ_MAX_VMLINUX (512ULL * MIB)

static bool is_bzimage(const uint8_t *img, size_t len)
{
    return len >= BZ_HDR_END && memcmp(img + BZ_HEADER, "HdrS", 4) == 0;
}

int bzimage_extract(const uint8_t *img, size_t len, uint8_t **elf,
                    size_t *elf_len, char *err, size_t errlen)
{
    *elf = NULL;
    *elf_len = 0;
    if (!is_bzimage(img, len))
        return loader_fail(err, errlen, -ENOEXEC, "not a bzImage (no HdrS header)");
    if (get_le16(img + BZ_BOOT_FLAG) != 0xaa55)
        return loader_fail(err, errlen, -EINVAL, "bzImage: bad boot flag %#x",
                           get_le16(img + BZ_BOOT_FLAG));
    uint16_t version = get_le16(img + BZ_VERSION);
    if (version < BZ_MIN_VERSION)
        return loader_fail(err, errlen, -ENOTSUP,
                           "bzImage: boot protocol %u.%02u is older than 2.08 "
                           "(no payload_offset)", version >> 8, version & 0xff);
    unsigned setup_sects = img[BZ_SETUP_SECTS] ? img[BZ_SETUP_SECTS] : 4;
    uint64_t pm_start = (uint64_t)(setup_sects + 1) * 512;
    uint64_t off = pm_start + get_le32(img + BZ_PAYLOAD_OFFSET);
    uint64_t plen = get_le32(img + BZ_PAYLOAD_LENGTH);
    /* All values are 32-bit, so these sums cannot overflow 64 bits. */
    if (plen == 0 || off > len || plen > len - off)
        return loader_fail(err, errlen, -EINVAL,
                           "bzImage: payload [%#llx, +%#llx) lies outside the "
                           "%zu-byte file", (unsigned long long)off,
                           (unsigned long long)plen, len);
    int rc = kernel_decompress(img + off, (size_t)plen, BZ_MAX_VMLINUX, elf,
                               elf_len, err, errlen);
    if (rc < 0)
        return rc;
    if (*elf_len < 4 || memcmp(*elf, "\x7f" "ELF", 4) != 0) {
        free(*elf);
        *elf = NULL;
        *elf_len = 0;
        return loader_fail(err, errlen, -EINVAL,
                           "bzImage: the decompressed payload is not an ELF file");
    }
    return 0;
}
