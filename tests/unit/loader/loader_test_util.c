/* Synthetic kernels for the loader tests. */
#include "loader_test_util.h"

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xen/elfnote.h>

void test_elf_add_note(struct test_elf *t, uint32_t type, const void *desc,
                       uint32_t descsz)
{
    struct test_note *n = &t->note[t->nnote++];
    *n = (struct test_note){ .type = type, .descsz = descsz };
    memcpy(n->desc, desc, descsz);
}

void test_elf_add_entry(struct test_elf *t, uint32_t entry)
{
    test_elf_add_note(t, XEN_ELFNOTE_PHYS32_ENTRY, &entry, 4);
}

static size_t align4(size_t x)
{
    return (x + 3) & ~(size_t)3;
}

static size_t notes_size(const struct test_elf *t)
{
    size_t n = 0;
    for (unsigned i = 0; i < t->nnote; i++) {
        const char *name = t->note[i].name ? t->note[i].name : "Xen";
        n += 12 + align4(strlen(name) + 1) + align4(t->note[i].descsz);
    }
    return n;
}

static uint8_t *write_notes(const struct test_elf *t, uint8_t *p)
{
    for (unsigned i = 0; i < t->nnote; i++) {
        const char *name = t->note[i].name ? t->note[i].name : "Xen";
        uint32_t hdr[3] = { (uint32_t)strlen(name) + 1, t->note[i].descsz, t->note[i].type };
        memcpy(p, hdr, 12);
        p += 12;
        memcpy(p, name, hdr[0]);
        p += align4(hdr[0]);
        memcpy(p, t->note[i].desc, t->note[i].descsz);
        p += align4(t->note[i].descsz);
    }
    return p;
}

static void put_phdr(uint8_t *p, bool elf32, const struct test_seg *s, uint64_t off)
{
    uint32_t type = s->type ? s->type : PT_LOAD;
    uint32_t flags = s->flags ? s->flags : PF_R | PF_X;
    uint64_t vaddr = s->vaddr ? s->vaddr : s->paddr;
    uint64_t memsz = s->memsz ? s->memsz : s->filesz;
    if (elf32) {
        Elf32_Phdr ph = { type, (Elf32_Off)off, (Elf32_Addr)vaddr, (Elf32_Addr)s->paddr,
                          (Elf32_Word)s->filesz, (Elf32_Word)memsz, flags, 4 };
        memcpy(p, &ph, sizeof(ph));
    } else {
        Elf64_Phdr ph = { type, flags, off, vaddr, s->paddr, s->filesz, memsz, 4 };
        memcpy(p, &ph, sizeof(ph));
    }
}

static void put_ehdr(uint8_t *p, const struct test_elf *t, unsigned phnum)
{
    uint16_t machine = t->machine ? t->machine : EM_X86_64;
    unsigned char ident[EI_NIDENT] = { 0x7f, 'E', 'L', 'F',
                                       t->elf32 ? ELFCLASS32 : ELFCLASS64,
                                       ELFDATA2LSB, EV_CURRENT };
    if (t->elf32) {
        Elf32_Ehdr eh = { .e_type = ET_EXEC, .e_machine = machine,
                          .e_version = EV_CURRENT, .e_phoff = sizeof(Elf32_Ehdr),
                          .e_ehsize = sizeof(Elf32_Ehdr),
                          .e_phentsize = sizeof(Elf32_Phdr), .e_phnum = phnum };
        memcpy(eh.e_ident, ident, EI_NIDENT);
        memcpy(p, &eh, sizeof(eh));
    } else {
        Elf64_Ehdr eh = { .e_type = ET_EXEC, .e_machine = machine,
                          .e_version = EV_CURRENT, .e_phoff = sizeof(Elf64_Ehdr),
                          .e_ehsize = sizeof(Elf64_Ehdr),
                          .e_phentsize = sizeof(Elf64_Phdr), .e_phnum = phnum };
        memcpy(eh.e_ident, ident, EI_NIDENT);
        memcpy(p, &eh, sizeof(eh));
    }
}

/* Layout: ELF header, program headers (segments, then one PT_NOTE), notes,
 * segment data. */
uint8_t *test_elf_build(const struct test_elf *t, size_t *len)
{
    size_t ehsz = t->elf32 ? sizeof(Elf32_Ehdr) : sizeof(Elf64_Ehdr);
    size_t phsz = t->elf32 ? sizeof(Elf32_Phdr) : sizeof(Elf64_Phdr);
    unsigned phnum = t->nseg + (t->nnote ? 1 : 0);
    size_t notes_off = ehsz + phnum * phsz;
    size_t data_off = (notes_off + notes_size(t) + 15) & ~(size_t)15;
    size_t total = data_off;
    for (unsigned i = 0; i < t->nseg; i++)
        total += t->seg[i].filesz;
    uint8_t *buf = calloc(1, total);
    put_ehdr(buf, t, phnum);
    size_t off = data_off;
    for (unsigned i = 0; i < t->nseg; i++) {
        const struct test_seg *s = &t->seg[i];
        put_phdr(buf + ehsz + i * phsz, t->elf32, s, off);
        for (uint64_t j = 0; j < s->filesz; j++)
            buf[off + j] = s->data ? s->data[j] : (uint8_t)(0x11 + j % 200);
        off += s->filesz;
    }
    if (t->nnote) {
        struct test_seg ns = { .type = PT_NOTE, .flags = PF_R,
                               .filesz = notes_size(t) };
        put_phdr(buf + ehsz + t->nseg * phsz, t->elf32, &ns, notes_off);
        write_notes(t, buf + notes_off);
    }
    *len = total;
    return buf;
}

uint8_t *test_elf_simple(size_t *len)
{
    struct test_elf t = { .nseg = 1 };
    t.seg[0] = (struct test_seg){ .paddr = 16 * TEST_MIB, .filesz = 0x10000 };
    test_elf_add_entry(&t, 16 * TEST_MIB);
    return test_elf_build(&t, len);
}

uint8_t *test_bzimage(const uint8_t *payload, size_t plen, uint16_t version,
                      size_t *len)
{
    const unsigned setup_sects = 4;
    size_t pm = (setup_sects + 1) * 512, poff = 0x100;
    uint8_t *b = calloc(1, pm + poff + plen);
    b[0x1f1] = setup_sects;
    b[0x1fe] = 0x55;
    b[0x1ff] = 0xaa;
    memcpy(b + 0x202, "HdrS", 4);
    memcpy(b + 0x206, &version, 2);
    uint32_t off32 = (uint32_t)poff, len32 = (uint32_t)plen;
    memcpy(b + 0x248, &off32, 4);
    memcpy(b + 0x24c, &len32, 4);
    memcpy(b + pm + poff, payload, plen);
    *len = pm + poff + plen;
    return b;
}

struct guest_ram test_ram(uint64_t low, uint64_t high)
{
    struct guest_ram r = { malloc(low), low, high ? calloc(1, high) : NULL, high };
    memset(r.low, 0xaa, low);
    return r;
}

void test_ram_free(struct guest_ram *ram)
{
    free(ram->low);
    free(ram->high);
}

bool test_contains(const char *haystack, const char *needle)
{
    bool ok = strstr(haystack, needle) != NULL;
    if (!ok)
        fprintf(stderr, "  \"%s\" does not contain \"%s\"\n", haystack, needle);
    return ok;
}

uint8_t *test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    uint8_t *b = n > 0 ? malloc((size_t)n) : NULL;
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = b ? (size_t)n : 0;
    return b;
}
