#!/bin/sh
# xm's text output against tests/toolstack/xm-golden.out: dry runs of the
# examples, errors, and a session against a private xend with the fake VMM.
# Paths, times and the host's numbers are normalised.
# Args: XEND XM FAKE_VMM SRCDIR [--update]
BUILD_XEND=$1 BUILD_XM=$2 FAKE_VMM=$3 SRC=$4 UPDATE=${5:-}
. "$(dirname "$0")/lib.sh"

OUT="$T/transcript"
run() {   # run CMD...: transcript of the command, its output and status
    echo "\$ xm $*" | sed "s|$FAKE_VMM|FAKE_VMM|g; s|$SRC|SRC|g; s|$T|TMP|g" >>"$OUT"
    xm "$@" >"$T/o" 2>&1
    st=$?
    sed -e "s|$FAKE_VMM|FAKE_VMM|g; s|$SRC|SRC|g; s|$T|TMP|g" \
        -e 's/\(Domain-0 *0 *\)[0-9]* *[0-9]* *r----- *[0-9.]*/\1DOM0/' \
        -e 's/^\([A-Za-z0-9._-]* *[0-9]* *[0-9]* *[0-9]* *[-rbpscd]\{6\}\) *[0-9.]*$/\1 TIME/' \
        -e 's/^\[[-0-9: ]*\] /[DATE] /' -e 's/pid [0-9]*/pid PID/' \
        -e 's/^\(host\|release\|machine\|nr_cpus\|xend_uptime\|host_uptime\)\( *\): .*/\1\2: X/' \
        -e 's/^Domain-0  *r----- .*/Domain-0 DOM0/' \
        -e 's/^\([A-Za-z0-9._-]*  *[-rbpscd]\{6\}  *[0-9]*\)  *[0-9.]* /\1    PCT /' \
        -e 's/ [0-9]*:[0-9][0-9]:[0-9][0-9]$/ UPTIME/' "$T/o" >>"$OUT"
    echo "[exit $st]" >>"$OUT"
}

cd "$SRC"
run create -n examples/debian-1.cfg
run create -n examples/debian-2.cfg
run create --dry-run examples/config vmid=3
run create -n examples/config vmid=12 memory=512
run create -n examples/config
run create -n tests/toolstack/configs/bad-disk-vdev.cfg
run create -n /nonexistent.cfg
run create
run frobnicate
run destroy
run mem-set 0 lots
run list

write_conf
start_xend || exit 1
mkcfg web 'vcpus = 2' >/dev/null
mkcfg db 'memory = 512' 'maxmem = 1024' >/dev/null
run create web
run create db
run create web
run list
run list db
run list nosuch
run pause db
run list db
run unpause db
run mem-set db 384
run mem-set db 2048
# ballooning limits: the floor, mem-max within maxmem and above the target
run mem-set db 16
run mem-max db 2048
run mem-max db 256
run mem-max db 768
run mem-set db 900
run list db
# the budget counts what a guest holds when it has not ballooned down yet
ctl_send db '{"cmd":"test-hold","kib":1048576}' >/dev/null
run list db
mkcfg big 'memory = 1800' >/dev/null
run create big
ctl_send db '{"cmd":"test-hold","kib":393216}' >/dev/null
run balloon 0 768
run info
run uptime web
run top -b
printf 'hello console\n' | timeout 2 "$BUILD_XM" console web >"$T/con" 2>&1
echo "\$ xm console web < 'hello console'" >>"$OUT"
tr -d '\r' <"$T/con" >>"$OUT"
mkcfg con >/dev/null
printf 'typed\n' | timeout 2 "$BUILD_XM" create con -c >"$T/con" 2>&1
echo "\$ xm create con -c < 'typed'" >>"$OUT"
tr -d '\r' <"$T/con" | sed "s|$T|TMP|g" >>"$OUT"
run destroy con
run shutdown -w web
run reboot db
restarted() { [ "$(dom_field db restarts)/$(dom_field db state)" = 1/running ]; }
wait_for 5 restarted
run destroy db
run destroy db
run list
# the README's story: one config for many domains, told apart by vmid;
# xend opens the disks, so first the missing image, then images of ours
run create examples/config vmid=3 kernel="$FAKE_VMM" ramdisk="$FAKE_VMM"
truncate -s 1M "$T/vm3-root.img" "$T/vm4-root.img" "$T/usr.img" "$T/data.img"
run create examples/config vmid=3 kernel="$FAKE_VMM" ramdisk="$FAKE_VMM" disk="file:$T/vm3-root.img,xvda,w"
run create examples/config vmid=4 kernel="$FAKE_VMM" ramdisk="$FAKE_VMM" disk="file:$T/vm4-root.img,xvda,w"
run list
# disks: hot-plug, sharing rules, the xenstore view (no xenstored here: -1)
run block-attach VM3 file:$T/usr.img xvdb r
run block-attach VM4 file:$T/usr.img xvdb r
run block-attach VM4 file:$T/vm3-root.img xvdc r
run block-attach VM4 file:$T/data.img xvdc w
run block-attach VM3 file:$T/data.img xvdd r
run block-attach VM4 file:$T/nonexistent.img xvdd w
run block-attach VM4 file:$T xvdd w
run block-attach VM4 phy:$T/usr.img xvdd r
run block-attach VM4 file:$T/usr.img floppy r
run block-attach VM4 file:$T/usr.img xvdc r
run block-attach VM4 file:$T/usr.img
run block-list VM4
run vbd-list -l VM4
run block-detach VM4 xvdc
run vbd-destroy VM4 51728
run block-detach VM4 xvdz
run block-list -l VM4
run destroy VM3
run destroy VM4
run dmesg
stop_xend
run list

if [ "$UPDATE" = --update ]; then
    cp "$OUT" "$SRC/tests/toolstack/xm-golden.out"
    echo "updated"
    exit 0
fi
if diff -u "$SRC/tests/toolstack/xm-golden.out" "$OUT"; then
    ok "xm output matches xm-golden.out"
else
    not_ok "xm output differs from xm-golden.out"
fi
done_tests
