#!/bin/sh
# Replays the kept corpus, then fuzzes for 20 s.  New inputs go to a build
# directory, never into the source tree.
set -eu
fuzzer=$1 corpus=$2 scratch=$3 dict=$4
mkdir -p "$scratch"
"$fuzzer" -runs=0 "$corpus"
exec "$fuzzer" -max_total_time=20 -max_len=4096 -dict="$dict" \
    -print_final_stats=1 "$scratch" "$corpus"
