#!/bin/sh
# xend's xenstore entries, written to xeno's xenstored through Debian's
# libxenstore and read back with Debian's xenstore-read/-ls.
# Args: XEND XM FAKE_VMM XENSTORED
BUILD_XEND=$1 BUILD_XM=$2 FAKE_VMM=$3 XENSTORED=$4
. "$(dirname "$0")/lib.sh"
command -v xenstore-read >/dev/null || { echo "ok # SKIP no xenstore-utils"; exit 0; }

export XENSTORED_RUNDIR="$T/xs" XENSTORED_PATH="$T/xs/socket"
mkdir -p "$XENSTORED_RUNDIR"
"$XENSTORED" -N -I >"$T/xenstored.out" 2>&1 &
XS_PID=$!
wait_for 5 test -S "$XENSTORED_PATH" || { cat "$T/xenstored.out"; exit 1; }
trap 'kill $XS_PID 2>/dev/null; cleanup' EXIT

write_conf "xenstored-path = $XENSTORED_PATH" "xenstored-dir = $XENSTORED_RUNDIR"
# the VMM has no shutdown command: shutdown goes through xenstore only
export FAKE_VMM_NO_SHUTDOWN=1
start_xend || exit 1
check_match "xend connected to xenstored" 'connected to xenstored' "$(cat "$T/xend.out")"
xm create "$(mkcfg xsdom 'vcpus = 2' 'maxmem = 512')" >/dev/null
id=$(dom_field xsdom domid)
rd() { xenstore-read "/local/domain/$id/$1" 2>&1; }
check_eq "name" xsdom "$(rd name)"
check_eq "domid" "$id" "$(rd domid)"
check_eq "vm" "/vm/$id" "$(rd vm)"
check_eq "memory/target in KiB" 262144 "$(rd memory/target)"
check_eq "memory/static-max in KiB" 524288 "$(rd memory/static-max)"
check_eq "control/shutdown empty" "" "$(rd control/shutdown)"
check_eq "cpu/1/availability" online "$(rd cpu/1/availability)"
check_eq "console/tty is the console socket" "$T/run/dom$id.console" "$(rd console/tty)"
check_match "the domain owns its entries" "\\(n$id\\)" "$(xenstore-ls -p /local/domain/$id 2>&1 | grep '^name')"
xm mem-set xsdom 300
check_eq "mem-set writes memory/target" 307200 "$(rd memory/target)"
check "shutdown through xenstore only" xm shutdown xsdom
check_eq "shutdown writes control/shutdown" poweroff "$(rd control/shutdown)"
check "reboot too" xm reboot xsdom
check_eq "reboot writes control/shutdown" reboot "$(rd control/shutdown)"
xm destroy xsdom
check_fails "entries removed with the domain" xenstore-read "/local/domain/$id/name"
xm create xsdom >/dev/null
id=$(dom_field xsdom domid)
kill9_xend
start_xend || exit 1
check_eq "entries rewritten on adoption" xsdom "$(rd name)"
xm destroy xsdom
check_fails "destroy removes the entries" xenstore-read "/local/domain/$id"
stop_xend
done_tests
