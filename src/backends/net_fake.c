/* The fake engine: keeps copies of the frames sent, hands out frames the
 * test queued.  See net_tap.h. */
#include "backends/net_tap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int fake_send(void *engine, const struct iovec *iov, unsigned n)
{
    struct net_fake *f = engine;
    unsigned slot = f->sent % NET_FAKE_FRAMES;
    size_t len = 0, off = 0;
    uint8_t *p;

    if (f->send_rc)
        return f->send_rc;
    for (unsigned i = 0; i < n; i++)
        len += iov[i].iov_len;
    p = malloc(len ? len : 1);
    if (!p)
        return -ENOMEM;
    for (unsigned i = 0; i < n; i++) {
        memcpy(p + off, iov[i].iov_base, iov[i].iov_len);
        off += iov[i].iov_len;
    }
    free(f->frame[slot]);
    f->last_iovcnt = n;
    f->last_iov1 = n > 1 ? iov[1].iov_len : 0;
    f->frame[slot] = p;
    f->len[slot] = len;
    f->sent++;
    return 0;
}

static ssize_t fake_recv(void *engine, const struct iovec *iov, unsigned n)
{
    struct net_fake *f = engine;
    const uint8_t *src;
    size_t left, done = 0;

    if (f->next_in >= f->nin)
        return -EAGAIN;
    src = f->in[f->next_in];
    left = f->in_len[f->next_in++];
    for (unsigned i = 0; i < n && left; i++) {
        size_t c = iov[i].iov_len < left ? iov[i].iov_len : left;
        memcpy(iov[i].iov_base, src + done, c);
        done += c;
        left -= c;
    }
    f->recv_iovcnt = n;
    return (ssize_t)done;
}

const struct net_engine_ops net_fake_ops = { .send = fake_send, .recv = fake_recv };

const uint8_t *net_fake_frame(const struct net_fake *f, unsigned n, size_t *len)
{
    if (n >= f->sent || f->sent - n > NET_FAKE_FRAMES)
        return NULL;
    *len = f->len[n % NET_FAKE_FRAMES];
    return f->frame[n % NET_FAKE_FRAMES];
}

void net_fake_free(struct net_fake *f)
{
    for (unsigned i = 0; i < NET_FAKE_FRAMES; i++) {
        free(f->frame[i]);
        f->frame[i] = NULL;
    }
}
