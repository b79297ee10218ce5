#!/bin/sh
# xend with the real xeno-vmm (not the fake): the command line and the
# control protocol of vmm_control.h as the VMM implements them.  The guest
# needs not boot: create, list (CPU time from the VMM), pause, unpause,
# destroy, and a kernel the VMM refuses.  Skipped (77) without /dev/kvm or
# a kernel.  Args: XEND XM XENO_VMM [CRASH_GUEST]
BUILD_XEND=$1 BUILD_XM=$2 FAKE_VMM=$3 CRASH_GUEST=${4:-}
. "$(dirname "$0")/lib.sh"
[ -r /dev/kvm ] && [ -w /dev/kvm ] || { echo "SKIP: no /dev/kvm"; exit 77; }
kernel=$(ls /boot/vmlinuz-*-amd64 2>/dev/null | sort -V | tail -1)
[ -n "$kernel" ] || { echo "SKIP: no /boot/vmlinuz-*-amd64"; exit 77; }

write_conf "create-timeout = 60"
start_xend || exit 1
cat > "$T/configs/real.cfg" <<EOC
name = "real"
kernel = "$kernel"
cmdline = "console=hvc0 loglevel=4"
memory = 128
vcpus = 2
EOC
out=$(xm create real 2>&1) || echo "$out"
check "create with xeno-vmm" xm list real
check_eq "running" running "$(dom_field real state)"
check_eq "2 vCPUs" 2 "$(dom_field real vcpus)"
check "xeno-vmm answers info (cpu time)" test -n "$(dom_field real cpu_time)"
check "console socket accepts" test -S "$(dom_field real console_socket)"
check "pause" xm pause real
check_eq "paused" paused "$(dom_field real state)"
check "unpause" xm unpause real
pid=$(dom_field real pid)
check "destroy" xm destroy real
check_fails "xeno-vmm is gone" alive "$pid"
check_match "xeno-vmm exit was a destroy" 'domain 1 \(real\) destroyed' "$(xm dmesg)"
printf 'not a kernel\n' > "$T/bogus"
cat > "$T/configs/bogus.cfg" <<EOC
name = "bogus"
kernel = "$T/bogus"
memory = 64
EOC
out=$(xm create bogus 2>&1)
check_match "a kernel xeno-vmm refuses fails the create" 'xeno-vmm for bogus exited during start \(status 1\)' "$out"
check "nothing left of it" sh -c "! $BUILD_XM list bogus"

# A guest that crashes (the conformance guest calling SHUTDOWN_crash):
# its log holds the console and one crash report; dmesg points there.
state_is() { [ "$(dom_field "$1" state)" = "$2" ]; }
if [ -n "$CRASH_GUEST" ]; then
    cat > "$T/configs/crashy.cfg" <<EOC
name = "crashy"
kernel = "$CRASH_GUEST"
cmdline = "reason=crash"
memory = 64
on_crash = "preserve"
EOC
    xm create crashy >/dev/null 2>&1
    check "crashing guest preserved as crashed" wait_for 20 state_is crashy crashed
    log=$T/log/domain-crashy.log
    check_match "its log has the guest's console" 'shutting down: crash \(3\)' "$(cat "$log")"
    check_eq "one crash report (stderr and --log are one file)" 1 \
        "$(grep -c 'crash: domain [0-9]* (crashy) crashed' "$log")"
    check_match "registers and decoded stack" '\[RSP\+0x[0-9a-f]+\] [0-9a-f]+ <shutdown\+0x' "$(cat "$log")"
    check_match "dmesg names the crash and its log" \
        "domain [0-9]+ \\(crashy\\) crashed: see $log \\(last console line: shutting down: crash \\(3\\)\\)" \
        "$(xm dmesg)"
    xm destroy crashy
fi
stop_xend
done_tests
