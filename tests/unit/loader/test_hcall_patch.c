/* The hypercall-site patcher on synthetic buffers: 0, 1 and 2 matches, near
 * misses, and the patch inside boot_prepare. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <xen/elfnote.h>

#include "check.h"
#include "loader_test_util.h"

static char err[256];

/* The end of xen_hypercall_hvm and the two stubs as in Debian's 6.1.0-56
 * (objdump of vmlinux at file offset 0xc43c62). */
static const uint8_t stubs[] = {
    0x48, 0x8d, 0x0d, 0x17, 0x00, 0x00, 0x00, 0x48, 0x39, 0xc1,
    0x41, 0x58, 0x41, 0x59, 0x41, 0x5a, 0x41, 0x5b, 0x5e, 0x5f, 0x5a, 0x59, 0x58,
    0x74, 0x05, 0xeb, 0x13, 0x0f, 0x1f, 0x00,
    0x0f, 0x01, 0xd9, 0xe9, 0xa8, 0xe0, 0x3b, 0x00,                 /* +30 */
    0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x0f, 0x01, 0xc1, 0xe9, 0x98, 0xe0, 0x3b, 0x00,                 /* +46 */
    0xcc, 0xcc, 0xcc, 0xcc,
};

#define BUF_LEN 0x10000

static uint8_t *buffer_with(unsigned copies)
{
    uint8_t *b = malloc(BUF_LEN);
    for (size_t i = 0; i < BUF_LEN; i++)
        b[i] = (uint8_t)(i * 31 >> 3);
    /* Lone vmcall/vmmcall elsewhere (KVM, Hyper-V code) must be ignored. */
    memcpy(b + 0x100, "\x0f\x01\xc1\xc3", 4);
    memcpy(b + 0x200, "\x0f\x01\xd9\xc3", 4);
    for (unsigned i = 0; i < copies; i++)
        memcpy(b + 0x1000 + i * 0x3000, stubs, sizeof(stubs));
    return b;
}

static void test_zero(void)
{
    uint8_t *b = buffer_with(0);
    CHECK_EQ(hcall_sites_patch(b, BUF_LEN, err, sizeof(err)), -ENOENT);
    CHECK_STR(err, "Linux kernel issues Xen hypercalls with vmcall/vmmcall but xeno "
                   "found 0 candidate sites; refusing to boot it");
    free(b);
}

static void test_one(void)
{
    uint8_t *b = buffer_with(1), *orig = buffer_with(1);
    CHECK_EQ(hcall_sites_patch(b, BUF_LEN, err, sizeof(err)), 2);
    CHECK_EQ(memcmp(b + 0x1000 + 30, "\xe7\x5c\x90", 3), 0);
    CHECK_EQ(memcmp(b + 0x1000 + 46, "\xe7\x5c\x90", 3), 0);
    CHECK_EQ(b[0x1000 + 30 + 1], XENO_HCALL_PORT);
    /* Once patched, the signature is gone. */
    uint8_t *again = malloc(BUF_LEN);
    memcpy(again, b, BUF_LEN);
    CHECK_EQ(hcall_sites_patch(again, BUF_LEN, err, sizeof(err)), -ENOENT);
    free(again);
    /* Nothing else changed. */
    memcpy(b + 0x1000 + 30, orig + 0x1000 + 30, 3);
    memcpy(b + 0x1000 + 46, orig + 0x1000 + 46, 3);
    CHECK_EQ(memcmp(b, orig, BUF_LEN), 0);
    free(b);
    free(orig);
}

static void test_two(void)
{
    uint8_t *b = buffer_with(2), *orig = buffer_with(2);
    CHECK_EQ(hcall_sites_patch(b, BUF_LEN, err, sizeof(err)), -EEXIST);
    CHECK(test_contains(err, "found 4 candidate sites; refusing to boot it"));
    CHECK_EQ(memcmp(b, orig, BUF_LEN), 0);      /* untouched */
    free(b);
    free(orig);
}

static void test_near_misses(void)
{
    /* Stubs that jump to different places are not the pair. */
    uint8_t *b = buffer_with(1);
    b[0x1000 + 46 + 4] ^= 1;
    CHECK_EQ(hcall_sites_patch(b, BUF_LEN, err, sizeof(err)), -ENOENT);
    free(b);
    /* Swapped instructions. */
    b = buffer_with(1);
    b[0x1000 + 32] = 0xc1;
    CHECK_EQ(hcall_sites_patch(b, BUF_LEN, err, sizeof(err)), -ENOENT);
    free(b);
    /* Cut short at the end of the buffer. */
    b = buffer_with(0);
    memcpy(b + BUF_LEN - sizeof(stubs) + 10, stubs, sizeof(stubs) - 10);
    CHECK_EQ(hcall_sites_patch(b, BUF_LEN, err, sizeof(err)), -ENOENT);
    /* Exactly at the end still counts. */
    memcpy(b + BUF_LEN - 54, stubs, 54);
    CHECK_EQ(hcall_sites_patch(b, BUF_LEN, err, sizeof(err)), 2);
    CHECK_EQ(hcall_sites_patch(b, 10, err, sizeof(err)), -ENOENT);
    free(b);
}

/* boot_prepare patches a "linux" ELF without a hypercall page in guest RAM. */
static void test_in_boot(void)
{
    uint8_t *text = buffer_with(1);
    struct test_elf t = { .nseg = 1 };
    t.seg[0] = (struct test_seg){ .paddr = 16 * TEST_MIB, .filesz = BUF_LEN, .data = text };
    test_elf_add_entry(&t, 16 * TEST_MIB);
    test_elf_add_note(&t, XEN_ELFNOTE_GUEST_OS, "linux", 6);
    size_t len;
    uint8_t *img = test_elf_build(&t, &len);
    struct guest_ram ram = test_ram(64 * TEST_MIB, 0);
    struct boot_config cfg = { .kernel = img, .kernel_len = len, .vcpus = 1 };
    struct boot_result res;
    CHECK_EQ(boot_prepare(&ram, &cfg, &res, err, sizeof(err)), 0);
    CHECK_EQ(res.patched_sites, 2);
    CHECK_EQ(memcmp(ram.low + 16 * TEST_MIB + 0x1000 + 30, "\xe7\x5c\x90", 3), 0);
    CHECK_EQ(memcmp(ram.low + 16 * TEST_MIB + 0x1000 + 46, "\xe7\x5c\x90", 3), 0);
    /* The input image itself is not modified. */
    CHECK_EQ(memcmp(img + len - BUF_LEN, text, BUF_LEN), 0);
    free(img);

    /* Two copies in two executable segments: refused. */
    t.nseg = 2;
    t.seg[1] = (struct test_seg){ .paddr = 20 * TEST_MIB, .filesz = BUF_LEN, .data = text };
    img = test_elf_build(&t, &len);
    cfg.kernel = img;
    cfg.kernel_len = len;
    CHECK_EQ(boot_prepare(&ram, &cfg, &res, err, sizeof(err)), -EEXIST);
    CHECK(test_contains(err, "found 4 candidate sites"));
    /* A data (non-executable) segment is not searched. */
    t.seg[1].flags = 4;     /* PF_R */
    free(img);
    img = test_elf_build(&t, &len);
    cfg.kernel = img;
    cfg.kernel_len = len;
    CHECK_EQ(boot_prepare(&ram, &cfg, &res, err, sizeof(err)), 0);
    CHECK_EQ(res.patched_sites, 2);
    free(img);
    test_ram_free(&ram);
    free(text);
}

int main(void)
{
    test_zero();
    test_one();
    test_two();
    test_near_misses();
    test_in_boot();
    return check_done("test_loader_hcall_patch");
}
