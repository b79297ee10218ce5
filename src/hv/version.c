/* xen_version and console_io. */
#include "hv/hv_internal.h"

#include <string.h>
#include <xen/features.h>
#include <xen/version.h>
#include <xen/xen.h>

#define XENO_XEN_MAJOR 4
#define XENO_XEN_MINOR 17

static uint32_t features_submap0(void)
{
    /* auto_translated_physmap: pfn == gfn, grant frames via add_to_physmap.
     * No hvm_callback_vector (the per-vCPU vector is offered instead), no
     * safe pvclock, no PIRQs (docs/guest-abi.md, "Features"). */
    return (1u << XENFEAT_writable_page_tables) |
           (1u << XENFEAT_writable_descriptor_tables) |
           (1u << XENFEAT_auto_translated_physmap) |
           (1u << XENFEAT_supervisor_mode_kernel);
}

static long put_string(struct hv_domain *d, const struct hv_vcpu_state *vs,
                       uint64_t gva, const char *s, size_t size)
{
    char buf[1024];

    memset(buf, 0, sizeof(buf));
    strncpy(buf, s, size - 1);
    return guest_write(d, vs, gva, buf, size);
}

long hv_xen_version(struct hv_domain *d, const struct hv_vcpu_state *vs,
                    const uint64_t a[6])
{
    uint64_t arg = a[1];

    switch (a[0]) {
    case XENVER_version:
        return (XENO_XEN_MAJOR << 16) | XENO_XEN_MINOR;
    case XENVER_extraversion:
        return put_string(d, vs, arg, ".0-xeno", sizeof(xen_extraversion_t));
    case XENVER_compile_info: {
        xen_compile_info_t ci;
        memset(&ci, 0, sizeof(ci));
        strcpy(ci.compiler, "xeno");
        strcpy(ci.compile_by, "xeno");
        strcpy(ci.compile_domain, "xeno");
        strcpy(ci.compile_date, __DATE__);
        return guest_write(d, vs, arg, &ci, sizeof(ci));
    }
    case XENVER_capabilities:
        return put_string(d, vs, arg, "hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64",
                          sizeof(xen_capabilities_info_t));
    case XENVER_changeset:
        return put_string(d, vs, arg, "xeno", sizeof(xen_changeset_info_t));
    case XENVER_platform_parameters: {
        xen_platform_parameters_t pp = { .virt_start = 0xffff800000000000ull };
        return guest_write(d, vs, arg, &pp, sizeof(pp));
    }
    case XENVER_get_features: {
        xen_feature_info_t fi;
        if (guest_read(d, vs, arg, &fi, sizeof(fi)))
            return -XEN_EFAULT;
        if (fi.submap_idx >= XENFEAT_NR_SUBMAPS)
            return -XEN_EINVAL;
        fi.submap = features_submap0();
        return guest_write(d, vs, arg, &fi, sizeof(fi));
    }
    case XENVER_pagesize:
        return HV_PAGE_SIZE;
    case XENVER_guest_handle: {
        uint8_t h[16] = { 0 };
        h[0] = (uint8_t)d->domid;
        h[1] = (uint8_t)(d->domid >> 8);
        return guest_write(d, vs, arg, h, sizeof(h));
    }
    case XENVER_commandline:
        return -XEN_EPERM;
    default:
        return -XEN_ENOSYS;
    }
}

long hv_console_io(struct hv_domain *d, const struct hv_vcpu_state *vs,
                   const uint64_t a[6])
{
    uint64_t count = a[1], gva = a[2];
    char buf[512];

    if (a[0] != CONSOLEIO_write)
        return a[0] == CONSOLEIO_read ? -XEN_EPERM : -XEN_ENOSYS;
    /* No cap on count, as in Xen: the copy stops at the first fault, so
     * the work is bounded by the guest's own mapped memory. */
    while (count > 0) {
        size_t n = count < sizeof(buf) ? count : sizeof(buf);
        if (guest_read(d, vs, gva, buf, n))
            return -XEN_EFAULT;
        if (d->ops->console_write)
            d->ops->console_write(d->opaque, buf, n);
        gva += n;
        count -= n;
    }
    return 0;
}
