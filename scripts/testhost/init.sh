#!/bin/busybox sh
# shellcheck shell=dash
# /init of the test host's initramfs (built by scripts/testhost/run.sh).
#
# Loads virtio/9p/overlay/KVM modules, mounts the host's root filesystem
# (9p tag "hostroot", read-only) under a tmpfs overlay so that everything is
# writable and nothing persists, mounts the host's scratch dir and any --rw
# dirs at their host paths, chroots and runs $SCRATCH/scenario.sh.  The
# exit status goes to $SCRATCH/rc and to the console as
# XENO-TESTHOST-EXIT=<n>; then the machine powers off.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
hostname xeno-testhost
# Loopback: xend's HTTP API and other local servers listen on 127.0.0.1.
ip link set lo up 2>/dev/null || /bin/busybox ip link set lo up

say() { echo "testhost: $*"; }
die() {
    say "$*"
    echo "XENO-TESTHOST-EXIT=125"
    poweroff -f
    sleep 30
}
arg() { # value of xeno.NAME= on the kernel command line
    sed -n "s/.*[[:space:]]xeno\.$1=\([^[:space:]]*\).*/\1/p" </proc/cmdline | head -1
    # (the leading space is there because /proc/cmdline starts with the
    # boot image name or console=...)
}

while read -r m; do
    insmod "/modules/$m" 2>/tmp/insmod.err || {
        # ccp has nothing to drive here; tolerate failures of helpers.
        case $m in kvm-amd.ko|virtio_console.ko|9p.ko|9pnet_virtio.ko|virtio_pci.ko|overlay.ko)
            say "insmod $m failed: $(cat /tmp/insmod.err)" ;;
        esac
    }
done </modules/order

mkdir -p /lower /rw /newroot /scratch
msize=$(arg msize); msize=${msize:-262144}
mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=$msize,cache=loose hostroot /lower ||
    die "cannot mount the host root (9p tag hostroot)"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=$msize scratch /scratch ||
    die "cannot mount the scratch dir (9p tag scratch)"

mount -t tmpfs -o mode=755 tmpfs /rw
mkdir -p /rw/upper /rw/work
if mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot 2>/tmp/ovl.err; then
    :
else
    say "overlay failed ($(cat /tmp/ovl.err)); root is read-only, tmpfs on /tmp /run /var/tmp /root"
    mount --bind /lower /newroot
    for d in /tmp /run /var/tmp /root; do mount -t tmpfs -o mode=1777 tmpfs "/newroot$d"; done
fi

# Fresh kernel filesystems instead of the host's, an empty /run and nothing
# of the host's /mnt.  /tmp stays the host's (scenarios and their inputs
# may live there) but, like the rest, writes go to the overlay.
for d in proc sys dev; do mount --move "/$d" "/newroot/$d"; done
mkdir -p /newroot/dev/pts /newroot/dev/shm
# devtmpfs lacks what udev would add; bash's <(...) needs /dev/fd.
ln -sf /proc/self/fd /newroot/dev/fd
ln -sf /proc/self/fd/0 /newroot/dev/stdin
ln -sf /proc/self/fd/1 /newroot/dev/stdout
ln -sf /proc/self/fd/2 /newroot/dev/stderr
mount -t devpts -o newinstance,ptmxmode=0666 devpts /newroot/dev/pts
mount -t tmpfs tmpfs /newroot/dev/shm
mount -t tmpfs tmpfs /newroot/mnt
mount -t tmpfs -o mode=755 tmpfs /newroot/run
mount -t cgroup2 cgroup2 /newroot/sys/fs/cgroup 2>/dev/null

# Host paths of the scratch dir and of the --rw shares.
. /scratch/paths
mkdir -p "/newroot$XENO_TH_SCRATCH"
mount --bind /scratch "/newroot$XENO_TH_SCRATCH" || die "cannot bind the scratch dir at $XENO_TH_SCRATCH"
i=0 p=
while [ $i -lt "${XENO_TH_NRW:-0}" ]; do
    eval "p=\$XENO_TH_RW$i"
    mkdir -p "/newroot$p"
    mount -t 9p -o trans=virtio,version=9p2000.L,msize=$msize "rw$i" "/newroot$p" ||
        die "cannot mount --rw $p"
    i=$((i + 1))
done


# The heartbeat: the uptime every 2 s on the virtio port "xeno.heartbeat"
# (run.sh's SCRATCH/heartbeat).  When it stops, the test host has wedged
# (both vCPUs stuck, or its kernel dead without a word): run.sh gives up.
for n in /newroot/sys/class/virtio-ports/*/name; do
    [ "$(cat "$n" 2>/dev/null)" = xeno.heartbeat ] || continue
    hb=/newroot/dev/$(basename "$(dirname "$n")")
    ( while :; do read -r up _ </newroot/proc/uptime; echo "$up"; sleep 2; done ) >"$hb" 2>/dev/null &
done

read -r up _ </newroot/proc/uptime
echo "XENO-TESTHOST-READY uptime=${up}s"
chroot /newroot /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root TERM=dumb LANG=C.UTF-8 XENO_TESTHOST=1 XENO_TESTHOST_SCRATCH="$XENO_TH_SCRATCH" \
    /bin/sh "$XENO_TH_SCRATCH/scenario.sh" </dev/null
rc=$?
echo "$rc" >/scratch/rc
sync
echo "XENO-TESTHOST-EXIT=$rc"
poweroff -f
sleep 30
