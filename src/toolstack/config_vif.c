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
    { "rate", F(rate), word_valid, "invalid rate '%.20s'" },
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
                "script, vifname, model, rate)", k);
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
    memset(v, 0, sizeof(*v));
}
