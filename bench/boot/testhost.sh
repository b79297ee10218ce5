#!/bin/bash
# Benchmark the test host: how long until a scenario starts, and how fast
# the calibration guest (kvmprobe, 10M real-mode instructions) runs on this
# host's /dev/kvm directly and on nested KVM inside the test host.
#
#   bench/boot/testhost.sh [RUNS]      (default 3)
#
# Prints one line per run and a summary; nothing is written to the tree.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
. "$root/scripts/testhost/lib.sh"
runs=${1:-3}
probe=$(xeno_kvmprobe) || exit 1

echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
direct=$("$probe" -n 5000000 -t 30 2>&1)
echo "direct:   $direct"

scenario=$(mktemp "${TMPDIR:-/tmp}/xeno-bench.XXXXXX") || exit 1
trap 'rm -f "$scenario"' EXIT
cat >"$scenario" <<EOS
read -r up _ </proc/uptime
echo "scenario-start uptime=\$up"
"$probe" -n 5000000 -t 120
EOS
for i in $(seq "$runs"); do
    out=$("$root/scripts/testhost/run.sh" --timeout 300 "$scenario" 2>&1)
    rc=$?
    echo "run $i (exit $rc): $(echo "$out" | grep -E '^(XENO-TESTHOST-READY|scenario-start|kvmprobe:|run.sh: exit)' | tr '\n' ' ')"
done
echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
