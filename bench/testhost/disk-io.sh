#!/bin/sh
# Guest side of bench/testhost/two-domain-loop.sh --disk: block I/O through
# xen-blkfront on /dev/xvdb (virtio-blk's /dev/vda under QEMU) while the
# other domain does the same: ROUNDS
# (default 3) of writing the disk's first 16 MiB, dropping the page cache
# and reading the whole disk back, then one checksum; prints DISK-IO-OK.
# xvdb on xeno (xen-blkfront), vda on QEMU (virtio-blk).
dev=
for _ in $(seq 50); do
    for d in /dev/xvdb /dev/vda; do [ -b $d ] && dev=$d; done
    [ -n "$dev" ] && break
    sleep 0.2
done
[ -n "$dev" ] || { echo "disk-io: no /dev/xvdb or /dev/vda"; exit 1; }
rounds=${1:-3}
dd if=/dev/urandom of=/tmp/pat bs=1M count=4 2>/dev/null
for r in $(seq "$rounds"); do
    for s in 0 4 8 12; do
        dd if=/tmp/pat of=$dev bs=64k seek=$((s * 16)) conv=fsync 2>/dev/null ||
            { echo "disk-io: write failed (round $r)"; exit 1; }
    done
    echo 3 >/proc/sys/vm/drop_caches
    dd if=$dev of=/dev/null bs=128k 2>/dev/null || { echo "disk-io: read failed (round $r)"; exit 1; }
done
a=$(dd if=$dev bs=1M count=4 skip=8 2>/dev/null | md5sum | cut -d' ' -f1)
b=$(md5sum </tmp/pat | cut -d' ' -f1)
[ "$a" = "$b" ] || { echo "disk-io: read back $a, wrote $b"; exit 1; }
echo "DISK-IO-OK rounds=$rounds"
