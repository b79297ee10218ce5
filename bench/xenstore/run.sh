#!/bin/bash
# xenstored benchmark: test-xenstore -i 1000 (wall time, ops/s), READ /
# WRITE / transaction latency, RSS per 10,000 nodes.  Runs with the
# journal (fsync per commit) in $DBDIR and with --internal-db.
#   bench/xenstore/run.sh [BUILD_DIR]      (default /tmp/build-xs)
set -e
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
BUILD=${1:-/tmp/build-xs}
XSD=$BUILD/src/xenstored/xenstored
TX=${TEST_XENSTORE:-/usr/lib/xen-4.17/bin/test-xenstore}
TMP=$(mktemp -d /tmp/xs-bench.XXXXXX)
DBDIR=${DBDIR:-$TMP/db}
export XENSTORED_RUNDIR=$TMP/run XENSTORED_PATH=$TMP/run/socket
mkdir -p "$XENSTORED_RUNDIR"
PID=
trap '[ -n "$PID" ] && kill $PID 2>/dev/null; rm -rf "$TMP"' EXIT

cc -O2 -D_GNU_SOURCE -D__XEN_TOOLS__ -I"$SRC/src/include" -I"$SRC/tests/xenstore" \
    -o "$TMP/xs_lat" "$HERE/xs_lat.c"

start() {
    rm -f "$XENSTORED_PATH"
    "$XSD" -N "$@" >"$TMP/log" 2>&1 &
    PID=$!
    for _ in $(seq 100); do [ -S "$XENSTORED_PATH" ] && return; sleep 0.05; done
    echo "xenstored did not start"; exit 1
}
stop() { kill $PID; wait $PID 2>/dev/null || true; PID=; }
requests() { "$TMP/xs_lat" stats | awk '/requests/ {print $2}'; }
rss_kb() { awk '/VmRSS/ {print $2}' /proc/$PID/status; }

bench_mode() {
    echo "== $1"
    shift
    start "$@"
    r0=$(requests)
    t0=$(date +%s.%N)
    "$TX" -i 1000 >"$TMP/tx.out"
    t1=$(date +%s.%N)
    r1=$(requests)
    awk -v t0="$t0" -v t1="$t1" -v r0="$r0" -v r1="$r1" 'BEGIN {
        w = t1 - t0; printf "test-xenstore -i 1000: %.2f s wall, %d requests, %.0f ops/s\n",
        w, r1 - r0 - 1, (r1 - r0 - 1) / w }'
    "$TMP/xs_lat" lat 5000
    for k in 1 4; do
        t0=$(date +%s.%N)
        pids=()
        for _ in $(seq $k); do "$TMP/xs_lat" writes 2000 & pids+=($!); done
        wait "${pids[@]}"   # the writers only, not the daemon
        t1=$(date +%s.%N)
        awk -v t0="$t0" -v t1="$t1" -v k=$k 'BEGIN {
            printf "WRITE x %d clients: %.0f writes/s\n", k, k * 2000 / (t1 - t0) }'
    done
    m0=$(rss_kb)
    "$TMP/xs_lat" fill 10000
    m1=$(rss_kb)
    echo "RSS: $m0 kB empty -> $m1 kB with 10,000 more nodes: $((m1 - m0)) kB per 10,000 nodes"
    stop
}

echo "xenstored benchmark, $(date -u +%FT%TZ), $(nproc) CPUs, db on $(df -T "$TMP" | awk 'NR==2 {print $2}')"
bench_mode "journal (fsync per commit) in $DBDIR" -D "$DBDIR"
bench_mode "--internal-db (memory only)" --internal-db
