/* Symbols for crash reports from an ELF symbol table: functions with and
 * without sizes, data that is not text, and tables that lie. */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "loader/loader.h"

#define TEXT 0x100000ULL
#define DATA 0x200000ULL

/* Sections: null, .text (AX), .data (WA), .symtab, .strtab. */
struct img {
    Elf64_Ehdr eh;
    Elf64_Shdr sh[5];
    Elf64_Sym sym[6];
    char str[64];
};

static struct img *build(void)
{
    struct img *m = calloc(1, sizeof(*m));
    static const char strs[] = "\0f_sized\0label\0an_object\0.local\0";
    memcpy(m->str, strs, sizeof(strs));
    memcpy(m->eh.e_ident, ELFMAG, SELFMAG);
    m->eh.e_ident[EI_CLASS] = ELFCLASS64;
    m->eh.e_type = ET_EXEC;
    m->eh.e_machine = EM_X86_64;
    m->eh.e_shoff = offsetof(struct img, sh);
    m->eh.e_shentsize = sizeof(Elf64_Shdr);
    m->eh.e_shnum = 5;
    m->sh[1] = (Elf64_Shdr){ .sh_type = SHT_PROGBITS, .sh_flags = SHF_ALLOC | SHF_EXECINSTR,
                             .sh_addr = TEXT, .sh_size = 0x100 };
    m->sh[2] = (Elf64_Shdr){ .sh_type = SHT_PROGBITS, .sh_flags = SHF_ALLOC | SHF_WRITE,
                             .sh_addr = DATA, .sh_size = 0x40 };
    m->sh[3] = (Elf64_Shdr){ .sh_type = SHT_SYMTAB, .sh_link = 4,
                             .sh_offset = offsetof(struct img, sym),
                             .sh_size = sizeof(m->sym), .sh_entsize = sizeof(Elf64_Sym) };
    m->sh[4] = (Elf64_Shdr){ .sh_type = SHT_STRTAB, .sh_offset = offsetof(struct img, str),
                             .sh_size = sizeof(m->str) };
    m->sym[1] = (Elf64_Sym){ .st_name = 1, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC),
                             .st_shndx = 1, .st_value = TEXT, .st_size = 0x20 };
    /* An assembly label: no type, no size (ends at the section's end). */
    m->sym[2] = (Elf64_Sym){ .st_name = 9, .st_info = ELF64_ST_INFO(STB_LOCAL, STT_NOTYPE),
                             .st_shndx = 1, .st_value = TEXT + 0x40 };
    m->sym[3] = (Elf64_Sym){ .st_name = 15, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_OBJECT),
                             .st_shndx = 2, .st_value = DATA, .st_size = 8 };
    m->sym[4] = (Elf64_Sym){ .st_name = 25, .st_info = ELF64_ST_INFO(STB_LOCAL, STT_NOTYPE),
                             .st_shndx = 1, .st_value = TEXT + 0x10 };
    /* A name past the string table: skipped. */
    m->sym[5] = (Elf64_Sym){ .st_name = 4000, .st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC),
                             .st_shndx = 1, .st_value = TEXT + 0x80, .st_size = 4 };
    return m;
}

static void test_lookup(void)
{
    struct img *m = build();
    struct ksymtab *t = ksymtab_build((const uint8_t *)m, sizeof(*m));
    char buf[128];
    struct ksym s;

    CHECK(t != NULL);
    CHECK_STR(ksymtab_origin(t), "ELF symtab");
    CHECK_EQ(ksymtab_count(t), 2);
    CHECK_EQ(ksymtab_format(t, TEXT + 0x12, buf, sizeof(buf)), 0);
    CHECK_STR(buf, "f_sized+0x12/0x20");
    CHECK_EQ(ksymtab_find(t, TEXT + 0x30, &s), -ENOENT);    /* past f_sized */
    CHECK_EQ(ksymtab_format(t, TEXT + 0x50, buf, sizeof(buf)), 0);
    CHECK_STR(buf, "label+0x10/0xc0");
    CHECK_EQ(ksymtab_find(t, TEXT + 0x100, &s), -ENOENT);   /* section end */
    CHECK_EQ(ksymtab_find(t, DATA, &s), -ENOENT);           /* not text */
    CHECK_EQ(ksymtab_find(t, TEXT - 1, &s), -ENOENT);
    ksymtab_free(t);
    free(m);
}

/* Lying headers: nothing read outside the file, no table built. */
static void test_hostile(void)
{
    struct img *m = build();
    m->sh[3].sh_size = 1ULL << 40;
    CHECK(ksymtab_build((const uint8_t *)m, sizeof(*m)) == NULL);
    m->sh[3].sh_size = sizeof(m->sym);
    m->sh[3].sh_link = 77;
    CHECK(ksymtab_build((const uint8_t *)m, sizeof(*m)) == NULL);
    m->sh[3].sh_link = 4;
    m->eh.e_shoff = 1ULL << 62;
    CHECK(ksymtab_build((const uint8_t *)m, sizeof(*m)) == NULL);
    m->eh.e_shoff = offsetof(struct img, sh);
    m->eh.e_shnum = 60000;
    struct ksymtab *t = ksymtab_build((const uint8_t *)m, sizeof(*m));
    CHECK(t != NULL);           /* the 5 real headers still hold */
    ksymtab_free(t);
    CHECK(ksymtab_build((const uint8_t *)m, 16) == NULL);
    CHECK_STR(ksymtab_origin(NULL), "none");
    CHECK_EQ(ksymtab_count(NULL), 0);
    free(m);
}

int main(void)
{
    test_lookup();
    test_hostile();
    return check_done("loader_symtab");
}
