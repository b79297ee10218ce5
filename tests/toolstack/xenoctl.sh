#!/bin/sh
# libxenoctl against a private xend, over the unix socket and over HTTP.
# Args: XEND XM FAKE_VMM TEST_XENOCTL
BUILD_XEND=$1 BUILD_XM=$2 FAKE_VMM=$3 TEST=$4
. "$(dirname "$0")/lib.sh"
write_conf
start_xend || exit 1
check "libxenoctl over the unix socket" "$TEST" "unix:$T/xend.sock" "$FAKE_VMM"
"$TEST" "unix:$T/xend.sock" "$FAKE_VMM" 2>&1 | grep -v ' 0 failed' || true
check "libxenoctl over HTTP" "$TEST" "$URL" "$FAKE_VMM"
"$TEST" "$URL" "$FAKE_VMM" 2>&1 | grep -v ' 0 failed' || true
check "pkg-config file names the library" grep -q -- '-lxenoctl' "$PCFILE"
done_tests
