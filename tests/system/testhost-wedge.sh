#!/bin/bash
# System test of scripts/testhost/run.sh's heartbeat: a test host that goes
# silent (here: its heartbeat stopped with SIGSTOP, as a wedged kernel
# would stop it) ends with exit 124 and "heartbeat stopped" within seconds
# of the limit, not at the timeout; a quiet but healthy scenario (sleeping
# past the limit) still passes.
#
#   tests/system/testhost-wedge.sh
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/scripts/testhost/lib.sh"
[ "${XENO_SKIP_SYSTEM:-0}" = 1 ] && { echo "SKIP: XENO_SKIP_SYSTEM=1"; exit 77; }
missing=$(xeno_testhost_missing)
[ -z "$missing" ] || { echo "SKIP: missing: $missing (scripts/deps.sh installs them)"; exit 77; }
work=$(mktemp -d "${TMPDIR:-/tmp}/xeno-wedge.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# Quiet for twice the limit, heartbeat alive: the scenario's own status
# (7; 8 if no process writes the heartbeat port).
cat >"$work/quiet.sh" <<'EOS'
for p in /proc/[0-9]*; do
    case $(readlink "$p/fd/1" 2>/dev/null) in */vport*) hb=1 ;; esac
done
sleep 24; exit $(( ${hb:-0} ? 7 : 8 ))
EOS
# A test host that never ran the scenario (run.sh's 125 with no scenario
# output: QEMU crashed, the boot hung) is infrastructure, not a verdict on
# the heartbeat: one more attempt, said out loud.  Verdicts never retry.
run_scenario() {  # NAME SCRIPT OUT RAN-PATTERN
    local attempt
    for attempt in 1 2; do
        t0=$(date +%s)
        XENO_TESTHOST_HEARTBEAT_LIMIT=10 XENO_TESTHOST_LABEL=selftest-$1 XENO_TESTHOST_ATTEMPT=$attempt \
            "$root/scripts/testhost/run.sh" --timeout 300 "$2" >"$3" 2>&1
        rc=$? t=$(( $(date +%s) - t0 ))
        [ $rc = 125 ] && ! grep -q "$4" "$3" && [ $attempt = 1 ] || return 0
        echo "RETRY: the test host did not run the $1 scenario (exit 125): $(grep -m1 -o 'BOOT [A-Z]*:.*\|KERNEL DIED:.*' "$3")"
    done
}

run_scenario quiet "$work/quiet.sh" "$work/quiet.out" '^run.sh: exit'
[ $rc = 7 ] && echo "PASS a quiet scenario with a live heartbeat runs to its end (exit 7)" ||
    { fail "quiet scenario: exit $rc (wanted 7)"; tail -20 "$work/quiet.out"; }

# The heartbeat stops (every process writing to the heartbeat port stopped).
cat >"$work/wedge.sh" <<'EOS'
for p in /proc/[0-9]*; do
    case $(readlink "$p/fd/1" 2>/dev/null) in */vport*) kill -STOP "${p#/proc/}" && echo "stopped ${p#/proc/}" ;; esac
done
sleep 280
EOS
run_scenario wedge "$work/wedge.sh" "$work/wedge.out" '^stopped [0-9]'
grep -q '^stopped [0-9]' "$work/wedge.out" || fail "the scenario found no heartbeat process"
if [ $rc = 124 ] && grep -q "HUNG: the test host's heartbeat stopped" "$work/wedge.out" && [ $t -lt 200 ]; then
    echo "PASS a silent test host ends with 124 after ${t}s: $(grep -o 'heartbeat stopped.*' "$work/wedge.out" | head -1)"
else
    fail "silent test host: exit $rc after ${t}s (wanted 124, 'heartbeat stopped', well before the 300 s timeout)"
    tail -20 "$work/wedge.out"
fi
grep -q "kernel log ends" "$work/wedge.out" && echo "PASS the test host's kernel log is printed" ||
    fail "no kernel log printed"
[ $fails = 0 ] && echo "testhost-wedge: ok" || echo "testhost-wedge: $fails failure(s)"
[ $fails = 0 ]
