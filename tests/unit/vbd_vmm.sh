#!/bin/bash
# xeno-vmm's block backend, xenstore side, with a real xenstored and no
# guest driver: --disk parsing and fd checks, the keys and InitWait it
# writes, a hostile frontend refused (error node, Closing) and the reset
# back to InitWait, the control commands disk-stats / disk-attach (fd by
# SCM_RIGHTS) / disk-detach, and Closed at exit.  The guest (Debian's
# kernel with an initramfs that sleeps) only keeps the domain alive.
#   vbd_vmm.sh XENO_VMM XENOSTORED
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
export XENO_VMM=$1 XENO_XENSTORED=$2 WORK
WORK=$(mktemp -d /tmp/vbd-vmm.XXXXXX)
trap 'kill $vmm_pid 2>/dev/null; xs_stop; rm -rf "$WORK"' EXIT
. "$root/tests/linux/lib.sh"
[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "SKIP: no /dev/kvm"; exit 77; }
kernel=$(ls /boot/vmlinuz-*-amd64 2>/dev/null | sort -V | tail -1)
[ -n "$kernel" ] || { echo "FAIL: no Debian kernel: apt-get install linux-image-amd64"; exit 1; }
command -v xenstore-write >/dev/null || { echo "FAIL: apt-get install xenstore-utils"; exit 1; }
"$root/scripts/mkguest/initramfs.sh" "$WORK/initrd" >/dev/null || exit 1
xs_start || exit 1
t0=$(date +%s); lap() { echo "  [$(( $(date +%s) - t0 )) s] $*"; }
vmm_pid=

check() { # description command...
    local what=$1; shift
    if "$@"; then pass "$what"; else fail "$what"; fi
}
xsr() { xenstore-read "$1" 2>/dev/null; }
wait_key() { # path value
    for _ in $(seq 100); do [ "$(xsr "$1")" = "$2" ] && return 0; sleep 0.05; done
    echo "  $1 = '$(xsr "$1")', waited for '$2'"; return 1
}
BE=/local/domain/0/backend/vbd/1 FE=/local/domain/1/device/vbd
guest=(--kernel "$kernel" --ramdisk "$WORK/initrd" --memory 128 --domid 1
       --cmdline 'console=hvc0 xeno.run="sleep 600"' --no-stdio-console)
vmm() { "$XENO_VMM" "${guest[@]}" "$@"; }
ctl() { vmm_ctl "$WORK/ctl" "$@"; }

truncate -s 64M "$WORK/a.img"
truncate -s 1M "$WORK/b.img"

# Command-line refusals: usage errors exit 2, an unusable fd exits 1.
for bad in "fd=x,devid=51712,mode=w" "fd=7,devid=51712" "fd=7,devid=0,mode=w" \
           "fd=7,devid=51712,mode=rw" "fd=7,devid=51712,mode=w,type=nfs" \
           "fd=7,devid=51712,mode=w,name=Xvda" "fd=7,devid=51712,mode=w,bogus=1"; do
    vmm --xenstored-dir "$XENSTORED_RUNDIR" --disk "$bad" 2>"$WORK/err"
    rc=$?
    check "--disk $bad: exit 2 ($(head -1 "$WORK/err"))" test $rc = 2
done
vmm --disk fd=7,devid=51712,mode=w 7<>"$WORK/a.img" 2>"$WORK/err"
check "--disk without --xenstored-dir: exit 2" test $? = 2
check "  ... says why" grep -q 'needs --xenstored-dir' "$WORK/err"
dom_tree 1 vbd 1 131072
vbd_tree 1 51712 w
vmm --xenstored-dir "$XENSTORED_RUNDIR" --disk fd=9,devid=51712,mode=w 9>&- 2>"$WORK/err"
check "--disk with a closed fd: exit 1" test $? = 1
vmm --xenstored-dir "$XENSTORED_RUNDIR" --disk fd=7,devid=51712,mode=w 7<"$WORK/a.img" 2>"$WORK/err"
check "mode=w on a read-only fd: exit 1" test $? = 1
check "  ... says why" grep -q 'read-only but mode=w' "$WORK/err"

lap refusals done
# A disk at start.
"$XENO_VMM" "${guest[@]}" --xenstored-dir "$XENSTORED_RUNDIR" --control "$WORK/ctl" \
    --disk fd=7,devid=51712,mode=w,name=xvda 7<>"$WORK/a.img" >"$WORK/vmm.log" 2>&1 &
vmm_pid=$!
check "backend at InitWait" wait_key $BE/51712/state 2
for kv in feature-max-indirect-segments=256 multi-queue-max-queues=1 max-ring-page-order=4 \
          feature-flush-cache=1 feature-barrier=1 feature-persistent=0 feature-discard=1 \
          discard-granularity=4096; do
    check "backend writes ${kv%=*}" test "$(xsr $BE/51712/${kv%=*})" = "${kv#*=}"
done
check "no sectors before connect" test -z "$(xsr $BE/51712/sectors)"

# A frontend whose event channel is not ours to bind: refused, not fatal.
xenstore-write $FE/51712/ring-ref 8 $FE/51712/event-channel 99 $FE/51712/state 3
check "hostile frontend: backend Closing" wait_key $BE/51712/state 5
check "  ... with an error node" test -n "$(xsr /local/domain/0/error/backend/vbd/1/51712/error)"
xenstore-write $FE/51712/state 6
check "frontend Closed: backend Closed" wait_key $BE/51712/state 6
xenstore-write $FE/51712/state 1
check "frontend Initialising again: backend InitWait" wait_key $BE/51712/state 2
check "VMM still running" kill -0 $vmm_pid

r=$(ctl '{"cmd":"disk-stats"}')
check "disk-stats lists xvda at InitWait ($r)" grep -q '"devid":51712,"name":"xvda","mode":"w","state":2,"sectors":131072,' <<<"$r"

lap handshake done
# Hot-plug.
r=$(ctl '{"cmd":"disk-attach","devid":51728,"mode":"r","name":"xvdb"}' "$WORK/b.img")
check "disk-attach without xenstore dirs refused ($r)" grep -q '"ok":false.*no backend dir' <<<"$r"
vbd_tree 1 51728 r xvdb
r=$(ctl '{"cmd":"disk-attach","devid":51728,"mode":"r","name":"xvdb"}')
check "disk-attach without an fd refused ($r)" grep -q '"ok":false.*SCM_RIGHTS' <<<"$r"
r=$(ctl '{"cmd":"disk-attach","devid":51728,"mode":"r","name":"xvdb"}' "$WORK/b.img")
check "disk-attach ($r)" test "$r" = '{"ok":true}'
check "attached disk at InitWait" wait_key $BE/51728/state 2
check "read-only disk: no discard" test "$(xsr $BE/51728/feature-discard)" = 0
r=$(ctl '{"cmd":"disk-attach","devid":51728,"mode":"r"}' "$WORK/b.img")
check "second attach of a devid refused ($r)" grep -q 'already attached' <<<"$r"
r=$(ctl '{"cmd":"disk-stats"}')
check "disk-stats lists both" grep -q '51712.*"devid":51728,"name":"xvdb","mode":"r","state":2,"sectors":2048,' <<<"$r"
r=$(ctl '{"cmd":"disk-detach","devid":51728}')
check "disk-detach of an unconnected disk answers at once ($r)" test "$r" = '{"ok":true}'
check "  ... backend Closed" test "$(xsr $BE/51728/state)" = 6
r=$(ctl '{"cmd":"disk-detach","devid":51728}')
check "detach again: no such disk ($r)" grep -q 'no such disk' <<<"$r"
r=$(ctl '{"cmd":"disk-stats"}')
check "disk-stats after detach" grep -q -v 51728 <<<"$r"

lap hot-plug done
# Exit: every disk Closed.
kill -TERM $vmm_pid
wait $vmm_pid
check "SIGTERM: exit 3 (destroyed; the signal went to the I/O loop)" test $? = 3
vmm_pid=
check "disk Closed at VMM exit" test "$(xsr $BE/51712/state)" = 6
grep 'vbd ' "$WORK/vmm.log"
finish
