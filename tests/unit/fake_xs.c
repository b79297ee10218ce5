/* The fake xenstore of fake_xs.h. */
#include "fake_xs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

struct node store[256];
unsigned nstore;
char watched[160], watch_token[32];
int writes_failing; /* -errno for every write, 0 = fine */

static struct node *find(const char *path)
{
    for (unsigned i = 0; i < nstore; i++)
        if (strcmp(store[i].path, path) == 0)
            return &store[i];
    return NULL;
}

void put(const char *path, const char *val)
{
    struct node *n = find(path);
    if (!n && nstore < 256)
        n = &store[nstore++];
    if (!n)
        return;
    snprintf(n->path, sizeof(n->path), "%s", path);
    snprintf(n->val, sizeof(n->val), "%s", val);
}

const char *get(const char *path)
{
    struct node *n = find(path);
    return n ? n->val : NULL;
}

void rm_prefix(const char *prefix)
{
    for (unsigned i = 0; i < nstore;)
        if (strncmp(store[i].path, prefix, strlen(prefix)) == 0)
            store[i] = store[--nstore];
        else
            i++;
}

static int fx_read(void *o, const char *path, char *buf, size_t len)
{
    (void)o;
    const char *v = get(path);
    if (!v)
        return -ENOENT;
    snprintf(buf, len, "%s", v);
    return (int)strlen(buf);
}

static int fx_write(void *o, const char *path, const char *val)
{
    (void)o;
    if (writes_failing)
        return writes_failing;
    put(path, val);
    return 0;
}

static int fx_watch(void *o, const char *path, const char *token)
{
    (void)o;
    snprintf(watched, sizeof(watched), "%s", path);
    snprintf(watch_token, sizeof(watch_token), "%s", token);
    return 0;
}

static void fx_unwatch(void *o, const char *path, const char *token)
{
    (void)o;
    if (strcmp(path, watched) == 0 && strcmp(token, watch_token) == 0)
        watched[0] = '\0';
}

const struct vbd_xs_ops fake_xs = { fx_read, fx_write, fx_watch, fx_unwatch };

void put_fuzzed(const char *dir, const char *const keys[16], const char *const vals[16],
                const uint8_t *data, size_t size, size_t i)
{
    uint8_t op = data[i], arg = data[i + 1];
    char path[160], raw[17];

    snprintf(path, sizeof(path), "%s/%s", dir, keys[op % 16]);
    if (op & 64) {          /* raw bytes from the input as the value */
        size_t n = size - i - 2 < 16 ? size - i - 2 : 16;
        memcpy(raw, data + i + 2, n);
        raw[n] = '\0';
        put(path, raw);
    } else {
        put(path, vals[arg % 16]);
    }
}
