#!/bin/bash
# xeno-vmm's network backend, xenstore side, with a real xenstored, real
# taps (root, /dev/net/tun) and no guest driver: --nic parsing and fd
# checks (a file is not a tap), the keys and InitWait it writes, a hostile
# frontend refused (error node, Closing) and the reset back to InitWait,
# the control commands nic-stats / nic-attach (tap by SCM_RIGHTS) /
# nic-detach, Closed at exit and the tap gone with the VMM.  The guest
# (Debian's kernel with an initramfs that sleeps) only keeps the domain
# alive.
#   vif_vmm.sh XENO_VMM XENOSTORED
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
export XENO_VMM=$1 XENO_XENSTORED=$2 WORK
WORK=$(mktemp -d /tmp/vif-vmm.XXXXXX)
trap 'kill $vmm_pid 2>/dev/null; xs_stop; rm -rf "$WORK"' EXIT
. "$root/tests/linux/lib.sh"
[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "SKIP: no /dev/kvm"; exit 77; }
[ "$(id -u)" = 0 ] && [ -w /dev/net/tun ] || { echo "SKIP: needs root and /dev/net/tun for taps"; exit 77; }
kernel=$(ls /boot/vmlinuz-*-amd64 2>/dev/null | sort -V | tail -1)
[ -n "$kernel" ] || { echo "FAIL: no Debian kernel: apt-get install linux-image-amd64"; exit 1; }
command -v xenstore-write >/dev/null || { echo "FAIL: apt-get install xenstore-utils"; exit 1; }
"$root/scripts/mkguest/initramfs.sh" "$WORK/initrd" >/dev/null || exit 1
xs_start || exit 1
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
# Taps named for this run, so parallel runs do not collide.
t0=xvt$$a t1=xvt$$b
BE=/local/domain/0/backend/vif/1 FE=/local/domain/1/device/vif
MAC=00:16:3e:00:01:00
guest=(--kernel "$kernel" --ramdisk "$WORK/initrd" --memory 128 --domid 1 --vcpus 2
       --cmdline 'console=hvc0 xeno.run="sleep 600"' --no-stdio-console)
vmm() { "$XENO_VMM" "${guest[@]}" "$@"; }
ctl() { vmm_ctl "$WORK/ctl" "$@"; }

for bad in "fd=x,devid=0,mac=$MAC" "fd=7,devid=0" "fd=7,mac=$MAC" "fd=7,devid=70000,mac=$MAC" \
           "fd=7,devid=0,mac=00:16:3e:00:01" "fd=7,devid=0,mac=00:16:3e:00:01:0g" \
           "fd=7,devid=0,mac=$MAC,mtu=67" "fd=7,devid=0,mac=$MAC,mtu=65522" \
           "fd=7,devid=0,mac=$MAC,bogus=1"; do
    vmm --xenstored-dir "$XENSTORED_RUNDIR" --nic "$bad" 2>"$WORK/err"
    rc=$?
    check "--nic $bad: exit 2 ($(head -1 "$WORK/err"))" test $rc = 2
done
vmm --nic fd=7,devid=0,mac=$MAC 2>"$WORK/err"
check "--nic without --xenstored-dir: exit 2" test $? = 2
check "  ... says why" grep -q 'needs --xenstored-dir' "$WORK/err"
dom_tree 1 vif 2 131072
vif_tree 1 0 $MAC
vmm --xenstored-dir "$XENSTORED_RUNDIR" --nic fd=9,devid=0,mac=$MAC 9>&- 2>"$WORK/err"
check "--nic with a closed fd: exit 1" test $? = 1
vmm --xenstored-dir "$XENSTORED_RUNDIR" --nic fd=7,devid=0,mac=$MAC 7<>"$WORK/err2" 2>"$WORK/err"
check "--nic with a file, not a tap: exit 1" test $? = 1
check "  ... says why ($(cat "$WORK/err"))" grep -q 'not a tap' "$WORK/err"

# A vif at start, on a tap the VMM did not create.
"$root/tests/linux/tap_exec.py" $t0 7 -- "$XENO_VMM" "${guest[@]}" --xenstored-dir "$XENSTORED_RUNDIR" --control "$WORK/ctl" \
    --nic fd=7,devid=0,mac=$MAC,mtu=9000 >"$WORK/vmm.log" 2>&1 &
vmm_pid=$!
check "backend at InitWait" wait_key $BE/0/state 2
for kv in feature-rx-copy=1 feature-rx-flip=0 feature-sg=1 feature-gso-tcpv4=1 \
          feature-gso-tcpv6=1 feature-ipv6-csum-offload=1 feature-split-event-channels=1 \
          multi-queue-max-queues=2; do
    check "backend writes ${kv%=*}=${kv#*=}" test "$(xsr $BE/0/${kv%=*})" = "${kv#*=}"
done
check "no feature-ctrl-ring (not offered)" test -z "$(xsr $BE/0/feature-ctrl-ring)"
check "the tap exists while the VMM runs" ip link show $t0

# A frontend whose event channel is not ours to bind: refused, not fatal.
xenstore-write $FE/0/tx-ring-ref 8 $FE/0/rx-ring-ref 9 $FE/0/event-channel 99 \
    $FE/0/request-rx-copy 1 $FE/0/state 4
check "hostile frontend: backend Closing" wait_key $BE/0/state 5
check "  ... with an error node" test -n "$(xsr /local/domain/0/error/backend/vif/1/0/error)"
xenstore-write $FE/0/state 6
check "frontend Closed: backend Closed" wait_key $BE/0/state 6
xenstore-write $FE/0/state 1
check "frontend Initialising again: backend InitWait" wait_key $BE/0/state 2
check "VMM still running" kill -0 $vmm_pid
r=$(ctl '{"cmd":"nic-stats"}')
check "nic-stats lists vif 0 at InitWait ($r)" \
    grep -q "\"devid\":0,\"mac\":\"$MAC\",\"ifname\":\"$t0\",\"state\":2,\"queues\":0,\"tx_packets\":0" <<<"$r"

# Hot-plug.
r=$(ctl '{"cmd":"nic-attach","devid":1,"mac":"00:16:3e:00:01:01"}' tap:$t1)
check "nic-attach without xenstore dirs refused ($r)" grep -q '"ok":false.*no backend dir' <<<"$r"
check "  ... and its tap closed (gone)" bash -c "! ip link show $t1 2>/dev/null"
vif_tree 1 1 00:16:3e:00:01:01
r=$(ctl '{"cmd":"nic-attach","devid":1,"mac":"00:16:3e:00:01:01"}')
check "nic-attach without an fd refused ($r)" grep -q '"ok":false.*SCM_RIGHTS' <<<"$r"
r=$(ctl '{"cmd":"nic-attach","devid":1,"mac":"00:16:3e:00:01:01"}' "$WORK/err")
check "nic-attach with a file refused ($r)" grep -q '"ok":false.*not a tap' <<<"$r"
r=$(ctl '{"cmd":"nic-attach","devid":1,"mac":"00:16:3e:00:01"}' tap:$t1)
check "nic-attach with a bad mac refused ($r)" grep -q '"ok":false.*mac' <<<"$r"
r=$(ctl '{"cmd":"nic-attach","devid":1,"mac":"00:16:3e:00:01:01","mtu":9000}' tap:$t1)
check "nic-attach ($r)" test "$r" = '{"ok":true}'
check "attached vif at InitWait" wait_key $BE/1/state 2
check "its tap exists" ip link show $t1
r=$(ctl '{"cmd":"nic-attach","devid":1,"mac":"00:16:3e:00:01:01"}' tap:${t1}x)
check "second attach of a devid refused ($r)" grep -q 'already attached' <<<"$r"
r=$(ctl '{"cmd":"nic-stats"}')
check "nic-stats lists both" grep -q "\"devid\":0,.*\"devid\":1,\"mac\":\"00:16:3e:00:01:01\",\"ifname\":\"$t1\",\"state\":2" <<<"$r"
r=$(ctl '{"cmd":"nic-detach","devid":1}')
check "nic-detach of an unconnected vif answers at once ($r)" test "$r" = '{"ok":true}'
check "  ... backend Closed" test "$(xsr $BE/1/state)" = 6
check "  ... its tap gone (the VMM held the last fd)" bash -c "! ip link show $t1 2>/dev/null"
r=$(ctl '{"cmd":"nic-detach","devid":1}')
check "detach again: no such vif ($r)" grep -q 'no such vif' <<<"$r"

kill -TERM $vmm_pid
wait $vmm_pid
check "SIGTERM: exit 3" test $? = 3
vmm_pid=
check "vif Closed at VMM exit" test "$(xsr $BE/0/state)" = 6
check "the tap is gone with the VMM" bash -c "! ip link show $t0 2>/dev/null"
grep 'vif ' "$WORK/vmm.log"
finish
