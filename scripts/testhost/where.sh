#!/bin/bash
# Where can Linux guests run: directly on this host's /dev/kvm, or only in
# the test host (scripts/testhost/run.sh)?  Measures it: kvmprobe runs a
# real-mode guest of ~10 million instructions on /dev/kvm.  At hardware
# speed that takes milliseconds; under instruction emulation (PVM-style
# nested KVM, ~300-500 ns per instruction) seconds.
#
#   scripts/testhost/where.sh [-v]
#
# Prints "direct" (finished in < 0.5 s) or "testhost" (slower, or no usable
# /dev/kvm).  -v also prints the measurement on stderr.  Exit status 0.
# XENO_WHERE=direct|testhost overrides the measurement.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
verbose=0
[ "${1:-}" = -v ] && verbose=1

if [ -n "${XENO_WHERE:-}" ]; then echo "$XENO_WHERE"; exit 0; fi
say() { [ $verbose = 1 ] && echo "where.sh: $*" >&2; }

probe=$(xeno_kvmprobe) || { say "cannot compile kvmprobe"; echo testhost; exit 0; }
# Anything beyond 2 s is far past the threshold: stop waiting.
out=$("$probe" -n 5000000 -t 2 2>&1)
rc=$?
say "${out:-no output} (exit $rc)"
if [ $rc = 0 ]; then
    secs=$(echo "$out" | sed -n 's/.* seconds=\([0-9.]*\).*/\1/p')
    if awk -v s="$secs" 'BEGIN { exit !(s < 0.5) }'; then
        echo direct
        exit 0
    fi
fi
echo testhost
