#!/bin/sh
# Vifs, toolstack side (docs/network.md), in a network namespace of the
# test's own (lib.sh): xend makes each tap and passes it to the (fake)
# VMM, which checks it is a tap with the right flags; bridge mode (made or
# found, MTU from the bridge), the vif xenstore directories (against
# net-xenstore.out), errors at create with nothing left behind, hot-plug,
# the VMM's counters, rate=, vif-route, and vif-nat for real: a stand-in
# guest (a veth in its own namespace with the domain's MAC) gets its
# address from xend's dnsmasq, reaches an "outside" namespace through the
# masquerade, and its port 22 is reached through port 2200+domid from the
# outside and from dom0 itself.
# Args: XEND XM FAKE_VMM XENSTORED SRCDIR [--update]
BUILD_XEND=$1 BUILD_XM=$2 FAKE_VMM=$3 XENSTORED=$4 SRC=$5 UPDATE=${6:-}
. "$(dirname "$0")/lib.sh"
if [ -z "${XENO_TEST_NETNS:-}" ]; then
    echo "not ok - needs a private network namespace: run as root (or allow unprivileged user namespaces)"
    exit 1
fi
for p in ip nft dnsmasq xenstore-ls nsenter busybox; do
    command -v $p >/dev/null || { echo "not ok - $p missing: bash scripts/deps.sh (iproute2 nftables dnsmasq-base xenstore-utils util-linux busybox-static)"; exit 1; }
done

export XENSTORED_RUNDIR="$T/xs" XENSTORED_PATH="$T/xs/socket"
mkdir -p "$XENSTORED_RUNDIR"
"$XENSTORED" -N -I >"$T/xenstored.out" 2>&1 &
XS_PID=$!
NS_PIDS=
wait_for 5 test -S "$XENSTORED_PATH" || { cat "$T/xenstored.out"; exit 1; }
trap 'kill $XS_PID $NS_PIDS 2>/dev/null; cleanup' EXIT

write_conf "xenstored-path = $XENSTORED_PATH" "xenstored-dir = $XENSTORED_RUNDIR" \
    "nat-subnet = 10.0.10.0/24" "nat-forward-base = 2200" \
    "stop-domains-on-exit = no"
start_xend || exit 1

norm() { sed -e "s|$T|TMP|g" -e "s|$FAKE_VMM|FAKE_VMM|g"; }
vlog() { cat "$T/log/domain-$1.log" 2>/dev/null; }
ls_p() { xenstore-ls -p "$1" 2>&1 | sed 's/ [ .]*\(([^)]*)\)$/  \1/' | norm; }
master() { ip -o link show "$1" 2>/dev/null | sed -n 's/.* master \([^ ]*\) .*/\1/p'; }
mtu() { cat "/sys/class/net/$1/mtu" 2>/dev/null; }
long_field() {  # long_field DOM PYEXPR(d)
    xm list -l "$1" | python3 -c "import json,sys; d=json.load(sys.stdin); print($2)"
}
# A namespace of its own for a stand-in host: NSPID.
newns() { unshare -n sleep 600 & NSPID=$!; NS_PIDS="$NS_PIDS $NSPID"; sleep 0.1; }
inns() { p=$1; shift; nsenter -t "$p" -n "$@"; }
# A TCP server that answers "hello from ADDR" (the client as it sees it).
serve() {
    inns "$1" python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1]))); s.listen(8)
while True:
    c, a = s.accept(); c.sendall(("hello from %s\n" % a[0]).encode()); c.close()
' "$2" >/dev/null 2>&1 &
    NS_PIDS="$NS_PIDS $!"
}
# ask [NSPID] HOST PORT: what the server says (a new link may take a
# moment: tried for up to 10 s).
ask() {
    pre=
    if [ $# = 3 ]; then pre="nsenter -t $1 -n"; shift; fi
    $pre python3 -c '
import socket, sys, time
for i in range(20):
    try:
        s = socket.create_connection((sys.argv[1], int(sys.argv[2])), 2)
        print(s.recv(100).decode().strip()); break
    except OSError as e:
        err = e; time.sleep(0.5)
else:
    print(err)' "$1" "$2" 2>&1
}

# ---- bridge mode: the bridge made, the tap on it --------------------------
xm create "$(mkcfg n1 "vif = [ 'mac=00:16:3e:00:00:11' ]")" >/dev/null
id=$(dom_field n1 domid)
check_eq "xenbr0 made" "yes" "$(test -d /sys/class/net/xenbr0/bridge && echo yes)"
check_eq "  with STP off" "0" "$(cat /sys/class/net/xenbr0/bridge/stp_state)"
check_eq "  and forward delay 0" "0" "$(cat /sys/class/net/xenbr0/bridge/forward_delay)"
check_eq "vif$id.0 is on xenbr0" "xenbr0" "$(master vif$id.0)"
check_match "xeno-vmm gets --nic fd=19 (VMM_NIC_FD0)" \
    -- "--nic fd=19,devid=0,mac=00:16:3e:00:00:11,mtu=1500( |$)" "$(vlog n1)"
check_match "the VMM finds a tap vif$id.0 with IFF_TAP|IFF_NO_PI|IFF_VNET_HDR" \
    "nic devid=0 fd=19 ifname=vif$id.0 mac=00:16:3e:00:00:11 mtu=1500 flags=tap,no_pi,vnet_hdr" "$(vlog n1)"
check_eq "the VMM inherits no other fd" "" "$(vlog n1 | grep 'stray fd')"
check_match "the tap is up" "UP" "$(ip -o link show vif$id.0)"

# ---- the xenstore layout (golden) ----------------------------------------
{
    echo "# frontend /local/domain/ID/device/vif"
    ls_p "/local/domain/$id/device/vif"
    echo "# backend /local/domain/0/backend/vif/ID"
    ls_p "/local/domain/0/backend/vif/$id"
} | sed "s|/$id/|/ID/|g; s|/$id\"|/ID\"|g; s|(n$id|(nID|g; s|r$id)|rID)|g; s|-id = \"$id\"|-id = \"ID\"|" >"$T/layout"
if [ "$UPDATE" = --update ]; then
    cp "$T/layout" "$SRC/tests/toolstack/net-xenstore.out"
fi
if diff -u "$SRC/tests/toolstack/net-xenstore.out" "$T/layout"; then
    ok "vif keys and permissions match net-xenstore.out"
else
    not_ok "vif xenstore layout differs from net-xenstore.out"
fi

# ---- counters --------------------------------------------------------------
ctl_send n1 '{"cmd":"test-nic-send","devid":0}' >/dev/null
ip addr add 192.168.77.1/24 dev xenbr0
ping -c 1 -W 1 192.168.77.2 >/dev/null 2>&1   # its ARP request reaches the tap
check_eq "xm list -l: the guest's frame counted as tx" "1 60" \
    "$(long_field n1 "d['vif'][0]['tx_packets'], d['vif'][0]['tx_bytes']")"
check_eq "  dom0's ARP request as rx" "True" "$(long_field n1 "d['vif'][0]['rx_packets'] >= 1")"
check_match "xm top -b: NETS 1" '^n1 .* 1 +0 +0 +0 ' "$(xm top -b -n 1)"
check_match "xm network-list" "^0 +0 +00:16:3e:00:00:11 +0 +1 +-1 +-1/-1 +/local/domain/0/backend/vif/$id/0" \
    "$(xm network-list n1 | sed 1d)"
check_match "xm network-list -l: vifname, script, bridge" "vif$id.0 +vif-bridge +xenbr0" \
    "$(xm network-list -l n1 | sed 1d)"
check_match "  and the counters (TX/RX bytes) that xm list -l has" " 60/[1-9][0-9]*\$" \
    "$(xm network-list -l n1 | sed 1d)"
# A frontend with split event channels and several queues writes them
# under queue-0/ as event-channel-tx: network-list finds them there.
fe=/local/domain/$id/device/vif/0
xenstore-write "$fe/queue-0/event-channel-tx" 17 "$fe/queue-0/tx-ring-ref" 9 \
    "$fe/queue-0/rx-ring-ref" 10 2>/dev/null
check_match "xm network-list: split channels under queue-0/" "^0 +0 +00:16:3e:00:00:11 +0 +1 +17 +9/10 " \
    "$(xm network-list n1 | sed 1d)"
xenstore-rm "$fe/queue-0" 2>/dev/null
check_eq "Xen 2.0's vif-list is network-list" "$(xm network-list n1)" "$(xm vif-list n1)"

# ---- hot-plug --------------------------------------------------------------
check "xm network-attach n1 mac=00:16:3e:00:01:12" xm network-attach n1 mac=00:16:3e:00:01:12
check_eq "  vif$id.1 on xenbr0" "xenbr0" "$(master vif$id.1)"
check_eq "  xenstore backend dir written" "00:16:3e:00:01:12" \
    "$(xenstore-read /local/domain/0/backend/vif/$id/1/mac 2>&1)"
check_eq "  network-list shows two" "2" "$(xm network-list n1 | sed 1d | wc -l)"
check_fails "a MAC the domain has is refused" xm network-attach n1 mac=00:16:3e:00:01:12
check "xm network-detach n1 1" xm network-detach n1 1
check_fails "  vif$id.1 is gone" ip link show vif$id.1
check_fails "  and its xenstore dirs" xenstore-read /local/domain/0/backend/vif/$id/1/mac
check_eq "  network-list shows one" "1" "$(xm network-list n1 | sed 1d | wc -l)"
check_match "detaching a vif that isn't there: an error" "has no vif 5" "$(xm network-detach n1 5 2>&1)"

# ---- an existing bridge: used as it is, its MTU -----------------------------
ip link add br9 type bridge && ip link set br9 mtu 9000 up
xm create "$(mkcfg n9 "vif = [ 'bridge=br9' ]")" >/dev/null
id9=$(dom_field n9 domid)
check_eq "a found bridge is used: vif$id9.0 on br9" "br9" "$(master vif$id9.0)"
check_eq "  the tap gets its MTU" "9000" "$(mtu vif$id9.0)"
check_match "  and so does the VMM" "--nic fd=19,devid=0,mac=00:16:3e:[0-7][0-9a-f]:[0-9a-f]{2}:[0-9a-f]{2},mtu=9000" "$(vlog n9)"
check_eq "  its STP is left alone" "$(cat /sys/class/net/br9/bridge/forward_delay)" "1500"
check "xm destroy n9" xm destroy n9
check_fails "  vif$id9.0 is gone with it" ip link show vif$id9.0
check_fails "  and its xenstore dirs" xenstore-ls /local/domain/0/backend/vif/$id9

# ---- errors at create: clear, nothing half made ----------------------------
links_before=$(ip -o link | wc -l)
out=$(xm create "$(mkcfg e1 "vif = [ 'mac=00:16:3e:00:00:11' ]")" 2>&1)
check_match "duplicate MAC: refused" "MAC address 00:16:3e:00:00:11 is used by domain $id \(n1\)" "$out"
ip link add taken0 type veth peer name taken1
links_before=$(ip -o link | wc -l)
out=$(xm create "$(mkcfg e2 "vif = [ '', 'vifname=taken0' ]")" 2>&1)
check_match "taken vif name: refused" "vif 1: the name taken0 is taken" "$out"
check_eq "  the first vif's tap is gone too" "$links_before" "$(ip -o link | wc -l)"
check_eq "  no domain left" "" "$(xm list | grep -w e2)"
out=$(xm create "$(mkcfg e3 "vif = [ 'bridge=taken0' ]")" 2>&1)
check_match "a bridge name that is another kind of device: refused" "taken0 is not a bridge" "$out"
out=$(xm create "$(mkcfg e4 "vif = [ 'rate=fast' ]")" 2>&1)
check_match "a bad rate: refused" "invalid rate 'fast'" "$out"
out=$(xm create "$(mkcfg e5 "vif = [ 'script=vif-route' ]")" 2>&1)
check_match "vif-route without ip=: refused" "vif-route needs the guest's address in ip=" "$out"
check_eq "nothing left of e1..e5" "$links_before" "$(ip -o link | wc -l)"

# no permission: xend without CAP_NET_ADMIN
stop_xend
BUILD_XEND_REAL=$BUILD_XEND
setpriv --inh-caps=-net_admin --bounding-set=-net_admin "$BUILD_XEND_REAL" -f "$T/xend.conf" >>"$T/xend.out" 2>&1 &
XEND_PID=$!
wait_for 5 xm list || { cat "$T/xend.out"; exit 1; }
out=$(xm create "$(mkcfg e6 "vif = [ 'bridge=brnew' ]")" 2>&1)
check_match "no CAP_NET_ADMIN: a clear error" "(can't create the tap|can't create bridge).*Operation not permitted \(xend needs CAP_NET_ADMIN: run it as root\)" "$out"
check_fails "  no bridge brnew made" ip link show brnew
stop_xend
start_xend || exit 1
check_eq "n1 survives xend's restart with its vif" "xenbr0" "$(master vif$id.0)"

# ---- rate= -------------------------------------------------------------------
xm create "$(mkcfg r1 "vif = [ 'rate=10Mb/s' ]")" >/dev/null
idr=$(dom_field r1 domid)
check_eq "rate=10Mb/s: backend rate 62500 bytes per 50000 us" "62500,50000" \
    "$(xenstore-read /local/domain/0/backend/vif/$idr/0/rate 2>&1)"
xm destroy r1

# ---- vif-route ---------------------------------------------------------------
xm create "$(mkcfg rt "vif = [ 'script=vif-route, ip=10.9.0.5' ]")" >/dev/null
idt=$(dom_field rt domid)
check_match "vif-route: a /32 route to the guest" "^10.9.0.5 dev vif$idt.0" "$(ip route)"
check_eq "  proxy ARP on the vif" "1" "$(cat /proc/sys/net/ipv4/conf/vif$idt.0/proxy_arp)"
check_eq "  not on a bridge" "" "$(master vif$idt.0)"
check_eq "  forwarding on" "1" "$(cat /proc/sys/net/ipv4/ip_forward)"
xm destroy rt
check_eq "  the route goes with the domain" "" "$(ip route | grep 10.9.0.5)"

# ---- vif-nat -------------------------------------------------------------------
xm create "$(mkcfg nat1 "vif = [ 'script=vif-nat' ]")" >/dev/null
idn=$(dom_field nat1 domid)
mac=$(long_field nat1 "d['vif'][0]['mac']")
check_eq "vif-nat: vif$idn.0 on xennat0" "xennat0" "$(master vif$idn.0)"
check_match "  xennat0 has the host's address 10.0.10.254/24" "inet 10.0.10.254/24" "$(ip -o addr show xennat0)"
check_eq "  the guest's address from its domid, in xenstore" "10.0.10.$idn" \
    "$(xenstore-read /local/domain/0/backend/vif/$idn/0/ip 2>&1)"
check_match "  dnsmasq serves it" "^$mac,10.0.10.$idn$" "$(cat "$T/run/nat-hosts")"
check "  dnsmasq runs" kill -0 "$(cat "$T/run/nat-dnsmasq.pid" 2>/dev/null)"
fwd=$((2200 + idn))
check_match "  nftables forwards $fwd to port 22" "tcp dport $fwd dnat (ip )?to 10.0.10.$idn:22" \
    "$(nft list table ip xeno_nat 2>&1)"
check_match "  xm network-list -l shows the forward" "vif-nat +xennat0 +10.0.10.$idn +$fwd:22" \
    "$(xm network-list -l nat1 | sed 1d)"

# The stand-in guest: the domain's MAC on a veth in a namespace of its own.
newns; GUEST=$NSPID
ip link add vg0 type veth peer name vg1
ip link set vg1 netns "$GUEST"
ip link set vg0 master xennat0 up
inns "$GUEST" ip link set lo up
inns "$GUEST" ip link set vg1 address "$mac" up
cat > "$T/udhcpc.sh" <<'EOF'
#!/bin/sh
[ "$1" = bound ] || exit 0
ip addr add "$ip/$mask" dev "$interface"
ip route add default via "$router"
echo "$ip via $router" > "$LEASE_OUT"
EOF
chmod +x "$T/udhcpc.sh"
LEASE_OUT="$T/lease" timeout 20 nsenter -t "$GUEST" -n busybox udhcpc -i vg1 -n -q -t 10 -T 1 -s "$T/udhcpc.sh" >"$T/udhcpc.out" 2>&1
check_eq "DHCP: the guest gets 10.0.10.$idn, router 10.0.10.254" "10.0.10.$idn via 10.0.10.254" "$(cat "$T/lease" 2>/dev/null)"
[ -s "$T/lease" ] || { tail -5 "$T/udhcpc.out"; tail -20 "$T/log/dnsmasq-nat.log"; }

# "Outside": another host on dom0's outside network.
newns; OUTSIDE=$NSPID
ip link add vo0 type veth peer name vo1
ip link set vo1 netns "$OUTSIDE"
ip addr add 192.168.100.1/24 dev vo0 && ip link set vo0 up
inns "$OUTSIDE" ip link set lo up
inns "$OUTSIDE" ip addr add 192.168.100.2/24 dev vo1
inns "$OUTSIDE" ip link set vo1 up
serve "$GUEST" 22
serve "$OUTSIDE" 80
sleep 0.5
check_eq "the guest reaches the outside, masqueraded as dom0" "hello from 192.168.100.1" \
    "$(ask "$GUEST" 192.168.100.2 80)"
check_eq "the outside reaches the guest's port 22 through $fwd" "hello from 192.168.100.2" \
    "$(ask "$OUTSIDE" 192.168.100.1 $fwd)"
check_match "dom0 reaches it through its outside address" "^hello from " "$(ask 192.168.100.1 $fwd)"
check_match "dom0 reaches it through 127.0.0.1" "^hello from " "$(ask 127.0.0.1 $fwd)"

xm create "$(mkcfg nat2 "vif = [ 'script=vif-nat, forward=2299:80' ]")" >/dev/null
idn2=$(dom_field nat2 domid)
check_match "a second NAT domain: its own address, forward= overrides" "tcp dport 2299 dnat (ip )?to 10.0.10.$idn2:80" \
    "$(nft list table ip xeno_nat 2>&1)"
check_match "  the hosts file has both" "10.0.10.$idn2" "$(cat "$T/run/nat-hosts")"
xm destroy nat2
check_fails "  its forward goes with it" sh -c "nft list table ip xeno_nat | grep -q 2299"
check_match "  the first's stays" "tcp dport $fwd" "$(nft list table ip xeno_nat 2>&1)"
dpid=$(cat "$T/run/nat-dnsmasq.pid")
xm destroy nat1
sleep 0.3
check_fails "the last NAT domain gone: dnsmasq stopped" kill -0 "$dpid"
check_fails "  the nftables table removed" nft list table ip xeno_nat
check_fails "  and xennat0, which xend made" ip link show xennat0

# ---- the domain goes, its vif with it ------------------------------------------
xm destroy n1
check_fails "xm destroy: vif$id.0 is gone" ip link show vif$id.0
check_fails "  its xenstore directories too" xenstore-ls /local/domain/0/backend/vif/$id
check "  xenbr0 stays (it may have other users)" test -d /sys/class/net/xenbr0/bridge

done_tests
