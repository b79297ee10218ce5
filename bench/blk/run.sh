#!/bin/sh
# bench/blk/run.sh BUILD_DIR [FILE] [SECONDS] [ROUNDS]
# The block backend (bench/blk/blkbench: synthetic blkfront -> blkback ->
# io_uring) side by side with fio --ioengine=io_uring on the same file,
# same block size, queue depth and O_DIRECT mode.  Each workload alternates
# fio and blkbench ROUNDS times (the machine is shared: medians), then a
# summary.  Last, callgrind instructions per 4 KiB request (sync engine,
# user space only).  Needs fio, GNU time and valgrind (scripts/deps.sh).
set -eu
build=${1:?usage: run.sh BUILD_DIR [FILE] [SECONDS] [ROUNDS]}
file=${2:-/var/tmp/xeno-blkbench.img}
secs=${3:-3}
rounds=${4:-3}
bench=$build/bench/blk/blkbench
command -v fio >/dev/null || { echo "fio missing: apt-get install fio" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "GNU time missing: apt-get install time" >&2; exit 1; }
[ -x "$bench" ] || { echo "$bench missing: ninja -C $build" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

if [ ! -f "$file" ]; then
    # Written once for real, so no workload pays for unwritten extents.
    dd if=/dev/urandom of="$file" bs=1M count=512 status=none
fi

# fio's own usr/sys figures are per job thread (RUSAGE_THREAD): they miss
# io_uring's worker threads, which do the copying on tmpfs.  So its CPU is
# taken from GNU time over the whole process, as blkbench's is from
# RUSAGE_SELF (all threads).
fio_one() { # name rw bs qd
    /usr/bin/time -f "%U %S" -o "$out/time" \
    fio --name="$1" --filename="$file" --ioengine=io_uring --direct="$direct" \
        --rw="$2" --bs="$3" --iodepth="$4" --runtime="$secs" --time_based \
        --size="$(stat -c %s "$file")" --randrepeat=0 --output-format=json \
        --output="$out/fio.json"
    python3 -c '
import json, sys
j = json.load(open(sys.argv[2]))["jobs"][0]
rw = j["read"] if j["read"]["io_bytes"] else j["write"]
usr, sys_ = (float(x) for x in open(sys.argv[3]).read().split()[-2:])
gib = rw["io_bytes"] / 2**30
print("%-18s %9.1f MiB/s %9.0f IOPS %7.3f cpu-s/GiB   (fio)" %
      (sys.argv[1], rw["bw_bytes"] / 2**20, rw["iops"], (usr + sys_) / gib if gib else 0))
' "$1" "$out/fio.json" "$out/time"
}

# fio runs in the mode the backend chose for this file (O_DIRECT unless
# the file cannot take 512-byte direct I/O).
direct=$("$bench" -i "$file" | sed -n 's/^direct=//p')
echo "== $(date -u +%FT%TZ) $(uname -r), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), file $file ($(stat -f -c %T "$file")), direct=$direct"
for w in "seqread-1m-qd8 read 1M 8" "seqwrite-1m-qd8 write 1M 8" \
         "randread-4k-qd1 randread 4k 1" "randread-4k-qd32 randread 4k 32" \
         "randwrite-4k-qd1 randwrite 4k 1" "randwrite-4k-qd32 randwrite 4k 32"; do
    set -- $w
    i=0
    while [ $i -lt "$rounds" ]; do
        fio_one "$1" "$2" "$3" "$4" | tee -a "$out/lines"
        "$bench" -t "$secs" -w "$1" "$file" 2>/dev/null | tee -a "$out/lines"
        i=$((i + 1))
    done
done

echo "-- medians of $rounds rounds"
python3 - "$out/lines" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    tool = 'fio' if line.rstrip().endswith('(fio)') else 'xeno'
    rows.setdefault((f[0], tool), []).append(f)
names = []
for (n, _) in rows:
    if n not in names:
        names.append(n)
print("%-18s %10s %10s %6s %10s %10s %9s" % ("workload", "fio MiB/s", "xeno MiB/s", "ratio",
      "fio cpu/GiB", "xeno cpu/GiB", "notif/req"))
for n in names:
    fio, xeno = rows.get((n, 'fio'), []), rows.get((n, 'xeno'), [])
    med = lambda rs, i: statistics.median(float(r[i]) for r in rs) if rs else 0.0
    fm, xm = med(fio, 1), med(xeno, 1)
    print("%-18s %10.1f %10.1f %6.2f %10.3f %10.3f %9.3f" % (n, fm, xm, xm / fm if fm else 0,
          med(fio, 5), med(xeno, 5), med(xeno, 7)))
PY

if command -v valgrind >/dev/null; then
    for w in randread-4k-qd1 randread-4k-qd32 randwrite-4k-qd32; do
        valgrind --tool=callgrind --callgrind-out-file="$out/cg.$w" \
            --toggle-collect=blkback_queue_event --toggle-collect=blkback_io_event \
            "$bench" -e sync -n 20000 -w "$w" "$file" >/dev/null 2>&1
        ir=$(callgrind_annotate "$out/cg.$w" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",","",$1); print $1}')
        echo "callgrind $w: $((ir / 20000)) instructions per request (backend, user space)"
    done
fi
