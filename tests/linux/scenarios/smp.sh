#!/bin/bash
# 2 and 4 vCPUs: the guest sees exactly that many CPUs, runs work on each,
# and its IPIs travel as event channels; then `reboot` ends the domain.
. "$(dirname "$0")/../lib.sh"
xs_start || exit 1
for n in 2 4; do
    boot smp$n $n $n 'xeno.run=/t/smp.sh'
    expect_rc smp$n 101
    expect_out smp$n "^nproc: $n[[:space:]]*\$" "guest sees $n CPUs"
    for c in $(seq 0 $((n - 1))); do
        expect_out smp$n "^cpu-ran: $c[[:space:]]*\$" "work ran on CPU $c"
    done
    expect_out smp$n '^irq: .*xen-percpu +-ipi +resched' "reschedule IPIs are Xen event channels"
    expect_out smp$n '^irq: .*xen-percpu +-ipi +callfunc' "call-function IPIs are Xen event channels"
    grep -E '^irq:|exits|backend events' "$WORK/smp$n.out"
done
finish
