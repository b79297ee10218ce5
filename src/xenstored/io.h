/* The daemon's shell: event loop and the byte-moving side of connections
 * (unix sockets, guest rings).  Nothing here interprets requests. */
#ifndef XENO_XS_IO_H
#define XENO_XS_IO_H

#include "xs_core.h"

#include <stdio.h>
#include <sys/types.h>

struct ev {
    int fd;
    uint32_t mask; /* current epoll interest */
    void (*cb)(struct ev *ev, uint32_t events);
};

int loop_init(void);
int loop_add(struct ev *ev, uint32_t events);
int loop_mod(struct ev *ev, uint32_t events);
void loop_del(struct ev *ev);
int loop_wait(int timeout_ms);

enum io_kind { IO_SOCKET, IO_RING };

struct io_conn {
    struct ev ev;        /* socket fd, or the ring's kick eventfd */
    enum io_kind kind;
    struct xs_conn *conn;
    struct io_conn *next;        /* all io connections */
    struct io_conn *next_dirty;  /* needs servicing this iteration */
    bool dirty, closing, broken;
    bool peer_trusted; /* SO_PEERCRED: root or our uid (io_peer_trusted) */
    bool consumed; /* ring: requests taken since the last notify */
    bool partial;  /* ring: part of a message waits in the ring */
    struct xs_framer fr;
    char inbuf[4096];
    size_t in_off, in_len;
    /* ring only */
    struct ev ctl;               /* the VMM's attach connection */
    int notify_fd;
    void *map;
    size_t maplen;
    struct xenstore_domain_interface *intf;
    uint32_t domid;
};

struct xs_daemon {
    struct xs_core core;
    const char *rundir;
    struct io_conn *conns;
    struct io_conn *dirty;
    FILE *trace;
    void *journal;
    bool stop;
};

extern struct xs_daemon xsd;

void io_mark_dirty(struct io_conn *ioc);
void io_service(struct io_conn *ioc);
void io_run_dirty(void);
void io_reap(void);
void io_destroy(struct io_conn *ioc);
void io_reserve_fd(void);
struct io_conn *io_accept(int lfd, enum io_kind kind,
                          void (*cb)(struct ev *, uint32_t));
void io_process_input(struct io_conn *ioc,
                      int (*fill)(struct io_conn *ioc));
void io_trace_out(struct io_conn *ioc);
bool io_peer_trusted(int fd);
void io_trace(struct io_conn *ioc, const char *dir,
              const struct xsd_sockmsg *h, const char *body);

int sock_listen_all(const char *rundir);
int sock_bind(const char *dir, const char *name, mode_t mode);
int ring_listen(const char *rundir);
void ringio_service(struct io_conn *ioc);
bool ringio_poll_partial(bool mark);
void ringio_close(struct io_conn *ioc);
void sockio_service(struct io_conn *ioc);

extern const struct xs_conn_ops io_conn_ops;

#endif
