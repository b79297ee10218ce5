#!/bin/sh
# xend with the real xeno-vmm (not the fake): the command line and the
# control protocol of vmm_control.h as the VMM implements them.  The guest
# needs not boot: create, list (CPU time from the VMM), pause, unpause,
# destroy, and a kernel the VMM refuses.  Skipped (77) without /dev/kvm or
# a kernel.  Args: XEND XM XENO_VMM
BUILD_XEND=$1 BUILD_XM=$2 FAKE_VMM=$3
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
stop_xend
done_tests
