/* A stand-in for xeno-vmm in toolstack tests: the same command line and
 * control/console socket protocol (xeno/vmm_control.h), no KVM.  Extra:
 *   {"cmd":"shutdown","reason":"poweroff"|"reboot"}  exits 0 / 101
 *   {"cmd":"test-exit","status":N}                   exits N
 *   FAKE_VMM_START_DELAY_MS=N   wait before opening the control socket
 *   FAKE_VMM_NO_SHUTDOWN=1      no shutdown command (like xeno-vmm today)
 *   FAKE_VMM_SHUTDOWN_CRASH=NAME  domain NAME crashes when told to shut down
 *   fake-vmm --ctl-send SOCKET JSON                  client mode
 * Disks (the contract of xeno-vmm's --disk and disk-* commands):
 *   --disk fd=N,devid=D,mode=r|w,type=..,name=..  the fd's access mode
 *       (fcntl F_GETFL) must match mode; what it got is logged and shown
 *       as "access" in disk-stats; fds it was not given are logged as
 *       "stray fd"
 *   disk-attach (+ one fd as SCM_RIGHTS), disk-detach, disk-stats
 *   {"cmd":"test-disk-io","devid":D}  reads 4 KiB at 0 and, if writable,
 *       writes them back: real I/O on the fd, counted in disk-stats
 *   FAKE_VMM_DETACH_STUCK=1   disk-detach answers "frontend did not close"
 *   FAKE_VMM_DETACH_DELAY_MS=N  disk-detach takes N ms (a slow guest)
 * Vifs (the contract of xeno-vmm's --nic and nic-* commands):
 *   --nic fd=N,devid=D,mac=M[,mtu=U]  the fd must be a tap opened
 *       IFF_TAP|IFF_NO_PI|IFF_VNET_HDR (TUNGETIFF); its name is logged
 *   nic-attach (+ one fd), nic-detach, nic-stats; frames the host sends
 *       into a tap are read and counted as rx (host -> guest)
 *   {"cmd":"test-nic-send","devid":D}  writes one broadcast frame from
 *       the "guest" into the tap, counted as tx
 * vCPUs: --maxvcpus M starts M idle threads; {"cmd":"vcpus"} lists their
 *   thread ids as xeno-vmm does, the first --vcpus N of them online; with
 *   --xenstored-dir it first follows cpu/<n>/availability as a guest's
 *   kernel does (xm vcpu-set), so N is the number marked "online".
 * Memory: --maxmem M, {"cmd":"mem-max","kib":N} (refused above maxmem, as
 *   xeno-vmm does); {"cmd":"test-hold","kib":N} makes info report N KiB
 *   populated and held (a guest that has or has not ballooned).
 * A kernel that can't be opened ends it with status 1, like the real one. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <json-c/json.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#include "xeno/exit.h"
#include "xeno/vmm_control.h"

#define MAX_DISKS 16
#define MAX_NICS 8
#define VNET_HDR 10

struct nic {
    int fd;
    long devid;
    unsigned mtu;
    char mac[18], ifname[IFNAMSIZ];
    long long tx_packets, tx_bytes, rx_packets, rx_bytes;
};

struct disk {
    int fd;
    long devid;
    char mode[2], type[8], name[24];
    const char *access;         /* "rw" / "ro" / "wo", from F_GETFL */
    long long rd_req, wr_req, rd_bytes, wr_bytes, errors;
};

struct fake {
    const char *kernel, *name, *control, *console, *log, *xs_dir;
    struct xs_handle *xs;
    int domid, vcpus, maxvcpus;
    int tids[128];
    long memory, maxmem;
    long long max_kib, hold_kib;    /* hold_kib < 0: not reported */
    bool paused;
    time_t start;
    int ctl_fd, con_fd, con_client;
    int exit_status;            /* -1: keep running */
    struct disk disks[MAX_DISKS];
    int n_disks;
    struct nic nics[MAX_NICS];
    int n_nics;
    int passed_fd;              /* SCM_RIGHTS of the current request */
};

static volatile sig_atomic_t got_term;

static void on_term(int sig)
{
    (void)sig;
    got_term = 1;
}

static int listen_on(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    unlink(path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        listen(fd, 8) < 0)
        return -1;
    return fd;
}

static int connect_to(const char *path)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
        return -1;
    return fd;
}

static void info_reply(struct fake *f, char *out, size_t len)
{
    struct timespec cpu;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
    snprintf(out, len, "{\"ok\":true,\"name\":\"%s\",\"domid\":%d,\"pid\":%d,"
             "\"memory_mib\":%ld,\"vcpus\":%d,\"state\":\"%s\","
             "\"cpu_time_ns\":%lld,\"start_time\":%lld}\n", f->name, f->domid,
             (int)getpid(), f->memory, f->vcpus,
             f->paused ? "paused" : "running",
             (long long)cpu.tv_sec * 1000000000LL + cpu.tv_nsec,
             (long long)f->start);
    size_t n = strlen(out);
    if (f->hold_kib >= 0 && n > 2)
        snprintf(out + n - 2, len - (n - 2), ",\"mem_kib\":%lld,\"held_kib\":%lld,"
                 "\"max_kib\":%lld}\n", f->hold_kib, f->hold_kib, f->max_kib);
}

static void mem_command(struct fake *f, const char *cmd, json_object *req,
                        char *out, size_t len)
{
    json_object *v;
    long long kib = json_object_object_get_ex(req, "kib", &v) ? json_object_get_int64(v) : -1;
    long long maxmem = (f->maxmem > f->memory ? f->maxmem : f->memory) * 1024;
    if (kib <= 0 || (cmd[0] == 'm' && kib > maxmem)) {
        snprintf(out, len, "{\"ok\":false,\"error\":\"mem-max: %lld KiB is above the "
                 "%lld KiB (maxmem)\"}\n", kib, maxmem);
        return;
    }
    if (cmd[0] == 'm')
        f->max_kib = kib;
    else
        f->hold_kib = kib;
    fprintf(stderr, "fake-vmm: %s %lld KiB\n", cmd, kib);
}

static void *vcpu_thread(void *arg)
{
    __atomic_store_n((int *)arg, (int)syscall(SYS_gettid), __ATOMIC_RELEASE);
    for (;;)
        pause();
    return NULL;
}

/* Idle "vCPU" threads, with every signal blocked (main takes them). */
static void start_vcpus(struct fake *f)
{
    sigset_t all, old;
    pthread_t t;
    if (f->maxvcpus < f->vcpus)
        f->maxvcpus = f->vcpus;
    if (f->maxvcpus > 128)
        f->maxvcpus = 128;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    for (int k = 0; k < f->maxvcpus; k++)
        if (pthread_create(&t, NULL, vcpu_thread, &f->tids[k]) == 0)
            pthread_detach(t);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    for (int k = 0; k < f->maxvcpus; k++)   /* xeno-vmm: tids known when it answers */
        while (!__atomic_load_n(&f->tids[k], __ATOMIC_ACQUIRE))
            usleep(100);
}

/* The guest's side of vcpu-set: as many vCPUs online as xenstore's
 * cpu/<n>/availability says (unchanged when xenstore can't be read). */
static void follow_availability(struct fake *f)
{
    char path[96];
    int online = 0;
    if (!f->xs_dir)
        return;
    if (!f->xs) {
        setenv("XENSTORED_RUNDIR", f->xs_dir, 1);
        f->xs = xs_open(XS_OPEN_SOCKETONLY);
        if (!f->xs)
            return;
    }
    for (int k = 0; k < f->maxvcpus; k++) {
        unsigned len;
        snprintf(path, sizeof(path), "/local/domain/%d/cpu/%d/availability",
                 f->domid, k);
        char *v = xs_read(f->xs, XBT_NULL, path, &len);
        if (!v)
            return;
        online += strcmp(v, "online") == 0;
        free(v);
    }
    f->vcpus = online;
}

static void vcpus_reply(struct fake *f, char *out, size_t len)
{
    follow_availability(f);
    size_t n = (size_t)snprintf(out, len, "{\"ok\":true,\"online\":%d,\"vcpus\":[", f->vcpus);
    for (int k = 0; k < f->maxvcpus && n < len; k++)
        n += (size_t)snprintf(out + n, len - n, "%s{\"id\":%d,\"tid\":%d,\"online\":%s,"
                              "\"down\":false}", k ? "," : "", k,
                              __atomic_load_n(&f->tids[k], __ATOMIC_ACQUIRE),
                              k < f->vcpus ? "true" : "false");
    if (n < len)
        snprintf(out + n, len - n, "]}\n");
}

static const char *access_of(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0)
        return NULL;
    switch (fl & O_ACCMODE) {
    case O_RDONLY: return "ro";
    case O_RDWR: return "rw";
    default: return "wo";
    }
}

/* The fd must be open with what mode asks: O_RDWR for w, O_RDONLY for r. */
static int add_disk(struct fake *f, int fd, long devid, const char *mode,
                    const char *type, const char *name, char *why, size_t len)
{
    const char *acc = access_of(fd);
    if (!acc)
        return snprintf(why, len, "fd %d: %s", fd, strerror(errno)), -1;
    if (f->n_disks >= MAX_DISKS)
        return snprintf(why, len, "too many disks"), -1;
    if (strcmp(mode, "w") != 0 && strcmp(mode, "r") != 0)
        return snprintf(why, len, "mode %s", mode), -1;
    for (int k = 0; k < f->n_disks; k++)
        if (f->disks[k].devid == devid)
            return snprintf(why, len, "devid %ld twice", devid), -1;
    if (strcmp(acc, mode[0] == 'w' ? "rw" : "ro") != 0)
        return snprintf(why, len, "fd %d is open %s but mode is %s", fd, acc,
                        mode), -1;
    struct disk *d = &f->disks[f->n_disks++];
    memset(d, 0, sizeof(*d));
    d->fd = fd;
    d->devid = devid;
    d->access = acc;
    snprintf(d->mode, sizeof(d->mode), "%s", mode);
    snprintf(d->type, sizeof(d->type), "%s", type);
    snprintf(d->name, sizeof(d->name), "%s", name);
    fprintf(stderr, "fake-vmm: disk %s devid=%ld fd=%d mode=%s type=%s "
            "access=%s\n", d->name, devid, fd, mode, type, acc);
    return 0;
}

/* --disk fd=N,devid=D,mode=..,type=..,name=.. */
static int disk_option(struct fake *f, char *arg, char *why, size_t len)
{
    int fd = -1;
    long devid = -1;
    const char *mode = "", *type = "file", *name = "";
    for (char *t; (t = strsep(&arg, ",")) != NULL;) {
        char *eq = strchr(t, '=');
        if (!eq)
            return snprintf(why, len, "--disk: '%s'", t), -1;
        *eq++ = '\0';
        if (strcmp(t, "fd") == 0) fd = atoi(eq);
        else if (strcmp(t, "devid") == 0) devid = atol(eq);
        else if (strcmp(t, "mode") == 0) mode = eq;
        else if (strcmp(t, "type") == 0) type = eq;
        else if (strcmp(t, "name") == 0) name = eq;
        else return snprintf(why, len, "--disk: unknown '%s'", t), -1;
    }
    if (fd < 0 || devid <= 0)
        return snprintf(why, len, "--disk needs fd= and devid="), -1;
    return add_disk(f, fd, devid, mode, type, name, why, len);
}

static void log_stray_fds(const struct fake *f)
{
    for (int fd = 3; fd < 256; fd++) {
        bool disk = false;
        for (int k = 0; k < f->n_disks; k++)
            disk |= f->disks[k].fd == fd;
        for (int k = 0; k < f->n_nics; k++)
            disk |= f->nics[k].fd == fd;
        char link[64], target[256];
        snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
        ssize_t n = readlink(link, target, sizeof(target) - 1);
        if (disk || n < 0)
            continue;
        target[n] = '\0';
        fprintf(stderr, "fake-vmm: stray fd %d -> %s\n", fd, target);
    }
}

static struct disk *disk_by_devid(struct fake *f, json_object *req)
{
    json_object *v;
    long id = json_object_object_get_ex(req, "devid", &v) ?
              (long)json_object_get_int64(v) : -1;
    for (int k = 0; k < f->n_disks; k++)
        if (f->disks[k].devid == id)
            return &f->disks[k];
    return NULL;
}

static const char *jstr(json_object *req, const char *k, const char *def)
{
    json_object *v;
    return json_object_object_get_ex(req, k, &v) ? json_object_get_string(v)
                                                 : def;
}

static void disk_attach(struct fake *f, json_object *req, char *out, size_t len)
{
    json_object *v;
    char why[256];
    long devid = json_object_object_get_ex(req, "devid", &v) ?
                 (long)json_object_get_int64(v) : -1;
    if (f->passed_fd < 0) {
        snprintf(out, len, "{\"ok\":false,\"error\":\"disk-attach needs "
                 "exactly one fd\"}\n");
        return;
    }
    if (add_disk(f, f->passed_fd, devid, jstr(req, "mode", ""),
                 jstr(req, "type", "file"), jstr(req, "name", ""), why,
                 sizeof(why)) < 0) {
        close(f->passed_fd);
        snprintf(out, len, "{\"ok\":false,\"error\":\"%s\"}\n", why);
    }
    f->passed_fd = -1;
}

static void disk_detach(struct fake *f, json_object *req, char *out, size_t len)
{
    struct disk *d = disk_by_devid(f, req);
    if (!d) {
        snprintf(out, len, "{\"ok\":false,\"error\":\"no such disk\"}\n");
        return;
    }
    const char *delay = getenv("FAKE_VMM_DETACH_DELAY_MS");
    if (delay)
        usleep((useconds_t)atoi(delay) * 1000);
    fprintf(stderr, "fake-vmm: disk %s detached\n", d->name);
    close(d->fd);
    *d = f->disks[--f->n_disks];
    if (getenv("FAKE_VMM_DETACH_STUCK"))
        snprintf(out, len, "{\"ok\":false,\"error\":\"frontend did not close "
                 "in 10 s\"}\n");
}

static void disk_stats(struct fake *f, char *out, size_t len)
{
    size_t n = (size_t)snprintf(out, len, "{\"ok\":true,\"disks\":[");
    for (int k = 0; k < f->n_disks && n < len; k++) {
        const struct disk *d = &f->disks[k];
        struct stat st;
        long long sectors = fstat(d->fd, &st) == 0 ? st.st_size / 512 : 0;
        n += (size_t)snprintf(out + n, len - n, "%s{\"devid\":%ld,\"name\":"
            "\"%s\",\"mode\":\"%s\",\"access\":\"%s\",\"state\":4,"
            "\"sectors\":%lld,\"rd_req\":%lld,\"wr_req\":%lld,\"flush_req\":0,"
            "\"discard_req\":0,\"rd_bytes\":%lld,\"wr_bytes\":%lld,"
            "\"errors\":%lld}", k ? "," : "", d->devid, d->name, d->mode,
            d->access, sectors, d->rd_req, d->wr_req, d->rd_bytes,
            d->wr_bytes, d->errors);
    }
    if (n < len)
        snprintf(out + n, len - n, "]}\n");
}

static void disk_io(struct fake *f, json_object *req, char *out, size_t len)
{
    struct disk *d = disk_by_devid(f, req);
    char buf[4096];
    if (!d) {
        snprintf(out, len, "{\"ok\":false,\"error\":\"no such disk\"}\n");
        return;
    }
    ssize_t n = pread(d->fd, buf, sizeof(buf), 0);
    if (n < 0) {
        d->errors++;
        return;
    }
    d->rd_req++;
    d->rd_bytes += n;
    if (d->mode[0] != 'w')
        return;
    if (pwrite(d->fd, buf, (size_t)n, 0) == n) {
        d->wr_req++;
        d->wr_bytes += n;
    } else {
        d->errors++;
    }
}

/* The fd must be a tap as xend makes them (net_tap.c's expectation). */
static int add_nic(struct fake *f, int fd, long devid, const char *mac,
                   unsigned mtu, char *why, size_t len)
{
    struct ifreq ifr = { 0 };
    if (ioctl(fd, TUNGETIFF, &ifr) < 0)
        return snprintf(why, len, "fd %d is not a tap: %s", fd,
                        strerror(errno)), -1;
    unsigned want = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    if ((ifr.ifr_flags & want) != want)
        return snprintf(why, len, "tap %s flags %#x", ifr.ifr_name,
                        (unsigned)ifr.ifr_flags), -1;
    if (f->n_nics >= MAX_NICS || devid < 0 || strlen(mac) != 17)
        return snprintf(why, len, "bad nic devid %ld mac %s", devid, mac), -1;
    for (int k = 0; k < f->n_nics; k++)
        if (f->nics[k].devid == devid)
            return snprintf(why, len, "nic devid %ld twice", devid), -1;
    struct nic *n = &f->nics[f->n_nics++];
    memset(n, 0, sizeof(*n));
    n->fd = fd;
    n->devid = devid;
    n->mtu = mtu;
    snprintf(n->mac, sizeof(n->mac), "%s", mac);
    snprintf(n->ifname, sizeof(n->ifname), "%s", ifr.ifr_name);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    fprintf(stderr, "fake-vmm: nic devid=%ld fd=%d ifname=%s mac=%s mtu=%u "
            "flags=tap,no_pi,vnet_hdr\n", devid, fd, n->ifname, mac, mtu);
    return 0;
}

/* --nic fd=N,devid=D,mac=M[,mtu=U] */
static int nic_option(struct fake *f, char *arg, char *why, size_t len)
{
    int fd = -1;
    long devid = -1;
    unsigned mtu = 1500;
    const char *mac = "";
    for (char *t; (t = strsep(&arg, ",")) != NULL;) {
        char *eq = strchr(t, '=');
        if (!eq)
            return snprintf(why, len, "--nic: '%s'", t), -1;
        *eq++ = '\0';
        if (strcmp(t, "fd") == 0) fd = atoi(eq);
        else if (strcmp(t, "devid") == 0) devid = atol(eq);
        else if (strcmp(t, "mac") == 0) mac = eq;
        else if (strcmp(t, "mtu") == 0) mtu = (unsigned)atoi(eq);
        else return snprintf(why, len, "--nic: unknown '%s'", t), -1;
    }
    if (fd < 0)
        return snprintf(why, len, "--nic needs fd="), -1;
    return add_nic(f, fd, devid, mac, mtu, why, len);
}

static struct nic *nic_by_devid(struct fake *f, json_object *req)
{
    json_object *v;
    long id = json_object_object_get_ex(req, "devid", &v) ?
              (long)json_object_get_int64(v) : -1;
    for (int k = 0; k < f->n_nics; k++)
        if (f->nics[k].devid == id)
            return &f->nics[k];
    return NULL;
}

static void nic_attach(struct fake *f, json_object *req, char *out, size_t len)
{
    json_object *v;
    char why[256];
    long devid = json_object_object_get_ex(req, "devid", &v) ?
                 (long)json_object_get_int64(v) : -1;
    unsigned mtu = json_object_object_get_ex(req, "mtu", &v) ?
                   (unsigned)json_object_get_int(v) : 1500;
    if (f->passed_fd < 0) {
        snprintf(out, len, "{\"ok\":false,\"error\":\"nic-attach needs "
                 "exactly one fd\"}\n");
        return;
    }
    if (add_nic(f, f->passed_fd, devid, jstr(req, "mac", ""), mtu, why,
                sizeof(why)) < 0) {
        close(f->passed_fd);
        snprintf(out, len, "{\"ok\":false,\"error\":\"%s\"}\n", why);
    }
    f->passed_fd = -1;
}

static void nic_detach(struct fake *f, json_object *req, char *out, size_t len)
{
    struct nic *n = nic_by_devid(f, req);
    if (!n) {
        snprintf(out, len, "{\"ok\":false,\"error\":\"no such nic\"}\n");
        return;
    }
    fprintf(stderr, "fake-vmm: nic %ld (%s) detached\n", n->devid, n->ifname);
    close(n->fd);
    *n = f->nics[--f->n_nics];
}

static void nic_stats(struct fake *f, char *out, size_t len)
{
    size_t n = (size_t)snprintf(out, len, "{\"ok\":true,\"nics\":[");
    for (int k = 0; k < f->n_nics && n < len; k++) {
        const struct nic *c = &f->nics[k];
        n += (size_t)snprintf(out + n, len - n, "%s{\"devid\":%ld,\"mac\":"
            "\"%s\",\"state\":4,\"queues\":1,\"tx_packets\":%lld,"
            "\"tx_bytes\":%lld,\"tx_dropped\":0,\"tx_errors\":0,"
            "\"rx_packets\":%lld,\"rx_bytes\":%lld,\"rx_dropped\":0}",
            k ? "," : "", c->devid, c->mac, c->tx_packets, c->tx_bytes,
            c->rx_packets, c->rx_bytes);
    }
    if (n < len)
        snprintf(out + n, len - n, "]}\n");
}

/* One broadcast frame from the guest's MAC (ethertype 0x88b5, local
 * experimental), behind a zero virtio-net header. */
static void nic_send(struct fake *f, json_object *req, char *out, size_t len)
{
    struct nic *n = nic_by_devid(f, req);
    unsigned char frame[VNET_HDR + 60] = { 0 };
    unsigned b[6];
    if (!n || sscanf(n->mac, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3],
                     &b[4], &b[5]) != 6) {
        snprintf(out, len, "{\"ok\":false,\"error\":\"no such nic\"}\n");
        return;
    }
    memset(frame + VNET_HDR, 0xff, 6);
    for (int k = 0; k < 6; k++)
        frame[VNET_HDR + 6 + k] = (unsigned char)b[k];
    frame[VNET_HDR + 12] = 0x88;
    frame[VNET_HDR + 13] = 0xb5;
    if (write(n->fd, frame, sizeof(frame)) == (ssize_t)sizeof(frame)) {
        n->tx_packets++;
        n->tx_bytes += (long long)sizeof(frame) - VNET_HDR;
    } else {
        snprintf(out, len, "{\"ok\":false,\"error\":\"write: %s\"}\n",
                 strerror(errno));
    }
}

/* What the host sent into the tap: to the guest. */
static void nic_rx(struct nic *n)
{
    unsigned char buf[65536 + VNET_HDR];
    ssize_t r;
    while ((r = read(n->fd, buf, sizeof(buf))) > VNET_HDR) {
        n->rx_packets++;
        n->rx_bytes += r - VNET_HDR;
    }
}

static void command(struct fake *f, json_object *req, char *out, size_t len)
{
    json_object *c, *v;
    const char *cmd = json_object_object_get_ex(req, "cmd", &c) ?
                      json_object_get_string(c) : "";
    snprintf(out, len, "{\"ok\":true}\n");
    if (strcmp(cmd, "info") == 0)
        info_reply(f, out, len);
    else if (strcmp(cmd, "pause") == 0 || strcmp(cmd, "unpause") == 0)
        f->paused = cmd[0] == 'p';
    else if (strcmp(cmd, "destroy") == 0)
        f->exit_status = XENO_EXIT_DESTROYED;
    else if (strcmp(cmd, "shutdown") == 0 && getenv("FAKE_VMM_NO_SHUTDOWN"))
        snprintf(out, len, "{\"ok\":false,\"error\":\"unknown command\"}\n");
    else if (strcmp(cmd, "shutdown") == 0 && getenv("FAKE_VMM_SHUTDOWN_CRASH") &&
             strcmp(getenv("FAKE_VMM_SHUTDOWN_CRASH"), f->name) == 0)
        f->exit_status = XENO_EXIT_SHUTDOWN_BASE + 3;  /* SHUTDOWN_crash */
    else if (strcmp(cmd, "shutdown") == 0)
        f->exit_status = json_object_object_get_ex(req, "reason", &v) &&
                         strcmp(json_object_get_string(v), "reboot") == 0 ?
                         XENO_EXIT_SHUTDOWN_BASE + 1 : XENO_EXIT_POWEROFF;
    else if (strcmp(cmd, "test-exit") == 0) {
        f->exit_status = json_object_object_get_ex(req, "status", &v) ?
                         json_object_get_int(v) : 1;
        /* End with the summary lines of xeno-vmm's crash report. */
        if (json_object_object_get_ex(req, "panic", &v))
            fprintf(stderr, "xeno-vmm: error: crash: panic message: %s\n",
                    json_object_get_string(v));
        if (json_object_object_get_ex(req, "last_line", &v))
            fprintf(stderr, "xeno-vmm: error: crash: last console line: %s\n",
                    json_object_get_string(v));
    } else if (strcmp(cmd, "disk-attach") == 0)
        disk_attach(f, req, out, len);
    else if (strcmp(cmd, "disk-detach") == 0)
        disk_detach(f, req, out, len);
    else if (strcmp(cmd, "disk-stats") == 0)
        disk_stats(f, out, len);
    else if (strcmp(cmd, "vcpus") == 0)
        vcpus_reply(f, out, len);
    else if (strcmp(cmd, "mem-max") == 0 || strcmp(cmd, "test-hold") == 0)
        mem_command(f, cmd, req, out, len);
    else if (strcmp(cmd, "test-disk-io") == 0)
        disk_io(f, req, out, len);
    else if (strcmp(cmd, "nic-attach") == 0)
        nic_attach(f, req, out, len);
    else if (strcmp(cmd, "nic-detach") == 0)
        nic_detach(f, req, out, len);
    else if (strcmp(cmd, "nic-stats") == 0)
        nic_stats(f, out, len);
    else if (strcmp(cmd, "test-nic-send") == 0)
        nic_send(f, req, out, len);
    else if (strcmp(cmd, "sysrq") != 0)
        snprintf(out, len, "{\"ok\":false,\"error\":\"unknown command\"}\n");
}

/* read() that also takes one SCM_RIGHTS fd (the first; any more are
 * closed). */
static ssize_t recv_fd(int c, char *buf, size_t len, int *fd)
{
    union {
        char b[CMSG_SPACE(4 * sizeof(int))];
        struct cmsghdr align;
    } u;
    struct iovec iov = { .iov_base = buf, .iov_len = len };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
                          .msg_control = u.b, .msg_controllen = sizeof(u.b) };
    ssize_t r = recvmsg(c, &msg, MSG_CMSG_CLOEXEC);
    for (struct cmsghdr *h = r > 0 ? CMSG_FIRSTHDR(&msg) : NULL; h;
         h = CMSG_NXTHDR(&msg, h)) {
        if (h->cmsg_level != SOL_SOCKET || h->cmsg_type != SCM_RIGHTS)
            continue;
        size_t nfd = (h->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t k = 0; k < nfd; k++) {
            int got;
            memcpy(&got, CMSG_DATA(h) + k * sizeof(int), sizeof(int));
            if (*fd < 0)
                *fd = got;
            else
                close(got);
        }
    }
    return r;
}

static void serve_control(struct fake *f)
{
    int c = accept4(f->ctl_fd, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0)
        return;
    char line[4096], out[8192];
    size_t n = 0;
    struct pollfd p = { .fd = c, .events = POLLIN };
    while (n + 1 < sizeof(line) && poll(&p, 1, 1000) > 0) {
        ssize_t r = recv_fd(c, line + n, sizeof(line) - n - 1, &f->passed_fd);
        if (r <= 0)
            break;
        n += (size_t)r;
        line[n] = '\0';
        char *nl = memchr(line, '\n', n);
        if (!nl)
            continue;
        *nl = '\0';
        json_object *req = json_tokener_parse(line);
        if (req)
            command(f, req, out, sizeof(out));
        else
            snprintf(out, sizeof(out), "{\"ok\":false,\"error\":\"malformed request\"}\n");
        json_object_put(req);
        if (f->passed_fd >= 0) {        /* not taken by disk/nic-attach */
            close(f->passed_fd);
            f->passed_fd = -1;
        }
        if (write(c, out, strlen(out)) < 0)
            break;
        size_t rest = n - (size_t)(nl + 1 - line);
        memmove(line, nl + 1, rest);
        n = rest;
        if (f->exit_status >= 0)
            break;
    }
    close(c);
}

static void serve_console(struct fake *f, bool accept_new)
{
    char buf[1024];
    if (accept_new) {
        int c = accept4(f->con_fd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0)
            return;
        if (f->con_client >= 0)
            close(f->con_client);   /* a second client replaces the first */
        f->con_client = c;
        int n = snprintf(buf, sizeof(buf), "fake console of %s (domid %d)\r\n",
                         f->name, f->domid);
        if (write(c, buf, (size_t)n) < 0)
            return;
        return;
    }
    ssize_t n = read(f->con_client, buf, sizeof(buf));
    if (n <= 0 || write(f->con_client, buf, (size_t)n) < 0) {   /* echo */
        close(f->con_client);
        f->con_client = -1;
    }
}

static int run(struct fake *f)
{
    while (f->exit_status < 0 && !got_term) {
        struct pollfd p[3 + MAX_NICS] = {
            { .fd = f->ctl_fd, .events = POLLIN },
            { .fd = f->con_fd, .events = POLLIN },
            { .fd = f->con_client, .events = POLLIN } };
        int nn = f->n_nics;
        for (int k = 0; k < nn; k++)
            p[3 + k] = (struct pollfd){ .fd = f->nics[k].fd, .events = POLLIN };
        if (poll(p, (nfds_t)(3 + nn), 1000) < 0 && errno != EINTR)
            return XENO_EXIT_VMM_ERROR;
        for (int k = 0; k < nn && k < f->n_nics; k++)
            if (p[3 + k].revents & POLLIN)
                nic_rx(&f->nics[k]);
        if (p[0].revents)
            serve_control(f);
        if (p[1].revents)
            serve_console(f, true);
        if (p[2].revents)
            serve_console(f, false);
    }
    unlink(f->control);
    if (f->console)
        unlink(f->console);
    fprintf(stderr, "fake-vmm %s: exit %d\n", f->name,
            got_term ? XENO_EXIT_DESTROYED : f->exit_status);
    return got_term ? XENO_EXIT_DESTROYED : f->exit_status;
}

static int ctl_send(const char *path, const char *json)
{
    int fd = connect_to(path);
    char buf[4096];
    if (fd < 0 || write(fd, json, strlen(json)) < 0 || write(fd, "\n", 1) < 0) {
        perror(path);
        return 1;
    }
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    if (n > 0 && fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
        return 1;
    close(fd);
    return n > 0 ? 0 : 1;
}

static int parse(struct fake *f, int argc, char **argv)
{
    static const struct option opts[] = {
        { "kernel", 1, 0, 'k' }, { "ramdisk", 1, 0, 'r' },
        { "cmdline", 1, 0, 'c' }, { "memory", 1, 0, 'm' },
        { "vcpus", 1, 0, 'v' }, { "name", 1, 0, 'n' }, { "domid", 1, 0, 'd' },
        { "log", 1, 0, 'l' }, { "xenstored-dir", 1, 0, 'x' },
        { "xenstore-token", 1, 0, 'T' },
        { "control", 1, 0, 'C' }, { "console-socket", 1, 0, 'S' },
        { "no-stdio-console", 0, 0, 'N' }, { "disk", 1, 0, 'D' },
        { "nic", 1, 0, 'I' },
        { "maxvcpus", 1, 0, 'M' },
        { "maxmem", 1, 0, 'X' },
        { "jail", 1, 0, 'J' }, { "no-seccomp", 0, 0, 'Z' }, { "seccomp", 0, 0, 'z' },
        { 0, 0, 0, 0 } };
    char why[256];
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'k': f->kernel = optarg; break;
        case 'm': f->memory = atol(optarg); break;
        case 'X': f->maxmem = atol(optarg); break;
        case 'v': f->vcpus = atoi(optarg); break;
        case 'M': f->maxvcpus = atoi(optarg); break;
        case 'n': f->name = optarg; break;
        case 'd': f->domid = atoi(optarg); break;
        case 'l': f->log = optarg; break;
        case 'C': f->control = optarg; break;
        case 'S': f->console = optarg; break;
        case 'D':
            if (disk_option(f, optarg, why, sizeof(why)) < 0) {
                fprintf(stderr, "fake-vmm: %s\n", why);
                return -1;
            }
            break;
        case 'I':
            if (nic_option(f, optarg, why, sizeof(why)) < 0) {
                fprintf(stderr, "fake-vmm: %s\n", why);
                return -1;
            }
            break;
        case 'x': f->xs_dir = optarg; break;
        case 'r': case 'c': case 'N': case 'J': case 'Z': case 'z': case 'T': break;
        default: return -1;
        }
    }
    return f->kernel && f->control ? 0 : -1;
}

/* FAKE_VMM_EARLY_EXIT=NAME:STATUS: domain NAME's VMM exits with STATUS
 * before it answers, as a guest that crashes at once can make it. */
static int early_exit(const struct fake *f)
{
    const char *e = getenv("FAKE_VMM_EARLY_EXIT");
    const char *colon = e ? strchr(e, ':') : NULL;
    if (!colon || !f->name || strlen(f->name) != (size_t)(colon - e) ||
        strncmp(e, f->name, (size_t)(colon - e)))
        return -1;
    fprintf(stderr, "fake-vmm %s: early exit %d\n", f->name, atoi(colon + 1));
    return atoi(colon + 1);
}

int main(int argc, char **argv)
{
    struct fake f = { .name = "", .vcpus = 1, .memory = 128, .con_fd = -1,
                      .con_client = -1, .exit_status = -1, .passed_fd = -1, .hold_kib = -1 };
    if (argc == 4 && strcmp(argv[1], "--ctl-send") == 0)
        return ctl_send(argv[2], argv[3]);
    fprintf(stderr, "fake-vmm: argv:");
    for (int k = 1; k < argc; k++)
        fprintf(stderr, " %s", argv[k]);
    fputc('\n', stderr);
    if (parse(&f, argc, argv) < 0) {
        fprintf(stderr, "usage: fake-vmm --kernel K --control SOCK [...]\n");
        return XENO_EXIT_USAGE;
    }
    if (access(f.kernel, R_OK) < 0) {
        fprintf(stderr, "fake-vmm: can't open kernel %s: %s\n", f.kernel,
                strerror(errno));
        return XENO_EXIT_VMM_ERROR;
    }
    log_stray_fds(&f);
    start_vcpus(&f);
    signal(SIGTERM, on_term);
    signal(SIGPIPE, SIG_IGN);
    const char *delay = getenv("FAKE_VMM_START_DELAY_MS");
    if (delay)
        usleep((useconds_t)atoi(delay) * 1000);
    int early = early_exit(&f);
    if (early >= 0)
        return early;
    f.start = time(NULL);
    f.ctl_fd = listen_on(f.control);
    if (f.console)
        f.con_fd = listen_on(f.console);
    if (f.ctl_fd < 0 || (f.console && f.con_fd < 0)) {
        perror("fake-vmm: listen");
        return XENO_EXIT_VMM_ERROR;
    }
    return run(&f);
}
