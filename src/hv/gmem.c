/* Guest memory: regions, guest-physical lookups, and the guest page-table
 * walk that turns hypercall pointer arguments (guest-virtual) into
 * guest-physical addresses.  Everything read from the guest's page tables
 * is validated; a bad entry is -EFAULT, never a crash. */
#include "hv/hv_internal.h"

#include <errno.h>
#include <string.h>

int hv_add_region(struct hv_domain *d, uint64_t gpa, uint64_t size,
                  uint8_t *host, bool ram)
{
    unsigned n = __atomic_load_n(&d->nr_regions, __ATOMIC_ACQUIRE);

    if (n >= HV_MAX_REGIONS || size == 0 || gpa + size < gpa)
        return -ENOSPC;
    d->regions[n] = (struct hv_region){ gpa, size, host, ram };
    /* Readers never take the lock: publish the entry after filling it. */
    __atomic_store_n(&d->nr_regions, n + 1, __ATOMIC_RELEASE);
    return 0;
}

static struct hv_region *region_find(struct hv_domain *d, uint64_t gpa,
                                     uint64_t len)
{
    unsigned n = __atomic_load_n(&d->nr_regions, __ATOMIC_ACQUIRE);

    if (len == 0 || gpa + len < gpa)
        return NULL;
    /* Newest first: a later overlay hides what was at that address. */
    for (unsigned i = n; i-- > 0;) {
        struct hv_region *r = &d->regions[i];
        uint64_t size = __atomic_load_n(&r->size, __ATOMIC_ACQUIRE);
        if (gpa >= r->gpa && gpa - r->gpa < size) {
            if (len > size - (gpa - r->gpa))
                return NULL;
            return r;
        }
    }
    return NULL;
}

void *hv_gpa_ptr(struct hv_domain *d, uint64_t gpa, uint64_t len)
{
    struct hv_region *r = region_find(d, gpa, len);
    return r ? r->host + (gpa - r->gpa) : NULL;
}

uint8_t *hv_ram_ptr(struct hv_domain *d, uint64_t gpa, uint64_t len)
{
    struct hv_region *r = region_find(d, gpa, len);
    return r && r->ram ? r->host + (gpa - r->gpa) : NULL;
}

bool hv_gpa_is_ram(struct hv_domain *d, uint64_t gpa, uint64_t len)
{
    struct hv_region *r = region_find(d, gpa, len);
    return r && r->ram;
}

/* x86 page-table bits. */
#define PTE_P   (1ull << 0)
#define PTE_RW  (1ull << 1)
#define PTE_PS  (1ull << 7)
#define CR0_PG  (1ull << 31)
#define CR0_WP  (1ull << 16)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_LA57 (1ull << 12)
#define EFER_LMA (1ull << 10)
#define ADDR_MASK_52 0x000ffffffffff000ull

static int read_pte64(struct hv_domain *d, uint64_t gpa, uint64_t *pte)
{
    const uint8_t *p = hv_gpa_ptr(d, gpa, 8);
    if (!p)
        return -XEN_EFAULT;
    *pte = __atomic_load_n((const uint64_t *)p, __ATOMIC_RELAXED);
    return 0;
}

static int read_pte32(struct hv_domain *d, uint64_t gpa, uint64_t *pte)
{
    const uint8_t *p = hv_gpa_ptr(d, gpa, 4);
    if (!p)
        return -XEN_EFAULT;
    *pte = __atomic_load_n((const uint32_t *)p, __ATOMIC_RELAXED);
    return 0;
}

struct walk_mode {
    int levels;          /* 2 (32-bit), 3 (PAE), 4, 5 */
    int (*read)(struct hv_domain *, uint64_t, uint64_t *);
    unsigned idx_bits;   /* 10 or 9 */
    unsigned pte_size;   /* 4 or 8 */
    int max_large;       /* highest level whose PS bit maps a page (0: none) */
};

static bool canonical(uint64_t va, unsigned bits)
{
    int64_t s = (int64_t)(va << (64 - bits)) >> (64 - bits);
    return (uint64_t)s == va;
}

static uint64_t large_page_base(const struct walk_mode *m, uint64_t pte,
                                unsigned shift)
{
    if (m->pte_size == 4) /* 4 MiB page; PSE-36 bits 13..20 = addr 32..39 */
        return (pte & 0xffc00000ull) | ((pte >> 13) & 0xffull) << 32;
    return pte & ADDR_MASK_52 & ~((1ull << shift) - 1);
}

/* Walk the levels top-down; a large page ends the walk early. */
static int walk(struct hv_domain *d, const struct walk_mode *m, uint64_t table,
                uint64_t gva, bool write, bool wp, uint64_t *gpa)
{
    unsigned shift = 12 + m->idx_bits * (unsigned)(m->levels - 1);
    uint64_t addr_mask = m->pte_size == 8 ? ADDR_MASK_52 : 0xfffff000ull;
    uint64_t idx_mask = (1ull << m->idx_bits) - 1;

    for (int level = m->levels; level >= 1; level--) {
        bool pdpte = m->levels == 3 && level == 3; /* PAE PDPTE: no RW/PS */
        uint64_t pte;

        if (m->read(d, table + ((gva >> shift) & idx_mask) * m->pte_size, &pte))
            return -XEN_EFAULT;
        if (!(pte & PTE_P))
            return -XEN_EFAULT;
        if (write && wp && !pdpte && !(pte & PTE_RW))
            return -XEN_EFAULT;
        if (level > 1 && level <= m->max_large && (pte & PTE_PS)) {
            *gpa = large_page_base(m, pte, shift) | (gva & ((1ull << shift) - 1));
            return 0;
        }
        table = pte & addr_mask;
        shift -= m->idx_bits;
    }
    *gpa = table | (gva & 0xfff);
    return 0;
}

int guest_translate(struct hv_domain *d, const struct hv_vcpu_state *vs,
                    uint64_t gva, bool write, uint64_t *gpa)
{
    static const struct walk_mode m32 = { 2, read_pte32, 10, 4, 2 };
    static const struct walk_mode m32_nopse = { 2, read_pte32, 10, 4, 0 };
    static const struct walk_mode pae = { 3, read_pte64, 9, 8, 2 };
    static const struct walk_mode l4 = { 4, read_pte64, 9, 8, 3 };
    static const struct walk_mode l5 = { 5, read_pte64, 9, 8, 3 };
    bool wp = vs->cr0 & CR0_WP;

    if (!(vs->cr0 & CR0_PG)) {
        *gpa = vs->long_mode ? gva : (gva & 0xffffffffull);
        return 0;
    }
    if (vs->efer & EFER_LMA) {
        bool la57 = vs->cr4 & CR4_LA57;
        if (!canonical(gva, la57 ? 57 : 48))
            return -XEN_EFAULT;
        return walk(d, la57 ? &l5 : &l4, vs->cr3 & ADDR_MASK_52, gva, write,
                    wp, gpa);
    }
    gva &= 0xffffffffull;
    if (vs->cr4 & CR4_PAE)
        return walk(d, &pae, vs->cr3 & 0xffffffe0ull, gva, write, wp, gpa);
    return walk(d, (vs->cr4 & CR4_PSE) ? &m32 : &m32_nopse,
                vs->cr3 & 0xfffff000ull, gva, write, wp, gpa);
}

static int guest_copy(struct hv_domain *d, const struct hv_vcpu_state *vs,
                      uint64_t gva, uint8_t *buf, size_t len, bool write)
{
    while (len > 0) {
        uint64_t gpa;
        size_t chunk = HV_PAGE_SIZE - (gva & (HV_PAGE_SIZE - 1));
        if (chunk > len)
            chunk = len;
        if (guest_translate(d, vs, gva, write, &gpa))
            return -XEN_EFAULT;
        uint8_t *p = hv_gpa_ptr(d, gpa, chunk);
        if (!p)
            return -XEN_EFAULT;
        if (write)
            memcpy(p, buf, chunk);
        else
            memcpy(buf, p, chunk);
        buf += chunk;
        gva += chunk;
        len -= chunk;
        if (!vs->long_mode && !(vs->efer & EFER_LMA))
            gva &= 0xffffffffull;
    }
    return 0;
}

int guest_read(struct hv_domain *d, const struct hv_vcpu_state *vs,
               uint64_t gva, void *buf, size_t len)
{
    return guest_copy(d, vs, gva, buf, len, false);
}

int guest_write(struct hv_domain *d, const struct hv_vcpu_state *vs,
                uint64_t gva, const void *buf, size_t len)
{
    return guest_copy(d, vs, gva, (uint8_t *)buf, len, true);
}
