/* xs: a minimal xenstore client for guest images (built static by
 * scripts/mkguest/initramfs.sh).  Speaks the xs_wire protocol over
 * /dev/xen/xenbus (or /proc/xen/xenbus, or a unix socket with -s).
 *
 *   xs read PATH            print the value
 *   xs write PATH VALUE
 *   xs mkdir PATH
 *   xs rm PATH
 *   xs dir PATH             child names, one per line
 *   xs ls [PATH]            the subtree, like xenstore-ls (default: "")
 *   xs perms PATH           the permissions string list
 *   xs domainpath DOMID     XS_GET_DOMAIN_PATH
 *   xs watch PATH [N]       print "path token" for N events (default 1)
 *
 * Relative paths are relative to the domain's home (/local/domain/<id>),
 * resolved by xenstored.  Exit status: 0 ok, 1 xenstore error (printed as
 * "xs: CMD PATH: ENOENT"), 2 usage or I/O error.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <xen/io/xs_wire.h>

static int xs_fd = -1;
static uint32_t next_req = 1;

struct reply {
    uint32_t type;
    uint32_t len;
    char body[XENSTORE_PAYLOAD_MAX + 1]; /* always NUL-terminated */
};

static void die_io(const char *what)
{
    fprintf(stderr, "xs: %s: %s\n", what, errno ? strerror(errno) : "short transfer");
    exit(2);
}

static void xs_open(const char *sock)
{
    if (sock) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        if (strlen(sock) >= sizeof(sa.sun_path)) {
            fprintf(stderr, "xs: socket path too long\n");
            exit(2);
        }
        strcpy(sa.sun_path, sock);
        xs_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (xs_fd < 0 || connect(xs_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
            die_io(sock);
        return;
    }
    static const char *const devs[] = { "/dev/xen/xenbus", "/proc/xen/xenbus" };
    for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
        xs_fd = open(devs[i], O_RDWR | O_CLOEXEC);
        if (xs_fd >= 0)
            return;
    }
    die_io("open /dev/xen/xenbus");
}

static void read_all(void *buf, size_t n)
{
    char *p = buf;
    while (n > 0) {
        ssize_t r = read(xs_fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            if (r == 0)
                errno = 0;
            die_io("read");
        }
        p += r;
        n -= (size_t)r;
    }
}

/* One message from xenstored (a reply or a watch event). */
static void recv_msg(struct xsd_sockmsg *hdr, struct reply *rep)
{
    read_all(hdr, sizeof(*hdr));
    if (hdr->len > XENSTORE_PAYLOAD_MAX) {
        fprintf(stderr, "xs: reply of %u bytes exceeds the maximum\n", hdr->len);
        exit(2);
    }
    read_all(rep->body, hdr->len);
    rep->body[hdr->len] = '\0';
    rep->type = hdr->type;
    rep->len = hdr->len;
}

/* Send a request made of NUL-separated parts (the last part's NUL is
 * included only if last_nul) and wait for its reply, skipping watch
 * events.  Returns 0, or 1 with the error name in rep->body. */
static int xs_request(uint32_t type, const char *const *parts, int nparts, int last_nul,
                      struct reply *rep)
{
    char msg[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
    struct xsd_sockmsg *hdr = (struct xsd_sockmsg *)msg;
    size_t len = 0;
    for (int i = 0; i < nparts; i++) {
        size_t n = strlen(parts[i]) + (i < nparts - 1 || last_nul ? 1 : 0);
        if (len + n > XENSTORE_PAYLOAD_MAX) {
            fprintf(stderr, "xs: request too long\n");
            exit(2);
        }
        memcpy(msg + sizeof(*hdr) + len, parts[i], n);
        len += n;
    }
    hdr->type = type;
    hdr->req_id = next_req++;
    hdr->tx_id = 0;
    hdr->len = (uint32_t)len;
    size_t total = sizeof(*hdr) + len;
    ssize_t w;
    do
        w = write(xs_fd, msg, total);
    while (w < 0 && errno == EINTR);
    if (w != (ssize_t)total)
        die_io("write");

    uint32_t want = hdr->req_id;
    for (;;) {
        struct xsd_sockmsg in;
        recv_msg(&in, rep);
        if (in.type == XS_WATCH_EVENT)
            continue;
        if (in.req_id != want) {
            fprintf(stderr, "xs: reply for request %u, want %u\n", in.req_id, want);
            exit(2);
        }
        return in.type == XS_ERROR ? 1 : 0;
    }
}

static int report(const char *cmd, const char *path, int err, struct reply *rep)
{
    if (err)
        fprintf(stderr, "xs: %s %s: %s\n", cmd, path, rep->body);
    return err;
}

/* Print a value the way xenstore-ls does: printable ASCII as is, the rest
 * escaped. */
static void print_value(FILE *f, const char *v, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c >= 0x20 && c < 0x7f)
            fputc(c, f);
        else
            fprintf(f, "\\x%02x", c);
    }
}

static int ls_tree(const char *path, int depth)
{
    static struct reply dir, val;
    const char *parts[1] = { path };
    if (xs_request(XS_DIRECTORY, parts, 1, 1, &dir))
        return report("ls", path, 1, &dir);
    /* Copy the names: the static buffers are reused by the recursion. */
    uint32_t n = dir.len;
    char *names = malloc(n + 1);
    if (!names)
        die_io("malloc");
    memcpy(names, dir.body, n + 1);
    int rc = 0;
    for (char *p = names; p < names + n; p += strlen(p) + 1) {
        if (*p == '\0')
            continue;
        char child[XENSTORE_ABS_PATH_MAX + 2];
        int cl = snprintf(child, sizeof(child), "%s%s%s", path,
                          (*path && path[strlen(path) - 1] != '/') ? "/" : "", p);
        if (cl < 0 || (size_t)cl >= sizeof(child)) {
            fprintf(stderr, "xs: path too long under %s\n", path);
            rc = 1;
            continue;
        }
        const char *cp[1] = { child };
        int err = xs_request(XS_READ, cp, 1, 1, &val);
        printf("%*s%s = \"", depth, "", p);
        if (!err)
            print_value(stdout, val.body, val.len);
        printf("\"\n");
        rc |= ls_tree(child, depth + 1);
    }
    free(names);
    return rc;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: xs [-s SOCKET] read PATH | write PATH VALUE | mkdir PATH | rm PATH |\n"
            "          dir PATH | ls [PATH] | perms PATH | domainpath DOMID |\n"
            "          watch PATH [COUNT]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    const char *sock = NULL;
    int i = 1;
    if (i + 1 < argc && strcmp(argv[i], "-s") == 0) {
        sock = argv[i + 1];
        i += 2;
    }
    if (i >= argc)
        usage();
    const char *cmd = argv[i++];
    int nargs = argc - i;
    char **a = argv + i;
    static struct reply rep;

    xs_open(sock);

    if (strcmp(cmd, "read") == 0 && nargs == 1) {
        const char *p[1] = { a[0] };
        int err = xs_request(XS_READ, p, 1, 1, &rep);
        if (!err) {
            fwrite(rep.body, 1, rep.len, stdout);
            putchar('\n');
        }
        return report(cmd, a[0], err, &rep);
    }
    if (strcmp(cmd, "write") == 0 && nargs == 2) {
        const char *p[2] = { a[0], a[1] };
        return report(cmd, a[0], xs_request(XS_WRITE, p, 2, 0, &rep), &rep);
    }
    if ((strcmp(cmd, "mkdir") == 0 || strcmp(cmd, "rm") == 0) && nargs == 1) {
        const char *p[1] = { a[0] };
        uint32_t t = cmd[0] == 'm' ? XS_MKDIR : XS_RM;
        return report(cmd, a[0], xs_request(t, p, 1, 1, &rep), &rep);
    }
    if ((strcmp(cmd, "dir") == 0 || strcmp(cmd, "perms") == 0 ||
         strcmp(cmd, "domainpath") == 0) && nargs == 1) {
        const char *p[1] = { a[0] };
        uint32_t t = cmd[0] == 'd' ? (cmd[1] == 'i' ? XS_DIRECTORY : XS_GET_DOMAIN_PATH)
                                   : XS_GET_PERMS;
        int err = xs_request(t, p, 1, 1, &rep);
        if (!err)
            for (char *s = rep.body; s < rep.body + rep.len; s += strlen(s) + 1)
                puts(s);
        return report(cmd, a[0], err, &rep);
    }
    if (strcmp(cmd, "ls") == 0 && nargs <= 1)
        return ls_tree(nargs ? a[0] : "", 0);
    if (strcmp(cmd, "watch") == 0 && (nargs == 1 || nargs == 2)) {
        long count = nargs == 2 ? strtol(a[1], NULL, 0) : 1;
        const char *p[2] = { a[0], "xs" };
        int err = xs_request(XS_WATCH, p, 2, 1, &rep);
        if (err)
            return report(cmd, a[0], err, &rep);
        fflush(stdout);
        /* xenstored fires the watch once at registration; that counts. */
        for (long n = 0; n < count; n++) {
            struct xsd_sockmsg in;
            do
                recv_msg(&in, &rep);
            while (in.type != XS_WATCH_EVENT);
            const char *path = rep.body;
            const char *token = path + strlen(path) + 1;
            printf("%s %s\n", path, token < rep.body + rep.len ? token : "");
            fflush(stdout);
        }
        return 0;
    }
    usage();
    return 2;
}
