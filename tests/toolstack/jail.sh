#!/bin/sh
# The jail xend puts every xeno-vmm in (docs/privilege.md): for a running
# VMM, /proc/<pid>/status shows its own non-zero uid/gid, CapEff 0,
# NoNewPrivs 1, Seccomp 2; its root holds nothing; its mount, net, IPC
# and PID namespaces are not the host's; told over its control socket to
# attach a disk by host path, it refuses and runs on; xend pins its vCPU
# threads by their host ids; destroy still works.  Then a vCPU thread that
# makes a forbidden call while the domain runs: the domain is crashed and
# xm dmesg names the call.  Then vmm-jail = no: xend says so loudly and the
# VMM runs as root.  Needs root and /dev/kvm (else skipped, 77).
# Args: XEND XM XENO_VMM GUEST (a conformance guest that runs a while)
BUILD_XEND=$1 BUILD_XM=$2 FAKE_VMM=$3 GUEST=$4
# A sanitizer build's VMM runs without its filters by default (its runtime
# makes calls they forbid: src/vmm/main.c); the plain build runs this test.
if ldd "$FAKE_VMM" 2>/dev/null | grep -q 'libasan'; then
    echo "SKIP: $FAKE_VMM is a sanitizer build (no seccomp filters there); the plain build runs this test"
    exit 77
fi
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || { echo "SKIP: the jail needs xend to run as root"; exit 77; }
[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "SKIP: no /dev/kvm"; exit 77; }
# Root of a user namespace (unshare -r) without the jail's uids: xend
# cannot jail (it says so at start, jail_check.c).
awk '$1 <= 810000 && $1 + $3 >= 810000 + 32768 { ok = 1 } END { exit !ok }' /proc/self/uid_map ||
    { echo "SKIP: uids 810000-842767 are not mapped here (a user namespace)"; exit 77; }

domain() { # domain NAME CMDLINE
    cat > "$T/configs/$1.cfg" <<EOC
name = "$1"
kernel = "$GUEST"
cmdline = "$2"
memory = 64
on_crash = "preserve"
EOC
}
vmm_of() { pgrep -P "$(dom_field "$1" pid)" | head -1; }
field() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" | tr -s '\t ' ' '; }
state_is() { [ "$(dom_field "$1" state)" = "$2" ]; }
# until SECONDS CMD...: CMD succeeds within SECONDS of wall time (each try
# costs a curl and a python here: count time, not tries).
until_secs() {
    end=$(($(date +%s) + $1)); shift
    while [ "$(date +%s)" -le "$end" ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
    return 1
}
# ctl SOCKET JSON: one request to a VMM's control socket, no fd; the reply.
ctl() {
    python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1])
s.sendall((sys.argv[2] + "\n").encode()); print(s.makefile().readline().strip())' "$1" "$2"
}

write_conf "create-timeout = 30" "vmm-jail-uid-base = 810000"
start_xend || exit 1
domain jailed "n=2000000000"
out=$(xm create jailed 2>&1) || echo "$out"
check_eq "jailed domain running" running "$(dom_field jailed state)"
domid=$(dom_field jailed domid)
p=$(vmm_of jailed)
check "the VMM is the monitor's child" test -n "$p"
uid=$((810000 + domid))
check_eq "own uid (base + domid)" "$uid $uid $uid $uid" "$(field "$p" Uid)"
check_eq "own gid" "$uid $uid $uid $uid" "$(field "$p" Gid)"
check_eq "no supplementary groups" "" "$(field "$p" Groups)"
check_eq "CapEff 0" 0000000000000000 "$(field "$p" CapEff)"
check_eq "CapPrm 0" 0000000000000000 "$(field "$p" CapPrm)"
check_eq "CapBnd 0" 0000000000000000 "$(field "$p" CapBnd)"
check_eq "NoNewPrivs 1" 1 "$(field "$p" NoNewPrivs)"
check_eq "Seccomp 2 (filter)" 2 "$(field "$p" Seccomp)"
check_eq "every thread under a filter (main/I/O and vCPU)" "2" \
    "$(cat /proc/"$p"/task/*/status | sed -n 's/^Seccomp:[[:space:]]*//p' | sort -u | tr '\n' ' ' | sed 's/ $//')"
check "... and it has a vCPU thread" test "$(ls /proc/"$p"/task | wc -l)" -ge 2
check_eq "its root holds nothing" "" "$(ls -A "/proc/$p/root/" 2>&1)"
for ns in mnt net ipc pid uts; do
    check_fails "own $ns namespace" test "$(readlink "/proc/$p/ns/$ns")" = "$(readlink /proc/self/ns/$ns)"
done
check_eq "it is init of its PID namespace" 1 "$(sed -n 's/^NSpid:.*[[:space:]]\([0-9]*\)$/\1/p' "/proc/$p/status")"
check_eq "no core dumps" 0 "$(awk '/core file size/ { print $5 }' "/proc/$p/limits")"
sock="$T/run/dom$domid.ctl"
check_match "disk-attach by host path refused" \
    '"ok": ?false.*opens no host path' "$(ctl "$sock" '{"cmd":"disk-attach","devid":51728,"mode":"r","path":"/etc/passwd"}')"
check_match "the VMM runs on and answers" '"ok": ?true.*"state": ?"running"' "$(ctl "$sock" '{"cmd":"info"}')"
check_fails "no /etc in its root to open anyway" test -e "/proc/$p/root/etc/passwd"
check "vcpu-pin of the jailed VMM" xm vcpu-pin jailed 0 0
vtid=$(curl -s "$URL/xend/domain/jailed/vcpu" | python3 -c "import json,sys; print(json.load(sys.stdin)['vcpus'][0]['tid'])")
check_eq "vCPU 0's host thread is the VMM's" "$p" "$(sed -n 's/^Tgid:[[:space:]]*//p' "/proc/$vtid/status" 2>&1)"
check_eq "... and pinned to CPU 0" 0 "$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "/proc/$vtid/status")"
check "it serves the control socket (pause)" xm pause jailed
check "unpause" xm unpause jailed
check "console socket accepts" test -S "$(dom_field jailed console_socket)"
check "destroy" xm destroy jailed
check_fails "the jailed VMM is gone" wait_for 1 alive "$p"
check_match "destroyed" "domain $domid \\(jailed\\) destroyed" "$(xm dmesg)"
stop_xend

# A forbidden call while the domain runs: a vCPU thread opens a host file
# when the domain is unpaused (XENO_SECCOMP_SELFTEST=vcpu-unpause).
XENO_SECCOMP_SELFTEST=vcpu-unpause start_xend || exit 1
domain opener "n=2000000000"
out=$(xm create opener 2>&1) || echo "$out"
check_eq "opener running" running "$(dom_field opener state)"
p=$(vmm_of opener)
# The vCPU must see the pause (it is kicked out of KVM_RUN and waits) before
# the unpause: give it a second, and again on a loaded host.
for _ in 1 2 3 4 5; do
    xm pause opener >/dev/null 2>&1
    sleep 1
    xm unpause opener >/dev/null 2>&1
    until_secs 5 state_is opener crashed && break
done
check "the domain crashed" until_secs 10 state_is opener crashed
check_match "xm dmesg says it crashed and names the call" \
    'domain [0-9]+ \(opener\) crashed: see .*killed by seccomp: syscall 257 \(openat, .*"/etc/hostname"\) on the vCPU thread' \
    "$(xm dmesg)"
check_match "xend saw SIGSYS" 'killed by signal 31' "$(cat "$T/xend.log")"
check_fails "the VMM is gone" alive "$p"
xm destroy opener >/dev/null 2>&1
stop_xend

# The jail off, for debugging: loudly.
write_conf "create-timeout = 30" "vmm-jail = no"
start_xend || exit 1
check_match "xend warns that VMMs are not jailed" 'WARNING: VMMs are NOT jailed: vmm-jail = no' \
    "$(cat "$T/xend.log")"
domain loose "n=2000000000"
xm create loose >/dev/null 2>&1
p=$(vmm_of loose)
check_eq "unjailed VMM runs as root" "0 0 0 0" "$(field "$p" Uid)"
check_match "and its log says so" 'warning: running as root, not jailed' "$(cat "$T/log/domain-loose.log")"
check_eq "still under seccomp" 2 "$(field "$p" Seccomp)"
xm destroy loose >/dev/null 2>&1
done_tests
