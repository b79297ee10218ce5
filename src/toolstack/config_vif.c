/* Vif specs: 'mac=aa:00:00:00:00:11, bridge=xenbr0, ip=10.0.0.2' (see
 * xl-network-configuration(5)).  An empty spec is a vif with defaults. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define VIF_MAX_SPEC 1024

static int verr(char *err, size_t len, const char *msg, const char *arg)
{
    snprintf(err, len, msg, arg);
    return -EINVAL;
}

static bool mac_valid(const char *m)
{
    unsigned b[6];
    char tail;
    if (strlen(m) != 17 ||
        sscanf(m, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
               &b[4], &b[5], &tail) != 6)
        return false;
    for (int k = 0; k < 17; k++)
        if (k % 3 == 2 ? m[k] != ':' : !isxdigit((unsigned char)m[k]))
            return false;
    return (b[0] & 1) == 0;     /* a multicast MAC can not be a NIC's */
}

static bool ifname_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 15)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
            return false;
    return true;
}

static bool ips_valid(const char *s)
{
    char buf[256];
    if (strlen(s) >= sizeof(buf) || !*s)
        return false;
    strcpy(buf, s);
    int n = 0;
    for (char *save = NULL, *t = strtok_r(buf, " ", &save); t;
         t = strtok_r(NULL, " ", &save), n++) {
        struct in_addr a;
        if (inet_pton(AF_INET, t, &a) != 1)
            return false;
    }
    return n > 0;
}

static bool word_valid(const char *s)
{
    if (!*s || strlen(s) > 255)
        return false;
    for (; *s; s++)
        if (!isgraph((unsigned char)*s))
            return false;
    return true;
}

static bool num_in(const char *s, unsigned long lo, unsigned long hi,
                   unsigned long *out)
{
    char *end;
    if (!isdigit((unsigned char)*s))
        return false;
    errno = 0;
    unsigned long n = strtoul(s, &end, 10);
    if (errno || *end || n < lo || n > hi)
        return false;
    *out = n;
    return true;
}

static bool devid_valid(const char *s)
{
    unsigned long n;
    return num_in(s, 0, 255, &n);
}

/* 'none', 'HOST' or 'HOST:GUEST' (TCP ports). */
static bool forward_valid(const char *s)
{
    char buf[16];
    unsigned long n;
    if (strcmp(s, "none") == 0)
        return true;
    if (strlen(s) >= sizeof(buf))
        return false;
    strcpy(buf, s);
    char *colon = strchr(buf, ':');
    if (colon)
        *colon = '\0';
    return num_in(buf, 1, 65535, &n) && (!colon || num_in(colon + 1, 1, 65535, &n));
}

static bool rate_valid(const char *s)
{
    uint64_t b, u;
    return cfg_vif_rate(s, &b, &u) == 0;
}

struct vif_key {
    const char *name;
    size_t off;
    bool (*valid)(const char *);
    const char *what;
};

#define F(x) offsetof(struct cfg_vif, x)
static const struct vif_key vif_keys[] = {
    { "mac", F(mac), mac_valid, "invalid MAC address '%.20s' (unicast, "
                                "like 00:16:3e:01:02:03)" },
    { "bridge", F(bridge), ifname_valid, "invalid bridge name '%.20s'" },
    { "ip", F(ip), ips_valid, "invalid IPv4 address(es) '%.40s'" },
    { "script", F(script), word_valid, "invalid script '%.40s'" },
    { "vifname", F(vifname), ifname_valid, "invalid vifname '%.20s'" },
    { "model", F(model), word_valid, "invalid model '%.20s'" },
    { "rate", F(rate), rate_valid, "invalid rate '%.20s' (like 10Mb/s, "
                                   "1MB/s@20ms)" },
    { "devid", F(devid), devid_valid, "invalid devid '%.20s' (0 to 255)" },
    { "forward", F(forward), forward_valid, "invalid forward '%.20s' (HOST"
                                            "PORT[:GUESTPORT] or none)" },
};
#undef F

static int vif_kv(struct cfg_vif *out, char *k, char *v, char *err,
                  size_t len)
{
    if (strcmp(k, "type") == 0 || strcmp(k, "backend") == 0) {
        if (strcmp(v, "vif") == 0 || strcmp(v, "0") == 0 ||
            strcmp(v, "Domain-0") == 0)
            return 0;
        return verr(err, len, "unsupported value '%.20s'", v);
    }
    for (size_t i = 0; i < sizeof(vif_keys) / sizeof(vif_keys[0]); i++) {
        const struct vif_key *vk = &vif_keys[i];
        if (strcmp(k, vk->name) != 0)
            continue;
        char **field = (char **)((char *)out + vk->off);
        if (*field)
            return verr(err, len, "'%s' given twice", k);
        if (!vk->valid(v))
            return verr(err, len, vk->what, v);
        *field = strdup(v);
        return *field ? 0 : -ENOMEM;
    }
    return verr(err, len, "unknown vif parameter '%.30s' (mac, bridge, ip, "
                "script, vifname, model, rate, devid, forward)", k);
}

int cfg_vif_parse(const char *spec, struct cfg_vif *out, char *err,
                  size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (strlen(spec) > VIF_MAX_SPEC)
        return verr(err, errlen, "%s", "vif spec too long");
    char *s = strdup(spec);
    if (!s)
        return -ENOMEM;
    int r = 0;
    for (char *save = NULL, *t = strtok_r(s, ",", &save); t && r == 0;
         t = strtok_r(NULL, ",", &save)) {
        t = cfg_trim(t);
        if (!*t)
            continue;
        char *eq = strchr(t, '=');
        if (!eq) {
            r = verr(err, errlen, "expected key=value, got '%.30s'", t);
            break;
        }
        *eq = '\0';
        r = vif_kv(out, cfg_trim(t), cfg_trim(eq + 1), err, errlen);
    }
    free(s);
    if (r < 0)
        cfg_vif_free(out);
    return r;
}

void cfg_vif_free(struct cfg_vif *v)
{
    free(v->mac);
    free(v->bridge);
    free(v->ip);
    free(v->script);
    free(v->vifname);
    free(v->model);
    free(v->rate);
    free(v->devid);
    free(v->forward);
    memset(v, 0, sizeof(*v));
}

/* NUMBER then the unit's multiplier (1000s, as Xen's toolstack counts). */
static const char *rate_number(const char *s, double *out)
{
    char *end;
    if (!isdigit((unsigned char)*s))
        return NULL;
    double n = strtod(s, &end);
    static const struct { char c; double m; } pre[] = {
        { 'K', 1e3 }, { 'k', 1e3 }, { 'M', 1e6 }, { 'G', 1e9 } };
    for (size_t k = 0; k < sizeof(pre) / sizeof(pre[0]); k++)
        if (*end == pre[k].c) {
            n *= pre[k].m;
            end++;
            break;
        }
    *out = n;
    return end;
}

static int rate_interval(const char *s, uint64_t *usec)
{
    char *end;
    if (!isdigit((unsigned char)*s))
        return -EINVAL;
    double n = strtod(s, &end);
    if (strcmp(end, "s") == 0)
        n *= 1e6;
    else if (strcmp(end, "ms") == 0)
        n *= 1e3;
    else if (strcmp(end, "us") != 0)
        return -EINVAL;
    if (n < 1 || n > 1e9)
        return -EINVAL;
    *usec = (uint64_t)n;
    return 0;
}

int cfg_vif_rate(const char *s, uint64_t *bytes, uint64_t *usec)
{
    double per_s;
    const char *p = rate_number(s, &per_s);
    if (!p || (*p != 'B' && *p != 'b') || strncmp(p + 1, "/s", 2) != 0)
        return -EINVAL;
    if (*p == 'b')
        per_s /= 8;
    p += 3;
    *usec = 50000;
    if (*p == '@' ? rate_interval(p + 1, usec) < 0 : *p != '\0')
        return -EINVAL;
    double credit = per_s * (double)*usec / 1e6;
    if (credit < 1 || credit > 1e15)
        return -EINVAL;
    *bytes = (uint64_t)credit;
    return 0;
}
