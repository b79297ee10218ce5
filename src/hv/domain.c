/* Domain lifecycle, HVM params, logging. */
#include "hv/hv_internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hv_domain_init(struct hv_domain *d, uint16_t domid, unsigned nr_vcpus,
                   const struct hv_ops *ops, void *opaque)
{
    if (nr_vcpus == 0 || nr_vcpus > HV_MAX_VCPUS)
        return -EINVAL;
    memset(d, 0, sizeof(*d));
    d->domid = domid;
    d->nr_vcpus = nr_vcpus;
    d->ops = ops;
    d->opaque = opaque;
    d->gnttab_max_frames = HV_GNTTAB_MAX_FRAMES;
    for (unsigned i = 0; i < HV_GNTTAB_MAX_FRAMES; i++)
        d->gnttab_gpa[i] = ~0ull;
    for (unsigned i = 0; i < nr_vcpus; i++)
        d->vcpu[i].apic_id = i;
    d->port[0].state = ECS_RESERVED;
    return pthread_mutex_init(&d->lock, NULL) ? -ENOMEM : 0;
}

void hv_domain_destroy(struct hv_domain *d)
{
    /* Pages we allocated; frames adopted from guest RAM are not ours. */
    for (unsigned i = 0; i < HV_GNTTAB_MAX_FRAMES; i++)
        free(d->gnttab_own[i]);
    free(d->shared_info_own);
    hv_balloon_destroy(d);
    pthread_mutex_destroy(&d->lock);
}

void hv_set_memmap(struct hv_domain *d, const struct hv_memmap_entry *e,
                   unsigned n)
{
    if (n > HV_MAX_MEMMAP)
        n = HV_MAX_MEMMAP;
    memcpy(d->memmap, e, n * sizeof(*e));
    d->nr_memmap = n;
}

void hv_set_param(struct hv_domain *d, unsigned idx, uint64_t value)
{
    if (idx < sizeof(d->params) / sizeof(d->params[0]))
        d->params[idx] = value;
}

uint64_t hv_get_param(struct hv_domain *d, unsigned idx)
{
    return idx < sizeof(d->params) / sizeof(d->params[0]) ? d->params[idx] : 0;
}

void hv_log(struct hv_domain *d, const char *fmt, ...)
{
    char buf[256];
    va_list ap;

    if (!d->ops->log)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    d->ops->log(d->opaque, buf);
}

/* A page the guest asks us to place at gpfn: adopt the RAM page in place
 * (the guest gives that page up), or allocate one and map it there. */
uint8_t *hv_overlay_page(struct hv_domain *d, uint64_t gpfn, uint8_t **own)
{
    uint64_t gpa = gpfn << HV_PAGE_SHIFT;
    uint8_t *page;

    if (gpfn >> (64 - HV_PAGE_SHIFT))
        return NULL;
    if (hv_gpa_is_ram(d, gpa, HV_PAGE_SIZE)) {
        page = hv_gpa_ptr(d, gpa, HV_PAGE_SIZE);
        hv_page_pin(d, page, true); /* never given back to the host */
        return page;
    }
    if (!d->ops->map_frame)
        return NULL;
    /* A page we already own is mapped again: the old gpa keeps showing
     * it, so it is never freed while the guest can reach it. */
    page = *own ? *own : aligned_alloc(HV_PAGE_SIZE, HV_PAGE_SIZE);
    if (!page)
        return NULL;
    if (!*own)
        memset(page, 0, HV_PAGE_SIZE);
    if (d->ops->map_frame(d->opaque, gpa, page, HV_PAGE_SIZE) ||
        hv_add_region(d, gpa, HV_PAGE_SIZE, page, false)) {
        if (!*own)
            free(page);
        return NULL;
    }
    *own = page;
    return page;
}
