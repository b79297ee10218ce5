#!/bin/bash
# Virtual block devices through the toolstack (xenstored, xend, xm create
# of configs with disk = [...]), in one test-host boot.  Debian's kernel
# boots with Debian's own initrd and root=/dev/xvda1 from an image built
# here (busybox, tests/linux/guest/vbd-*.sh as /t):
#   A. two domains share root and an ext4 disk read-only at once: same
#      checksums, writes refused in the guest, images unchanged; a third
#      create wanting the disk read-write is refused by xm;
#   B. one 2-vCPU domain, root read-write: a data-integrity run (two
#      queues, indirect requests, flushes), hot-detach of a mounted disk
#      (the guest sees it go and still answers on its console), attach
#      again and re-read; a file it writes on root is in the image after
#      poweroff and e2fsck finds the filesystem clean;
# and no grant or close errors anywhere, no backend dirs left in xenstore.
# testhost-timeout: 900
. "$(dirname "$0")/../lib.sh"
here=$(cd "$(dirname "$0")/.." && pwd)
kver=$(basename "$XENO_KERNEL" | sed 's/^vmlinuz-//')
VBD_INITRD=/boot/initrd.img-$kver
[ -r "$VBD_INITRD" ] || { fail "no $VBD_INITRD (Debian's initrd: apt-get install initramfs-tools, update-initramfs -c -k $kver)"; exit 1; }
for t in mke2fs debugfs e2fsck; do
    command -v $t >/dev/null || { fail "no $t (apt-get install e2fsprogs)"; exit 1; }
done
sha() { sha256sum | cut -d' ' -f1; }
# The value a guest printed after "KEY: " (first occurrence).
got() { sed -n "s/^$2: //p" "$WORK/$1.out" | head -1; }
same() { # description a b
    if [ -n "$2" ] && [ "$2" = "$3" ]; then pass "$1"; else fail "$1: '$2' vs '$3'"; fi
}

I=$WORK/img
mkdir -p "$I"
t0=$(date +%s)
echo "vbd: start $(date -u +%T), uptime $(cut -d' ' -f1 /proc/uptime)"
# The kernel and initrd from a local tmpfs: each VMM reads them before it
# answers xend, and reads over the test host's 9p share are slow.
cp "$XENO_KERNEL" "$VBD_INITRD" "$I/" || { fail "copying the kernel and initrd"; exit 1; }
XENO_KERNEL=$I/$(basename "$XENO_KERNEL") VBD_INITRD=$I/$(basename "$VBD_INITRD")
# The images come from vbd.prep, run on the host by tests/linux/run.sh.
[ -r "${XENO_PREP:-}/sums" ] || { fail "no images: run through tests/linux/run.sh (vbd.prep)"; exit 1; }
cp "$XENO_PREP"/*.img "$I/" || { fail "copying the images"; exit 1; }
. "$XENO_PREP/sums"
truncate -s 64M "$I/scratch.img"
same "debugfs reads /data.bin from the shared image" "$(debugfs -R 'cat /data.bin' "$I/shared.img" 2>/dev/null | sha)" "$data_sha"
shared_img_sha=$(sha <"$I/shared.img")
root_img_sha=$(sha <"$I/root.img")
echo "vbd: images ready after $(($(date +%s) - t0)) s"

XS_RUNDIR=/run/xeno-vbd-xs xs_start || exit 1
xend_start || exit 1
# A guest that hangs alive is caught by the test host's limit (900 s; run.sh
# then retries once): leave the evidence on the console before that.
( sleep 780
  echo "vbd: still running after 780 s: xm list and the end of each domain's log"
  "$XENO_BUILD/src/toolstack/xm" list 2>&1
  for f in "$XEND_DIR"/log/domain-*.log; do echo "== $f"; tail -25 "$f" | tr -d '\r'; done ) &
VBD_HANG_DUMP=$!

# --- A: read-only sharing ------------------------------------------------
for n in 1 2; do
    vbd_cfg "$WORK/vbd-ro$n.cfg" vbd-ro$n 1 "/dev/xvda1 ro" vbd.test=ro \
        "file:$I/root.img,xvda1,r" "file:$I/shared.img,xvdb,r"
    xm create "$WORK/vbd-ro$n.cfg" || fail "xm create vbd-ro$n"
done
for n in 1 2; do dom_wait vbd-ro$n '^VBD-RO-MOUNTED' 900; done
xm list
for n in 1 2; do
    if xm block-list vbd-ro$n | awk '$1 == 51728 { f = 1 } END { exit !f }'; then
        pass "vbd-ro$n: xm block-list shows xvdb (51728)"
    else fail "vbd-ro$n: xm block-list: $(xm block-list vbd-ro$n 2>&1)"; fi
done
vbd_cfg "$WORK/vbd-rw3.cfg" vbd-rw3 1 "/dev/xvda1 ro" vbd.test=ro \
    "file:$I/root.img,xvda1,r" "file:$I/shared.img,xvdb,w"
out=$(xm create "$WORK/vbd-rw3.cfg" 2>&1)
rc=$?
echo "$out"
if [ $rc != 0 ] && echo "$out" | grep -q -E "Error: .*shared.img is used by domain [0-9]+ \(vbd-ro[12]\) as xvdb read-only: disks are shared read-only or not at all"; then
    pass "xm create refuses the shared disk read-write, naming the domain using it"
else fail "xm create vbd-rw3 (rc $rc): $out"; fi
if xm list vbd-rw3 >/dev/null 2>&1; then fail "vbd-rw3 exists after the refusal"; else pass "nothing left of the refused create"; fi
for n in 1 2; do xm shutdown vbd-ro$n || fail "xm shutdown vbd-ro$n"; done
for n in 1 2; do dom_gone vbd-ro$n 200; done
for n in 1 2; do
    dom_out vbd-ro$n
    expect_out vbd-ro$n "^VBD-GUEST-START test=ro kernel=$kver root=/dev/xvda1 ro" \
        "Debian's kernel and initrd mounted /dev/xvda1 read-only"
    expect_out vbd-ro$n '^xvdb-ro: 1' "xvdb is read-only in the guest"
    same "vbd-ro$n: the file on the shared disk reads as on the host" "$(got vbd-ro$n shared-sha)" "$data_sha"
    same "vbd-ro$n: the whole shared disk reads as the image" "$(got vbd-ro$n shared-dev-sha)" "$shared_img_sha"
    expect_out vbd-ro$n '^ro-write-fs: refused: .*Read-only file system' "a write to the mounted disk fails (EROFS)"
    expect_out vbd-ro$n '^ro-write-dev: refused: .*(Operation not permitted|Read-only|I/O error|Permission denied)' \
        "a write to the block device fails"
    expect_out vbd-ro$n '^VBD-RO-MOUNTED /dev/xvdb ro' "xvdb mounted read-only"
done
same "the shared image is unchanged" "$(sha <"$I/shared.img")" "$shared_img_sha"
same "the read-only root image is unchanged" "$(sha <"$I/root.img")" "$root_img_sha"

# --- B: read-write root, integrity, hot-plug -----------------------------
vbd_cfg "$WORK/vbd-rw.cfg" vbd-rw 2 "/dev/xvda1 rw" "vbd.test=rw vbd.after=poweroff" \
    "file:$I/root.img,xvda1,w" "file:$I/scratch.img,xvdb,w" "file:$I/hot.img,xvdc,w"
xm create "$WORK/vbd-rw.cfg" || fail "xm create vbd-rw"
has_xvdc() { xm block-list vbd-rw | awk '$1 == 51744 { f = 1 } END { exit !f }'; }
if dom_wait vbd-rw '^VBD-READY-DETACH' 900; then
    has_xvdc && pass "xm block-list shows xvdc before the detach" || fail "no xvdc in xm block-list"
    # The backend's counters for xvdb after the integrity run (HTTP API).
    read -r wr wb fl < <(curl -s --max-time 60 http://127.0.0.1:8000/xend/domain/vbd-rw | python3 -c '
import json, sys
def walk(o):
    if isinstance(o, dict):
        if o.get("vdev") == "xvdb" and "wr_req" in o:
            print(o["wr_req"], o["wr_bytes"], o["flush_req"]); sys.exit(0)
        o = list(o.values())
    for v in o if isinstance(o, list) else []:
        walk(v)
walk(json.load(sys.stdin))')
    echo "vbd-rw xvdb: $wr writes, $wb bytes, $fl flushes (backend)"
    if [ "${fl:-0}" -gt 0 ]; then pass "the guest's flushes reached the backend ($fl)"; else fail "no flushes at the backend"; fi
    if [ "${wr:-0}" -gt 0 ] && [ $((wb / wr)) -gt 45056 ]; then
        pass "backend writes average $((wb / wr / 1024)) KiB > 44 KiB: indirect requests"
    else fail "backend writes: $wr requests, $wb bytes: no indirect requests?"; fi
    xm block-detach vbd-rw xvdc && pass "xm block-detach vbd-rw xvdc" || fail "xm block-detach"
    has_xvdc && fail "xvdc still in xm block-list after the detach" || pass "xvdc gone from xm block-list"
    d=$(xm domid vbd-rw 2>/dev/null || xm list vbd-rw | awk '$1 == "vbd-rw" { print $2 }')
    if xenstore-exists /local/domain/0/backend/vbd/$d/51744 2>/dev/null; then fail "xvdc's backend dir still in xenstore"
    else pass "xvdc's backend dir removed from xenstore"; fi
    if dom_wait vbd-rw '^VBD-WAIT-CONSOLE' 120; then
        { echo vbd-ping; sleep 3; printf '\035'; } | timeout 60 "$XENO_BUILD/src/toolstack/xm" console vbd-rw >"$WORK/rw-console.out" 2>&1
        dom_wait vbd-rw '^console-echo: vbd-ping' 60 && pass "the domain answers on its console after the detach"
    fi
    if dom_wait vbd-rw '^VBD-READY-ATTACH' 120; then
        xm block-attach vbd-rw "file:$I/hot.img" xvdc w && pass "xm block-attach vbd-rw file:hot.img xvdc w" || fail "xm block-attach"
        has_xvdc && pass "xm block-list shows xvdc again" || fail "no xvdc in xm block-list after the attach"
    fi
fi
dom_gone vbd-rw 300
dom_out vbd-rw
expect_out vbd-rw "^VBD-GUEST-START test=rw kernel=$kver root=/dev/xvda1 rw" \
    "Debian's kernel and initrd mounted /dev/xvda1 read-write"
expect_out vbd-rw '^VBD-GUEST-EXIT=0' "guest script ran to the end"
expect_out vbd-rw '^nproc: 2' "2 vCPUs"
expect_out vbd-rw '^xvdb-queues: 2' "blkfront uses 2 queues (min(vCPUs, backend max))"
kb=$(got vbd-rw xvdb-max-hw-kb)
if [ "${kb:-0}" -gt 44 ]; then pass "max_hw_sectors_kb $kb > 44: indirect requests"
else fail "max_hw_sectors_kb '$kb': no indirect requests"; fi
expect_out vbd-rw '^worker 0: 40 writes on cpu 1$' "writer 0 on CPU 0"
expect_out vbd-rw '^worker 2048: 40 writes on cpu 2$' "writer 1 on CPU 1"
expect_out vbd-rw '^integrity: ok' "random direct writes with flushes read back intact"
same "the scratch image holds what the guest wrote" "$(head -c 16M "$I/scratch.img" | sha)" "$(got vbd-rw integrity-sha)"
same "xvdc read in the guest" "$(got vbd-rw hot-sha)" "$hot_sha"
expect_out vbd-rw '^xvdc-gone' "the guest saw xvdc go away"
same "xvdc read again after the attach" "$(got vbd-rw hot-reread-sha)" "$hot_sha"
proof=$(debugfs -R 'cat /root/vbd-proof' "$I/root.img" 2>/dev/null)
same "the file written in the guest is in the root image" "$proof" "$(got vbd-rw root-proof)"
if fsck_out=$(e2fsck -fn "$I/root.img" 2>&1); then pass "e2fsck -fn: root image clean"
else fail "e2fsck -fn root.img: $(echo "$fsck_out" | tail -5)"; fi

# --- Shutdown: no close or grant errors; nothing left in xenstore ---------
for n in vbd-ro1 vbd-ro2 vbd-rw; do
    reject_out $n 'timeout closing device|backed has not unmapped grant|disabled for further use|vbd .*refus' \
        "no close timeout or grant error"
done
if grep -a -r -l -E 'backed has not unmapped grant|disabled for further use' "$XEND_DIR" 2>/dev/null; then
    fail "grant errors in xend's logs"
else pass "no grant errors in any log"; fi
left=$(xenstore-list /local/domain/0/backend/vbd 2>/dev/null)
if [ -z "$left" ]; then pass "no backend vbd dirs left in xenstore"
else fail "backend vbd dirs left: $left"; xenstore-ls /local/domain/0/backend/vbd | head; fi
grep -a -h -E 'vbd [0-9]+/[0-9]+:' "$WORK"/vbd-r*.out | head -20
xend_stop
echo "vbd: $(($(date +%s) - t0)) s, end $(date -u +%T), uptime $(cut -d' ' -f1 /proc/uptime)"
[ "$FAILS" = 0 ] || { echo "--- xend log:"; tail -25 "$XEND_DIR/xend.log"; }
kill "$VBD_HANG_DUMP" 2>/dev/null
finish
