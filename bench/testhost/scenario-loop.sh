#!/bin/bash
# One Linux scenario, N times, each in a fresh test host and with no retry
# (XENO_TESTHOST_ATTEMPTS=1): how often it passes, fails, or the test host
# fails it (123 nested CPU, 124 timeout/lockup, 125 boot failure or kernel
# death).  For comparing test-host settings, e.g. its kernel's layout:
#
#   bench/testhost/scenario-loop.sh [--build DIR] [--env VAR=VALUE]... NAME N
#
# --env goes into the environment of tests/linux/run.sh (and so of
# scripts/testhost/run.sh): XENO_TESTHOST_BZIMAGE=1 boots the test host
# through its bzImage (KASLR).  Prints one line per run and the counts;
# each run's output is kept in the results dir (default a mktemp dir).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$root/build envs=() results=
while [ $# -gt 2 ]; do
    case $1 in
    --build) build=$2; shift 2 ;;
    --env) envs+=("$2"); shift 2 ;;
    --results) results=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done
[ $# = 2 ] || { echo "usage: $0 [--build DIR] [--env VAR=VALUE]... [--results DIR] NAME N" >&2; exit 2; }
name=$1 n=$2
results=${results:-$(mktemp -d /tmp/xeno-loop-"$name".XXXXXX)}
mkdir -p "$results"
declare -A count
for i in $(seq 1 "$n"); do
    t0=$(date +%s)
    env XENO_TESTHOST_ATTEMPTS=1 "${envs[@]}" \
        "$root/tests/linux/run.sh" "$build/src/vmm/xeno-vmm" "$build/src/xenstored/xenstored" \
        "$results/out-$i" "$name" >"$results/run-$i.log" 2>&1
    rc=$?
    case $rc in
    0) what=pass ;; 123) what=nested-cpu ;; 124) what=timeout ;; 125) what=testhost-died ;;
    *) what="fail($rc)" ;;
    esac
    count[$what]=$(( ${count[$what]:-0} + 1 ))
    echo "$name run $i: $what ($(( $(date +%s) - t0 )) s) ${envs[*]}" | tee -a "$results/results.txt"
done
{
    printf '%s x%s %s:' "$name" "$n" "${envs[*]:-default}"
    for k in "${!count[@]}"; do printf ' %s %s' "$k" "${count[$k]}"; done
    echo
} | tee "$results/summary.txt"
