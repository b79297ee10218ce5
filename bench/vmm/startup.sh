#!/bin/bash
# Exec-to-exit time and peak RSS of xeno-vmm for a trivial PVH guest, side
# by side with QEMU's microvm booting the same ELF, in one run.
#
#   bench/vmm/startup.sh [BUILD_DIR] [RUNS]
set -u
build=${1:-build} runs=${2:-20}
vmm=$build/src/vmm/xeno-vmm elf=$build/bench/trivial.elf
[ -x "$vmm" ] && [ -f "$elf" ] || { echo "build first: ninja -C $build" >&2; exit 1; }
command -v /usr/bin/time >/dev/null || { echo "apt-get install time" >&2; exit 1; }

measure() { # label expected-status command...
    local label=$1 want=$2 total=0 rss_max=0 ms rss rc
    shift 2
    for _ in $(seq "$runs"); do
        local t0=$(date +%s%N)
        /usr/bin/time -f %M -o /tmp/xeno-bench-rss "$@" >/dev/null 2>&1 </dev/null
        rc=$?
        ms=$(( ($(date +%s%N) - t0) / 1000 ))
        rss=$(tail -1 /tmp/xeno-bench-rss)
        [ "$rc" = "$want" ] || { echo "$label: exit $rc, expected $want" >&2; return 1; }
        total=$((total + ms))
        [ "$rss" -gt "$rss_max" ] && rss_max=$rss
    done
    printf '%-28s mean %7.1f ms   peak RSS %6d KiB   (%d runs)\n' "$label" \
        "$(echo "$total / $runs / 1000" | bc -l)" "$rss_max" "$runs"
}

echo "host: $(uname -r), $(nproc) CPUs; /dev/kvm: $(scripts/testhost/where.sh 2>/dev/null || echo ?)"
measure "xeno-vmm (16 MiB)" 0 "$vmm" --kernel "$elf" --memory 16
measure "qemu -M microvm (16 MiB)" 1 qemu-system-x86_64 -M microvm -accel kvm -m 16 \
    -kernel "$elf" -nographic -nodefaults -no-user-config \
    -device isa-debug-exit,iobase=0xf4,iosize=1
measure "xeno-vmm (256 MiB)" 0 "$vmm" --kernel "$elf" --memory 256
measure "qemu -M microvm (256 MiB)" 1 qemu-system-x86_64 -M microvm -accel kvm -m 256 \
    -kernel "$elf" -nographic -nodefaults -no-user-config \
    -device isa-debug-exit,iobase=0xf4,iosize=1
