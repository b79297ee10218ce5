#!/bin/sh
# Inside the guest: xvda (read-write) and xvdb (read-only), served by
# xeno-vmm's block backend.  Prints what the host scenario checks.
for _ in $(seq 100); do [ -b /dev/xvda ] && [ -b /dev/xvdb ] && break; sleep 0.1; done
for d in xvda xvdb; do
    [ -b /dev/$d ] || { echo "$d: no block device"; dmesg | grep -i -E 'blkfront|vbd'; exit 1; }
done
echo "xvda-size: $(cat /sys/block/xvda/size)"
echo "xvdb-size: $(cat /sys/block/xvdb/size)"
echo "xvdb-ro: $(cat /sys/block/xvdb/ro)"
echo "xvda-queues: $(ls -d /sys/block/xvda/mq/* 2>/dev/null | wc -l)"
# 4 MiB, each 512-byte sector naming itself: a misplaced sector shows.
awk 'BEGIN { for (i = 0; i < 8192; i++) printf "%-511s\n", "xeno sector " i }' >/tmp/pat
echo "pattern-md5: $(md5sum </tmp/pat | cut -d' ' -f1)"
dd if=/tmp/pat of=/dev/xvda bs=1M seek=1 conv=fsync 2>/dev/null && echo "xvda-write: ok"
sync
echo 3 >/proc/sys/vm/drop_caches
echo "xvda-readback-md5: $(dd if=/dev/xvda bs=64k skip=16 count=64 2>/dev/null | md5sum | cut -d' ' -f1)"
echo "xvdb-md5: $(md5sum </dev/xvdb | cut -d' ' -f1)"
if dd if=/tmp/pat of=/dev/xvdb bs=4k count=1 conv=fsync 2>/dev/null; then
    echo "xvdb-write: accepted"
else
    echo "xvdb-write: refused"
fi
# Hot-plug: the host attaches xvdc (disk-attach), we use it, the host
# detaches it (disk-detach) and removes its xenstore dirs.
echo "blk-hotplug-wait"
for _ in $(seq 600); do [ -b /dev/xvdc ] && break; sleep 0.1; done
if [ -b /dev/xvdc ]; then
    echo "xvdc-size: $(cat /sys/block/xvdc/size)"
    echo "xvdc-md5: $(md5sum </dev/xvdc | cut -d' ' -f1)"
    head -c 4096 /tmp/pat | dd of=/dev/xvdc bs=4k conv=fsync 2>/dev/null && echo "xvdc-write: ok"
    for _ in $(seq 600); do [ -b /dev/xvdc ] || break; sleep 0.1; done
    [ -b /dev/xvdc ] && echo "xvdc-gone: no" || echo "xvdc-gone: yes"
fi
dmesg | grep -i -E 'blkfront|xvd|vbd' | sed 's/^/dmesg: /'
# Let the shutdown's xenbus messages ("timeout closing device") reach the console.
echo 8 >/proc/sys/kernel/printk
