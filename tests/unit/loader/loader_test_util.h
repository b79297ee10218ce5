/* Helpers for the loader's unit tests: synthetic ELF and bzImage files and
 * fake guest RAM. */
#ifndef XENO_LOADER_TEST_UTIL_H
#define XENO_LOADER_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loader/loader.h"

#define TEST_MIB (1024ULL * 1024ULL)

struct test_seg {
    uint32_t type;          /* PT_LOAD if 0 */
    uint32_t flags;         /* PF_R|PF_X if 0 */
    uint64_t paddr;
    uint64_t vaddr;         /* = paddr if 0 */
    uint64_t filesz;
    uint64_t memsz;         /* = filesz if 0 */
    const uint8_t *data;    /* NULL: filled with a byte pattern */
};

struct test_note {
    const char *name;       /* "Xen" if NULL */
    uint32_t type;
    uint8_t desc[64];
    uint32_t descsz;
};

struct test_elf {
    bool elf32;
    uint16_t machine;       /* EM_X86_64 if 0 */
    unsigned nseg;
    struct test_seg seg[8];
    unsigned nnote;
    struct test_note note[8];
};

/* Adds the usual PHYS32_ENTRY note with this entry. */
void test_elf_add_entry(struct test_elf *t, uint32_t entry);
void test_elf_add_note(struct test_elf *t, uint32_t type, const void *desc,
                       uint32_t descsz);
/* Builds the file; *len receives its size.  Free with free(). */
uint8_t *test_elf_build(const struct test_elf *t, size_t *len);
/* A small valid ELF64 kernel: one 64 KiB segment at 16 MiB, entry 16 MiB. */
uint8_t *test_elf_simple(size_t *len);

/* Wraps a payload into a bzImage (protocol version given, setup_sects 4). */
uint8_t *test_bzimage(const uint8_t *payload, size_t plen, uint16_t version,
                      size_t *len);

/* Guest RAM of the given sizes, low RAM filled with 0xaa. */
struct guest_ram test_ram(uint64_t low, uint64_t high);
void test_ram_free(struct guest_ram *ram);

/* Byte offsets of the ELF header fields the tests corrupt. */
#define TEST_ELF64_PHOFF 32
#define TEST_ELF64_PHNUM 56
#define TEST_PHDR64(i) (64 + 56 * (i))

bool test_contains(const char *haystack, const char *needle);
uint8_t *test_read_file(const char *path, size_t *len);

#endif
