/* xm: the command-line tool.  One table of commands; one file per group of
 * commands; everything goes through libxenoctl. */
#ifndef XM_H
#define XM_H

#include <stdbool.h>

#include "xenoctl.h"

#define XM_OK 0
#define XM_FAIL 1
#define XM_USAGE 2

struct xm {
    const char *where;          /* -s/--socket, else $XENO_XEND, else default */
    struct xenoctl *h;
    const struct xm_cmd *cmd;
};

struct xm_cmd {
    const char *name;
    int (*fn)(struct xm *xm, int argc, char **argv);
    const char *usage;
    const char *summary;
};

struct xenoctl *xm_handle(struct xm *xm);
int xm_fail(struct xm *xm, int err);        /* prints xenoctl's message */
int xm_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int xm_usage(const struct xm *xm);
const char *xm_state_flags(const char *state);

int cmd_list(struct xm *xm, int argc, char **argv);
int cmd_uptime(struct xm *xm, int argc, char **argv);
int cmd_top(struct xm *xm, int argc, char **argv);
int cmd_create(struct xm *xm, int argc, char **argv);
int cmd_destroy(struct xm *xm, int argc, char **argv);
int cmd_shutdown(struct xm *xm, int argc, char **argv);
int cmd_reboot(struct xm *xm, int argc, char **argv);
int cmd_pause(struct xm *xm, int argc, char **argv);
int cmd_unpause(struct xm *xm, int argc, char **argv);
int cmd_mem_set(struct xm *xm, int argc, char **argv);
int cmd_mem_max(struct xm *xm, int argc, char **argv);
int cmd_console(struct xm *xm, int argc, char **argv);
int cmd_info(struct xm *xm, int argc, char **argv);
int cmd_dmesg(struct xm *xm, int argc, char **argv);
int cmd_log(struct xm *xm, int argc, char **argv);
int cmd_block_attach(struct xm *xm, int argc, char **argv);
int cmd_block_detach(struct xm *xm, int argc, char **argv);
int cmd_block_list(struct xm *xm, int argc, char **argv);
int cmd_network_attach(struct xm *xm, int argc, char **argv);
int cmd_network_detach(struct xm *xm, int argc, char **argv);
int cmd_network_list(struct xm *xm, int argc, char **argv);
int cmd_vcpu_set(struct xm *xm, int argc, char **argv);
int cmd_vcpu_list(struct xm *xm, int argc, char **argv);
int cmd_vcpu_pin(struct xm *xm, int argc, char **argv);
int cmd_sched_credit(struct xm *xm, int argc, char **argv);

/* xm console DOM, also used by create -c. */
int xm_console_attach(struct xm *xm, const char *dom);

#endif
