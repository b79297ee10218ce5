#!/bin/sh
# xend's vifs with the real xeno-vmm (not the fake), in the test's own
# network namespace: the VMM takes the taps xend passes (--nic) and the
# xenstore directories xend wrote (its backend reaches InitWait), reports
# them in nic-stats (xm list -l), and hot-plugs one more (nic-attach with
# the fd, nic-detach) while the guest runs.  The guest needs not boot far.
# Skipped (77) without /dev/kvm or a kernel.  Args: XEND XM XENO_VMM XENSTORED
BUILD_XEND=$1 BUILD_XM=$2 FAKE_VMM=$3 XENSTORED=$4
. "$(dirname "$0")/lib.sh"
[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "SKIP: no /dev/kvm"; exit 77; }
kernel=$(ls /boot/vmlinuz-*-amd64 2>/dev/null | sort -V | tail -1)
[ -n "$kernel" ] || { echo "SKIP: no /boot/vmlinuz-*-amd64"; exit 77; }
[ -n "${XENO_TEST_NETNS:-}" ] || { echo "not ok - needs a private network namespace: run as root"; exit 1; }
command -v xenstore-read >/dev/null || { echo "not ok - xenstore-read missing: apt-get install xenstore-utils"; exit 1; }

export XENSTORED_RUNDIR="$T/xs" XENSTORED_PATH="$T/xs/socket"
mkdir -p "$XENSTORED_RUNDIR"
"$XENSTORED" -N -I >"$T/xenstored.out" 2>&1 &
XS_PID=$!
trap 'kill $XS_PID 2>/dev/null; cleanup' EXIT
wait_for 5 test -S "$XENSTORED_PATH" || { cat "$T/xenstored.out"; exit 1; }
write_conf "create-timeout = 60" "xenstored-path = $XENSTORED_PATH" \
    "xenstored-dir = $XENSTORED_RUNDIR"
start_xend || exit 1
cat > "$T/configs/rn.cfg" <<EOC
name = "rn"
kernel = "$kernel"
cmdline = "console=hvc0 loglevel=4"
memory = 128
vif = [ 'mac=00:16:3e:00:00:21, rate=10Mb/s' ]
EOC
out=$(xm create rn 2>&1) || echo "$out"
check "create with a vif and xeno-vmm" xm list rn
id=$(dom_field rn domid)
be=/local/domain/0/backend/vif/$id/0
check_eq "the VMM's backend is at InitWait (or further)" yes \
    "$(s=$(xenstore-read $be/state 2>/dev/null); [ "${s:-0}" -ge 2 ] && echo yes)"
check_eq "it offers rx-copy" 1 "$(xenstore-read $be/feature-rx-copy 2>&1)"
check_match "  written over a connection that is domain $id's backend only" \
    'xenstore: identified' "$(cat "$T/log/domain-rn.log")"
check_match "nic-stats: the vif in xm list -l" '"mac": *"00:16:3e:00:00:21"' "$(xm list -l rn)"
check_match "  with the VMM's counters" '"tx_packets": *[0-9]+' "$(xm list -l rn)"
check_eq "vif$id.0 on xenbr0" xenbr0 "$(basename "$(readlink /sys/class/net/vif$id.0/master)")"
check "network-attach with the real VMM" xm network-attach rn mac=00:16:3e:00:00:22
check_eq "  its backend at InitWait (or further)" yes \
    "$(s=$(xenstore-read /local/domain/0/backend/vif/$id/1/state 2>/dev/null); [ "${s:-0}" -ge 2 ] && echo yes)"
check "network-detach with the real VMM" xm network-detach rn 1
check_fails "  vif$id.1 is gone" ip link show vif$id.1
check "destroy" xm destroy rn
check_fails "vif$id.0 is gone with the VMM" ip link show vif$id.0
grep -E "nic|vif" "$T/log/domain-rn.log" | head -20
done_tests
