#!/bin/sh
# shellcheck shell=dash
# /init-run of the demo's guest image (scripts/mkguest/demo-image.sh),
# run by /init before the console shell: mounts the shared disk (xvdb,
# read-only) on /mnt/shared, brings up eth0 by DHCP (xend's dnsmasq on the
# vif-nat network) and starts the ssh server.  Each step prints one
# "demo-guest: ..." line; every wait is bounded.  Also udhcpc's script
# (-s /init-run: called with bound, deconfig, ...).
case ${1:-} in
bound)
    # shellcheck disable=SC2154  # udhcpc sets ip, mask, interface
    ip addr add "$ip/$mask" dev "$interface"
    [ -n "${router:-}" ] && ip route add default via "${router%% *}"
    exit 0 ;;
?*) exit 0 ;;
esac
say() { echo "demo-guest: $*"; }
appears() { # PATH: within 10 s (the frontends probe after insmod)
    for _ in $(seq 100); do [ -e "$1" ] && return 0; sleep 0.1; done
    return 1
}
name=$(xs read name 2>/dev/null) && hostname "$name"
if ! appears /dev/xvdb; then
    say "no /dev/xvdb after 10 s"
elif mkdir -p /mnt/shared && mount -t ext4 -o ro /dev/xvdb /mnt/shared; then
    say "xvdb mounted read-only on /mnt/shared: $(head -1 /mnt/shared/hello.txt)"
else
    say "mounting xvdb failed"
fi
if ! appears /sys/class/net/eth0; then
    say "no eth0 after 10 s"
    exit 1
fi
ip link set lo up
ip link set eth0 up
if udhcpc -i eth0 -n -q -t 15 -T 2 -s /init-run >/dev/null 2>&1; then
    say "eth0 $(ip -o -4 addr show eth0 | awk '{ print $4 }') by DHCP"
else
    say "no DHCP answer on eth0"
fi
mkdir -p /etc/dropbear
if dropbear -R -p 22; then say "ssh server up"; else say "dropbear failed"; fi
