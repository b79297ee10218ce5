#!/bin/bash
# Build a small ext4 root filesystem image for a xeno Linux domain, and the
# domain config that boots it.  No root privileges needed.
#
#   scripts/mkimage/rootfs.sh OUT.img [--size 256M] [--kernel /boot/vmlinuz-VER]
#        [--add SRC=DEST]... [--modules NAME,...] [--all-modules]
#        [--hostname NAME] [--name NAME] [--memory MiB]
#
# OUT.img   a bare ext4 filesystem (no partition table), exported to the
#           guest as xvda1: static busybox, /sbin/init = busybox init
#           (/etc/inittab: mounts proc, sys, devtmpfs, /tmp, remounts / rw,
#           sets the hostname, a root shell on hvc0, respawned), /etc/fstab,
#           /etc/passwd (root, no password), and the kernel's modules in
#           /lib/modules/VER: the Xen front-ends and their dependencies plus
#           --modules (--all-modules copies all of them; needs --size 600M).
#           /etc/modules names what init loads (xen-netfront, --modules).
# OUT.cfg   a domain config next to it: Debian's kernel (--kernel,
#           $XENO_KERNEL or the newest /boot/vmlinuz-*-amd64) with Debian's
#           own /boot/initrd.img-VER, root = "/dev/xvda1 ro",
#           disk = ['file:OUT.img,xvda1,w'], extra = "console=hvc0".
# --add     copy SRC to DEST (a path inside the image); repeatable.
# Boot it: xm create OUT.cfg -c   (poweroff / reboot in the shell work).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../testhost/lib.sh"
. "$here/lib.sh"

out='' size=256M extra_modules='' all_modules=0 hostname='' name='' memory=256 adds=()
while [ $# -gt 0 ]; do
    case $1 in
    --size) mkimage_need_arg "$@"; size=$2; shift 2 ;;
    --kernel) mkimage_need_arg "$@"; XENO_KERNEL=$2; export XENO_KERNEL; shift 2 ;;
    --add) mkimage_need_arg "$@"; adds+=("$2"); shift 2 ;;
    --modules) mkimage_need_arg "$@"; extra_modules=${2//,/ }; shift 2 ;;
    --all-modules) all_modules=1; shift ;;
    --hostname) mkimage_need_arg "$@"; hostname=$2; shift 2 ;;
    --name) mkimage_need_arg "$@"; name=$2; shift 2 ;;
    --memory) mkimage_need_arg "$@"; memory=$2; shift 2 ;;
    -h|--help) mkimage_usage ;;
    -*) echo "rootfs.sh: unknown option $1" >&2; mkimage_usage ;;
    *) [ -z "$out" ] || mkimage_usage; out=$1; shift ;;
    esac
done
mkimage_check_args "$out" "$memory" "$size"
for a in "${adds[@]}"; do
    src=${a%%=*} dest=${a#*=}
    [ "$src" != "$a" ] && [ -n "$dest" ] && [ -e "$src" ] ||
        mkimage_bad "--add wants SRC=DEST with an existing SRC ($a)"
done

kernel=$(xeno_kernel) || exit 1
[ -e "$kernel" ] || mkimage_die "no kernel $kernel"
kver=$(xeno_kernel_version "$kernel")
[ -d "/lib/modules/$kver" ] || mkimage_die "no /lib/modules/$kver for $kernel (apt-get install linux-image-$kver)"
name=${name:-$(mkimage_default_name "$out")}
hostname=${hostname:-$name}
img=$(mkimage_abspath "$out") || exit 1
cfg=$(mkimage_cfg_path "$img")

tree=$(mktemp -d) || exit 1
trap 'rm -rf "$tree"' EXIT
xeno_install_busybox "$tree" || exit 1
mkdir -p "$tree/sbin" "$tree/etc/init.d" "$tree/var/log" "$tree/run" "$tree/mnt" "$tree/usr"
chmod 700 "$tree/root"
chmod 1777 "$tree/tmp"
ln -s ../bin/busybox "$tree/sbin/init"
for c in poweroff reboot halt; do ln -sf ../bin/busybox "$tree/sbin/$c"; done

# busybox init takes '#' anywhere on a line for the start of a comment, so
# no command below may contain one.
cat >"$tree/etc/inittab" <<'EOF'
# busybox init (written by xeno's scripts/mkimage/rootfs.sh)
::sysinit:/bin/sh -c 'grep -q " /proc " /proc/mounts 2>/dev/null || mount -t proc proc /proc'
::sysinit:/bin/sh -c 'grep -q " /sys " /proc/mounts || mount -t sysfs sysfs /sys'
::sysinit:/bin/sh -c 'grep -q " /dev " /proc/mounts || mount -t devtmpfs devtmpfs /dev'
::sysinit:/bin/mkdir -p /dev/pts /dev/shm
::sysinit:/bin/mount -o remount,rw /
::sysinit:/bin/mount -a
::sysinit:/bin/hostname -F /etc/hostname
::sysinit:/bin/ip link set lo up
::sysinit:/bin/sh -c 'while read -r m _; do case $m in [a-z]*) modprobe -q "$m" ;; esac; done </etc/modules'
hvc0::respawn:/bin/sh -l
::ctrlaltdel:/sbin/reboot
::shutdown:/bin/sync
::shutdown:/bin/umount -a -r
::shutdown:/bin/mount -o remount,ro /
EOF
cat >"$tree/etc/fstab" <<'EOF'
# <device>   <mount point>  <type>   <options>               <dump> <pass>
/dev/xvda1   /              ext4     rw,noatime              0      1
proc         /proc          proc     defaults                0      0
sysfs        /sys           sysfs    defaults                0      0
devpts       /dev/pts       devpts   gid=5,mode=620          0      0
tmpfs        /dev/shm       tmpfs    mode=1777,nosuid,nodev  0      0
tmpfs        /tmp           tmpfs    mode=1777,nosuid,nodev  0      0
tmpfs        /run           tmpfs    mode=755,nosuid,nodev   0      0
EOF
cat >"$tree/etc/passwd" <<'EOF'
root::0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$tree/etc/group" <<'EOF'
root:x:0:
tty:x:5:
nogroup:x:65534:
EOF
cat >"$tree/etc/profile" <<'EOF'
export PATH=/sbin:/bin HOME=/root
PS1='\h:\w\$ '
EOF
echo "$hostname" >"$tree/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n' "$hostname" >"$tree/etc/hosts"
echo "$kver" >"$tree/etc/xeno-kernel-version"
# No udev here: modules the initrd did not load are loaded at boot from
# /etc/modules.  Loading xen-netfront waits until the domain's vifs connect.
{
    echo '# Loaded at boot by /etc/inittab (busybox has no udev).'
    echo 'xen-netfront'
    for m in $extra_modules; do echo "$m"; done
} >"$tree/etc/modules"

if [ "$all_modules" = 1 ]; then
    mkimage_copy_all_modules "$kver" "$tree" || exit 1
else
    # shellcheck disable=SC2086
    mkimage_copy_modules "$kver" "$tree" $MKIMAGE_GUEST_MODULES $extra_modules || exit 1
fi

for a in "${adds[@]}"; do
    src=${a%%=*} dest=${a#*=}
    mkdir -p "$tree/$(dirname "$dest")" && cp -a "$src" "$tree/$dest" || exit 1
done

mkimage_ext4 "$tree" "$img" "$size" "${name:0:16}" || exit 1
mkimage_write_cfg "$cfg" "$name" "$kernel" "$img" "$memory" "scripts/mkimage/rootfs.sh" || exit 1
echo "rootfs.sh: $img ($size, kernel $kver, $(find "$tree/lib/modules" -name '*.ko*' | wc -l) modules)"
echo "rootfs.sh: $cfg"
