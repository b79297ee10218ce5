#!/bin/sh
# Inside the guest: report what the Xen side of the kernel did.
echo "hypervisor-type: $(cat /sys/hypervisor/type)"
echo "nproc: $(nproc)"
dmesg | grep -i -E 'xen|grant|evtchn|callback|hypervisor|xenbus|hvc'
echo "xs-name: $(xs read name)"
echo "xs-domid: $(xs read domid)"
xs ls /local/domain/$(xs read domid) | sed 's/^/xs-tree: /'
echo "wallclock-year: $(date +%Y)"
echo "clocksource: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
