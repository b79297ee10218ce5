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

step "Creating two Linux domains from one config file (vmid=1, vmid=2)"
for id in 1 2; do
    run xm create examples/demo.cfg vmid=$id kernel="$kernel" ramdisk="$B/guest/initramfs.cpio.gz"
done
run xm list

# A console session: wait for the guest's shell, type, read, detach (Ctrl-]).
console() { # domain
    local d=$1 out=$W/$1.console
    step "xm console $d  (typing into the guest's hvc0 shell)"
    {
        for _ in $(seq 300); do grep -q 'XENO-GUEST-INIT' "$W/log/domain-$d.log" 2>/dev/null && break; sleep 1; done
        sleep 2
        echo 'echo "hello from $(uname -n): kernel $(uname -r) on $(cat /sys/hypervisor/type), domid $(xs read domid), $(nproc) vCPU, $(free -m | awk "/Mem/ {print \$2}") MiB"'
        sleep 8
        printf '\035'
    } | timeout 400 "$B/src/toolstack/xm" console "$d" >"$out" 2>&1
    grep -a -E 'hello from|XENO-GUEST-INIT' "$out" | tr -d '\r' | tail -3
}
console demo-1
console demo-2

step "The same domains through xend's HTTP API"
run curl -s http://127.0.0.1:8000/xend/domain; echo

step "Shutting the domains down (control/shutdown in xenstore)"
run xm shutdown -w demo-1
run xm shutdown -w demo-2
run xm list

step "Stopping xend and xenstored"
kill "$XEND"; wait "$XEND" 2>/dev/null
kill "$XSD"; wait "$XSD" 2>/dev/null
echo "demo finished; logs in $W"
