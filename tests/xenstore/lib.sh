# Shared helpers for the xenstored shell tests: start a private daemon in a
# temp rundir, stop it, and count checks.
XSD=${XSD:?path to xenstored}
TMP=$(mktemp -d /tmp/xs-test.XXXXXX)
export XENSTORED_RUNDIR=$TMP/run
export XENSTORED_PATH=$TMP/run/socket
mkdir -p "$XENSTORED_RUNDIR"
PASS=0
FAIL=0
XSD_PID=

xsd_start() {
    "$XSD" -N -D "$TMP/db" "$@" >>"$TMP/xenstored.log" 2>&1 &
    XSD_PID=$!
    for _ in $(seq 100); do
        [ -S "$XENSTORED_PATH" ] && [ -S "$XENSTORED_RUNDIR/rings" ] && return 0
        sleep 0.05
    done
    echo "xenstored did not start"; cat "$TMP/xenstored.log"; return 1
}

xsd_stop() {
    [ -n "$XSD_PID" ] && kill "$XSD_PID" 2>/dev/null && wait "$XSD_PID" 2>/dev/null
    XSD_PID=
    rm -f "$XENSTORED_PATH"
}

xsd_kill9() {
    kill -9 "$XSD_PID" 2>/dev/null; wait "$XSD_PID" 2>/dev/null
    XSD_PID=
    rm -f "$XENSTORED_PATH"
}

# Stop the daemon; a sanitizer report in its log fails the test.
cleanup() {
    local rc=$?
    xsd_stop
    if grep -qE 'Sanitizer|runtime error' "$TMP/xenstored.log" 2>/dev/null; then
        cat "$TMP/xenstored.log"
        rc=1
    fi
    rm -rf "$TMP"
    exit $rc
}
trap cleanup EXIT

ok() { PASS=$((PASS + 1)); }
bad() { FAIL=$((FAIL + 1)); echo "FAIL: $*"; }

# expect_eq DESCRIPTION EXPECTED ACTUAL
expect_eq() {
    if [ "$2" = "$3" ]; then ok; else bad "$1: expected '$2', got '$3'"; fi
}

# expect_rc DESCRIPTION RC command...
expect_rc() {
    local d=$1 want=$2; shift 2
    "$@" >/dev/null 2>&1
    local rc=$?
    if [ "$rc" = "$want" ]; then ok; else bad "$d: rc $rc, want $want"; fi
}

finish() {
    echo "$1: $PASS checks, $FAIL failed"
    [ "$FAIL" = 0 ]
}
