/* Who may do what through xend's API (docs/privilege.md, "Local users").
 * Pure: the caller's identity and the target's owner come in as values,
 * the verdict and the refusal's wording go out.  peer.c learns who is
 * calling; caller.c makes a struct caller of a uid. */
#ifndef XEND_POLICY_H
#define XEND_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* What a route (or a domain operation) needs, least first. */
enum access {
    ACC_LIST,       /* the domain list, the host's summary */
    ACC_READ,       /* one domain's details, console, its dmesg lines */
    ACC_OPERATE,    /* lifecycle, memory target, vCPU count of a domain */
    ACC_CREATE,     /* a new domain */
    ACC_ADMIN,      /* devices, pinning, weights, Domain-0, xend's log */
};

#define CALLER_NAME_MAX 64

struct caller {
    bool known;                 /* false: "nobody", least privilege */
    uid_t uid;
    bool admin;                 /* root, xend's own user, the admin group */
    char name[CALLER_NAME_MAX]; /* login name; "" without a passwd entry */
};

struct policy {
    bool others_list;           /* xend-others = list (else none) */
    bool user_create;           /* xend-user-create */
};

/* The target of a request: a domain with or without an owner, or none. */
struct target {
    bool domain;                /* the request names a domain */
    int domid;
    bool has_owner;
    uid_t owner;
    const char *owner_name;     /* for the message; NULL or "": by uid */
};

bool policy_allows(const struct policy *p, const struct caller *c,
                   enum access need, const struct target *t);

/* Whether the domain t shows in c's domain list: with xend-others = none
 * a user who is not an admin sees only the domains they own. */
bool policy_sees(const struct policy *p, const struct caller *c,
                 const struct target *t);

/* "user alice (uid 1001) may not destroy domain 3 (owned by bob)". */
void policy_refusal(const struct caller *c, const char *verb,
                    const struct target *t, char *buf, size_t len);

/* Whether the domain t shows in c's domain list: with xend-others = none
 * a user who is not an admin sees only the domains they own. */
bool policy_sees(const struct policy *p, const struct caller *c,
                 const struct target *t);

/* "user alice (uid 1001)", "uid 1001", "an unidentified caller". */
void caller_describe(const struct caller *c, char *buf, size_t len);

#endif
