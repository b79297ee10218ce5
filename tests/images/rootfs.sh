#!/bin/bash
# scripts/mkimage/rootfs.sh: build a small busybox root image and check it
# from the outside with e2fsprogs (e2fsck -fn, debugfs), its domain config
# with xm's parser (xm create --dry-run), and the builder's bad-argument
# handling.  No root and no KVM needed.
#   tests/images/rootfs.sh XM SOURCE_ROOT
set -u
XM=$(realpath "$1") SRC=$(realpath "$2")
MK=$SRC/scripts/mkimage/rootfs.sh
. "$SRC/tests/images/lib.sh"

images_need_tools e2fsck debugfs mke2fs depmod || exit 1
. "$SRC/scripts/testhost/lib.sh"
miss=$(xeno_testhost_missing | tr ' ' '\n' | grep -v -e qemu-system-x86 -e cpio | paste -sd' ' -)
[ -z "$miss" ] || { echo "FAIL: missing: $miss (apt-get install $miss)"; exit 1; }

T=$(mktemp -d /tmp/xeno-img.XXXXXX)
trap 'rm -rf "$T"' EXIT
echo 'hello from the host' >"$T/note.txt"

"$MK" "$T/bb.img" --size 96M --add "$T/note.txt=/root/note.txt" --hostname guest7 >"$T/out" 2>&1
expect_rc 0 $? "rootfs.sh builds an image" "$T/out"
IMG=$T/bb.img
[ -f "$IMG" ] && [ -f "$T/bb.cfg" ]; expect_rc 0 $? "OUT.img and OUT.cfg written"

e2fsck -fn "$IMG" >"$T/fsck" 2>&1
expect_rc 0 $? "e2fsck -fn finds a clean filesystem" "$T/fsck"

dfs() { debugfs -R "$1" "$IMG" 2>/dev/null; }
kver=$(dfs 'cat /etc/xeno-kernel-version')
[ -n "$kver" ] && [ -d "/lib/modules/$kver" ]; expect_rc 0 $? "image records its kernel version ($kver)"

expect_match "$(dfs 'stat /')" 'Mode: +0755' "/ is rwxr-xr-x"
expect_match "$(dfs 'stat /tmp')" 'Mode: +01777' "/tmp is sticky and world-writable"
expect_match "$(dfs 'stat /root')" 'Mode: +0700' "/root is private"
expect_match "$(dfs 'stat /sbin/init')" 'Type: symlink' "/sbin/init is a symlink"
expect_match "$(dfs 'stat /sbin/init')" 'Fast link dest: "\.\./bin/busybox"' "/sbin/init -> busybox"
dfs 'dump /bin/busybox '"$T/busybox" >/dev/null
cmp -s "$T/busybox" "${XENO_BUSYBOX:-/bin/busybox}"; expect_rc 0 $? "/bin/busybox is the host's static busybox"
expect_match "$(dfs 'stat /bin/busybox')" 'User: +0 +Group: +0 ' "files belong to root"
expect_match "$(dfs 'stat /bin/busybox')" 'Mode: +0755' "busybox is executable"
for c in poweroff reboot halt; do
    expect_match "$(dfs "stat /sbin/$c")" 'Fast link dest: "\.\./bin/busybox"' "/sbin/$c is busybox (signals init)"
done
expect_match "$(dfs 'stat /dev/console')" 'Type: character special' "/dev/console exists"
expect_match "$(dfs 'stat /dev/console')" 'Device major/minor number: 05:01' "/dev/console is 5:1"

inittab=$(dfs 'cat /etc/inittab')
expect_match "$inittab" '^hvc0::respawn:/bin/sh -l$' "inittab: a root login shell on hvc0, respawned"
for fs in proc sysfs devtmpfs; do
    expect_match "$inittab" "^::sysinit:.*mount -t $fs " "inittab mounts $fs"
done
expect_match "$inittab" '^::sysinit:/bin/mount -o remount,rw /$' "inittab remounts / writable"
expect_match "$inittab" '^::sysinit:/bin/mount -a$' "inittab mounts fstab (/tmp)"
expect_match "$inittab" '^::sysinit:/bin/hostname -F /etc/hostname$' "inittab sets the hostname"
expect_match "$inittab" '^::shutdown:/bin/umount -a -r$' "inittab unmounts at shutdown"
expect_match "$inittab" '^::sysinit:.*modprobe.*/etc/modules' "inittab loads /etc/modules"
# busybox init cuts a line at '#': a command holding one is silently broken.
expect_eq "$(printf '%s\n' "$inittab" | grep -v '^#' | grep -c '#')" 0 "no '#' inside inittab commands"
expect_match "$(dfs 'cat /etc/modules')" '^xen-netfront$' "/etc/modules: xen-netfront"
expect_match "$(dfs 'cat /etc/fstab')" '^/dev/xvda1 +/ +ext4 ' "fstab: / on /dev/xvda1"
expect_match "$(dfs 'cat /etc/fstab')" '^tmpfs +/tmp +tmpfs ' "fstab: /tmp on tmpfs"
expect_match "$(dfs 'cat /etc/passwd')" '^root::0:0:root:/root:/bin/sh$' "passwd: root, no password"
expect_match "$(dfs 'cat /etc/hostname')" '^guest7$' "--hostname written"
expect_match "$(dfs 'cat /root/note.txt')" '^hello from the host$' "--add copied the file"

mods=$(dfs "cat /lib/modules/$kver/modules.dep")
for m in drivers/net/xen-netfront.ko drivers/block/xen-blkfront.ko fs/ext4/ext4.ko; do
    expect_match "$mods" "^kernel/$m:" "modules.dep lists $m"
    expect_match "$(dfs "stat /lib/modules/$kver/kernel/$m")" 'Type: regular' "$m copied"
done
expect_match "$(dfs "cat /lib/modules/$kver/modules.dep")" '^kernel/fs/ext4/ext4.ko: .*jbd2' "ext4's dependencies resolved"
expect_match "$(dfs "ls /lib/modules/$kver")" 'modules\.alias' "depmod indexed the modules"

# The config parses with xm's parser and says what the README promises.
(cd "$T" && "$XM" create bb.cfg --dry-run) >"$T/dry" 2>&1
expect_rc 0 $? "xm create --dry-run accepts bb.cfg" "$T/dry"
dry=$(cat "$T/dry")
expect_match "$dry" '^name = "bb"$' "cfg: name from the image"
expect_match "$dry" "^kernel = \"/boot/vmlinuz-$kver\"$" "cfg: Debian's kernel"
expect_match "$dry" "^ramdisk = \"/boot/initrd.img-$kver\"$" "cfg: Debian's own initrd"
expect_match "$dry" '^cmdline = "root=/dev/xvda1 ro console=hvc0"$' "cfg: root=/dev/xvda1 ro console=hvc0"
expect_match "$dry" "^disk\\[0\\] = file \"$IMG\" vdev=xvda1 devid=51713 access=rw$" "cfg: the image as xvda1, writable"
expect_match "$dry" '^memory = 256$' "cfg: memory"

# Bad arguments: usage (2) or a clear failure, never a half-written image.
"$MK" >/dev/null 2>&1; expect_rc 2 $? "no arguments: usage"
"$MK" "$T/x.raw" >/dev/null 2>&1; expect_rc 2 $? "OUT without .img refused"
"$MK" "$T/x.img" --size 12Q >/dev/null 2>&1; expect_rc 2 $? "bad --size refused"
"$MK" "$T/x.img" --add /nonexistent=/x >/dev/null 2>&1; expect_rc 2 $? "--add of a missing file refused"
"$MK" "$T/x.img" --bogus >/dev/null 2>&1; expect_rc 2 $? "unknown option refused"
"$MK" "$T/x.img" --size 8M >"$T/small" 2>&1; expect_rc 1 $? "too small --size fails"
expect_match "$(cat "$T/small")" 'too small' "... saying the size is too small"
[ ! -e "$T/x.img" ] && ! ls "$T"/x.img.tmp.* >/dev/null 2>&1; expect_rc 0 $? "... and leaves no image behind"

# Without root privileges (as nobody), files still belong to root.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
    chmod 711 "$T" && mkdir "$T/nobody" && chmod 777 "$T/nobody"
    setpriv --reuid=65534 --regid=65534 --clear-groups env HOME="$T/nobody" XENO_CACHE_DIR="$T/nobody/cache" \
        "$MK" "$T/nobody/nr.img" --size 64M >"$T/nr" 2>&1
    expect_rc 0 $? "an unprivileged user builds an image" "$T/nr"
    e2fsck -fn "$T/nobody/nr.img" >/dev/null 2>&1; expect_rc 0 $? "... which e2fsck finds clean"
    owners=$(debugfs -R 'ls -l /etc' "$T/nobody/nr.img" 2>/dev/null | awk 'NF > 5 { print $4 ":" $5 }' | sort -u)
    expect_eq "$owners" "0:0" "... with every file owned by root"
fi

finish
