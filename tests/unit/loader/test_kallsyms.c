/* Finding the hypercall stubs through kallsyms tables: synthetic tables
 * in the layout Linux 6.1 emits, and what happens when they lie. */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/elfnote.h>

#include "check.h"
#include "loader/loader_int.h"
#include "loader_test_util.h"

static char err[256];

#define BASE 0xffffffff81000000ULL
#define TEXT_PADDR (16 * TEST_MIB)
#define AMD_OFF 0x100
#define INTEL_OFF 0x110
#define NSYMS 300
#define TOK_XEN 0x01        /* multi-character token "xen_" */

struct blob {
    uint8_t *b;
    size_t len;
    size_t markers;         /* where, for the corruption tests */
};

static void put(struct blob *x, const void *p, size_t n)
{
    memcpy(x->b + x->len, p, n);
    x->len += n;
}

static void pad8(struct blob *x)
{
    while (x->len % 8)
        x->b[x->len++] = 0;
}

static const char *token(unsigned t, char buf[3])
{
    if (t == TOK_XEN)
        return "xen_";
    bool plain = (t >= '0' && t <= '9') || (t >= 'a' && t <= 'z') ||
                 (t >= 'A' && t <= 'Z') || t == '_';
    buf[0] = plain ? (char)t : 'q';
    buf[1] = plain ? '\0' : (char)('a' + t % 26);
    buf[2] = '\0';
    return buf;
}

/* Symbol i: name and offset from BASE. */
static void sym(unsigned i, char *name, uint64_t *off)
{
    if (i == 100) {
        strcpy(name, "Txen_hypercall_amd");
        *off = AMD_OFF;
    } else if (i == 101) {
        strcpy(name, "txen_hypercall_intel");
        *off = INTEL_OFF;
    } else {
        sprintf(name, "tsym_%u", i);
        *off = 0x200 + i;
    }
}

static void put_names(struct blob *x, size_t *name_off)
{
    size_t start = x->len;
    for (unsigned i = 0; i < NSYMS; i++) {
        char name[64];
        uint64_t off;
        sym(i, name, &off);
        name_off[i] = x->len - start;
        uint8_t enc[64];
        size_t n = 0;
        for (const char *c = name; *c; c++) {
            if (strncmp(c, "xen_", 4) == 0) {
                enc[n++] = TOK_XEN;
                c += 3;
            } else {
                enc[n++] = (uint8_t)*c;
            }
        }
        uint8_t len = (uint8_t)n;
        put(x, &len, 1);
        put(x, enc, n);
    }
}

/* offsets, relative_base, num_syms, names, markers, filler, token table,
 * token index: the order of Debian's 6.1.192. */
static struct blob kallsyms_blob(void)
{
    struct blob x = { calloc(1, 64 * 1024), 0, 0 };
    for (unsigned i = 0; i < NSYMS; i++) {
        char name[64];
        uint64_t off;
        sym(i, name, &off);
        int32_t enc = (int32_t)(-1 - (int64_t)off);    /* absolute-percpu form */
        put(&x, &enc, 4);
    }
    pad8(&x);
    uint64_t base = BASE;
    uint32_t n = NSYMS, zero = 0;
    put(&x, &base, 8);
    put(&x, &n, 4);
    put(&x, &zero, 4);
    size_t name_off[NSYMS];
    put_names(&x, name_off);
    pad8(&x);
    x.markers = x.len;
    for (unsigned i = 0; i < NSYMS; i += 256) {
        uint32_t m = (uint32_t)name_off[i];
        put(&x, &m, 4);
    }
    pad8(&x);
    static const uint8_t filler[40] = { 1, 2, 3 };     /* seqs_of_names */
    put(&x, filler, sizeof(filler));
    size_t table = x.len;
    uint16_t index[256];
    for (unsigned t = 0; t < 256; t++) {
        char buf[3];
        const char *s = token(t, buf);
        index[t] = (uint16_t)(x.len - table);
        put(&x, s, strlen(s) + 1);
    }
    pad8(&x);
    put(&x, index, sizeof(index));
    return x;
}

/* A kernel whose text holds the stubs (the second after an endbr64), the
 * blob, and, optionally, the signature of Debian's stubs elsewhere. */
static uint8_t *kernel(const struct blob *x, const uint8_t *sig, size_t sig_len,
                       size_t *len)
{
    size_t text_len = 0x1000 + x->len + 0x1000;
    uint8_t *text = calloc(1, text_len);
    memcpy(text + AMD_OFF, "\x0f\x01\xd9\xc3", 4);
    memcpy(text + INTEL_OFF, "\xf3\x0f\x1e\xfa\x0f\x01\xc1\xc3", 8);
    memcpy(text + 0x1000, x->b, x->len);
    if (sig)
        memcpy(text + 0x1000 + x->len + 0x100, sig, sig_len);
    struct test_elf t = { .nseg = 1 };
    t.seg[0] = (struct test_seg){ .paddr = TEXT_PADDR, .vaddr = BASE,
                                  .filesz = text_len, .data = text };
    test_elf_add_entry(&t, TEXT_PADDR);
    test_elf_add_note(&t, XEN_ELFNOTE_GUEST_OS, "linux", 6);
    uint8_t *img = test_elf_build(&t, len);
    free(text);
    return img;
}

static int boot(const uint8_t *img, size_t len, struct guest_ram *ram,
                struct boot_result *res)
{
    struct boot_config cfg = { .kernel = img, .kernel_len = len, .vcpus = 1 };
    return boot_prepare(ram, &cfg, res, err, sizeof(err));
}

static void test_lookup(void)
{
    struct blob x = kallsyms_blob();
    size_t len;
    uint8_t *img = kernel(&x, NULL, 0, &len);
    struct kallsyms ks;
    CHECK_EQ(kallsyms_find(img, len, &ks), 0);
    CHECK_EQ(ks.nsyms, NSYMS);
    CHECK_EQ(ks.base, BASE);
    CHECK(ks.abs_percpu);
    uint64_t va = 0;
    CHECK_EQ(kallsyms_lookup(&ks, "xen_hypercall_amd", &va), 0);
    CHECK_EQ(va, BASE + AMD_OFF);
    CHECK_EQ(kallsyms_lookup(&ks, "xen_hypercall_intel", &va), 0);
    CHECK_EQ(va, BASE + INTEL_OFF);
    CHECK_EQ(kallsyms_lookup(&ks, "sym_299", &va), 0);
    CHECK_EQ(va, BASE + 0x200 + 299);
    CHECK_EQ(kallsyms_lookup(&ks, "xen_hypercall", &va), -ENOENT);
    CHECK_EQ(kallsyms_find(img, 32, &ks), -ENOENT);

    /* Address -> symbol, as a crash report decodes RIP. */
    struct ksymtab *t = ksymtab_build(img, len);
    char buf[128];
    CHECK(t != NULL);
    CHECK_STR(ksymtab_origin(t), "kallsyms");
    CHECK_EQ(ksymtab_count(t), NSYMS);
    CHECK_EQ(ksymtab_format(t, BASE + AMD_OFF + 5, buf, sizeof(buf)), 0);
    CHECK_STR(buf, "xen_hypercall_amd+0x5/0x10");
    CHECK_EQ(ksymtab_format(t, BASE + INTEL_OFF, buf, sizeof(buf)), 0);
    CHECK_STR(buf, "xen_hypercall_intel+0x0/0xf0");
    CHECK_EQ(ksymtab_format(t, BASE + 0x200 + 7, buf, sizeof(buf)), 0);
    CHECK_STR(buf, "sym_7+0x0/0x1");
    CHECK_EQ(ksymtab_format(t, BASE + 0x50, buf, sizeof(buf)), -ENOENT);
    ksymtab_free(t);
    free(img);
    free(x.b);
}

static void test_boot_by_kallsyms(void)
{
    struct blob x = kallsyms_blob();
    size_t len;
    uint8_t *img = kernel(&x, NULL, 0, &len);
    struct guest_ram ram = test_ram(64 * TEST_MIB, 0);
    struct boot_result res;
    CHECK_EQ(boot(img, len, &ram, &res), 0);
    CHECK_EQ(res.patched_sites, 2);
    CHECK_STR(res.patch_method, "kallsyms");
    CHECK_EQ(res.hcall_sites_gpa[0], TEXT_PADDR + AMD_OFF);
    CHECK_EQ(res.hcall_sites_gpa[1], TEXT_PADDR + INTEL_OFF + 4);   /* after endbr64 */
    CHECK_EQ(memcmp(ram.low + TEXT_PADDR + AMD_OFF, "\xe7\x5c\x90\xc3", 4), 0);
    CHECK_EQ(memcmp(ram.low + TEXT_PADDR + INTEL_OFF, "\xf3\x0f\x1e\xfa\xe7\x5c\x90\xc3", 8),
             0);
    test_ram_free(&ram);
    free(img);
    free(x.b);
}

/* Tables that do not hold together are not used: no kallsyms, and no
 * signature either, so the kernel is refused. */
static void test_bad_tables(void)
{
    struct blob x = kallsyms_blob();
    x.b[x.markers + 4] = 0x77;     /* markers[1] no longer matches name 256 */
    size_t len;
    uint8_t *img = kernel(&x, NULL, 0, &len);
    struct kallsyms ks;
    CHECK_EQ(kallsyms_find(img, len, &ks), -ENOENT);
    struct guest_ram ram = test_ram(64 * TEST_MIB, 0);
    struct boot_result res;
    CHECK_EQ(boot(img, len, &ram, &res), -ENOENT);
    CHECK(test_contains(err, "found 0 candidate sites"));
    free(img);
    free(x.b);

    /* The symbols exist but do not start with vmmcall/vmcall. */
    x = kallsyms_blob();
    img = kernel(&x, NULL, 0, &len);
    size_t text = len - (0x1000 + x.len + 0x1000);
    img[text + AMD_OFF + 2] = 0xc1;
    CHECK_EQ(boot(img, len, &ram, &res), -ENOENT);
    test_ram_free(&ram);
    free(img);
    free(x.b);
}

/* The signature of Debian's stubs, placed elsewhere than kallsyms says. */
static void test_disagreement(void)
{
    static const uint8_t sig[] = {
        0x48, 0x8d, 0x0d, 0x17, 0x00, 0x00, 0x00, 0x48, 0x39, 0xc1,
        0x41, 0x58, 0x41, 0x59, 0x41, 0x5a, 0x41, 0x5b, 0x5e, 0x5f, 0x5a, 0x59, 0x58,
        0x74, 0x05, 0xeb, 0x13, 0x0f, 0x1f, 0x00,
        0x0f, 0x01, 0xd9, 0xe9, 0xa8, 0xe0, 0x3b, 0x00,
        0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x0f, 0x01, 0xc1, 0xe9, 0x98, 0xe0, 0x3b, 0x00,
    };
    struct blob x = kallsyms_blob();
    size_t len;
    uint8_t *img = kernel(&x, sig, sizeof(sig), &len);
    struct guest_ram ram = test_ram(64 * TEST_MIB, 0);
    struct boot_result res;
    CHECK_EQ(boot(img, len, &ram, &res), -EEXIST);
    CHECK(test_contains(err, "disagree"));
    test_ram_free(&ram);
    free(img);
    free(x.b);
}

/* "test_loader_kallsyms FILE" writes the synthetic kernel (a fuzz seed). */
static int write_seed(const char *path)
{
    struct blob x = kallsyms_blob();
    size_t len;
    uint8_t *img = kernel(&x, NULL, 0, &len);
    FILE *f = fopen(path, "wb");
    int rc = f && fwrite(img, 1, len, f) == len ? 0 : 1;
    if (f)
        fclose(f);
    free(img);
    free(x.b);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 2)
        return write_seed(argv[1]);
    test_lookup();
    test_boot_by_kallsyms();
    test_bad_tables();
    test_disagreement();
    return check_done("test_loader_kallsyms");
}
