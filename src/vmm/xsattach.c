/* Connects the domain's xenstore ring to xenstored: the ring page lives in
 * the guest-memory memfd, which we pass with two eventfds over
 * $XENSTORED_RUNDIR/rings (protocol: src/include/xeno/xs_ring.h). */
#include "vmm/vm.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <xen/io/xs_wire.h>

#include "common/log.h"
#include "xeno/xs_ring.h"

_Static_assert(VM_XS_TOKEN_LEN <= XS_RING_TOKEN_LEN, "token does not fit the attach");

/* Version 1 without a token, else version 2 carrying it. */
static int send_attach(int sock, const struct xs_ring_attach_token *a, const int fds[3])
{
    char cbuf[CMSG_SPACE(3 * sizeof(int))];
    size_t len = a->a.version == XS_RING_ATTACH_VERSION ? sizeof(a->a) : sizeof(*a);
    struct iovec iov = { .iov_base = (void *)a, .iov_len = len };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
                          .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
    struct cmsghdr *cm;
    int32_t status;

    memset(cbuf, 0, sizeof(cbuf));
    cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(3 * sizeof(int));
    memcpy(CMSG_DATA(cm), fds, 3 * sizeof(int));
    if (sendmsg(sock, &msg, MSG_NOSIGNAL) != (ssize_t)len)
        return -errno;
    if (recv(sock, &status, sizeof(status), MSG_WAITALL) != sizeof(status))
        return -EPROTO;
    return status;
}

int xs_attach(struct vm *vm, char *err, size_t errlen)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    uint64_t offset = vm->special - vm->mem + XENO_PAGE_SIZE; /* page 1 */
    struct xs_ring_attach_token a = { .a = {
        .magic = XS_RING_ATTACH_MAGIC, .version = XS_RING_ATTACH_VERSION,
        .domid = vm->cfg.domid, .port = vm->store_port, .page_offset = offset,
        .gfn = XENO_XENSTORE_PFN,
    } };
    int fds[3], rc;

    if (snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/%s",
                 vm->cfg.xenstored_dir, XS_RING_SOCKET_NAME) >= (int)sizeof(addr.sun_path)) {
        snprintf(err, errlen, "xenstored dir too long");
        return -ENAMETOOLONG;
    }
    vm->store_kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    vm->store_notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    vm->store_sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (vm->store_kick_fd < 0 || vm->store_notify_fd < 0 || vm->store_sock < 0)
        return -errno;
    if (connect(vm->store_sock, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        rc = -errno;
        snprintf(err, errlen, "cannot reach xenstored at %s: %s (is xenstored running?)",
                 addr.sun_path, strerror(errno));
        return rc;
    }
    if (vm->cfg.xs_token[0]) {
        a.a.version = XS_RING_ATTACH_VERSION_TOKEN;
        memcpy(a.token, vm->cfg.xs_token, strlen(vm->cfg.xs_token) + 1);
    }
    fds[0] = vm->mem_fd;
    fds[1] = vm->store_kick_fd;
    fds[2] = vm->store_notify_fd;
    rc = send_attach(vm->store_sock, &a, fds);
    if (rc)
        snprintf(err, errlen, "xenstored refused the ring of domain %u: %s",
                 vm->cfg.domid, strerror(-rc));
    return rc;
}

void xs_kick(struct vm *vm)
{
    uint64_t one = 1;
    __atomic_fetch_add(&vm->store_kicks, 1, __ATOMIC_RELAXED);
    if (vm->store_kick_fd >= 0 && write(vm->store_kick_fd, &one, sizeof(one)) < 0) {
        /* counter saturated: xenstored will still see it readable */
    }
}
