#!/bin/bash
# Test host self-test, run inside the test host by
#   scripts/testhost/run.sh scripts/testhost/selftest.sh [KVMPROBE]
# Checks that /dev/kvm exists, kvm_amd is loaded and a small KVM guest
# (kvmprobe, 10M instructions) runs; prints its timing.  KVMPROBE defaults
# to the one compiled into the cache by scripts/testhost/lib.sh.
set -u
here=$(cd "$(dirname "$0")" && pwd)
fail=0
check() { # description, command...
    local what=$1; shift
    if "$@"; then echo "selftest: ok   $what"; else echo "selftest: FAIL $what"; fail=1; fi
}
[ "${XENO_TESTHOST:-0}" = 1 ] || echo "selftest: note: not inside the test host"

check "/dev/kvm is a character device" test -c /dev/kvm
check "kvm_amd is loaded" grep -q '^kvm_amd ' /proc/modules
check "the CPU offers SVM" grep -qw svm /proc/cpuinfo
check "the scratch dir is writable" touch "${XENO_TESTHOST_SCRATCH:-/tmp}/selftest.ok"
check "the root is writable (overlay)" touch "$here/.selftest-overlay-probe"

probe=${1:-}
if [ -z "$probe" ]; then
    . "$here/lib.sh"
    probe=$(xeno_kvmprobe)
fi
export XENO_KVMPROBE=$probe
out=$("$probe" -n 5000000 -t 120 2>&1)
rc=$?
echo "selftest: $out"
check "a KVM guest runs (kvmprobe exit $rc)" test $rc = 0
echo "selftest: where.sh says: $(XENO_WHERE='' "$here/where.sh" -v 2>&1 | tr '\n' ' ')"
[ $fail = 0 ] && echo "selftest: PASS" || echo "selftest: FAILED"
exit $fail
