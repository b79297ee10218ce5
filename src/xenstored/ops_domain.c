/* Handlers for domain requests: INTRODUCE, RELEASE, GET_DOMAIN_PATH,
 * IS_DOMAIN_INTRODUCED, RESUME, SET_TARGET. */
#include "dispatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int one_domid(struct xs_req *r, uint32_t *domid)
{
    const char *argv[1];
    int rc = req_args(r, argv, 1);
    return rc ? rc : req_domid(argv[0], domid);
}

int op_introduce(struct xs_req *r)
{
    const char *argv[4];
    uint32_t domid, port;
    unsigned long long mfn;
    char *end;
    int n = wire_split(r->body, r->hdr->len, argv, 4);

    if (n < 3)
        return -EINVAL;
    if (req_domid(argv[0], &domid) || req_domid(argv[2], &port))
        return -EINVAL;
    mfn = strtoull(argv[1], &end, 10);
    if (*end || argv[1][0] < '0' || argv[1][0] > '9')
        return -EINVAL;
    if (domid == 0)
        return -EINVAL;
    return domain_introduce(r->core, domid, mfn, port);
}

int op_release(struct xs_req *r)
{
    uint32_t domid;
    int rc = one_domid(r, &domid);
    if (rc)
        return rc;
    if (domid == 0)
        return -EINVAL;
    return domain_release(r->core, domid);
}

int op_get_domain_path(struct xs_req *r)
{
    char buf[32];
    uint32_t domid;
    int rc = one_domid(r, &domid);
    if (rc)
        return rc;
    snprintf(buf, sizeof(buf), XS_DOMAIN_PATH "/%u", domid);
    return reply_str(r, buf);
}

static int introduced(struct xs_req *r, bool *yes)
{
    const struct xs_domain *d;
    uint32_t domid;
    int rc = one_domid(r, &domid);
    if (rc)
        return rc;
    d = domain_find(r->core, domid);
    *yes = domid == 0 || (d && d->introduced);
    return 0;
}

int op_is_domain_introduced(struct xs_req *r)
{
    bool yes;
    int rc = introduced(r, &yes);
    return rc ? rc : reply_str(r, yes ? "T" : "F");
}

int op_resume(struct xs_req *r)
{
    bool yes;
    int rc = introduced(r, &yes);
    return rc ? rc : (yes ? 0 : -ENOENT);
}

int op_set_target(struct xs_req *r)
{
    const char *argv[2];
    struct xs_domain *d;
    uint32_t domid, target;
    int rc = req_args(r, argv, 2);

    if (rc || req_domid(argv[0], &domid) || req_domid(argv[1], &target))
        return -EINVAL;
    d = domain_find(r->core, domid);
    if (!d || !d->introduced)
        return -ENOENT;
    if (!domain_find(r->core, target))
        return -ENOENT;
    d->target = target;
    domain_persist(r->core, d);
    return 0;
}
