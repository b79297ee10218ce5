#!/bin/sh
# Inside the guest, for tests/linux/scenarios/vcpu.sh: what a udev rule
# does on a Xen guest (bring a CPU online once the xen cpu_hotplug driver
# made it present again), and, whenever the set of online CPUs changes, a
# line with it and work run on each of those CPUs.  With "burn" as $1: a
# busy loop per online CPU instead (the weight and cap tests).
last=
if [ "${1:-}" = burn ]; then
    n=$(nproc)
    c=0
    while [ $c -lt $n ]; do
        taskset -c $c sh -c 'while :; do :; done' &
        c=$((c + 1))
    done
    echo "vcpu-burn: $n"
    wait
fi
while :; do
    for f in /sys/devices/system/cpu/cpu[0-9]*/online; do
        [ -e "$f" ] && [ "$(cat "$f")" = 0 ] && echo 1 >"$f" 2>/dev/null
    done
    now=$(cat /sys/devices/system/cpu/online)
    if [ "$now" != "$last" ]; then
        n=$(nproc)
        echo "vcpu-online: $n ($now)"
        for d in /sys/devices/system/cpu/cpu[0-9]*; do
            c=${d##*/cpu}
            # cpu0 has no "online" file: it is always online
            [ ! -e "$d/online" ] || [ "$(cat "$d/online")" = 1 ] || continue
            taskset -c $c sh -c "i=0; while [ \$i -lt 500 ]; do i=\$((i+1)); done; echo vcpu-ran: $n $c"
        done
        echo "vcpu-done: $n"
        last=$now
    fi
    sleep 0.3
done
