/* A kernel's text symbols, for crash reports: address -> name+off/size.
 * Built once at load time from the ELF symbol table when the image has one
 * (freestanding kernels, unstripped vmlinux), else from Linux's kallsyms
 * tables (Debian's bzImage carries a stripped vmlinux).  The table is a
 * private copy: the guest can scribble on its own memory, not on this.
 *
 * Entries are sorted by address.  Symbols that are not text (data, end
 * markers such as _etext) are kept while sizes are computed, so a text
 * symbol ends where the next symbol of any kind begins, as Linux's own
 * kallsyms_lookup_size_offset() does, and then dropped. */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/loader_int.h"

#define SYMTAB_MAX_SYMS 4000000u
#define SYMTAB_NAME_MAX 127             /* longer names are cut */
#define SYMTAB_MAX_SECTIONS 65535u
#define NO_NAME UINT32_MAX              /* a boundary, not a text symbol */

struct ksym_entry {
    uint64_t addr;
    uint32_t size;                      /* 0: unknown */
    uint32_t name;                      /* offset in names, or NO_NAME */
};

struct ksymtab {
    struct ksym_entry *e;
    size_t n, cap;
    char *names;
    size_t names_len, names_cap;
    const char *origin;
};

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 1024;
    while (ncap < need)
        ncap *= 2;
    void *q = realloc(*p, ncap * elem);
    if (!q)
        return -ENOMEM;
    *p = q;
    *cap = ncap;
    return 0;
}

/* name NULL: a boundary. */
static int sym_add(struct ksymtab *t, uint64_t addr, uint64_t size, const char *name)
{
    if (t->n >= SYMTAB_MAX_SYMS || grow((void **)&t->e, &t->cap, t->n + 1, sizeof(*t->e)))
        return -ENOMEM;
    uint32_t off = NO_NAME;
    if (name) {
        size_t len = strnlen(name, SYMTAB_NAME_MAX);
        if (t->names_len + len + 1 >= NO_NAME ||
            grow((void **)&t->names, &t->names_cap, t->names_len + len + 1, 1))
            return -ENOMEM;
        off = (uint32_t)t->names_len;
        memcpy(t->names + off, name, len);
        t->names[off + len] = '\0';
        t->names_len += len + 1;
    }
    t->e[t->n++] = (struct ksym_entry){ addr, size > UINT32_MAX ? 0 : (uint32_t)size, off };
    return 0;
}

/* By address; at one address text before boundaries, then table order. */
static int entry_cmp(const void *a, const void *b)
{
    const struct ksym_entry *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    if ((x->name == NO_NAME) != (y->name == NO_NAME))
        return x->name == NO_NAME ? 1 : -1;
    return x->name < y->name ? -1 : x->name > y->name;
}

/* Sort, give sizeless symbols the distance to the next address, drop the
 * boundaries.  -ENOENT when no text symbol is left. */
static int finish(struct ksymtab *t)
{
    if (!t->n)
        return -ENOENT;
    qsort(t->e, t->n, sizeof(*t->e), entry_cmp);
    size_t next = 0, out = 0;
    for (size_t i = 0; i < t->n; i++) {
        struct ksym_entry s = t->e[i];
        if (s.name == NO_NAME)
            continue;
        if (next <= i)
            next = i + 1;
        while (next < t->n && t->e[next].addr == s.addr)
            next++;
        if (!s.size && next < t->n && t->e[next].addr - s.addr <= UINT32_MAX)
            s.size = (uint32_t)(t->e[next].addr - s.addr);
        t->e[out++] = s;
    }
    t->n = out;
    return out ? 0 : -ENOENT;
}

/* ---- Linux kallsyms ---- */

static bool kallsyms_is_text(char type)
{
    return type == 't' || type == 'T' || type == 'w' || type == 'W';
}

/* Markers that end a text range: never a function themselves. */
static bool kallsyms_is_marker(const char *name)
{
    static const char *const markers[] = { "_etext", "_einittext", "__init_end",
                                           "__entry_text_end", "_end" };
    for (size_t i = 0; i < sizeof(markers) / sizeof(markers[0]); i++)
        if (strcmp(name, markers[i]) == 0)
            return true;
    return false;
}

static int add_kallsym(void *opaque, char type, const char *name, uint64_t vaddr)
{
    bool text = kallsyms_is_text(type) && !kallsyms_is_marker(name);
    return sym_add(opaque, vaddr, 0, text ? name : NULL) ? 1 : 0;
}

static int from_kallsyms(struct ksymtab *t, const uint8_t *img, size_t len)
{
    struct kallsyms ks;
    if (kallsyms_find(img, len, &ks) < 0)
        return -ENOENT;
    if (kallsyms_each(&ks, add_kallsym, t))
        return -ENOMEM;
    t->origin = "kallsyms";
    return finish(t);
}

/* ---- ELF .symtab ---- */

struct elf_sec {
    uint32_t type, link;
    uint64_t flags, addr, offset, size;
};

static bool elf_sec_read(const uint8_t *img, size_t len, bool elf32, uint64_t shoff,
                         unsigned i, struct elf_sec *s)
{
    size_t esz = elf32 ? sizeof(Elf32_Shdr) : sizeof(Elf64_Shdr);
    if (shoff > len || i >= (len - shoff) / esz)
        return false;
    const uint8_t *p = img + shoff + (size_t)i * esz;
    if (elf32) {
        Elf32_Shdr h;
        memcpy(&h, p, sizeof(h));
        *s = (struct elf_sec){ h.sh_type, h.sh_link, h.sh_flags, h.sh_addr,
                               h.sh_offset, h.sh_size };
    } else {
        Elf64_Shdr h;
        memcpy(&h, p, sizeof(h));
        *s = (struct elf_sec){ h.sh_type, h.sh_link, h.sh_flags, h.sh_addr,
                               h.sh_offset, h.sh_size };
    }
    return s->offset <= len && s->size <= len - s->offset;
}

struct elf_ctx {
    const uint8_t *img;
    size_t len;
    bool elf32;
    uint64_t shoff;
    unsigned shnum;
};

static bool sec_is_text(const struct elf_ctx *c, unsigned idx)
{
    struct elf_sec s;
    return idx < c->shnum && elf_sec_read(c->img, c->len, c->elf32, c->shoff, idx, &s) &&
           (s.flags & (SHF_ALLOC | SHF_EXECINSTR)) == (SHF_ALLOC | SHF_EXECINSTR);
}

static int elf_symbols(struct ksymtab *t, const struct elf_ctx *c,
                       const struct elf_sec *sym, const struct elf_sec *str)
{
    size_t esz = c->elf32 ? sizeof(Elf32_Sym) : sizeof(Elf64_Sym);
    const char *strs = (const char *)c->img + str->offset;
    for (uint64_t k = 1; k < sym->size / esz; k++) {
        const uint8_t *p = c->img + sym->offset + k * esz;
        uint64_t value, size;
        uint32_t name;
        unsigned type, shndx;
        if (c->elf32) {
            Elf32_Sym s;
            memcpy(&s, p, sizeof(s));
            value = s.st_value, size = s.st_size, name = s.st_name;
            type = ELF32_ST_TYPE(s.st_info), shndx = s.st_shndx;
        } else {
            Elf64_Sym s;
            memcpy(&s, p, sizeof(s));
            value = s.st_value, size = s.st_size, name = s.st_name;
            type = ELF64_ST_TYPE(s.st_info), shndx = s.st_shndx;
        }
        if (shndx == SHN_UNDEF || shndx >= SHN_LORESERVE ||
            (type != STT_FUNC && type != STT_NOTYPE && type != STT_OBJECT))
            continue;
        bool named = name < str->size && memchr(strs + name, 0, str->size - name) &&
                     strs[name] && strs[name] != '.' && strs[name] != '$';
        if (!named)
            continue;
        bool text = type != STT_OBJECT && sec_is_text(c, shndx);
        if (sym_add(t, value, text ? size : 0, text ? strs + name : NULL))
            return -ENOMEM;
    }
    return 0;
}

static int from_elf_symtab(struct ksymtab *t, const uint8_t *img, size_t len)
{
    struct elf_ctx c = { img, len, false, 0, 0 };
    if (len < sizeof(Elf64_Ehdr) || memcmp(img, ELFMAG, SELFMAG) != 0)
        return -ENOENT;
    c.elf32 = img[EI_CLASS] == ELFCLASS32;
    if (c.elf32) {
        Elf32_Ehdr h;
        memcpy(&h, img, sizeof(h));
        c.shoff = h.e_shoff, c.shnum = h.e_shnum;
        if (h.e_shentsize != sizeof(Elf32_Shdr))
            return -ENOENT;
    } else {
        Elf64_Ehdr h;
        memcpy(&h, img, sizeof(h));
        c.shoff = h.e_shoff, c.shnum = h.e_shnum;
        if (h.e_shentsize != sizeof(Elf64_Shdr))
            return -ENOENT;
    }
    if (!c.shoff || c.shnum > SYMTAB_MAX_SECTIONS)
        return -ENOENT;
    for (unsigned i = 0; i < c.shnum; i++) {
        struct elf_sec s, str;
        if (!elf_sec_read(img, len, c.elf32, c.shoff, i, &s))
            continue;
        /* Section ends bound the last function of each section. */
        if ((s.flags & SHF_ALLOC) && sym_add(t, s.addr + s.size, 0, NULL))
            return -ENOMEM;
        if (s.type != SHT_SYMTAB || s.link >= c.shnum ||
            !elf_sec_read(img, len, c.elf32, c.shoff, s.link, &str) ||
            str.type != SHT_STRTAB)
            continue;
        if (elf_symbols(t, &c, &s, &str))
            return -ENOMEM;
    }
    t->origin = "ELF symtab";
    return finish(t);
}

/* ---- the public side ---- */

static void reset(struct ksymtab *t)
{
    free(t->e);
    free(t->names);
    *t = (struct ksymtab){ 0 };
}

struct ksymtab *ksymtab_build(const uint8_t *img, size_t len)
{
    struct ksymtab *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    if (from_elf_symtab(t, img, len) == 0)
        return t;
    reset(t);
    if (from_kallsyms(t, img, len) == 0) {
        struct ksym_entry *e = realloc(t->e, t->n * sizeof(*e)); /* shrink */
        if (e)
            t->e = e;
        return t;
    }
    reset(t);
    free(t);
    return NULL;
}

void ksymtab_free(struct ksymtab *t)
{
    if (!t)
        return;
    reset(t);
    free(t);
}

const char *ksymtab_origin(const struct ksymtab *t)
{
    return t ? t->origin : "none";
}

size_t ksymtab_count(const struct ksymtab *t)
{
    return t ? t->n : 0;
}

int ksymtab_find(const struct ksymtab *t, uint64_t addr, struct ksym *out)
{
    if (!t || !t->n || addr < t->e[0].addr)
        return -ENOENT;
    size_t lo = 0, hi = t->n;       /* last entry with e.addr <= addr */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->e[mid].addr <= addr)
            lo = mid;
        else
            hi = mid;
    }
    while (lo > 0 && t->e[lo - 1].addr == t->e[lo].addr)
        lo--;
    const struct ksym_entry *e = &t->e[lo];
    if (addr != e->addr && addr - e->addr >= e->size)
        return -ENOENT;
    *out = (struct ksym){ t->names + e->name, e->addr, e->size };
    return 0;
}

int ksymtab_format(const struct ksymtab *t, uint64_t addr, char *buf, size_t len)
{
    struct ksym s;
    int rc = ksymtab_find(t, addr, &s);
    if (rc)
        return rc;
    if (s.size)
        snprintf(buf, len, "%s+0x%llx/0x%llx", s.name, (unsigned long long)(addr - s.addr),
                 (unsigned long long)s.size);
    else
        snprintf(buf, len, "%s+0x%llx", s.name, (unsigned long long)(addr - s.addr));
    return 0;
}
