/* ELF kernels: program headers of ELF64 and ELF32 files (a 32-bit ELF may
 * carry x86-64 code), the Xen notes, and loading at p_paddr. */
#include <elf.h>
#include <errno.h>
#include <string.h>

#include <xen/elfnote.h>

#include "loader/loader_int.h"

/* Linux's kernel text mapping: vaddr - this = paddr. */
#define LINUX_START_KERNEL_MAP 0xffffffff80000000ULL

/* The ELF header fields we use, whatever the class. */
struct elf_hdr {
    uint16_t type;
    uint16_t machine;
    uint16_t phentsize;
    uint16_t phnum;
    uint64_t phoff;
};

static void read_ehdr(const uint8_t *img, bool elf32, struct elf_hdr *h)
{
    if (elf32) {
        Elf32_Ehdr eh;
        memcpy(&eh, img, sizeof(eh));
        *h = (struct elf_hdr){ eh.e_type, eh.e_machine, eh.e_phentsize, eh.e_phnum,
                               eh.e_phoff };
    } else {
        Elf64_Ehdr eh;
        memcpy(&eh, img, sizeof(eh));
        *h = (struct elf_hdr){ eh.e_type, eh.e_machine, eh.e_phentsize, eh.e_phnum,
                               eh.e_phoff };
    }
}

/* A 32-bit ELF may still carry x86-64 code (PVH enters in 32-bit mode). */
static int check_ehdr(const struct elf_hdr *h, bool elf32, char *err, size_t errlen)
{
    bool x86 = h->machine == EM_X86_64 || (elf32 && h->machine == EM_386);
    size_t entsz = elf32 ? sizeof(Elf32_Phdr) : sizeof(Elf64_Phdr);
    if (!x86)
        return loader_fail(err, errlen, -ENOEXEC, "ELF: machine %u is not x86",
                           h->machine);
    if (h->type != ET_EXEC)
        return loader_fail(err, errlen, -ENOEXEC, "ELF: type %u is not an executable",
                           h->type);
    if (h->phentsize != entsz)
        return loader_fail(err, errlen, -ENOEXEC, "ELF: bad e_phentsize %u",
                           h->phentsize);
    if (h->phnum == 0 || h->phnum > ELF_MAX_PHDRS)
        return loader_fail(err, errlen, -ENOEXEC,
                           "ELF: %u program headers (1 to %d accepted)", h->phnum,
                           ELF_MAX_PHDRS);
    return 0;
}

static void read_phdr(const struct elf_image *elf, const uint8_t *p, struct elf_seg *s)
{
    if (elf->elf32) {
        Elf32_Phdr ph;
        memcpy(&ph, p, sizeof(ph));
        *s = (struct elf_seg){ ph.p_type, ph.p_flags, ph.p_offset, ph.p_vaddr,
                               ph.p_paddr, ph.p_filesz, ph.p_memsz };
    } else {
        Elf64_Phdr ph;
        memcpy(&ph, p, sizeof(ph));
        *s = (struct elf_seg){ ph.p_type, ph.p_flags, ph.p_offset, ph.p_vaddr,
                               ph.p_paddr, ph.p_filesz, ph.p_memsz };
    }
}

static int check_seg(const struct elf_image *elf, unsigned i, char *err, size_t errlen)
{
    const struct elf_seg *s = &elf->seg[i];
    uint64_t end;
    if (__builtin_add_overflow(s->offset, s->filesz, &end) || end > elf->len)
        return loader_fail(err, errlen, -ENOEXEC,
                           "ELF: segment %u file range [%#llx, +%#llx) is outside "
                           "the %zu-byte file", i, (unsigned long long)s->offset,
                           (unsigned long long)s->filesz, elf->len);
    if (s->type != PT_LOAD)
        return 0;
    if (s->filesz > s->memsz)
        return loader_fail(err, errlen, -ENOEXEC,
                           "ELF: segment %u has p_filesz > p_memsz", i);
    if (__builtin_add_overflow(s->paddr, s->memsz, &end) ||
        __builtin_add_overflow(s->vaddr, s->memsz, &end))
        return loader_fail(err, errlen, -ENOEXEC,
                           "ELF: segment %u address range wraps around", i);
    return 0;
}

int elf_parse(const uint8_t *img, size_t len, struct elf_image *elf,
              char *err, size_t errlen)
{
    memset(elf, 0, sizeof(*elf));
    if (len < EI_NIDENT || memcmp(img, ELFMAG, SELFMAG) != 0)
        return loader_fail(err, errlen, -ENOEXEC, "not an ELF file");
    if (img[EI_DATA] != ELFDATA2LSB || img[EI_VERSION] != EV_CURRENT)
        return loader_fail(err, errlen, -ENOEXEC, "ELF: not a little-endian ELF v1 file");
    if (img[EI_CLASS] != ELFCLASS64 && img[EI_CLASS] != ELFCLASS32)
        return loader_fail(err, errlen, -ENOEXEC, "ELF: bad class %u", img[EI_CLASS]);
    elf->data = img;
    elf->len = len;
    elf->elf32 = img[EI_CLASS] == ELFCLASS32;
    if (len < (elf->elf32 ? sizeof(Elf32_Ehdr) : sizeof(Elf64_Ehdr)))
        return loader_fail(err, errlen, -ENOEXEC, "ELF: truncated ELF header");
    struct elf_hdr h;
    read_ehdr(img, elf->elf32, &h);
    int rc = check_ehdr(&h, elf->elf32, err, errlen);
    if (rc < 0)
        return rc;
    size_t entsz = h.phentsize;
    if (h.phoff > len || (uint64_t)h.phnum * entsz > len - h.phoff)
        return loader_fail(err, errlen, -ENOEXEC,
                           "ELF: program headers lie outside the file");
    elf->nseg = h.phnum;
    for (unsigned i = 0; i < h.phnum; i++) {
        read_phdr(elf, img + h.phoff + (uint64_t)i * entsz, &elf->seg[i]);
        rc = check_seg(elf, i, err, errlen);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* Reads an integer note descriptor of 1 to 8 bytes. */
static int note_int(const uint8_t *desc, uint32_t descsz, uint64_t *v)
{
    if (descsz == 0 || descsz > 8)
        return -EINVAL;
    *v = 0;
    for (uint32_t i = 0; i < descsz; i++)
        *v |= (uint64_t)desc[i] << (8 * i);
    return 0;
}

static int xen_note(uint32_t type, const uint8_t *desc, uint32_t descsz,
                    struct elf_xen_notes *n, char *err, size_t errlen)
{
    switch (type) {
    case XEN_ELFNOTE_PHYS32_ENTRY:
        if (note_int(desc, descsz, &n->entry) < 0 || n->entry > UINT32_MAX)
            return loader_fail(err, errlen, -ENOEXEC,
                               "ELF: bad XEN_ELFNOTE_PHYS32_ENTRY note");
        n->has_entry = true;
        return 0;
    case XEN_ELFNOTE_HYPERCALL_PAGE:
        if (note_int(desc, descsz, &n->hcall_page_vaddr) < 0)
            return loader_fail(err, errlen, -ENOEXEC,
                               "ELF: bad XEN_ELFNOTE_HYPERCALL_PAGE note");
        n->has_hcall_page = true;
        return 0;
    case XEN_ELFNOTE_GUEST_OS:
        n->guest_linux = descsz >= 5 && memcmp(desc, "linux", 5) == 0 &&
                         (descsz == 5 || desc[5] == '\0');
        return 0;
    default:
        return 0;
    }
}

#define ALIGN4(x) (((uint64_t)(x) + 3) & ~3ULL)

/* Walks one PT_NOTE segment; [pos, end) is already known to be in the file. */
static int walk_notes(const uint8_t *img, uint64_t pos, uint64_t end,
                      struct elf_xen_notes *n, char *err, size_t errlen)
{
    while (end - pos >= 12) {
        uint32_t namesz = get_le32(img + pos);
        uint32_t descsz = get_le32(img + pos + 4);
        uint32_t type = get_le32(img + pos + 8);
        uint64_t name = pos + 12;
        uint64_t desc = name + ALIGN4(namesz);   /* < 2^34 past pos: no wrap */
        if (desc > end || ALIGN4(descsz) > end - desc)
            return loader_fail(err, errlen, -ENOEXEC, "ELF: truncated note");
        if (namesz == 4 && memcmp(img + name, "Xen", 4) == 0) {
            int rc = xen_note(type, img + desc, descsz, n, err, errlen);
            if (rc < 0)
                return rc;
        }
        pos = desc + ALIGN4(descsz);
    }
    return 0;
}

int elf_xen_notes(const struct elf_image *elf, struct elf_xen_notes *notes,
                  char *err, size_t errlen)
{
    memset(notes, 0, sizeof(*notes));
    for (unsigned i = 0; i < elf->nseg; i++) {
        const struct elf_seg *s = &elf->seg[i];
        if (s->type != PT_NOTE)
            continue;
        int rc = walk_notes(elf->data, s->offset, s->offset + s->filesz, notes,
                            err, errlen);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int elf_vaddr_to_paddr(const struct elf_image *elf, uint64_t vaddr, uint64_t *paddr)
{
    for (unsigned i = 0; i < elf->nseg; i++) {
        const struct elf_seg *s = &elf->seg[i];
        if (s->type == PT_LOAD && vaddr >= s->vaddr && vaddr - s->vaddr < s->memsz) {
            *paddr = vaddr - s->vaddr + s->paddr;
            return 0;
        }
    }
    if (vaddr >= LINUX_START_KERNEL_MAP) {
        *paddr = vaddr - LINUX_START_KERNEL_MAP;
        return 0;
    }
    return -ENOENT;
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
    return a < b + blen && b < a + alen;
}

/* Segment i must not hit xeno's boot areas nor another segment.  Addresses
 * were checked not to wrap in elf_parse. */
static int check_placement(const struct elf_image *elf, unsigned i,
                           char *err, size_t errlen)
{
    const struct elf_seg *s = &elf->seg[i];
    /* 640 KiB..1 MiB is not RAM for the guest and holds the ACPI tables. */
    if (ranges_overlap(s->paddr, s->memsz, XENO_BOOTINFO_BASE, XENO_BOOTINFO_SIZE) ||
        ranges_overlap(s->paddr, s->memsz, LOADER_LOW_RAM_TOP,
                       XENO_ACPI_BASE + XENO_ACPI_SIZE - LOADER_LOW_RAM_TOP))
        return loader_fail(err, errlen, -EINVAL,
                           "ELF: segment %u [%#llx, %#llx) overlaps xeno's boot "
                           "information or the 640 KiB-1 MiB hole", i,
                           (unsigned long long)s->paddr,
                           (unsigned long long)(s->paddr + s->memsz));
    for (unsigned j = 0; j < i; j++) {
        const struct elf_seg *t = &elf->seg[j];
        if (t->type == PT_LOAD && t->memsz &&
            ranges_overlap(s->paddr, s->memsz, t->paddr, t->memsz))
            return loader_fail(err, errlen, -EINVAL,
                               "ELF: segments %u and %u overlap", j, i);
    }
    return 0;
}

static int no_room(const struct guest_ram *ram, const struct elf_seg *s,
                   char *err, size_t errlen)
{
    uint64_t end = s->paddr + s->memsz;
    if (end > ram->low_size && s->paddr < XENO_HIGH_RAM_BASE &&
        end <= guest_ram_total(ram))
        return loader_fail(err, errlen, -ENOMEM,
                           "ELF: segment [%#llx, %#llx) falls in the memory hole "
                           "below 4 GiB", (unsigned long long)s->paddr,
                           (unsigned long long)end);
    return loader_fail(err, errlen, -ENOMEM,
                       "kernel needs %llu MiB of RAM, domain has %llu MiB",
                       (unsigned long long)((end + MIB - 1) / MIB),
                       (unsigned long long)(guest_ram_total(ram) / MIB));
}

int elf_load(const struct elf_image *elf, struct guest_ram *ram,
             uint64_t *start, uint64_t *end, char *err, size_t errlen)
{
    uint64_t lo = UINT64_MAX, hi = 0;
    for (unsigned i = 0; i < elf->nseg; i++) {
        const struct elf_seg *s = &elf->seg[i];
        if (s->type != PT_LOAD || s->memsz == 0)
            continue;
        if (!guest_ram_ptr(ram, s->paddr, s->memsz))
            return no_room(ram, s, err, errlen);
        int rc = check_placement(elf, i, err, errlen);
        if (rc < 0)
            return rc;
        lo = s->paddr < lo ? s->paddr : lo;
        hi = s->paddr + s->memsz > hi ? s->paddr + s->memsz : hi;
    }
    if (hi == 0)
        return loader_fail(err, errlen, -ENOEXEC, "ELF: no loadable segment");
    for (unsigned i = 0; i < elf->nseg; i++) {
        const struct elf_seg *s = &elf->seg[i];
        if (s->type != PT_LOAD || s->memsz == 0)
            continue;
        uint8_t *dst = guest_ram_ptr(ram, s->paddr, s->memsz);
        memcpy(dst, elf->data + s->offset, s->filesz);
        memset(dst + s->filesz, 0, s->memsz - s->filesz);
    }
    *start = lo;
    *end = hi;
    return 0;
}
