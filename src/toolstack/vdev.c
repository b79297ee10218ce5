/* Virtual-device names to Xen's numbers (see vdev.h). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "vdev.h"

#define XVD_MAJOR 202
#define SD_MAJOR 8
#define XVD_EXT_FLAG (1u << 28)
#define XVD_EXT_MAX_DISK ((1u << 20) - 1)
#define XVD_EXT_MAX_PART 255
#define SD_MAX_DISK 127         /* sddx: majors 8 and 65..71, 16 disks each */
#define SD_MAX_PART 15
#define HD_MAX_DISK 19          /* hdt: ten IDE majors, 2 disks each */
#define HD_MAX_PART 63

static const unsigned ide_majors[] = { 3, 22, 33, 34, 56, 57, 88, 89, 90, 91 };

/* Drive letters as bijective base 26 (a=0 ... z=25, aa=26), as Linux names
 * disks; then an optional partition number without a leading zero. */
static int split_name(const char *p, unsigned max_disk, unsigned max_part,
                      unsigned *disk, unsigned *part)
{
    unsigned long d = 0;
    size_t letters = 0;
    for (; *p >= 'a' && *p <= 'z'; p++, letters++) {
        d = (d + (letters ? 1 : 0)) * 26 + (unsigned)(*p - 'a');
        if (d > max_disk)
            return -EINVAL;
    }
    if (!letters)
        return -EINVAL;
    *disk = (unsigned)d;
    *part = 0;
    if (!*p)
        return 0;
    if (*p < '1' || *p > '9' || strlen(p) > 3)
        return -EINVAL;
    char *end;
    unsigned long n = strtoul(p, &end, 10);
    if (*end || n > max_part)
        return -EINVAL;
    *part = (unsigned)n;
    return 0;
}

static uint32_t xvd_number(unsigned disk, unsigned part)
{
    if (disk <= 15 && part <= 15)
        return (XVD_MAJOR << 8) | (disk << 4) | part;
    return XVD_EXT_FLAG | (disk << 8) | part;
}

static int plain_number(const char *s, uint32_t *out)
{
    char *end;
    if (*s < '0' || *s > '9')
        return -EINVAL;
    errno = 0;
    unsigned long n = strtoul(s, &end, 0);
    if (errno || *end || n == 0 || n > INT_MAX)
        return -EINVAL;
    *out = (uint32_t)n;
    return 0;
}

/* xl's "d<disk>p<partition>" form. */
static int dp_form(const char *s, uint32_t *out)
{
    char *end;
    if (s[0] != 'd' || s[1] < '0' || s[1] > '9')
        return -EINVAL;
    unsigned long disk = strtoul(s + 1, &end, 10);
    if (*end != 'p' || end[1] < '0' || end[1] > '9' || disk > XVD_EXT_MAX_DISK)
        return -EINVAL;
    unsigned long part = strtoul(end + 1, &end, 10);
    if (*end || part > XVD_EXT_MAX_PART)
        return -EINVAL;
    *out = xvd_number((unsigned)disk, (unsigned)part);
    return 0;
}

int vdev_number(const char *s, uint32_t *out)
{
    unsigned disk, part;
    if (strlen(s) > 16)
        return -EINVAL;
    if (strncmp(s, "xvd", 3) == 0) {
        if (split_name(s + 3, XVD_EXT_MAX_DISK, XVD_EXT_MAX_PART, &disk,
                       &part) < 0)
            return -EINVAL;
        *out = xvd_number(disk, part);
        return 0;
    }
    if (strncmp(s, "sd", 2) == 0) {
        if (split_name(s + 2, SD_MAX_DISK, SD_MAX_PART, &disk, &part) < 0)
            return -EINVAL;
        unsigned major = disk < 16 ? SD_MAJOR : 65 + disk / 16 - 1;
        *out = (major << 8) | ((disk % 16) << 4) | part;
        return 0;
    }
    if (strncmp(s, "hd", 2) == 0) {
        if (split_name(s + 2, HD_MAX_DISK, HD_MAX_PART, &disk, &part) < 0)
            return -EINVAL;
        *out = (ide_majors[disk / 2] << 8) | ((disk & 1) << 6) | part;
        return 0;
    }
    if (s[0] == 'd')
        return dp_form(s, out);
    return plain_number(s, out);
}
