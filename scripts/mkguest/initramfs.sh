#!/bin/bash
# Build a guest initramfs for Linux PVH guests on xeno.
#
#   scripts/mkguest/initramfs.sh OUT.cpio.gz [--modules xen-blkfront,xen-netfront]
#                                [--kernel /boot/vmlinuz-VER] [--add SRC=DEST]...
#
# Contents: static busybox, /init (scripts/mkguest/init.sh: prints
# XENO-GUEST-INIT, loads the modules, runs xeno.run=CMD or a shell on the
# console; an --add'ed /init-run runs before either), /bin/xs (scripts/mkguest/xs.c, a static xenstore client over
# /dev/xen/xenbus), the named modules with their dependencies from the
# Debian kernel's /lib/modules (the same version as the kernel to boot:
# --kernel, $XENO_KERNEL or the newest /boot/vmlinuz-*-amd64), and any
# --add'ed files (DEST is a path inside the image).
# Boot with: console=hvc0 [xeno.run="..."]
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../testhost/lib.sh"

usage() { sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
out='' modules='' adds=()
while [ $# -gt 0 ]; do
    case $1 in
    --modules) modules=$2; shift 2 ;;
    --kernel) XENO_KERNEL=$2; export XENO_KERNEL; shift 2 ;;
    --add) adds+=("$2"); shift 2 ;;
    -h|--help) usage ;;
    -*) echo "initramfs.sh: unknown option $1" >&2; usage ;;
    *) [ -z "$out" ] || usage; out=$1; shift ;;
    esac
done
[ -n "$out" ] || usage

kernel=$(xeno_kernel) || exit 1
kver=$(xeno_kernel_version "$kernel")
tree=$(mktemp -d) || exit 1
trap 'rm -rf "$tree"' EXIT

xeno_install_busybox "$tree" || exit 1
mkdir -p "$tree/modules"
: >"$tree/modules/order"
if [ -n "$modules" ]; then
    # shellcheck disable=SC2086
    xeno_copy_modules "$kver" "$tree" ${modules//,/ } || exit 1
fi
${CC:-cc} -static -O2 -Wall -Wextra -Werror -std=c11 -o "$tree/bin/xs" "$here/xs.c" || {
    echo "initramfs.sh: building xs failed (needs libc6-dev and Xen headers: libxen-dev)" >&2
    exit 1
}
strip "$tree/bin/xs" 2>/dev/null
install -m 755 "$here/init.sh" "$tree/init"
for a in "${adds[@]}"; do
    src=${a%%=*} dest=${a#*=}
    [ "$src" != "$a" ] && [ -n "$dest" ] || { echo "initramfs.sh: --add wants SRC=DEST" >&2; exit 2; }
    mkdir -p "$tree/$(dirname "$dest")" && cp -a "$src" "$tree/$dest" || exit 1
done
echo "$kver" >"$tree/etc/xeno-kernel-version"
mkdir -p "$(dirname "$out")"
xeno_pack_cpio "$tree" "$out" || exit 1
echo "initramfs.sh: $out ($(du -h "$out" | cut -f1), kernel $kver, modules: $(tr '\n' ' ' <"$tree/modules/order"))"
