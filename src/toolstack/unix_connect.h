#ifndef XENO_TOOLSTACK_UNIX_CONNECT_H
#define XENO_TOOLSTACK_UNIX_CONNECT_H

/* The fd, or -errno. */
int unix_connect(const char *path);

#endif
