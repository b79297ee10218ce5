#!/bin/bash
# Meson wrapper for system tests: run SCENARIO inside the test host
# (scripts/testhost/run.sh), or skip (exit 77) when the test host cannot
# exist here or XENO_SKIP_SYSTEM=1.
#
#   tests/system/run-in-testhost.sh [run.sh options] SCENARIO [args...]
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
skip() { echo "SKIP: $*"; exit 77; }
[ "${XENO_SKIP_SYSTEM:-0}" = 1 ] && skip "XENO_SKIP_SYSTEM=1"
. "$root/scripts/testhost/lib.sh"
missing=$(xeno_testhost_missing)
[ -z "$missing" ] || skip "missing: $missing (scripts/deps.sh installs them)"
"$root/scripts/testhost/run.sh" "$@"
rc=$?
# 77 and 99 mean something to meson; a scenario may skip with 77.
exit $rc
