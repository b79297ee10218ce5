#!/bin/bash
# Start-up cost of xeno-vmm, side by side with QEMU's microvm, in one run.
#
#   bench/vmm/startup.sh [BUILD_DIR] [RUNS] [BZ_RUNS]
#
# 1. The trivial PVH ELF (bench/vmm/trivial.S: two port writes, power-off)
#    booted RUNS times by each VMM at 16 and 256 MiB, the four interleaved
#    so that both VMMs see the same machine load: exec -> exit (fork to
#    wait4, bench/vmm/exectime.c) and peak RSS, median and p10-p90 spread.
# 2. Where xeno-vmm's time goes: its XENO_STARTUP_TRACE stamps (one per
#    phase end, CLOCK_MONOTONIC, the clock exectime uses) turned into
#    per-phase durations, median and spread.
# 3. A Linux bzImage (+ initrd), BZ_RUNS times, with XENO_STARTUP_TRACE=entry:
#    exec -> the guest's first instruction (the VMM stops there), i.e. the
#    loader's cost with decompression.  BZIMAGE / INITRD override the newest
#    /boot/vmlinuz-* and its initrd; BZ_RUNS=0 skips this part.
#
# XENO_VMM=PATH measures another xeno-vmm build; XENO_BASELINE=PATH adds a
# second one (e.g. an older commit's, built with the same XENO_STARTUP_TRACE
# stamps) to the same interleaved runs, for before/after numbers.
set -u
build=${1:-build} runs=${2:-20} bz_runs=${3:-3}
vmm=${XENO_VMM:-$build/src/vmm/xeno-vmm} base=${XENO_BASELINE:-}
elf=$build/bench/trivial.elf et=$build/bench/exectime
for f in "$vmm" "$et"; do
    [ -x "$f" ] || { echo "build first: ninja -C $build ($f missing)" >&2; exit 1; }
done
[ -f "$elf" ] || { echo "build first: ninja -C $build ($elf missing)" >&2; exit 1; }
command -v qemu-system-x86_64 >/dev/null ||
    { echo "apt-get install qemu-system-x86 (the comparison VMM)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# field NAME < exectime line
field() { sed -n "s/.*$1=\([0-9]*\).*/\1/p"; }

# record LABEL WANT_STATUS: file $tmp/run (exectime's line) -> totals.
record() {
    local st wall rss
    st=$(field status <"$tmp/run") wall=$(field wall_us <"$tmp/run") rss=$(field rss_kib <"$tmp/run")
    if [ "$st" != "$2" ]; then
        echo "$1: exit status $st, expected $2; its stderr:" >&2
        cat "$tmp/err" >&2
        exit 1
    fi
    echo "$wall $rss $(field cpu_us <"$tmp/run")" >>"$tmp/$1.tot"
}

# phases LABEL: exectime's line + the VMM's stamps -> "phase us" lines, each
# phase the time since the previous stamp; the first from exec, the last
# ("teardown") from the last stamp to the end of wait4.
phases() {
    awk -v exec="$(field exec_ns <"$tmp/run")" -v end="$(field end_ns <"$tmp/run")" '
        $1 == "startup-trace" { printf "%s %d\n", $2, ($3 - prev) / 1000; prev = $3; next }
        BEGIN { prev = exec }
        END { if (end) printf "teardown %d\n", (end - prev) / 1000 }' "$tmp/err" >>"$tmp/$1.ph"
}

xeno() { # MiB [LABEL BINARY]
    XENO_STARTUP_TRACE=1 "$et" -e "$tmp/err" -- "${3:-$vmm}" --kernel "$elf" --memory "$1" \
        >"$tmp/run"
    record "${2:-xeno}-$1" 0
    phases "${2:-xeno}-$1"
}

qemu() { # MiB
    "$et" -e "$tmp/err" -- qemu-system-x86_64 -M microvm -accel kvm -m "$1" \
        -kernel "$elf" -nographic -nodefaults -no-user-config \
        -device isa-debug-exit,iobase=0xf4,iosize=1 >"$tmp/run"
    record "qemu-$1" 1
}

# stats: numbers on stdin (us) -> "median p10 p90" in ms
stats() {
    sort -n | awk '{ v[NR] = $1 } END {
        if (!NR) exit
        m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        lo = v[int(NR * 0.1) + 1]; hi = v[NR - int(NR * 0.1)]
        printf "%.2f %.2f %.2f\n", m / 1000, lo / 1000, hi / 1000 }'
}

median_ms() { cut -d' ' -f1 "$tmp/$1.tot" | stats | cut -d' ' -f1; }

total_line() { # LABEL DESCRIPTION
    read -r m lo hi < <(cut -d' ' -f1 "$tmp/$1.tot" | stats)
    rss=$(cut -d' ' -f2 "$tmp/$1.tot" | sort -n | tail -1)
    printf '  %-34s %8.2f ms  [%6.2f - %6.2f]   %6d KiB\n' "$2" "$m" "$lo" "$hi" "$rss"
}

phase_table() { # LABEL
    awk '!seen[$1]++ { print $1 }' "$tmp/$1.ph" | while read -r p; do
        read -r m lo hi < <(awk -v p="$p" '$1 == p { print $2 }' "$tmp/$1.ph" | stats)
        printf '  %-11s %-52s %8.2f ms  [%6.2f - %6.2f]\n' "$p" "$(describe "$p")" "$m" "$lo" "$hi"
    done
}

entry_line() { # LABEL DESCRIPTION: exec -> 'entry' stamp, summed per run
    awk '$1 != "teardown" { s += $2 } $1 == "entry" { print s; s = 0 }' "$tmp/$1.ph" | stats |
        { read -r m lo hi; printf '  %-64s %8.2f ms  [%6.2f - %6.2f]\n' "$2" "$m" "$lo" "$hi"; }
}

describe() {
    case $1 in
    main) echo "exec -> main(): kernel exec, dynamic linking" ;;
    create-vm) echo "open /dev/kvm, KVM_CREATE_VM" ;;
    msr-filter) echo "Xen HVM config, MSR filter" ;;
    memory) echo "hv domain, memfd + mmap, memory slots" ;;
    irqchip) echo "TSS, KVM_CREATE_IRQCHIP, KVM_CREATE_PIT2" ;;
    vcpus) echo "KVM_CREATE_VCPU, kvm_run mmap, CPUID" ;;
    kernel-read) echo "read the kernel file" ;;
    initrd-read) echo "read the initrd file" ;;
    load) echo "loader: decompress a bzImage, ELF, initrd, ACPI, ..." ;;
    special) echo "console / xenstore pages" ;;
    entry) echo "vCPU0 registers at the PVH entry" ;;
    stopped) echo "vCPU thread runs the guest to power-off" ;;
    teardown) echo "main() returns -> reaped (kernel VM teardown)" ;;
    *) echo "" ;;
    esac
}

echo "host: $(uname -r), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "xeno-vmm: $vmm${base:+; baseline: $base}; QEMU: $(qemu-system-x86_64 --version | head -1)"
echo
for _ in $(seq "$runs"); do
    xeno 16; qemu 16; xeno 256; qemu 256
    [ -z "$base" ] || xeno 256 base "$base"
done
echo "trivial PVH ELF, exec -> exit, $runs runs each, interleaved: median [p10 - p90], peak RSS"
for mib in 16 256; do
    total_line "xeno-$mib" "xeno-vmm --memory $mib"
    total_line "qemu-$mib" "qemu -M microvm -accel kvm -m $mib"
    printf '  %-34s %8.2f\n' "xeno / qemu (medians)" \
        "$(echo "$(median_ms "xeno-$mib") / $(median_ms "qemu-$mib")" | bc -l)"
done
if [ -n "$base" ]; then
    total_line base-256 "baseline --memory 256"
    printf '  %-34s %8.2f\n' "baseline / qemu (medians)" \
        "$(echo "$(median_ms base-256) / $(median_ms qemu-256)" | bc -l)"
fi
echo
echo "xeno-vmm phases, 256 MiB (each from the previous stamp): median [p10 - p90]"
entry_line xeno-256 "exec -> guest entry (sum of the phases up to 'entry')"
phase_table xeno-256
if [ -n "$base" ]; then
    echo "baseline ($base) phases, 256 MiB:"
    entry_line base-256 "exec -> guest entry (sum of the phases up to 'entry')"
    phase_table base-256
fi
echo "  (load average now $(cut -d' ' -f1-3 /proc/loadavg))"

[ "$bz_runs" -gt 0 ] 2>/dev/null || exit 0
bz=${BZIMAGE:-$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -1)}
initrd=${INITRD:-${bz/vmlinuz/initrd.img}}
if [ ! -r "$bz" ]; then
    echo "no readable bzImage (set BZIMAGE=): Linux part skipped" >&2
    exit 0
fi
rd=()
[ -r "$initrd" ] && rd=(--ramdisk "$initrd")
bzrun() { # LABEL BINARY
    XENO_STARTUP_TRACE=entry "$et" -e "$tmp/err" -- "$2" --kernel "$bz" "${rd[@]}" \
        --memory 512 >"$tmp/run"
    record "$1" 0
    phases "$1"
}
for _ in $(seq "$bz_runs"); do
    bzrun bz "$vmm"
    [ -z "$base" ] || bzrun bzbase "$base"
done
echo
echo "Linux bzImage $(basename "$bz") ($(($(stat -c %s "$bz") / 1024)) KiB)${rd:+ + $(basename "$initrd") ($(($(stat -c %s "$initrd") / 1024)) KiB)}, 512 MiB,"
echo "exec -> guest entry (XENO_STARTUP_TRACE=entry), $bz_runs runs: median [p10 - p90]"
bz_report() { # LABEL
    entry_line "$1" "exec -> first guest instruction"
    phase_table "$1"
    cut -d' ' -f3 "$tmp/$1.tot" | stats |
        { read -r m lo hi; printf '  %-64s %8.2f ms  [%6.2f - %6.2f]\n' "CPU time of the whole run (user + system)" "$m" "$lo" "$hi"; }
    echo "  peak RSS $(cut -d' ' -f2 "$tmp/$1.tot" | sort -n | tail -1) KiB"
}
bz_report bz
if [ -n "$base" ]; then
    echo "baseline ($base):"
    bz_report bzbase
fi
echo "  (load average now $(cut -d' ' -f1-3 /proc/loadavg))"
