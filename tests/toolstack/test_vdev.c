/* Xen virtual-device numbers (vdev.h): a golden table of names, the same
 * numbers Xen's libxl computes and Linux's xen-blkfront decodes, and names
 * that must be refused. */
#include <errno.h>
#include <stdint.h>

#include "check.h"
#include "vdev.h"

static const struct { const char *name; uint32_t number; } golden[] = {
    { "xvda", 51712 }, { "xvda1", 51713 }, { "xvdb", 51728 },
    { "xvdp", 51952 }, { "xvdp15", 51967 },
    /* beyond 16 disks or 15 partitions: the extended form, 1 << 28 */
    { "xvdq", 268439552 }, { "xvda16", 268435472 }, { "xvdz", 268441856 },
    { "xvdaa", 268442112 }, { "xvdaa255", 268442367 },
    { "xvdaaaaa", (1u << 28) | (475254u << 8) },
    { "sda", 2048 }, { "sda1", 2049 }, { "sdb", 2064 }, { "sdp15", 2303 },
    /* sdq.. on majors 65-71 */
    { "sdq", 16640 }, { "sdz", 16784 }, { "sdaf", 16880 }, { "sdag", 16896 },
    { "sddx", 18416 }, { "sddx15", 18431 },
    /* IDE: two disks per major, 64 minors each */
    { "hda", 768 }, { "hda1", 769 }, { "hdb", 832 }, { "hdc", 5632 },
    { "hdd", 5696 }, { "hde", 8448 }, { "hdt", 23360 }, { "hdt63", 23423 },
    /* xl's dNpM and plain numbers */
    { "d0p0", 51712 }, { "d1p2", 51730 }, { "d16p0", 268439552 },
    { "51712", 51712 }, { "0x100", 256 }, { "2147483647", 2147483647 },
};

static const char *const must_fail[] = {
    "", "xvd", "xvda0", "xvda01", "xvdA", "xvda1x", "xvd-a", "xvda256",
    "xvdaaaaaa", "sd", "sda16", "sddy", "sda0", "hd", "hdu", "hda64",
    "floppy0", "vda", "0", "-1", "2147483648", "99999999999", "d1", "dp1",
    "d1p", "d1p256", "12ab", " xvda", "xvda ", "xvdaaaaaaaaaaaaaaaaa",
};

int main(void)
{
    for (size_t k = 0; k < sizeof(golden) / sizeof(golden[0]); k++) {
        uint32_t n = 0;
        int r = vdev_number(golden[k].name, &n);
        CHECK_EQ(r, 0);
        CHECK_EQ(n, golden[k].number);
        if (r != 0 || n != golden[k].number)
            fprintf(stderr, "  name %s -> %d %u\n", golden[k].name, r, n);
    }
    for (size_t k = 0; k < sizeof(must_fail) / sizeof(must_fail[0]); k++) {
        uint32_t n = 0;
        int r = vdev_number(must_fail[k], &n);
        CHECK_EQ(r, -EINVAL);
        if (r != -EINVAL)
            fprintf(stderr, "  '%s' accepted as %u\n", must_fail[k], n);
    }
    return check_done("test_vdev");
}
