#!/bin/sh
# Inside a guest with xen-netfront on xeno-vmm's network backend (the
# scenario tests/linux/scenarios/net.sh).  Kernel command line:
#   xeno.ip= xeno.ip6= xeno.peer= xeno.peer6= xeno.role=a|b
# Prints what the host checks; waits for the host's steps in xenstore
# (data/step, written by dom0).
arg() { sed -n "s/.*[[:space:]]xeno\.$1=\([^[:space:]]*\).*/\1/p" /proc/cmdline | head -1; }
ip=$(arg ip) ip6=$(arg ip6) peer=$(arg peer) peer6=$(arg peer6) role=$(arg role)
dev=/sys/bus/xen/devices/vif-0
step() { # wait (up to 10 min) until dom0 writes data/step = $1
    for _ in $(seq 1200); do [ "$(xs read data/step 2>/dev/null)" = "$1" ] && return 0; sleep 0.5; done
    echo "step $1: not reached"; return 1
}
has_eth0() { for _ in $(seq 600); do [ -e /sys/class/net/eth0 ] && return 0; sleep 0.1; done; return 1; }
ping_ok() { # [ping6] addr: within 60 s
    p=ping; [ "$1" = 6 ] && { p=ping6; shift; }
    for _ in $(seq 60); do $p -c 1 -W 1 "$1" >/dev/null 2>&1 && return 0; sleep 0.5; done; return 1
}
bring_up() {
    ip link set lo up
    ip link set eth0 mtu 9000 && echo "eth0-mtu: $(cat /sys/class/net/eth0/mtu)"
    ip link set eth0 up
    ip addr add "$ip/24" dev eth0
    echo 0 >/proc/sys/net/ipv6/conf/eth0/accept_dad
    ip -6 addr add "$ip6/64" dev eth0
}
stats() { # events seen on netfront's channels, and the xenbus counters
    # (6.1 keeps those only for backend-side channels: reported, not used)
    echo "$1-irqs: $(awk '/vif0-q|eth0/ { for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i }
                      END { print s + 0 }' /proc/interrupts)"
    for f in events spurious_events jiffies_eoi_delayed; do
        echo "$1-$f: $(cat $dev/xenbus/$f 2>/dev/null || echo none)"
    done
}

has_eth0 || { echo "eth0: missing"; dmesg | grep -i -E 'xen|net'; exit 1; }
echo "eth0-mac: $(cat /sys/class/net/eth0/address)"
echo "eth0-queues: $(ls -d /sys/class/net/eth0/queues/tx-* | wc -l)"
bring_up
echo "net-up"
ping_ok 10.99.0.1 && echo "ping-dom0: ok"
ping_ok 6 fd99::1 && echo "ping6-dom0: ok"
ping_ok "$peer" && echo "ping-peer: ok"
ping_ok 6 "$peer6" && echo "ping6-peer: ok"
# 9000-byte frames: one ICMP echo of 8972 bytes, no fragments.
ping -c 2 -W 2 -s 8972 10.99.0.1 >/dev/null 2>&1 && echo "ping-jumbo: ok"
# UDP both ways: a DNS query to dom0's responder, its NXDOMAIN answer back.
nslookup "udp-$role.xeno.test" 10.99.0.1 2>&1 | grep -q -i "NXDOMAIN\|can't find" && echo "udp-answer: ok"
mkdir -p /tmp/www
dd if=/dev/urandom of=/tmp/www/blob bs=1M count=8 2>/dev/null
echo "blob-sha: $(sha256sum </tmp/www/blob | cut -d' ' -f1)"
httpd -p 8080 -h /tmp/www
echo "net-ready"
stats before
# TCP dom0 -> guest, and from the peer guest.
for _ in 1 2 3; do wget -q -O /tmp/dom0 http://10.99.0.1:8000/blob && break; sleep 2; done
echo "dom0-blob-sha: $(sha256sum </tmp/dom0 | cut -d' ' -f1)"
for _ in $(seq 30); do wget -q -O /tmp/peer "http://$peer:8080/blob" && break; sleep 2; done
echo "peer-blob-sha: $(sha256sum </tmp/peer | cut -d' ' -f1)"
rm -f /tmp/dom0 /tmp/peer
stats after
grep -E 'vif0-q|eth0' /proc/interrupts
echo "transfers-done"
if [ "$role" = b ]; then
    # Unbind and bind netfront (its remove and probe, as rmmod/modprobe
    # do): the frontend's 4 -> 5 -> 6, then a fresh probe (1 -> 4); the
    # backend must follow (Closing, Closed, InitWait, Connected).
    drv=/sys/bus/xen/drivers/vif
    ip link set eth0 down
    if echo vif-0 >$drv/unbind; then
        [ -e /sys/class/net/eth0 ] || echo "unbind-eth0-gone: yes"
        echo vif-0 >$drv/bind || echo "bind: failed ($(ls $drv 2>&1 | tr '\n' ' '))"
        if has_eth0; then
            bring_up
            ping_ok 10.99.0.1 && echo "reprobe-ping: ok"
        fi
    else
        echo "unbind: failed ($(ls $drv 2>&1 | tr '\n' ' '))"
    fi
fi
if [ "$role" = a ]; then
    # dom0 detaches the vif (nic-detach), removes its dirs, attaches again.
    for _ in $(seq 600); do [ -e /sys/class/net/eth0 ] || break; sleep 0.2; done
    [ -e /sys/class/net/eth0 ] || echo "eth0-gone: yes"
    if has_eth0; then
        echo "eth0-back: $(cat /sys/class/net/eth0/address)"
        bring_up
        ping_ok 10.99.0.1 && echo "reattach-ping: ok"
    fi
fi
step end
echo "net-end"
