#!/bin/bash
# guest-modules: xen-netfront
# testhost-timeout: 1500
# Guest networks as xend sets them up (docs/network.md), end to end with
# Linux's xen-netfront: domain nat1 on vif-nat gets 10.0.10.1 from xend's
# dnsmasq, reaches an "outside" host (a network namespace behind dom0's
# vo0) through the masquerade, and its ssh server (Debian's dropbear) is
# reached by `ssh -p 2201` from the outside and from dom0 itself (its
# outside address and 127.0.0.1); domain br2 on vif-bridge (xenbr0, made by
# xend) answers dom0's ping and ssh; domain rt3 on vif-route (proxy ARP,
# a /32 route, route-nic vo0) is reached by the outside on its own
# address, unmasqueraded, and reaches the outside; the taps, dnsmasq, the
# NAT rules and the route go with the domains.
. "$(dirname "$0")/../lib.sh"
build=$(cd "$(dirname "$XENO_VMM")/../.." && pwd)
# The test host can not auto-load modules: every one the rules use (dnat:
# nft_nat, masquerade: nft_masq, fib: nft_fib_ipv4, ct: nft_ct).
for m in tun bridge veth nf_tables nf_conntrack nf_nat nft_chain_nat nft_nat nft_masq nft_ct nft_fib nft_fib_ipv4; do
    modprobe $m 2>/dev/null
done
[ -s "$XENO_PREP/guest.cpio.gz" ] || { fail "net-nat: no guest image from net-nat.prep"; finish; }
xs_start || exit 1
dir=/run/xeno-net-nat       # unix sockets: tmpfs, not the 9p share
rm -rf "$dir" && mkdir -p "$dir"/{state,run,log,auto,configs}
{ xeno_xend_conf "$dir" "$build" "$XENSTORED_RUNDIR" 300 10
  echo "nat-subnet = 10.0.10.0/24"
  echo "nat-forward-base = 2200"
  echo "route-nic = vo0"
  echo "stop-domains-on-exit = yes"; } >"$dir/xend.conf"
"$build/src/toolstack/xend" -f "$dir/xend.conf" >"$WORK/xend.out" 2>&1 &
xend_pid=$!
export XENO_XEND=$dir/xend.sock XENO_CONFIG_DIR=$dir/configs
xm() { "$build/src/toolstack/xm" "$@"; }
for _ in $(seq 100); do xm list >/dev/null 2>&1 && break; sleep 0.1; done
xm list >/dev/null 2>&1 || { fail "net-nat: xend did not start: $(tail -3 "$WORK/xend.out")"; finish; }
cleanup() { for d in nat1 br2 rt3; do xm destroy $d 2>/dev/null; done; kill $xend_pid $http_pid 2>/dev/null; }
trap cleanup EXIT
bb=/bin/busybox
check() { local what=$1; shift; if "$@"; then pass "net-nat: $what"; else fail "net-nat: $what"; fi; }
logw() { # logw DOM REGEX SECONDS: until the domain's console log shows it;
          # ends early when the domain is gone or crashed (lib.sh dom_alive)
    for i in $(seq $(($3 * 2))); do
        grep -q -E "$2" "$dir/log/domain-$1.log" 2>/dev/null && return 0
        if [ $((i % 5)) = 0 ] && ! dom_alive "$1"; then
            echo "net-nat: $1 is gone or crashed; its log ends:"
            tr -d '\r' <"$dir/log/domain-$1.log" 2>/dev/null | grep -a -v CPUID | tail -30
            return 1
        fi
        sleep 0.5
    done
    return 1
}
export HOME=$WORK
ssh_run() { # [netns] HOST PORT: the command's output
    local pre=
    [ $# = 3 ] && { pre="ip netns exec $1"; shift; }
    $pre timeout 60 dbclient -y -y -i "$XENO_PREP/id_dropbear" -p "$2" "root@$1" \
        'echo ssh-ok $(cat /sys/class/net/eth0/address)' 2>"$WORK/ssh.err" | tr -d '\r'
}

# The outside: a host on dom0's outside network, with a web server.
ip netns add outside
ip link add vo0 type veth peer name vo1
ip link set vo1 netns outside
ip addr add 192.168.100.1/24 dev vo0 && ip link set vo0 up
ip netns exec outside ip link set lo up
ip netns exec outside ip addr add 192.168.100.2/24 dev vo1
ip netns exec outside ip link set vo1 up
mkdir -p "$WORK/www" && echo outside-says-hi >"$WORK/www/index.html"
ip netns exec outside python3 -m http.server 8000 --bind 192.168.100.2 --directory "$WORK/www" \
    >"$WORK/http.log" 2>&1 &
http_pid=$!

mkcfg() { # name cmdline vif
    cat >"$dir/configs/$1.cfg" <<EOC
name = "$1"
kernel = "$XENO_KERNEL"
ramdisk = "$XENO_PREP/guest.cpio.gz"
memory = 256
cmdline = "console=hvc0 loglevel=4 xeno.run=/t/net-nat.sh $2"
vif = [ '$3' ]
EOC
}
# One domain at a time through its boot (issue 13).
mkcfg nat1 "xeno.dhcp=1 xeno.outside=192.168.100.2:8000" "script=vif-nat"
out=$(xm create nat1 2>&1) || fail "net-nat: xm create nat1: $out"
mac1=$(xm network-list nat1 | awk 'NR == 2 { print $3 }')
echo "nat1: vif $mac1; $(xm network-list -l nat1 | sed 1d)"
logw nat1 '^guest-ready' 600 || fail "net-nat: nat1 did not get ready"
grep -E '^(dhcp|eth0|sshd|outside):' "$dir/log/domain-nat1.log"
echo "--- nft's log and the rules in force:"; cat "$dir/run/nat-nft.log" 2>/dev/null; nft list table ip xeno_nat 2>&1 | head -20
grep -E 'vif-nat|nft' "$dir/xend.log" 2>/dev/null | tail -5
check "nat1: DHCP from xend's dnsmasq gave 10.0.10.1, router 10.0.10.254" \
    grep -q '^dhcp: 10.0.10.1 router 10.0.10.254' "$dir/log/domain-nat1.log"
check "nat1: vif1.0 on xennat0" test "$(basename "$(readlink /sys/class/net/vif1.0/master)")" = xennat0
check "nat1 reaches the outside through the NAT" grep -q '^outside: outside-says-hi' "$dir/log/domain-nat1.log"
grep -q '^outside: outside-says-hi' "$dir/log/domain-nat1.log" || {
    grep -a -E '^(outside-|route:)' "$dir/log/domain-nat1.log"
    echo "--- the outside's web server (from its own netns):"
    ip netns exec outside timeout 10 wget -q -O - http://192.168.100.2:8000/ 2>&1 | head -2
    echo "--- its log:"; tail -5 "$WORK/http.log"
    echo "--- dom0: forwarding $(cat /proc/sys/net/ipv4/ip_forward), rp_filter all=$(cat /proc/sys/net/ipv4/conf/all/rp_filter)"
    $bb ping -c 1 -W 2 192.168.100.2 2>&1 | tail -1
    for l in vif1.0 vo0; do echo "$l: $(ip -s -o link show $l | sed 's/.*RX: *//' | cut -c1-160)"; done
    grep -E 'src=10\.0\.10\.1 ' /proc/net/nf_conntrack 2>/dev/null | head -5
    ethtool -k vif1.0 2>/dev/null | grep -E '^(tx-checksumming|rx-checksumming|tcp-segmentation-offload|generic-receive)' 
    nft list ruleset 2>&1 | grep -E 'table|policy drop|hook forward' | head
    lsmod | grep -E '^(nf_|nft_|br_netfilter)' | awk '{ print $1 }' | tr '\n' ' '; echo; }
check "the outside saw dom0's address (masquerade)" grep -q '^192.168.100.1 ' "$WORK/http.log"
r=$(ssh_run outside 192.168.100.1 2201)
check "ssh -p 2201 from the outside reaches nat1 and runs a command ($r; $(tail -1 "$WORK/ssh.err"))" \
    test "$r" = "ssh-ok $mac1"
r=$(ssh_run 192.168.100.1 2201)
check "ssh -p 2201 from dom0 (its outside address) reaches nat1 ($r)" test "$r" = "ssh-ok $mac1"
r=$(ssh_run 127.0.0.1 2201)
check "ssh -p 2201 from dom0 (127.0.0.1) reaches nat1 ($r)" test "$r" = "ssh-ok $mac1"

mkcfg br2 "xeno.ip=10.99.0.2/24" "bridge=xenbr0"
out=$(xm create br2 2>&1) || fail "net-nat: xm create br2: $out"
ip addr add 10.99.0.1/24 dev xenbr0 2>/dev/null
mac2=$(xm network-list br2 | awk 'NR == 2 { print $3 }')
logw br2 '^guest-ready' 600 || fail "net-nat: br2 did not get ready"
check "br2: vif2.0 on xenbr0 (made by xend)" test "$(basename "$(readlink /sys/class/net/vif2.0/master)")" = xenbr0
check "dom0 pings br2 on xenbr0" busybox ping -c 2 -W 3 10.99.0.2
r=$(ssh_run 10.99.0.2 22)
check "ssh to br2 on the bridge ($r)" test "$r" = "ssh-ok $mac2"
xm list -l nat1 | python3 -c 'import json, sys
v = json.load(sys.stdin)["vif"][0]
print("nat1 vif counters:", {k: v.get(k) for k in ("tx_packets", "tx_bytes", "rx_packets", "rx_bytes")})'
check "xm list -l: nat1's vif counted traffic" test "$(xm list -l nat1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["vif"][0].get("rx_packets", 0) > 0)')" = True
xm top -b -n 1 | head -4

# vif-route (Xen's vif-route): the guest keeps its own address on dom0's
# outside network; dom0 answers ARP for it there (route-nic) and routes
# to it through a /32 on the vif, which borrows vo0's address.
rt=192.168.100.30
mkcfg rt3 "xeno.ip=$rt/24 xeno.gw=192.168.100.1 xeno.outside=192.168.100.2:8000" \
    "script=vif-route,ip=$rt"
out=$(xm create rt3 2>&1) || fail "net-nat: xm create rt3: $out"
mac3=$(xm network-list rt3 | awk 'NR == 2 { print $3 }')
logw rt3 '^guest-ready' 600 || fail "net-nat: rt3 did not get ready"
grep -E '^(eth0|sshd|outside|route):' "$dir/log/domain-rt3.log"
ip route show "$rt"; ip -o -4 addr show vif3.0
check "rt3: a /32 route to $rt through vif3.0" bash -c "ip route show $rt | grep -q 'dev vif3.0'"
check "rt3: proxy ARP on vif3.0 and on the route-nic vo0" \
    test "$(cat /proc/sys/net/ipv4/conf/vif3.0/proxy_arp)$(cat /proc/sys/net/ipv4/conf/vo0/proxy_arp)" = 11
check "rt3: vif3.0 on no bridge" test ! -e /sys/class/net/vif3.0/master
check "rt3 reaches the outside, routed" grep -q '^outside: outside-says-hi' "$dir/log/domain-rt3.log"
check "the outside saw rt3's own address (routed, not masqueraded)" grep -q "^$rt " "$WORK/http.log"
r=$(ssh_run outside $rt 22)
check "ssh from the outside to $rt reaches rt3 ($r; $(tail -1 "$WORK/ssh.err"))" test "$r" = "ssh-ok $mac3"
check "dom0 pings rt3 through the route" busybox ping -c 2 -W 3 $rt

dpid=$(cat "$dir/run/nat-dnsmasq.pid" 2>/dev/null)
xm destroy nat1
xm destroy br2
xm destroy rt3
sleep 1
check "the taps are gone with the domains" bash -c '! ip link show vif1.0 2>/dev/null && ! ip link show vif2.0 2>/dev/null && ! ip link show vif3.0 2>/dev/null'
check "the route to rt3 is gone" bash -c "! ip route show $rt | grep -q ."
check "dnsmasq stopped with the last NAT domain" bash -c "! kill -0 ${dpid:-999999} 2>/dev/null"
check "the NAT rules are gone" bash -c '! nft list table ip xeno_nat >/dev/null 2>&1'
finish
