#!/bin/sh
# Virtual block devices, toolstack side: xend opens each disk with the
# access asked and passes the fd to the (fake) VMM, which checks it with
# fcntl(F_GETFL); the vbd directories in xeno's xenstored (keys and
# permissions against blk-xenstore.out); errors at create and block-attach
# with nothing left behind; hot-plug; the VMM's counters.
# Args: XEND XM FAKE_VMM XENSTORED SRCDIR [--update]
BUILD_XEND=$1 BUILD_XM=$2 FAKE_VMM=$3 XENSTORED=$4 SRC=$5 UPDATE=${6:-}
. "$(dirname "$0")/lib.sh"
command -v xenstore-ls >/dev/null ||
    { echo "not ok - xenstore-ls missing: apt-get install xenstore-utils"; exit 1; }

export XENSTORED_RUNDIR="$T/xs" XENSTORED_PATH="$T/xs/socket"
mkdir -p "$XENSTORED_RUNDIR"
"$XENSTORED" -N -I >"$T/xenstored.out" 2>&1 &
XS_PID=$!
wait_for 5 test -S "$XENSTORED_PATH" || { cat "$T/xenstored.out"; exit 1; }
LOOP=
trap 'kill $XS_PID 2>/dev/null; [ -n "$LOOP" ] && losetup -d "$LOOP"; cleanup' EXIT

write_conf "xenstored-path = $XENSTORED_PATH" "xenstored-dir = $XENSTORED_RUNDIR"
# As root, xend would open anything: without CAP_DAC_OVERRIDE it obeys the
# modes, so unreadable and unwritable images can be tested.
DROP=
if [ "$(id -u)" = 0 ]; then
    DROP="setpriv --inh-caps=-all --bounding-set=-dac_override,-dac_read_search"
    $DROP true || { echo "not ok - setpriv can't drop capabilities"; exit 1; }
fi
BUILD_XEND_REAL=$BUILD_XEND
start_xend_dropped() {
    $DROP "$BUILD_XEND_REAL" -f "$T/xend.conf" >>"$T/xend.out" 2>&1 &
    XEND_PID=$!
    wait_for 5 xm list || { cat "$T/xend.out"; return 1; }
}
start_xend_dropped || exit 1

truncate -s 1M "$T/root.img" "$T/usr.img" "$T/data.img" "$T/ro.img" "$T/noread.img" "$T/ro2.img"
truncate -s 1000 "$T/odd.img"
: > "$T/empty.img"
chmod 444 "$T/ro.img" "$T/ro2.img"
chmod 000 "$T/noread.img"
mkdir "$T/adir"
norm() { sed -e "s|$T|TMP|g" -e "s|$FAKE_VMM|FAKE_VMM|g"; }
vlog() { cat "$T/log/domain-$1.log" 2>/dev/null; }
ls_p() { xenstore-ls -p "$1" 2>&1 | sed 's/ [ .]*\(([^)]*)\)$/  \1/' | norm; }

# ---- create: the fds and their access modes ------------------------------
xm create "$(mkcfg b1 "disk = [ 'file:$T/root.img,xvda,w', 'file:$T/usr.img,xvdb,r', 'file:$T/ro.img,hdc:cdrom,r' ]")" >/dev/null
id=$(dom_field b1 domid)
check_match "xeno-vmm gets --disk fd=3 for xvda, read-write" \
    -- "--disk fd=3,devid=51712,mode=w,type=file,name=xvda( |$)" "$(vlog b1)"
check_match "fd=4 for xvdb, read-only" -- "--disk fd=4,devid=51728,mode=r,type=file,name=xvdb( |$)" "$(vlog b1)"
check_match "hdc: devid 5632" -- "--disk fd=5,devid=5632,mode=r,type=file,name=hdc" "$(vlog b1)"
check_match "the VMM finds xvda open O_RDWR" "disk xvda devid=51712 fd=3 mode=w type=file access=rw" "$(vlog b1)"
check_match "and xvdb open O_RDONLY" "disk xvdb devid=51728 fd=4 mode=r type=file access=ro" "$(vlog b1)"
check_eq "the VMM inherits no other fd (xend's sockets, other disks)" "" "$(vlog b1 | grep 'stray fd')"

# ---- the xenstore layout (golden) ----------------------------------------
{
    echo "# xeno-vmm's command line"
    vlog b1 | sed -n 's/^fake-vmm: argv: //p' | norm | tr ' ' '\n' | sed -n '/^--disk$/{N;s/\n/ /;p}'
    echo "# frontend /local/domain/ID/device/vbd"
    ls_p "/local/domain/$id/device"
    echo "# backend /local/domain/0/backend/vbd/ID"
    ls_p "/local/domain/0/backend/vbd/$id"
} | sed "s|/$id/|/ID/|g; s|/$id\"|/ID\"|g; s|(n$id|(nID|g; s|r$id)|rID)|g; s|-id = \"$id\"|-id = \"ID\"|" >"$T/layout"
if [ "$UPDATE" = --update ]; then
    cp "$T/layout" "$SRC/tests/toolstack/blk-xenstore.out"
fi
if diff -u "$SRC/tests/toolstack/blk-xenstore.out" "$T/layout"; then
    ok "vbd keys and permissions match blk-xenstore.out"
else
    not_ok "vbd xenstore layout differs from blk-xenstore.out"
fi

# ---- counters -------------------------------------------------------------
ctl_send b1 '{"cmd":"test-disk-io","devid":51712}' >/dev/null
ctl_send b1 '{"cmd":"test-disk-io","devid":51728}' >/dev/null
long=$(xm list -l b1)
field() { printf '%s' "$long" | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
check_eq "xm list -l: xvda read 4096 bytes in 1 request" "1 4096" "$(field "d['vbd'][0]['rd_req'], d['vbd'][0]['rd_bytes']")"
check_eq "xm list -l: xvda written back" "1 4096" "$(field "d['vbd'][0]['wr_req'], d['vbd'][0]['wr_bytes']")"
check_eq "xm list -l: the read-only disk was never written" "1 0" "$(field "d['vbd'][1]['rd_req'], d['vbd'][1]['wr_req']")"
check_eq "totals" "2 1 8192 4096" "$(field "d['vbd_rd_req'], d['vbd_wr_req'], d['vbd_rd_bytes'], d['vbd_wr_bytes']")"
check_eq "access as the VMM saw it" "rw ro ro" "$(field "' '.join(v['access'] for v in d['vbd'])")"
check_match "HTTP API: the same counters" '"vbd_rd_req": *2' "$(curl -s "$URL/xend/domain/b1")"
check_match "xm top -b -n 1: VBD columns" '^b1 .* 3 +2 +1 +8 +4$' "$(xm top -b -n 1)"

# ---- create errors: clear, and nothing half-created -----------------------
before=$(xenstore-ls /local/domain 2>&1 | wc -l)
bad_create() {  # bad_create DESC SPEC PATTERN
    out=$(xm create "$(mkcfg bad "disk = [ '$2' ]")" 2>&1); st=$?
    check_eq "$1: exit 1" 1 "$st"
    check_match "$1: the message" "$3" "$(printf '%s' "$out" | norm)"
}
bad_create "missing image" "file:$T/nope.img,xvda,w" "Error: TMP/configs/bad.cfg: domain bad: disk 'file:TMP/nope.img,xvda,w': TMP/nope.img does not exist"
bad_create "a directory" "file:$T/adir,xvda,r" "TMP/adir is a directory"
bad_create "unwritable, asked w" "file:$T/ro2.img,xvda,w" "TMP/ro2.img can't be opened read-write: Permission denied"
bad_create "unreadable" "file:$T/noread.img,xvda,r" "TMP/noread.img can't be read: Permission denied"
bad_create "phy: on a file" "phy:$T/usr.img,xvda,r" "TMP/usr.img is not a block device"
bad_create "phy: on a character device" "phy:null,xvda,r" "'phy:/dev/null,xvda,r': /dev/null is not a block device"
bad_create "an empty image" "file:$T/empty.img,xvda,w" "TMP/empty.img is empty"
bad_create "not whole sectors" "file:$T/odd.img,xvda,w" "TMP/odd.img is not a whole number of 512-byte sectors"
bad_create "read-write sharing" "file:$T/usr.img,xvda,w" "disk TMP/usr.img is used by domain $id \\(b1\\) as xvdb read-only"
bad_create "read-write sharing (xvda)" "file:$T/root.img,xvda,r" "disk TMP/root.img is used by domain $id \\(b1\\) as xvda read-write"
check_eq "after the failed creates: no xenstore leftovers" "$before" "$(xenstore-ls /local/domain 2>&1 | wc -l)"
check_eq "no VMM was started" "" "$(vlog bad)"
check_eq "no state file" "1" "$(ls "$T/state" | grep -c '^[0-9]*\.json$')"
check_eq "only b1 listed" "b1" "$(xm list | awk 'NR > 2 { print $1 }')"
check "read-only sharing is fine" xm create "$(mkcfg b2 "disk = [ 'file:$T/usr.img,xvda,r' ]")"
id2=$(dom_field b2 domid)
check_eq "b2's VMM has only its own disk" "" "$(vlog b2 | grep 'stray fd')"

# ---- hot-plug ---------------------------------------------------------------
check "block-attach data.img as xvdc w" xm block-attach b2 "file:$T/data.img" xvdc w
check_match "the VMM got it by SCM_RIGHTS, read-write" "disk xvdc devid=51744 fd=[0-9]+ mode=w type=file access=rw" "$(vlog b2)"
check_eq "frontend dir written" "51744" "$(xenstore-read /local/domain/$id2/device/vbd/51744/virtual-device 2>&1)"
check_eq "backend dir written" "$T/data.img" "$(xenstore-read /local/domain/0/backend/vbd/$id2/51744/params 2>&1)"
check_match "frontend perms n<guest> r0" "^51744 = \"\" +\\(n$id2,r0\\)" "$(ls_p /local/domain/$id2/device/vbd | norm)"
check_match "block-list shows it" "^51744 +0 +51744 +1 +-1 +-1 +/local/domain/0/backend/vbd/$id2/51744" "$(xm block-list b2)"
out=$(xm block-attach b1 "file:$T/data.img" xvdd r 2>&1)
check_match "block-attach: rw sharing refused against every domain" "disk $T/data.img is used by domain $id2 \\(b2\\) as xvdc read-write" "$out"
out=$(xm block-attach b2 "file:$T/root.img" xvdd r 2>&1)
check_match "block-attach: a disk another domain writes is refused" "used by domain $id \\(b1\\) as xvda read-write" "$out"
check "block-attach: read-only sharing allowed" xm block-attach b1 "file:$T/usr.img" xvde r
out=$(xm block-attach b2 "file:$T/nope.img" xvdd w 2>&1)
check_match "block-attach: missing image" "nope.img does not exist" "$out"
check_fails "block-attach: bad vdev" xm block-attach b2 "file:$T/usr.img" xvda0 r
check_fails "block-attach: bad mode" xm block-attach b2 "file:$T/usr.img" xvdd rw!
check_eq "failed attaches leave no directories" "51712 51744" "$(xenstore-list /local/domain/0/backend/vbd/$id2 | sort -n | tr '\n' ' ' | sed 's/ $//')"
check "block-detach xvdc" xm block-detach b2 xvdc
check_match "the VMM closed it" "disk xvdc detached" "$(vlog b2)"
check_fails "its frontend dir is gone" xenstore-read /local/domain/$id2/device/vbd/51744
check_fails "its backend dir is gone" xenstore-read /local/domain/0/backend/vbd/$id2/51744
check_eq "the VMM stays up" running "$(dom_field b2 state)"
check "now data.img can be attached elsewhere read-write" xm vbd-create b1 "file:$T/data.img" xvdf w
check_match "vbd-list" "^51792 " "$(xm vbd-list b1)"
xm destroy b2
check_eq "a destroyed domain's backend dirs are gone" "" "$(xenstore-ls /local/domain/0/backend/vbd/$id2 2>/dev/null)"

# ---- a frontend that does not let go ---------------------------------------
stop_xend
export FAKE_VMM_DETACH_STUCK=1
start_xend_dropped || exit 1
truncate -s 4096 "$T/b3.img"
xm create "$(mkcfg b3 "disk = [ 'file:$T/b3.img,xvda,w', 'file:$T/usr.img,xvdb,r' ]")" >/dev/null
id3=$(dom_field b3 domid)
out=$(xm block-detach b3 xvdb 2>&1); st=$?
check_eq "forced detach succeeds" 0 "$st"
check_match "with a warning" "Warning: xvdb: frontend did not close in 10 s \\(forced closed\\)" "$out"
check_fails "and the dirs are removed" xenstore-read /local/domain/0/backend/vbd/$id3/51728
# a reboot: the new VMM finds fresh directories, not the old backend's Closed
xenstore-write /local/domain/0/backend/vbd/$id3/51712/state 6
xm reboot b3
restarted() { [ "$(dom_field b3 restarts)/$(dom_field b3 state)" = 1/running ]; }
check "b3 restarted" wait_for 5 restarted
check_eq "after the restart: backend state 1 again" 1 "$(xenstore-read /local/domain/0/backend/vbd/$id3/51712/state)"
check_eq "and the detached disk stays detached" "51712" "$(xenstore-list /local/domain/0/backend/vbd/$id3 | tr '\n' ' ' | sed 's/ $//')"
check_match "the new VMM got the disk again" "argv: .*--disk fd=3,devid=51712,mode=w,type=file,name=xvda\$" "$(vlog b3 | tail -n 4)"

# ---- a slow guest: xend keeps serving while the VMM waits for it ----------
stop_xend
unset FAKE_VMM_DETACH_STUCK
export FAKE_VMM_DETACH_DELAY_MS=3000
start_xend_dropped || exit 1
xm create "$(mkcfg b4 "disk = [ 'file:$T/root.img,xvda,w', 'file:$T/usr.img,xvdb,r' ]")" >/dev/null
id4=$(dom_field b4 domid)
xm block-detach b4 xvdb >"$T/detach.out" 2>&1 &
DPID=$!
sleep 0.3
check "xm info answers during a slow detach" xm info
check "while the detach is still waiting" kill -0 $DPID
wait $DPID
check_eq "then it succeeds" 0 "$?"
check_fails "and the dirs are gone" xenstore-read /local/domain/0/backend/vbd/$id4/51728
check_eq "b4 has one disk left" 1 "$(dom_field b4 nr_vbds)"
unset FAKE_VMM_DETACH_DELAY_MS

# ---- phy: on a real block device (a loop device) ---------------------------
if LOOP=$(losetup -f --show "$T/data.img" 2>/dev/null) && [ -b "$LOOP" ]; then
    check "phy: a loop device, read-only" xm block-attach b4 "phy:$LOOP" xvdb r
    check_match "type=phy" "disk xvdb devid=51728 fd=[0-9]+ mode=r type=phy access=ro" "$(vlog b4)"
    check_eq "backend type phy" phy "$(xenstore-read /local/domain/0/backend/vbd/$id4/51728/type)"
    check "block-detach it" xm block-detach b4 xvdb
    # a device someone holds exclusively (as a mounted filesystem does)
    python3 -c 'import os,sys,time; os.open(sys.argv[1], os.O_RDONLY | os.O_EXCL); print("held", flush=True); time.sleep(30)' "$LOOP" >"$T/held" &
    HOLD=$!
    wait_for 5 grep -q held "$T/held"
    out=$(xm block-attach b4 "phy:$LOOP" xvdb w 2>&1)
    check_match "phy: w on a device in use is refused" "$LOOP is in use \\(mounted, or held exclusively by another program\\)" "$out"
    check "phy: r on it is allowed" xm block-attach b4 "phy:$LOOP" xvdb r
    kill $HOLD; wait $HOLD 2>/dev/null
else
    LOOP=
    echo "ok # SKIP phy: on a block device (losetup failed)"
fi
xm destroy b4
check_eq "nothing left in the backend tree" "" "$(xenstore-ls /local/domain/0/backend/vbd 2>/dev/null | grep -v '^ *$')"
stop_xend
done_tests
