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
command -v "${XENO_QEMU:-qemu-system-x86_64}" >/dev/null || skip "no qemu-system-x86_64 (apt-get install qemu-system-x86)"
. "$root/scripts/testhost/lib.sh"
xeno_kernel >/dev/null || skip "no Debian kernel with modules"
"$root/scripts/testhost/run.sh" "$@"
rc=$?
# 77 and 99 mean something to meson; a scenario may skip with 77.
exit $rc
