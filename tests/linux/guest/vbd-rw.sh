#!/bin/sh
# Inside the read-write domain of tests/linux/scenarios/vbd.sh (2 vCPUs):
# root xvda1 (rw), xvdb a scratch disk for a data-integrity run, xvdc an
# ext4 disk that the host detaches while it is mounted and attaches again.
# Ends by writing a file on the root filesystem.
#   vbd-rw.sh worker BASE BLOCKS ROUNDS   (one writer, pinned by taskset)
ref=/tmp/ref
if [ "${1:-}" = worker ]; then
    # Random 4 KiB-aligned writes of 4-256 KiB inside [BASE, BASE+BLOCKS),
    # O_DIRECT, every fourth one flushed; the same bytes into the reference.
    base=$2 blocks=$3 c=/tmp/chunk.$$ r=0
    while [ $r -lt "$4" ]; do
        r=$((r + 1))
        n=$((1 + RANDOM % 64))
        off=$((base + RANDOM % (blocks - n)))
        fl=
        [ $((r % 4)) = 0 ] && fl=conv=fsync
        dd if=/dev/urandom of=$c bs=4096 count=$n 2>/dev/null &&
            dd if=$c of=$ref bs=4096 seek=$off conv=notrunc 2>/dev/null &&
            dd if=$c of=/dev/xvdb bs=$((n * 4096)) seek=$((off * 4096)) \
                oflag=direct,seek_bytes $fl 2>/dev/null ||
            { echo "worker $base: write $r failed"; exit 1; }
    done
    echo "worker $base: $r writes on cpu $(taskset -p $$ | sed 's/.*: //')"
    exit 0
fi

present() { [ -b /dev/$1 ] && [ -e /sys/block/$1 ]; }
waitfor() { # present|absent DEV SECONDS
    i=0
    while [ $i -lt $(($3 * 10)) ]; do
        if [ "$1" = present ]; then present "$2" && return 0; else present "$2" || return 0; fi
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}
for d in xvdb xvdc; do waitfor present $d 30 || { echo "$d: no block device"; exit 1; }; done
echo "nproc: $(nproc)"
echo "xvdb-queues: $(ls /sys/block/xvdb/mq | wc -l)"
echo "xvdb-max-hw-kb: $(cat /sys/block/xvdb/queue/max_hw_sectors_kb)"

# 1. Data integrity on xvdb: 16 MiB sequential in 1 MiB direct writes
# (indirect requests), then two writers on two CPUs (two queues), then
# read back direct, in parallel, after dropping the caches.
dd if=/dev/urandom of=$ref bs=1M count=16 2>/dev/null
dd if=$ref of=/dev/xvdb bs=1M oflag=direct conv=fsync 2>/dev/null || { echo "integrity: sequential write failed"; exit 1; }
taskset -c 0 "$0" worker 0 2048 40 &
w0=$!
taskset -c 1 "$0" worker 2048 2048 40 &
w1=$!
wait $w0 && wait $w1 || { echo "integrity: a writer failed"; exit 1; }
sync
echo 3 >/proc/sys/vm/drop_caches
taskset -c 0 dd if=/dev/xvdb of=/tmp/back0 bs=1M count=8 iflag=direct 2>/dev/null &
r0=$!
taskset -c 1 dd if=/dev/xvdb of=/tmp/back1 bs=1M skip=8 count=8 iflag=direct 2>/dev/null &
r1=$!
wait $r0 && wait $r1 || { echo "integrity: a read failed"; exit 1; }
if cat /tmp/back0 /tmp/back1 | cmp - $ref; then echo "integrity: ok"; else echo "integrity: MISMATCH"; fi
echo "integrity-sha: $(sha256sum <$ref | cut -d' ' -f1)"
rm -f /tmp/back0 /tmp/back1

# 2. Hot-unplug of a mounted disk, then plug it back.
mount -t ext4 /dev/xvdc /mnt || { echo "xvdc: mount failed"; exit 1; }
echo "hot-sha: $(sha256sum </mnt/hello.bin | cut -d' ' -f1)"
sync
echo "VBD-READY-DETACH"
if waitfor absent xvdc 90; then echo "xvdc-gone"; else echo "xvdc-still-there"; exit 1; fi
umount /mnt 2>/dev/null || umount -l /mnt
echo "hot-umount: done"
echo "VBD-WAIT-CONSOLE"
read -t 90 line
echo "console-echo: $line"
echo "VBD-READY-ATTACH"
waitfor present xvdc 90 || { echo "xvdc: not back"; exit 1; }
mount -t ext4 /dev/xvdc /mnt || { echo "xvdc: mount again failed"; exit 1; }
echo "hot-reread-sha: $(sha256sum </mnt/hello.bin | cut -d' ' -f1)"
umount /mnt

# 3. A file on the root filesystem, for the host to find in the image.
echo "written by $(hostname) at boot $(cat /proc/sys/kernel/random/boot_id)" >/root/vbd-proof
sync
echo "root-proof: $(cat /root/vbd-proof)"
