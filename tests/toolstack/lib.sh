# Helpers for the toolstack's shell tests: a private xend in a temp dir
# (never the real /etc, /run or /var), with the fake VMM.
# Usage: . lib.sh; needs $BUILD_XEND $BUILD_XM $FAKE_VMM from the caller.

set -u
# Domains with vifs get taps and bridges: every test runs in a network
# namespace of its own (root: unshare -n; else a user namespace too), with
# a mount namespace whose /sys shows that network, so the host's network
# is never touched.
if [ -z "${XENO_TEST_NETNS:-}" ] && command -v unshare >/dev/null; then
    if [ "$(id -u)" = 0 ]; then XENO_NS="unshare -nm"; else XENO_NS="unshare -rnm"; fi
    if $XENO_NS true 2>/dev/null; then
        export XENO_TEST_NETNS=1
        # the same shell again (sh or bash, as the script asked)
        exec $XENO_NS sh -c 'mount -t sysfs sysfs /sys 2>/dev/null
            ip link set lo up 2>/dev/null; exec "$@"' sh \
            "$(readlink /proc/$$/exe)" "$0" "$@"
    fi
fi
BUILD_XEND=$(realpath "$BUILD_XEND") BUILD_XM=$(realpath "$BUILD_XM")
FAKE_VMM=$(realpath "$FAKE_VMM")
VMM_MONITOR=${VMM_MONITOR:-$(dirname "$BUILD_XEND")/xeno-vmm-monitor}
PASS=0
FAIL=0
T=$(mktemp -d /tmp/xeno-ts.XXXXXX)
XEND_PID=
export XENO_XEND="$T/xend.sock"
export XENO_CONFIG_DIR="$T/configs"
mkdir -p "$T/configs" "$T/auto"

cleanup() {
    [ -n "$XEND_PID" ] && kill -TERM "$XEND_PID" 2>/dev/null && wait "$XEND_PID" 2>/dev/null
    # fake VMMs a killed xend left: the pids in our state files, if their
    # command line names our temp dir
    for f in "$T"/state/*.json; do
        [ -f "$f" ] || continue
        p=$(sed -n 's/.*"pid": *\([0-9][0-9]*\).*/\1/p' "$f")
        [ -n "$p" ] && [ "$p" -gt 0 ] && tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null |
            grep -q "$T/" && kill -KILL "$p"
    done
    rm -rf "$T"
}
trap cleanup EXIT

ok() { PASS=$((PASS + 1)); echo "ok - $1"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $1"; }
check() {   # check DESCRIPTION COMMAND...: the command must succeed
    d=$1; shift
    if "$@" >/dev/null 2>&1; then ok "$d"; else not_ok "$d"; fi
}
check_fails() {
    d=$1; shift
    if "$@" >/dev/null 2>&1; then not_ok "$d"; else ok "$d"; fi
}
check_eq() {  # check_eq DESCRIPTION EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1: expected [$2], got [$3]"; fi
}
check_match() {  # check_match DESCRIPTION PATTERN TEXT (grep -E)
    if printf '%s\n' "$3" | grep -Eq -- "$2"; then ok "$1"; else not_ok "$1: [$3] !~ /$2/"; fi
}
done_tests() {
    echo "# $PASS passed, $FAIL failed"
    [ "$FAIL" -eq 0 ]
}

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# write_conf [extra lines...]: the xend.conf of this test
write_conf() {
    PORT=${PORT:-$(free_port)}
    {
        echo "xend-port = $PORT"
        echo "xend-unix-path = $T/xend.sock"
        echo "logfile = $T/xend.log"
        echo "state-dir = $T/state"
        echo "run-dir = $T/run"
        echo "vmm-log-dir = $T/log"
        echo "vmm-path = $FAKE_VMM"
        echo "vmm-monitor-path = $VMM_MONITOR"
        echo "auto-dir = $T/auto"
        echo "total-memory = 4096"
        echo "dom0-memory = 1024"
        echo "dom0-min-mem = 256"
        echo "shutdown-timeout = 3"
        echo "create-timeout = 5"
        echo "restart-limit = 3"
        echo "restart-window = 60"
        echo "max-request = 65536"
        for l in "$@"; do echo "$l"; done
    } > "$T/xend.conf"
    URL="http://127.0.0.1:$PORT"
}

start_xend() {
    "$BUILD_XEND" -f "$T/xend.conf" >>"$T/xend.out" 2>&1 &
    XEND_PID=$!
    for _ in $(seq 100); do
        [ -S "$T/xend.sock" ] && "$BUILD_XM" list >/dev/null 2>&1 && return 0
        kill -0 "$XEND_PID" 2>/dev/null || break
        sleep 0.05
    done
    echo "xend did not start:"; cat "$T/xend.out"; return 1
}

stop_xend() {
    kill -TERM "$XEND_PID" && wait "$XEND_PID"
    st=$?
    XEND_PID=
    return $st
}

kill9_xend() {
    kill -KILL "$XEND_PID"; wait "$XEND_PID" 2>/dev/null
    XEND_PID=
}

xm() { "$BUILD_XM" "$@"; }

# wait_for SECONDS COMMAND...: until the command succeeds
wait_for() {
    n=$(($1 * 20)); shift
    while [ $n -gt 0 ]; do
        "$@" >/dev/null 2>&1 && return 0
        sleep 0.05; n=$((n - 1))
    done
    return 1
}

# mkcfg NAME [extra lines...]: a config in $T/configs/NAME.cfg
mkcfg() {
    name=$1; shift
    {
        echo "name = \"$name\""
        echo "kernel = \"$FAKE_VMM\""
        echo "memory = 256"
        for l in "$@"; do echo "$l"; done
    } > "$T/configs/$name.cfg"
    echo "$T/configs/$name.cfg"
}

dom_field() {  # dom_field DOM FIELD: from GET /xend/domain/DOM
    curl -s "$URL/xend/domain/$1" | python3 -c "import json,sys; print(json.load(sys.stdin).get('$2',''))"
}

ctl_send() {  # ctl_send DOM JSON: to the fake VMM's control socket
    "$FAKE_VMM" --ctl-send "$T/run/dom$(dom_field "$1" domid).ctl" "$2"
}

# alive PID: running, not a zombie (init in a container may never reap)
alive() {
    [ -r "/proc/$1/stat" ] || return 1
    st=$(sed 's/.*) //' "/proc/$1/stat" | cut -c1)
    [ "$st" != Z ] && [ "$st" != X ]
}
