/* Who is at the other end of a socket xend accepted.  Unix sockets:
 * SO_PEERCRED.  Loopback TCP: the uid owning the client's socket, asked
 * of the kernel with sock_diag (NETLINK_SOCK_DIAG, the exact 4-tuple).
 * Every function answers 0 or -errno; a caller that can not be
 * identified is "nobody" (policy.h), never root. */
#ifndef XEND_PEER_H
#define XEND_PEER_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "policy.h"

int peer_unix_uid(int fd, uid_t *uid);
/* fd: xend's side of an accepted TCP connection (IPv4 or IPv6). */
int peer_tcp_uid(int fd, uid_t *uid);
/* The owner of the socket whose local address is client and whose peer is
 * server (the client's socket, seen from xend's side): sock_diag. */
int peer_tcp_lookup(const struct sockaddr *client, const struct sockaddr *server,
                    uid_t *uid);
/* Whether uid is a member (primary or supplementary) of group. */
bool uid_in_group(uid_t uid, const char *group);
/* A caller from a uid (known) or nobody (known false): the name from the
 * passwd database, admin when root, xend's own user or in admin_group. */
void caller_from_uid(struct caller *c, bool known, uid_t uid, const char *admin_group);

#endif
