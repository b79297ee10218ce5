/* The policy core: admins may do everything; a domain's owner may read
 * and operate it; creating needs xend-user-create; everyone else lists
 * (xend-others = list) or see only their own domains (none).  An unidentified caller is nobody. */
#include <stdio.h>

#include "policy.h"

static bool owns(const struct caller *c, const struct target *t)
{
    return t->domain && t->has_owner && c->known && c->uid == t->owner;
}

bool policy_allows(const struct policy *p, const struct caller *c,
                   enum access need, const struct target *t)
{
    if (c->known && c->admin)
        return true;
    switch (need) {
    case ACC_LIST:
        return p->others_list || c->known;
    case ACC_READ:
    case ACC_OPERATE:
        return owns(c, t);
    case ACC_CREATE:
        return c->known && p->user_create;
    case ACC_ADMIN:
    default:
        return false;
    }
}

bool policy_sees(const struct policy *p, const struct caller *c,
                 const struct target *t)
{
    return (c->known && c->admin) || p->others_list || owns(c, t);
}

void caller_describe(const struct caller *c, char *buf, size_t len)
{
    if (!c->known)
        snprintf(buf, len, "an unidentified caller");
    else if (c->name[0])
        snprintf(buf, len, "user %s (uid %u)", c->name, (unsigned)c->uid);
    else
        snprintf(buf, len, "uid %u", (unsigned)c->uid);
}

static void describe_target(const struct target *t, char *buf, size_t len)
{
    if (!t->domain)
        snprintf(buf, len, "%s", "");
    else if (!t->has_owner)
        snprintf(buf, len, " domain %d (no owner)", t->domid);
    else if (t->owner_name && t->owner_name[0])
        snprintf(buf, len, " domain %d (owned by %s)", t->domid, t->owner_name);
    else
        snprintf(buf, len, " domain %d (owned by uid %u)", t->domid,
                 (unsigned)t->owner);
}

void policy_refusal(const struct caller *c, const char *verb,
                    const struct target *t, char *buf, size_t len)
{
    char who[CALLER_NAME_MAX + 40], what[CALLER_NAME_MAX + 48];
    caller_describe(c, who, sizeof(who));
    describe_target(t, what, sizeof(what));
    snprintf(buf, len, "%s may not %s%s", who, verb, what);
}
