#!/bin/bash
# The live demo's guest files (scripts/demo.sh, tests/linux/scenarios/demo.prep):
#
#   scripts/mkguest/demo-image.sh OUTDIR
#
#   OUTDIR/demo.cpio.gz     the guest image: scripts/mkguest/ssh-guest.sh's
#                           (dropbear, root's authorized key) with
#                           xen-netfront, xen-blkfront and ext4, and
#                           scripts/mkguest/demo-run.sh as /init-run
#   OUTDIR/id_dropbear      dom0's ssh key into the guests (a new one each
#                           build; .pub its public half)
#   OUTDIR/demo-disk.ext4   the disk both domains share read-only: ext4
#                           (mke2fs -d, no root needed) holding hello.txt
set -u
here=$(cd "$(dirname "$0")" && pwd)
[ $# = 1 ] || { sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
out=$1
mkdir -p "$out" || exit 1
command -v mke2fs >/dev/null || { echo "demo-image.sh: mke2fs missing: apt-get install e2fsprogs" >&2; exit 1; }
"$here/ssh-guest.sh" "$out/demo.cpio.gz" "$out/id_dropbear" \
    --modules xen-netfront,xen-blkfront,crc32c_generic,ext4 \
    --add "$here/demo-run.sh=/init-run" || exit 1
tree=$(mktemp -d) || exit 1
trap 'rm -rf "$tree"' EXIT
echo "hello from demo-disk.ext4, one disk shared read-only by every demo domain (built $(date -u '+%F %T') UTC)" \
    >"$tree/hello.txt"
rm -f "$out/demo-disk.ext4"
mke2fs -q -F -t ext4 -L demo-disk -d "$tree" "$out/demo-disk.ext4" 8M >/dev/null || exit 1
echo "demo-image.sh: $out/demo-disk.ext4 (ext4, 8 MiB: hello.txt), $out/id_dropbear"
