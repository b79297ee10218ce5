#!/bin/bash
# One vCPU: the kernel's Xen paths, the guest's view of its domain, and
# every way a domain ends (poweroff, panic, control/shutdown, a shell).
. "$(dirname "$0")/../lib.sh"
xs_start || exit 1

boot boot 1 1 'xeno.run=/t/boot.sh'
expect_rc boot 0
expect_out boot 'Booting kernel on Xen PVH' "PVH entry"
expect_out boot 'Xen version: 4\.17' "Xen version seen"
expect_out boot 'xen:events: Using 2-level ABI' "2-level event channels"
expect_out boot 'Xen HVM callback vector for event delivery is enabled' "callback vector"
expect_out boot 'Grant tables using version 1 layout' "grant table v1"
expect_out boot 'Xen Platform PCI: |xenbus|hvc0|xen:grant_table' "xen drivers up"
expect_out boot '^hypervisor-type: xen' "/sys/hypervisor/type"
expect_out boot '^nproc: 1[[:space:]]*$' "guest sees 1 CPU"
expect_out boot '^xs-name: boot' "own xenstore name via /dev/xen/xenbus"
expect_out boot '^xs-tree: control' "own xenstore tree listed"
expect_out boot '^wallclock-year: 20[2-9][0-9]' "sane wall clock"
# xeno passes tsc=reliable: without it Linux's clocksource watchdog judged
# KVM's TSC by lagging timer ticks on loaded hosts and fell back to jiffies.
expect_out boot '^clocksource: tsc' "TSC is the clocksource"
reject_out boot "Marking clocksource 'tsc' as unstable" "TSC never marked unstable"
expect_out boot '^XENO-GUEST-EXIT=0' "guest script ran"
# XENO_TEST_JAIL=0 (the harness's choice) makes the VMM warn that it is
# not jailed: that one warning is expected, any other is not.
[ "${XENO_TEST_JAIL:-1}" = 1 ] || sed -i '/xeno-vmm: warning: running as root, not jailed/d' "$WORK/boot.out"
reject_out boot '[Xx]en.*(error|ERROR|[Ff]ail|WARN|[Ww]arning|Unable|BUG)|(grant|evtchn|xenbus|hvc).*(error|fail|Unable)' \
    "no Xen-related errors or warnings"
grep -E 'xeno-vmm: info: vcpu0 exits|backend events' "$WORK/boot.out"

# A panic explains itself in the VMM log (--log, as xend runs the VMM):
# the console's last lines, the registers, and the stack decoded against
# the kernel's kallsyms.
boot panic 2 1 'xeno.run="echo c > /proc/sysrq-trigger"' --log "$WORK/panic.log"
expect_rc panic 103
expect_log panic '^xeno-vmm: error: crash: domain 2 \(panic\) crashed: the guest reported a crash \(SCHEDOP_shutdown, SHUTDOWN_crash\)' \
    "crash report header"
expect_log panic '^\[ *[0-9.]+\] Kernel panic - not syncing: sysrq triggered crash' "panic text in the log"
expect_log panic 'crash: console\| .*Kernel panic - not syncing: sysrq triggered crash' "panic text quoted by the report"
expect_log panic 'crash: symbols: [0-9]{4,} text symbols from the kernel.s kallsyms' "kallsyms loaded"
expect_log panic 'crash:   RIP 0010:ffffffff[0-9a-f]{8} <xen_hypercall_(amd|intel)\+0x0/0x[0-9a-f]+>, 64-bit, CPL 0' \
    "RIP decoded: the hypercall stub"
expect_log panic 'crash:   RAX 000000000000001d ' "RAX: __HYPERVISOR_sched_op"
expect_log panic 'crash:   CR0 [0-9a-f]{16} CR2 [0-9a-f]{16} CR3 [0-9a-f]{16} CR4' "control registers"
expect_log panic 'crash:     \[RSP\+0x[0-9a-f]+\] ffffffff[0-9a-f]{8} <panic\+0x[0-9a-f]+/0x[0-9a-f]+>' \
    "stack decoded: panic+0x..."
expect_log panic 'crash:     \[RSP\+0x[0-9a-f]+\] ffffffff[0-9a-f]{8} <sysrq_handle_crash\+0x' \
    "stack decoded: sysrq_handle_crash"
expect_log panic '^xeno-vmm: error: crash: panic message: .*Kernel panic - not syncing: sysrq triggered crash' \
    "panic message summarised (for xm dmesg)"


# Wait for a pattern in a running guest's console; ends early when its
# VMM has exited (boot writes $WORK/NAME.rc then).
wait_for() { # name regex seconds
    for _ in $(seq $(($3 * 5))); do
        grep -q -E "$2" "$WORK/$1.out" 2>/dev/null && return 0
        [ -s "$WORK/$1.rc" ] && { grep -q -E "$2" "$WORK/$1.out" 2>/dev/null; return; }
        sleep 0.2
    done
    return 1
}

# A shell on hvc0: type into the console, read the answer; then the
# toolstack asks for poweroff through control/shutdown.
mkfifo "$WORK/shell.in"
boot shell 3 1 '' &
bootpid=$!
exec 3>"$WORK/shell.in"
if wait_for shell 'XENO-GUEST-INIT' 200; then
    sleep 1
    echo 'echo hello-$((6*7))' >&3
    if wait_for shell '^hello-42' 60; then pass "shell: command typed on hvc0 answered"
    else fail "shell: no answer on hvc0"; fi
    xenstore-write /local/domain/3/control/shutdown poweroff
else
    fail "shell: guest did not reach init"
fi
wait $bootpid
exec 3>&-
expect_rc shell 0

boot reboot 4 1 'xeno.run="sleep 600"' &
bootpid=$!
if wait_for reboot 'XENO-GUEST-INIT' 200; then
    sleep 1
    xenstore-write /local/domain/4/control/shutdown reboot
fi
wait $bootpid
expect_rc reboot 101

finish
