#!/bin/bash
# Instructions executed in xeno-vmm per hypercall round trip, counted by
# callgrind: the hcall_bench guest makes N xen_version calls; two runs with
# different N cancel out start-up and shutdown.
#
#   bench/vmm/hcall-callgrind.sh [BUILD_DIR] [N1] [N2]
set -u
build=${1:-build} n1=${2:-2000} n2=${3:-12000}
vmm=$build/src/vmm/xeno-vmm guest=$build/guests/hcall_bench.elf
command -v valgrind >/dev/null || { echo "apt-get install valgrind" >&2; exit 1; }
count() { # n -> total instructions (Ir) of the VMM process, all threads
    local out=/tmp/xeno-cg.$1
    rm -f "$out".*
    valgrind --tool=callgrind --callgrind-out-file="$out.%p" \
        "$vmm" --kernel "$guest" --memory 32 --cmdline "n=$1" >/dev/null 2>/tmp/xeno-cg.log \
        || { echo "xeno-vmm failed under valgrind (n=$1)" >&2; tail -5 /tmp/xeno-cg.log >&2; exit 1; }
    grep -h '^summary:' "$out".* | awk '{s += $2} END {print s}'
}
a=$(count "$n1") b=$(count "$n2")
echo "total Ir: n=$n1: $a, n=$n2: $b"
echo "VMM instructions per hypercall round trip: $(( (b - a) / (n2 - n1) ))"
