#!/bin/sh
# Inside the guest: run work on every CPU and show the IPI counters.
n=$(nproc)
echo "nproc: $n"
c=0
while [ $c -lt $n ]; do
    taskset -c $c sh -c "i=0; while [ \$i -lt 2000 ]; do i=\$((i+1)); done; echo cpu-ran: $c"
    c=$((c + 1))
done
grep -E 'xen-percpu|resched|callfunc' /proc/interrupts | sed 's/^/irq: /'
sync; reboot -f
