#!/bin/sh
# Ballooning cost, host side (docs/benchmarks.md, ballooning):
#   bench/balloon/run.sh [BUILD_DIR]
# 1 GiB given back and taken again in 512-extent calls (3 runs), then
# callgrind's count of the VMM's instructions per 512-extent call (user
# space: the fallocate that returns the pages is the kernel's).
b=${1:-build}
bin=$b/bench/balloon/balloonbench
[ -x "$bin" ] || { echo "build first: ninja -C $b" >&2; exit 1; }
for i in 1 2 3; do echo "--- run $i"; "$bin" -s 1024; done
command -v valgrind >/dev/null || { echo "callgrind: apt-get install valgrind" >&2; exit 1; }
out=$(mktemp -d)
for n in 10 110; do
    valgrind --tool=callgrind --callgrind-out-file="$out/cg.$n" "$bin" -n $n >/dev/null 2>&1
    ir=$(callgrind_annotate "$out/cg.$n" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",","",$1); print $1}')
    eval "ir_$n=$ir"
done
# The difference of two runs removes start-up: 100 pairs = 200 calls.
echo "callgrind: $(( (ir_110 - ir_10) / 200 )) instructions per 512-extent call (decrease and populate averaged)"
rm -rf "$out"
