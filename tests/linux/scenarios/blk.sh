#!/bin/bash
# guest-modules: xen-blkfront
# Linux's own xen-blkfront on xeno-vmm's block backend, one boot, 2 vCPUs
# (so 2 queues): a read-write disk (pattern written, read back, found in
# the image afterwards) and a read-only one (write refused, image intact);
# the disks close cleanly at poweroff; a third disk is hot-plugged and
# unplugged through the control socket while the guest runs.
. "$(dirname "$0")/../lib.sh"
xs_start || exit 1

pattern() { awk 'BEGIN { for (i = 0; i < 8192; i++) printf "%-511s\n", "xeno sector " i }'; }
img=$WORK/xvda.img ro=$WORK/xvdb.img
truncate -s 64M "$img"
head -c 8M /dev/urandom >"$ro"
ro_md5=$(md5sum <"$ro" | cut -d' ' -f1)
pat_md5=$(pattern | md5sum | cut -d' ' -f1)

hot=$WORK/xvdc.img
head -c 1M /dev/urandom >"$hot"
hot_md5=$(md5sum <"$hot" | cut -d' ' -f1)

disks() { vbd_tree "$1" 51712 w xvda && vbd_tree "$1" 51728 r xvdb; }
exec 7<>"$img" 8<"$ro"
BOOT_XS_HOOK=disks GUEST_TIMEOUT=420 boot blk 1 2 'xeno.run=/t/blk.sh' --control "$WORK/ctl" \
    --disk fd=7,devid=51712,mode=w,name=xvda --disk fd=8,devid=51728,mode=r,name=xvdb &
bootpid=$!
exec 7>&- 8<&-

# Hot-plug while the guest runs, as xend's block-attach/-detach do.
ctl() { vmm_ctl "$WORK/ctl" "$@"; }
if console_wait blk '^blk-hotplug-wait' 300; then
    echo "hotplug: attaching xvdc"
    vbd_tree 1 51744 w xvdc
    r=$(ctl '{"cmd":"disk-attach","devid":51744,"mode":"w","type":"file","name":"xvdc"}' "$hot")
    if [ "$r" = '{"ok":true}' ]; then pass "blk: disk-attach xvdc"; else fail "blk: disk-attach: $r"; fi
    if console_wait blk '^xvdc-write: ok' 120; then
        r=$(ctl '{"cmd":"disk-stats"}')
        echo "disk-stats: $r"
        if grep -q '"devid":51744,"name":"xvdc","mode":"w","state":4,"sectors":2048,"rd_req":[1-9]' <<<"$r"; then
            pass "blk: disk-stats shows xvdc connected, with reads"
        else fail "blk: disk-stats: $r"; fi
        t0=$(date +%s.%N)
        echo "hotplug: detaching xvdc"
        r=$(ctl '{"cmd":"disk-detach","devid":51744}')
        echo "disk-detach: $r after $(echo "$(date +%s.%N) - $t0" | bc) s"
        if [ "$r" = '{"ok":true}' ]; then pass "blk: disk-detach: the guest let go of xvdc"
        else fail "blk: disk-detach: $r"; fi
    else
        fail "blk: guest did not use xvdc"
    fi
    echo "hotplug: removing xvdc's xenstore dirs"
    timeout 20 xenstore-rm /local/domain/1/device/vbd/51744
    timeout 20 xenstore-rm /local/domain/0/backend/vbd/1/51744
else
    fail "blk: guest did not reach the hot-plug step"
fi
echo "hotplug: done, waiting for the guest"
wait $bootpid

expect_rc blk 0
expect_out blk '^XENO-GUEST-EXIT=0' "guest script ran"
expect_out blk 'vbd 1/51712: connected: 2 queues' "xvda connected with 2 queues"
expect_out blk 'vbd 1/51728: connected' "xvdb connected"
expect_out blk '^xvda-size: 131072' "xvda is 64 MiB in 512-byte sectors"
expect_out blk '^xvdb-size: 16384' "xvdb is 8 MiB"
expect_out blk '^xvdb-ro: 1' "xvdb is read-only in the guest"
expect_out blk '^xvda-queues: 2' "blkfront uses 2 hardware queues"
expect_out blk 'blkfront: xvda: flush diskcache: enabled; persistent grants: disabled; indirect descriptors: enabled;' \
    "blkfront's feature line (flush, no persistent grants, indirect)"
expect_out blk "^pattern-md5: $pat_md5" "guest made the same pattern"
expect_out blk '^xvda-write: ok' "guest wrote xvda"
expect_out blk "^xvda-readback-md5: $pat_md5" "read back what was written (after dropping caches)"
expect_out blk "^xvdb-md5: $ro_md5" "xvdb reads the image's contents"
expect_out blk '^xvdb-write: refused' "writing the read-only disk fails"
expect_out blk 'vbd 1/51712: frontend Closed' "xvda: the guest closed it at shutdown"
expect_out blk 'vbd 1/51728: frontend Closed' "xvdb: the guest closed it at shutdown"
reject_out blk 'backed has not unmapped grant|disabled for further use|timeout closing device|blkfront.*(error|fail)|vbd .*refusing' \
    "no blkfront errors, clean close at shutdown"
expect_out blk '^xvdc-size: 2048' "hot-plugged xvdc is 1 MiB"
expect_out blk "^xvdc-md5: $hot_md5" "xvdc reads its image"
expect_out blk '^xvdc-gone: yes' "xvdc is gone from the guest after the detach"
got=$(head -c 4096 "$hot" | md5sum | cut -d' ' -f1)
if [ "$got" = "$(pattern | head -c 4096 | md5sum | cut -d' ' -f1)" ]; then
    pass "blk: the guest's write reached xvdc's image"
else fail "blk: xvdc image: first 4 KiB not the guest's"; fi
got=$(dd if="$img" bs=1M skip=1 count=4 2>/dev/null | md5sum | cut -d' ' -f1)
if [ "$got" = "$pat_md5" ]; then pass "blk: the image holds the pattern at 1 MiB"
else fail "blk: image at 1 MiB: md5 $got, wanted $pat_md5"; fi
got=$(md5sum <"$ro" | cut -d' ' -f1)
if [ "$got" = "$ro_md5" ]; then pass "blk: read-only image unchanged"
else fail "blk: read-only image changed"; fi
for v in 51712 51728; do
    s=$(xenstore-read /local/domain/0/backend/vbd/1/$v/state 2>/dev/null)
    if [ "$s" = 6 ]; then pass "blk: backend $v Closed after exit"
    else fail "blk: backend $v state '$s' after exit, wanted 6"; fi
done
grep -E 'vbd [0-9]+/|^dmesg:' "$WORK/blk.out"
vbd_rm 1
finish
