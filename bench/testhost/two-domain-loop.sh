#!/bin/bash
# Two Linux domains booting at once, N times in ONE test-host boot: how often
# a guest crashes, hangs or boots, and whether the test host's own kernel
# survives (scripts/testhost/run.sh ends with 125 and says so if it dies).
#
#   bench/testhost/two-domain-loop.sh [--iterations N] [--engine xm|vmm|qemu]
#       [--memory MiB] [--guest-timeout S] [--results DIR] [--env VAR=VALUE]...
#       [--cmdline EXTRA] [--build DIR] [--bzimage] [--disk MiB] [--vcpus N]
#
# Engines, each booting Debian's kernel with the same busybox initramfs
# (scripts/mkguest) to `xeno.run=true`, two at a time:
#   xm    the demo's way (scripts/demo-inner.sh): xenstored, xend, two
#         `xm create` of a demo.cfg-like config at once (default);
#   vmm   xenstored and two xeno-vmm as tests/linux/lib.sh `boot` does;
#   qemu  two QEMU microvm with -accel kvm (the comparison: same kernel,
#         initramfs and nested KVM, another VMM).
# The kernel is the ELF vmlinux extracted from Debian's bzImage (cached by
# scripts/testhost/lib.sh), which spares xeno-vmm an xz decompression under
# TCG; --bzimage boots the bzImage itself, as the demo does.
# --env VAR=VALUE goes into the VMMs' environment (feature switches for
# bisecting, e.g. XENO_NO_SYNC_REGS=1).
# --disk MiB (engines xm, qemu): each domain also gets a disk of that size (a
# file in the test host's /tmp, as tests/linux/scenarios/vbd.sh has them):
# xvdb through xen-blkfront, or QEMU's virtio-blk (aio=io_uring; both
# through the page cache: tmpfs has no O_DIRECT); the guest runs
# bench/testhost/disk-io.sh instead of `true`: block I/O in both at once.
# --vcpus N (default 1): vCPUs per guest (CI's crashes were in 2- and
# 4-vCPU guests).
#
# Per iteration and guest: ok (XENO-GUEST-EXIT=0, clean end), crash (VMM
# exit 103, or a guest panic/oops on its console), hang (nothing after
# --guest-timeout), fail (anything else).  Every guest's log is kept
# (iterN-guestM-OUTCOME.log) in the results dir (default /tmp/xeno-2dom.XXXXXX, shared
# read-write with the test host), with results.txt (one line per
# iteration) and summary.txt; the summary is printed at the end.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)

if [ "${1:-}" = --inner ]; then
    shift
    . "$root/scripts/testhost/lib.sh"
    # shellcheck source=/dev/null
    . "$root/bench/testhost/two-domain-inner.sh"
    exit $?
fi

iters=20 engine=xm mem=128 gtimeout='' results='' cmdextra='' build=$root/build
envs=() bz=0 disk=0 vcpus=1
while [ $# -gt 0 ]; do
    case $1 in
    --iterations) iters=$2; shift 2 ;;
    --engine) engine=$2; shift 2 ;;
    --memory) mem=$2; shift 2 ;;
    --guest-timeout) gtimeout=$2; shift 2 ;;
    --results) results=$2; shift 2 ;;
    --env) envs+=("$2"); shift 2 ;;
    --cmdline) cmdextra=$2; shift 2 ;;
    --build) build=$(cd "$2" && pwd); shift 2 ;;
    --bzimage) bz=1; shift ;;
    --disk) disk=$2; shift 2 ;;
    --vcpus) vcpus=$2; shift 2 ;;
    -h|--help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "two-domain-loop: unknown argument $1" >&2; exit 2 ;;
    esac
done
# Block I/O under nested emulation takes its time: 150 s cut guests off in
# mid-I/O at load 15 (they needed 95-165 s).
[ -n "$gtimeout" ] || { [ "$disk" = 0 ] && gtimeout=150 || gtimeout=300; }
case $engine in xm|vmm|qemu) ;; *) echo "two-domain-loop: --engine xm|vmm|qemu" >&2; exit 2 ;; esac
[ "$disk" = 0 ] || [ "$engine" != vmm ] || { echo "two-domain-loop: --disk needs --engine xm or qemu" >&2; exit 2; }
. "$root/scripts/testhost/lib.sh"
kernel=$(xeno_kernel) || exit 1
[ $bz = 1 ] || kernel=$(xeno_vmlinux "$kernel") || exit 1
[ -n "$results" ] || results=$(mktemp -d /tmp/xeno-2dom.XXXXXX) || exit 1
mkdir -p "$results" && results=$(cd "$results" && pwd)
initrd=$results/initramfs.cpio.gz
mk=()
# shellcheck disable=SC2054 # (a comma-separated module list)
[ "$disk" = 0 ] || mk=(--modules xen-blkfront,virtio_mmio,virtio_blk --add "$root/bench/testhost/disk-io.sh=/t/disk-io")
"$root/scripts/mkguest/initramfs.sh" "$initrd" "${mk[@]}" >/dev/null || exit 1
for b in src/vmm/xeno-vmm src/xenstored/xenstored src/toolstack/xend src/toolstack/xm; do
    [ -x "$build/$b" ] || { echo "two-domain-loop: no $build/$b (ninja -C $build)" >&2; exit 1; }
done

# Everything the inner half needs, as a sourced file in the results dir.
{
    printf 'ENGINE=%q ITERS=%q MEM=%q GTIMEOUT=%q R=%q B=%q K=%q I=%q CMDEXTRA=%q DISK=%q VCPUS=%q\n' \
        "$engine" "$iters" "$mem" "$gtimeout" "$results" "$build" "$kernel" "$initrd" "$cmdextra" "$disk" "$vcpus"
    printf 'VMM_ENV=('; [ ${#envs[@]} = 0 ] || printf ' %q' "${envs[@]}"; echo ' )'
} >"$results/params"
echo "two-domain-loop: $iters iterations, engine $engine${envs:+, env ${envs[*]}}$([ "$disk" = 0 ] || echo ", disks of $disk MiB"), results in $results"
t0=$(date +%s)
XENO_TESTHOST_LABEL=two-domain-$engine$([ "$disk" = 0 ] || echo -disk) "$root/scripts/testhost/run.sh" --quiet \
    --timeout $((iters * (gtimeout + 40) + 120)) --rw "$results" "$0" --inner "$results/params"
rc=$?
{
    echo "engine=$engine iterations=$iters env=${envs[*]:-none} disk=$disk vcpus=$vcpus memory=$mem kernel=$kernel build=$build"
    echo "test host: run.sh exit $rc after $(( $(date +%s) - t0 )) s$( [ $rc = 125 ] && echo ' (kernel died or did not boot: see above)')"
    awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "a" || kv[1] == "b") { sub(/[(\/].*/, "", kv[2]); n[kv[2]]++ } } it++ }
         END { printf "iterations done: %d; guests:", it; for (k in n) printf " %s %d", k, n[k]; print "" }' \
        "$results/results.txt" 2>/dev/null
} | tee "$results/summary.txt"
exit $rc
