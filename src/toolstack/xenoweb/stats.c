/* The recent history of every domain, sampled from xend's domain list
 * (what xm top reads) every sample-ms: CPU % (from cpu_time), memory, the
 * block and the network counters, the last STATS_SAMPLES samples per
 * domain.  The
 * list page's sparklines and the domain page's graphs read it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "web.h"

#define STATS_SAMPLES 300       /* 10 min at 2 s */
#define STATS_MAX_DOMAINS 256
#define SPARK_POINTS 30

struct sample {
    double t;                   /* seconds, monotonic */
    float cpu_pct;
    uint32_t memory_mib;
    uint64_t rd_bytes, wr_bytes, rd_req, wr_req;
    uint64_t tx_bytes, rx_bytes, tx_packets, rx_packets;    /* vifs */
};

struct dom_hist {
    int domid;                  /* -1: free */
    char name[72];
    double last_cpu_time, last_t;
    bool seen;
    struct sample s[STATS_SAMPLES];
    size_t head, n;             /* ring */
};

struct stats {
    pthread_mutex_t lock;
    pthread_t thread;
    bool stop;
    struct dom_hist d[STATS_MAX_DOMAINS];
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The history of (domid, name); a domain id reused by a new domain
 * starts afresh. */
static struct dom_hist *hist(struct stats *st, int domid, const char *name,
                             bool make)
{
    struct dom_hist *free_slot = NULL;
    for (size_t k = 0; k < STATS_MAX_DOMAINS; k++) {
        struct dom_hist *h = &st->d[k];
        if (h->domid == domid && (!name || strcmp(h->name, name) == 0))
            return h;
        if (h->domid < 0 && !free_slot)
            free_slot = h;
    }
    if (!make || !free_slot)
        return NULL;
    memset(free_slot, 0, sizeof(*free_slot));
    free_slot->domid = domid;
    snprintf(free_slot->name, sizeof(free_slot->name), "%s", name);
    free_slot->last_t = -1;
    return free_slot;
}

static void record(struct stats *st, const struct xenoctl_domain *d,
                   double t)
{
    struct dom_hist *h = hist(st, d->domid, d->name, true);
    if (!h)
        return;
    h->seen = true;
    float pct = 0;
    if (h->last_t >= 0 && t > h->last_t && d->cpu_time >= h->last_cpu_time)
        pct = (float)(100.0 * (d->cpu_time - h->last_cpu_time) /
                      (t - h->last_t));
    h->last_t = t;
    h->last_cpu_time = d->cpu_time;
    struct sample *s = &h->s[(h->head + h->n) % STATS_SAMPLES];
    if (h->n == STATS_SAMPLES)
        h->head = (h->head + 1) % STATS_SAMPLES;
    else
        h->n++;
    *s = (struct sample){ t, pct, (uint32_t)d->memory_mib, d->vbd_rd_bytes,
                          d->vbd_wr_bytes, d->vbd_rd_req, d->vbd_wr_req,
                          d->vif_tx_bytes, d->vif_rx_bytes, d->vif_tx_packets,
                          d->vif_rx_packets };
}

static void sample_once(struct web *w)
{
    char err[256];
    struct xenoctl_domain *doms = NULL;
    size_t n = 0;
    struct xenoctl *h = xenoctl_open(w->s.xend, err, sizeof(err));
    if (!h || xenoctl_list(h, &doms, &n) < 0) {
        xenoctl_close(h);
        return;
    }
    xenoctl_close(h);
    struct stats *st = w->stats;
    double t = now_s();
    pthread_mutex_lock(&st->lock);
    for (size_t k = 0; k < STATS_MAX_DOMAINS; k++)
        st->d[k].seen = false;
    for (size_t k = 0; k < n; k++)
        record(st, &doms[k], t);
    for (size_t k = 0; k < STATS_MAX_DOMAINS; k++)
        if (!st->d[k].seen)
            st->d[k].domid = -1;    /* gone */
    pthread_mutex_unlock(&st->lock);
    free(doms);
}

static void *sampler(void *arg)
{
    struct web *w = arg;
    for (;;) {
        pthread_mutex_lock(&w->stats->lock);
        bool stop = w->stats->stop;
        pthread_mutex_unlock(&w->stats->lock);
        if (stop)
            return NULL;
        sample_once(w);
        usleep(w->s.sample_ms * 1000u);
    }
}

int stats_start(struct web *w)
{
    struct stats *st = calloc(1, sizeof(*st));
    if (!st)
        return -ENOMEM;
    for (size_t k = 0; k < STATS_MAX_DOMAINS; k++)
        st->d[k].domid = -1;
    pthread_mutex_init(&st->lock, NULL);
    w->stats = st;
    if (pthread_create(&st->thread, NULL, sampler, w) != 0) {
        free(st);
        w->stats = NULL;
        return -EAGAIN;
    }
    return 0;
}

void stats_stop(struct web *w)
{
    if (!w->stats)
        return;
    pthread_mutex_lock(&w->stats->lock);
    w->stats->stop = true;
    pthread_mutex_unlock(&w->stats->lock);
    pthread_join(w->stats->thread, NULL);
    free(w->stats);
    w->stats = NULL;
}

static const struct sample *at(const struct dom_hist *h, size_t k)
{
    return &h->s[(h->head + k) % STATS_SAMPLES];
}

static json_object *jdouble(double v)
{
    return json_object_new_double((double)(long long)(v * 10) / 10);
}

void stats_annotate(struct web *w, json_object *domains)
{
    struct stats *st = w->stats;
    pthread_mutex_lock(&st->lock);
    for (size_t k = 0; k < json_object_array_length(domains); k++) {
        json_object *d = json_object_array_get_idx(domains, k), *id, *nm;
        if (!json_object_object_get_ex(d, "domid", &id) ||
            !json_object_object_get_ex(d, "name", &nm))
            continue;
        const struct dom_hist *h = hist(st, json_object_get_int(id),
                                        json_object_get_string(nm), false);
        json_object *spark = json_object_new_array();
        size_t from = h && h->n > SPARK_POINTS ? h->n - SPARK_POINTS : 0;
        for (size_t j = from; h && j < h->n; j++)
            json_object_array_add(spark, jdouble(at(h, j)->cpu_pct));
        json_object_object_add(d, "cpu_pct", jdouble(h && h->n ?
                               at(h, h->n - 1)->cpu_pct : 0));
        json_object_object_add(d, "cpu_hist", spark);
    }
    pthread_mutex_unlock(&st->lock);
}

static void add_series(json_object *o, const char *key, const struct dom_hist *h,
                       double (*get)(const struct sample *, double t0))
{
    json_object *a = json_object_new_array();
    double t0 = h && h->n ? at(h, h->n - 1)->t : 0;
    for (size_t j = 0; h && j < h->n; j++)
        json_object_array_add(a, jdouble(get(at(h, j), t0)));
    json_object_object_add(o, key, a);
}

static double g_t(const struct sample *s, double t0) { return s->t - t0; }
static double g_cpu(const struct sample *s, double t0) { (void)t0; return s->cpu_pct; }
static double g_mem(const struct sample *s, double t0) { (void)t0; return s->memory_mib; }
#define COUNTER(fn, field) \
    static double fn(const struct sample *s, double t0) { (void)t0; return (double)s->field; }
COUNTER(g_rd, rd_bytes)
COUNTER(g_wr, wr_bytes)
COUNTER(g_rdq, rd_req)
COUNTER(g_wrq, wr_req)
COUNTER(g_tx, tx_bytes)
COUNTER(g_rx, rx_bytes)
COUNTER(g_txp, tx_packets)
COUNTER(g_rxp, rx_packets)

static const struct series {
    const char *key;
    double (*get)(const struct sample *, double t0);
} series[] = {
    { "t", g_t }, { "cpu_pct", g_cpu }, { "memory_mib", g_mem },
    { "vbd_rd_bytes", g_rd }, { "vbd_wr_bytes", g_wr },
    { "vbd_rd_req", g_rdq }, { "vbd_wr_req", g_wrq },
    { "vif_tx_bytes", g_tx }, { "vif_rx_bytes", g_rx },
    { "vif_tx_packets", g_txp }, { "vif_rx_packets", g_rxp },
};

/* {t:[seconds before the newest sample, <= 0], cpu_pct, memory_mib,
 *  vbd_rd_bytes, vbd_wr_bytes, vbd_rd_req, vbd_wr_req, vif_tx_bytes,
 *  vif_rx_bytes, vif_tx_packets, vif_rx_packets}: arrays alike (the
 *  counters as xend gives them; the page makes rates of them). */
json_object *stats_history(struct web *w, int domid)
{
    struct stats *st = w->stats;
    json_object *o = json_object_new_object();
    pthread_mutex_lock(&st->lock);
    const struct dom_hist *h = domid >= 0 ? hist(st, domid, NULL, false)
                                          : NULL;
    for (size_t k = 0; k < sizeof(series) / sizeof(*series); k++)
        add_series(o, series[k].key, h, series[k].get);
    json_object_object_add(o, "period_ms", json_object_new_int((int)w->s.sample_ms));
    pthread_mutex_unlock(&st->lock);
    return o;
}
