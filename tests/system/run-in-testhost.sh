#!/bin/bash
# Meson wrapper for system tests: run SCENARIO inside the test host
# (scripts/testhost/run.sh), or skip (exit 77) when the test host cannot
# exist here or XENO_SKIP_SYSTEM=1.
#
#   tests/system/run-in-testhost.sh [--retry] [run.sh options] SCENARIO [args...]
#
# --retry: a test host that failed as infrastructure (run.sh's 124: timeout
# or soft lockup; 125: QEMU crashed, boot hung, its own kernel died) runs
# once more, and says so.  The scenario's own verdicts are never retried.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
skip() { echo "SKIP: $*"; exit 77; }
[ "${XENO_SKIP_SYSTEM:-0}" = 1 ] && skip "XENO_SKIP_SYSTEM=1"
. "$root/scripts/testhost/lib.sh"
missing=$(xeno_testhost_missing)
[ -z "$missing" ] || skip "missing: $missing (scripts/deps.sh installs them)"
retry=0
[ "${1:-}" = --retry ] && { retry=1; shift; }
for attempt in 1 2; do
    [ $retry = 1 ] && export XENO_TESTHOST_ATTEMPT=$attempt
    "$root/scripts/testhost/run.sh" "$@"
    rc=$?
    case $rc in 124|125) ;; *) break ;; esac
    [ $retry = 1 ] && [ $attempt = 1 ] || break
    echo "run-in-testhost: RETRY: the test host failed (exit $rc; run.sh's message above says how): once more"
done
# 77 and 99 mean something to meson; a scenario may skip with 77.
exit $rc
