#!/bin/sh
# xend starts every VMM with a fresh xenstore token (--xenstore-token) that
# it registered with xenstored for that domain: the token makes its holder
# the backend of that domain only, once (docs/xenstored.md "Identities").
# Args: XEND XM FAKE_VMM XENSTORED XS_PROBE
BUILD_XEND=$1 BUILD_XM=$2 FAKE_VMM=$3 XENSTORED=$4 XS_PROBE=$5
. "$(dirname "$0")/lib.sh"

export XENSTORED_RUNDIR="$T/xs" XENSTORED_PATH="$T/xs/socket"
mkdir -p "$XENSTORED_RUNDIR"
"$XENSTORED" -N -I >"$T/xenstored.out" 2>&1 &
XS_PID=$!
wait_for 5 test -S "$XENSTORED_PATH" || { cat "$T/xenstored.out"; exit 1; }
trap 'kill $XS_PID 2>/dev/null; cleanup' EXIT

write_conf "xenstored-path = $XENSTORED_PATH" "xenstored-dir = $XENSTORED_RUNDIR"
export FAKE_VMM_NO_SHUTDOWN=1
start_xend || exit 1
xm create "$(mkcfg ida)" >/dev/null
xm create "$(mkcfg idb)" >/dev/null
a=$(dom_field ida domid) b=$(dom_field idb domid)
# the fake VMM logs its command line first
token() { sed -n 's/.*--xenstore-token \([A-Za-z0-9_-]*\).*/\1/p' "$T/log/domain-$1.log" | tail -1; }
ta=$(token ida) tb=$(token idb)
check_match "the VMM got a 32-hex-digit token" '^[0-9a-f]{32}$' "$ta"
check "each VMM its own token" test -n "$tb" -a "$ta" != "$tb"
mon=$(dom_field ida pid)
check_match "xeno-vmm-monitor's command line no longer shows it" '--xenstore-token \*{32}' \
    "$(tr '\0' ' ' </proc/$mon/cmdline)"
check_eq "with the token: own backend dir writable, another domain's refused" \
    "identify=0 own=0 other=13" "$("$XS_PROBE" "$ta" "$a" "$b")"
check_eq "the token serves one connection" \
    "identify=13 own=0 other=0" "$("$XS_PROBE" "$ta" "$a" "$b")"
check_eq "a token is bound to its domain" \
    "identify=0 own=13 other=0" "$("$XS_PROBE" "$tb" "$a" "$b")"
xm destroy ida
xm create "$(mkcfg ida)" >/dev/null
a2=$(dom_field ida domid) ta2=$(token ida)
check "a new VMM, a new token" test -n "$ta2" -a "$ta2" != "$ta"
check_eq "the new token works" "identify=0 own=0 other=13" "$("$XS_PROBE" "$ta2" "$a2" "$b")"
xm destroy ida
xm destroy idb
stop_xend
done_tests
