#!/bin/sh
# Inside a guest of tests/linux/scenarios/net-nat.sh (started by xend):
# eth0 by DHCP (xeno.dhcp=1) or from xeno.ip= (and xeno.gw=), an ssh server (Debian's
# dropbear), then an HTTP GET (nc) to the "outside" host xeno.outside= (its answer is
# printed); runs until the domain is destroyed.
arg() { sed -n "s/.*[[:space:]]xeno\.$1=\([^[:space:]]*\).*/\1/p" /proc/cmdline | head -1; }
for _ in $(seq 600); do [ -e /sys/class/net/eth0 ] && break; sleep 0.1; done
ip link set lo up
ip link set eth0 up
if [ "$(arg dhcp)" = 1 ]; then
    cat >/tmp/udhcpc.sh <<'EOS'
#!/bin/sh
[ "$1" = bound ] || exit 0
ip addr add "$ip/$mask" dev "$interface"
ip route add default via "$router"
echo "dhcp: $ip router $router"
EOS
    chmod +x /tmp/udhcpc.sh
    udhcpc -i eth0 -n -q -t 20 -T 2 -s /tmp/udhcpc.sh || echo "dhcp: failed"
else
    ip addr add "$(arg ip)" dev eth0
    gw=$(arg gw)
    [ -z "$gw" ] || ip route add default via "$gw" || echo "route: no default via $gw"
fi
echo "eth0: $(ip -o -4 addr show eth0 | awk '{ print $4 }')"
mkdir -p /etc/dropbear
dropbear -R -E -p 22 && echo "sshd: up"
o=$(arg outside)
if [ -n "$o" ]; then
    # A plain HTTP/1.0 GET over busybox nc (its wget printed nothing and
    # fetched nothing here, where nc through the same NAT works).
    for _ in $(seq 10); do
        r=$(printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 5 "${o%:*}" "${o#*:}" 2>/tmp/nc.err | tail -1)
        [ -n "$r" ] && break
        sleep 1
    done
    echo "outside: ${r:-nothing}"
    [ -n "$r" ] || { echo "outside-error: $(tail -1 /tmp/nc.err)"; ip route | sed 's/^/route: /'
                     ping -c 2 -W 2 "${o%:*}" 2>&1 | tail -2 | sed 's/^/outside-ping: /'
                     ip -s link show eth0 | sed 's/^/eth0-stats: /'; }
fi
echo "guest-ready"
while :; do sleep 60; done
