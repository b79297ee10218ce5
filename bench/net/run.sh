#!/bin/sh
# bench/net/run.sh BUILD_DIR [ROUNDS]
# netbench (docs/netback.md, "Benchmark"): guest RX (-r) and TX through
# netback against the tap alone, at 64 B, 1514 B and 64 KiB GSO frames.
# Each round runs every case once (the machine is shared: medians), then
# the median of each result line over the rounds, and the frames lost in
# all of them.  Needs root and /dev/net/tun; runs in the network
# namespace xnetb (made if missing), so the taps stay off the host.
set -eu
build=${1:?usage: run.sh BUILD_DIR [ROUNDS]}
rounds=${2:-3}
bench=$build/bench/net/netbench
[ -x "$bench" ] || { echo "$bench missing: ninja -C $build" >&2; exit 1; }
ip netns list | grep -qw xnetb || ip netns add xnetb
out=$(mktemp)
trap 'rm -f "$out"' EXIT

echo "== $(date -u +%FT%TZ) $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
i=0
while [ $i -lt "$rounds" ]; do
    for args in "-r -n 300000 -s 64" "-r -n 300000 -s 1514" "-r -n 30000 -s 65535 -g" \
                "-n 300000 -s 64" "-n 300000 -s 1514" "-n 30000 -s 65535 -g"; do
        # shellcheck disable=SC2086
        ip netns exec xnetb "$bench" $args | sed "s/^/netbench $args: /" | tee -a "$out"
    done
    i=$((i + 1))
done
echo "== medians of $rounds rounds"
python3 - "$out" <<'PY'
import re, statistics, sys
res, lost, order = {}, {}, []
key = None
for line in open(sys.argv[1]):
    m = re.match(r"(netbench [^:]*): (.*?)\s+(\d+) pkts .*?([\d.]+) Mpps\s+([\d.]+) Gb/s\s+([\d.]+) us CPU/pkt", line)
    if m:
        key = "%s: %s" % (m.group(1), m.group(2))
        if key not in res:
            order.append(key)
        res.setdefault(key, []).append(tuple(float(m.group(i)) for i in (6, 4, 5)))
        continue
    m = re.search(r"sent \d+, lost (\d+)", line)
    if m and key:
        lost[key] = lost.get(key, 0) + int(m.group(1))
for k in order:
    cpu, mpps, gbs = (statistics.median(v[i] for v in res[k]) for i in range(3))
    extra = "  lost %d" % lost[k] if k in lost else ""
    print("%-58s %5.2f us CPU/pkt  %6.3f Mpps  %6.2f Gb/s%s" % (k, cpu, mpps, gbs, extra))
PY
