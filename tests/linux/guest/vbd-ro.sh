#!/bin/sh
# Inside one of two domains sharing xvdb read-only (tests/linux/scenarios/
# vbd.sh): mount it, checksum it, try to write it.  The mount stays until
# the host shuts the domain down, so both domains hold it at once.
for _ in $(seq 300); do [ -b /dev/xvdb ] && break; sleep 0.1; done
[ -b /dev/xvdb ] || { echo "xvdb: no block device"; exit 1; }
echo "xvdb-ro: $(cat /sys/block/xvdb/ro)"
mount -t ext4 -o ro /dev/xvdb /mnt || { echo "xvdb: mount failed"; exit 1; }
echo "shared-sha: $(sha256sum </mnt/data.bin | cut -d' ' -f1)"
# Direct: the page cache holds ext4's in-memory view of its superblock.
echo "shared-dev-sha: $(dd if=/dev/xvdb bs=1M iflag=direct 2>/dev/null | sha256sum | cut -d' ' -f1)"
if err=$(touch /mnt/new 2>&1); then echo "ro-write-fs: accepted"; else echo "ro-write-fs: refused: $err"; fi
if err=$(dd if=/dev/zero of=/dev/xvdb bs=4096 count=1 conv=fsync 2>&1); then
    echo "ro-write-dev: accepted"
else
    echo "ro-write-dev: refused: $(echo "$err" | head -1)"
fi
echo "VBD-RO-MOUNTED $(awk '$2 == "/mnt" { print $1, $4 }' /proc/mounts)"
