#!/bin/bash
# The live demo, on a host that can run Linux guests (directly, or inside
# the test host): xenstored and xend start, two Linux domains are created
# from one config file, listed, visited on their consoles, and shut down.
set -u
cd "$(dirname "$0")/.."
B=$PWD/build
. scripts/testhost/lib.sh
kernel=$(xeno_kernel) || exit 1
W=$(mktemp -d /tmp/xeno-demo.XXXXXX)
step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

step "Starting xenstored (the configuration store)"
export XENSTORED_RUNDIR=$W/xenstored
mkdir -p "$XENSTORED_RUNDIR" "$W/auto"
"$B/src/xenstored/xenstored" -N -D "$W/xsdb" >"$W/xenstored.log" 2>&1 &
XSD=$!
for _ in $(seq 50); do [ -S "$XENSTORED_RUNDIR/socket" ] && break; sleep 0.1; done

step "Starting xend (HTTP on 127.0.0.1:8000, unix socket for xm)"
cat >"$W/xend.conf" <<EOC
xend-unix-path = $W/xend.sock
xend-port = 8000
state-dir = $W/state
run-dir = $W/run
vmm-log-dir = $W/log
logfile = $W/xend.log
vmm-path = $B/src/vmm/xeno-vmm
vmm-monitor-path = $B/src/toolstack/xeno-vmm-monitor
auto-dir = $W/auto
xenstored-path = $XENSTORED_RUNDIR/socket
xenstored-dir = $XENSTORED_RUNDIR
create-timeout = 120
shutdown-timeout = 240
EOC
"$B/src/toolstack/xend" -f "$W/xend.conf" >"$W/xend.out" 2>&1 &
XEND=$!
export XENO_XEND=$W/xend.sock
for _ in $(seq 50); do [ -S "$XENO_XEND" ] && break; sleep 0.1; done
xm() { "$B/src/toolstack/xm" "$@"; }
run xm info

initrd=${XENO_INITRD:-$B/guest/initramfs.cpio.gz}

# Typed into a guest's hvc0 shell once it is up; Ctrl-] then detaches.
session() { # domain
    for _ in $(seq 300); do grep -q 'XENO-GUEST-INIT' "$W/log/domain-$1.log" 2>/dev/null && break; sleep 1; done
    sleep 2
    echo 'echo "hello from $(xs read name): kernel $(uname -r) on $(cat /sys/hypervisor/type), domid $(xs read domid), $(nproc) vCPU, $(free -m | awk "/Mem/ {print \$2}") MiB"'
    sleep 8
    printf '\035'
}
show() { grep -a -E 'hello from|XENO-GUEST-INIT' "$1" | tr -d '\r' | tail -3; }

step "Creating two Linux domains from one config file (vmid=1, then vmid=2 with -c)"
run xm create examples/demo.cfg vmid=1 kernel="$kernel" ramdisk="$initrd"
echo "$ xm create examples/demo.cfg vmid=2 ... -c   (the console opens at once)"
session demo-2 | timeout 400 "$B/src/toolstack/xm" create examples/demo.cfg vmid=2 \
    kernel="$kernel" ramdisk="$initrd" -c >"$W/demo-2.console" 2>&1
show "$W/demo-2.console"
run xm list
# A domain that crashed: show why (its VMM log holds the console too).
for d in demo-1 demo-2; do
    if xm list "$d" 2>/dev/null | grep -q -- '----c-'; then
        echo "--- $d crashed; the end of its log:"
        tr -d '\r' <"$W/log/domain-$d.log" | grep -v CPUID | tail -40
    fi
done

step "xm console demo-1  (typing into the guest's hvc0 shell)"
session demo-1 | timeout 400 "$B/src/toolstack/xm" console demo-1 >"$W/demo-1.console" 2>&1
show "$W/demo-1.console"

step "The same domains through xend's HTTP API"
echo '$ curl -s http://127.0.0.1:8000/xend/domain'
curl -s --max-time 10 http://127.0.0.1:8000/xend/domain | tr -d ' \n' | sed 's/},{/},\n  {/g'; echo

step "Shutting the domains down (control/shutdown in xenstore)"
run xm shutdown -w demo-1
run xm shutdown -w demo-2
run xm list

step "Stopping xend and xenstored"
kill "$XEND"; wait "$XEND" 2>/dev/null
kill "$XSD"; wait "$XSD" 2>/dev/null
echo "demo finished; logs in $W"
