#!/bin/bash
# Acceptance: Debian's xenstore-utils and Xen's test-xenstore against a
# freshly started xeno xenstored.
. "$(dirname "$0")/lib.sh"
TEST_XENSTORE=${TEST_XENSTORE:-/usr/lib/xen-4.17/bin/test-xenstore}
xsd_start || exit 1

expect_rc "write" 0 xenstore-write /vm/1/name alpha /vm/1/mem 512
expect_eq "read" "alpha" "$(xenstore-read /vm/1/name)"
expect_eq "read -p" "/vm/1/mem: 512" "$(xenstore-read -p /vm/1/mem)"
expect_eq "list" "$(printf 'name\nmem')" "$(xenstore-list /vm/1)"
expect_rc "exists yes" 0 xenstore-exists /vm/1/name
expect_rc "exists no" 1 xenstore-exists /vm/1/nothing
expect_rc "read missing" 1 xenstore-read /vm/1/nothing
expect_rc "chmod" 0 xenstore-chmod /vm/1/name r5 w6
expect_eq "ls -p" '/vm/1/name = "alpha"  (r5,w6)' \
    "$(xenstore-ls -f -p /vm/1 | grep name | tr -s ' .' | sed 's/ (/  (/')"
expect_eq "ls" "$(printf 'name = "alpha"\nmem = "512"')" "$(xenstore-ls /vm/1)"
expect_rc "rm" 0 xenstore-rm /vm/1/mem
expect_rc "rm gone" 1 xenstore-exists /vm/1/mem
expect_rc "rm -t" 0 xenstore-rm -t /vm/1/name
expect_rc "rm -t parent gone" 1 xenstore-exists /vm
expect_rc "relative write" 0 xenstore-write rel/key v
expect_eq "relative is under dom0" "v" "$(xenstore-read /local/domain/0/rel/key)"
expect_rc "bad path" 1 xenstore-write '/bad//path' x
expect_rc "bad char" 1 xenstore-write '/bad path' x

# a directory larger than one payload: libxenstore falls back to
# DIRECTORY_PART
for i in $(seq 1 150); do echo "/bigdir/child-with-a-rather-long-name-$i x"; done |
    xargs -n 2 xenstore-write
expect_eq "big directory" 150 "$(xenstore-list /bigdir | wc -l)"

# xenstore-watch: fires once at once, then on each change below the path
xenstore-write /w/x 0
timeout 5 xenstore-watch -n 3 /w >"$TMP/watch.out" 2>&1 &
WPID=$!
sleep 0.3
xenstore-write /w/x 1
xenstore-rm /w/x
wait $WPID
expect_eq "watch events" "$(printf '/w\n/w/x\n/w/x')" "$(cat "$TMP/watch.out")"

# Xen's own xenstore test program
if [ -x "$TEST_XENSTORE" ]; then
    if "$TEST_XENSTORE" >"$TMP/tx.out" 2>&1; then ok; else
        bad "test-xenstore"; cat "$TMP/tx.out"; fi
    if "$TEST_XENSTORE" -i 20 >"$TMP/tx.out" 2>&1; then ok; else
        bad "test-xenstore -i 20"; cat "$TMP/tx.out"; fi
    expect_rc "test-xenstore left nothing" 1 xenstore-exists /local/domain/0/xenstore-test
else
    echo "SKIP test-xenstore (not installed)"
fi
# Xen's xenstore-control: quotas at run time
XC=${XENSTORE_CONTROL:-/usr/lib/xen-4.17/bin/xenstore-control}
if [ -x "$XC" ]; then
    expect_eq "control quota" "1000" "$("$XC" quota | awk '$1 == "nodes" {print $NF}')"
    expect_rc "control quota-set" 0 "$XC" quota-set nodes 900
    expect_eq "control quota changed" "900" "$("$XC" quota | awk '$1 == "nodes" {print $NF}')"
    expect_rc "control bad quota" 3 "$XC" quota-set nodes lots
fi

# kill -9 and restart on the same db dir: every acknowledged write is back
for i in $(seq 1 50); do echo "/persist/n$i v$i"; done | xargs -n 2 xenstore-write
xenstore-chmod /persist/n7 r3
xsd_kill9
xsd_start || exit 1
expect_eq "after kill -9" "v50" "$(xenstore-read /persist/n50)"
expect_eq "after kill -9: count" 50 "$(xenstore-list /persist | wc -l)"
expect_eq "after kill -9: perms" "r3" "$(xenstore-ls -p /persist | grep 'n7 ' | sed 's/.*(\(.*\))/\1/')"
expect_eq "after kill -9: big dir" 150 "$(xenstore-list /bigdir | wc -l)"
finish clients
