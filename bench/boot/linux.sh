#!/bin/bash
# Benchmark: Debian's kernel booting on xeno-vmm as a PVH guest, to the
# guest initramfs's /init and to poweroff.  Runs every boot in one test
# host session (or directly, if scripts/testhost/where.sh says "direct").
#
#   bench/boot/linux.sh [--runs N] [--vcpus N] [--memory MiB] [XENO_VMM]
#
# XENO_VMM defaults to build/src/vmm/xeno-vmm.  Per boot it prints the wall
# time from starting xeno-vmm to the guest's XENO-GUEST-INIT line, the
# guest's own uptime then, and the wall time to xeno-vmm's exit.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
runs=3 vcpus=1 memory=512
while [ $# -gt 0 ]; do
    case $1 in
    --runs) runs=$2; shift 2 ;;
    --vcpus) vcpus=$2; shift 2 ;;
    --memory) memory=$2; shift 2 ;;
    -*) echo "usage: $0 [--runs N] [--vcpus N] [--memory MiB] [XENO_VMM]" >&2; exit 2 ;;
    *) break ;;
    esac
done
vmm=${1:-$root/build/src/vmm/xeno-vmm}
vmm=$(cd "$(dirname "$vmm")" && pwd)/$(basename "$vmm")
[ -x "$vmm" ] || { echo "no $vmm (build first)" >&2; exit 1; }
. "$root/scripts/testhost/lib.sh"
kernel=$(xeno_kernel) || exit 1

work=$(mktemp -d "${TMPDIR:-/tmp}/xeno-bench-linux.XXXXXX") || exit 1
trap '[ -n "${XENO_BENCH_KEEP:-}" ] || rm -rf "$work"' EXIT
"$root/scripts/mkguest/initramfs.sh" "$work/guest.cpio.gz" >/dev/null || exit 1

# $EPOCHREALTIME, not date: spawning a process costs ~0.1 s in the test host.
cat >"$work/inner.sh" <<EOS
cd $(printf %q "$work")
for i in \$(seq $runs); do
    t0=\$EPOCHREALTIME init_wall='' init_up='' last=''
    while IFS= read -r line; do
        last=\$line
        case \$line in XENO-GUEST-INIT*)
            init_wall=\$EPOCHREALTIME
            init_up=\${line#*uptime=}; init_up=\${init_up%%s *} ;;
        esac
    done < <(timeout -k 5 300 $(printf %q "$vmm") --kernel $(printf %q "$kernel") \\
                --ramdisk guest.cpio.gz --memory $memory --vcpus $vcpus \\
                --cmdline 'console=hvc0 quiet xeno.run=true' </dev/null 2>&1)
    t1=\$EPOCHREALTIME
    awk -v i=\$i -v a=\$t0 -v b="\$init_wall" -v c=\$t1 -v u="\$init_up" -v l="\$last" 'BEGIN {
        if (b == "") printf "boot %d: no XENO-GUEST-INIT; xeno-vmm ran %.2f s, last said: %s\n", i, c - a, l
        else printf "boot %d: to init %.2f s (guest uptime %s s), to exit %.2f s\n", i, b - a, u, c - a }'
done
EOS

echo "xeno-vmm $vmm, kernel $kernel, $vcpus vCPU(s), $memory MiB, load $(cut -d' ' -f1 /proc/loadavg)"
if [ "$("$root/scripts/testhost/where.sh")" = direct ]; then
    echo "where: direct"
    bash "$work/inner.sh"
else
    echo "where: test host"
    "$root/scripts/testhost/run.sh" --timeout $((120 + runs * 300)) ${XENO_BENCH_APPEND:+--append "$XENO_BENCH_APPEND"} "$work/inner.sh" 2>&1 |
        grep -E '^boot |^run.sh:'
fi
