#!/bin/bash
# Boot the test host (QEMU/TCG, -cpu max, Debian's kernel with kvm_amd) and
# run SCENARIO inside it as root; stream its output; exit with its status.
#
#   scripts/testhost/run.sh [options] SCENARIO [args...]
#   scripts/testhost/run.sh [options] --shell      (interactive bash inside;
#                                                   Ctrl-A x quits QEMU)
#
#   --smp N        vCPUs (default 2)          --mem MiB   memory (default 4096)
#   --timeout S    kill QEMU after S seconds (default 600); exit 124
#   --rw DIR       make host DIR writable inside (persisting); repeatable.
#                  Everything else is writable too, but in memory only.
#   --keep         keep the scratch dir (serial log, rc) and print its path
#   --quiet        don't stream the console; print it only on failure
#   --append ARGS  extra kernel command line
#
# Inside, the host's / is visible at the same paths (read-only 9p under a
# tmpfs overlay), with fresh /tmp /run /dev /proc /sys, KVM modules loaded,
# the working directory unchanged, and XENO_TESTHOST=1 and
# XENO_TESTHOST_SCRATCH (a host dir shared read-write) in the environment.
# SCENARIO runs with bash unless it is executable (then by its #!).
#
# Exit status: the scenario's; 124 on timeout, or when the test host's kernel
# reports a soft lockup of 120 s or more (XENO_TESTHOST_LOCKUP_LIMIT); 125
# when the test host could not boot or reach the scenario.  Environment: XENO_KERNEL (vmlinuz to
# boot), XENO_QEMU (qemu-system-x86_64), XENO_CACHE_DIR, and
# XENO_TESTHOST_BZIMAGE=1 (boot the bzImage rather than the vmlinux ELF
# extracted from it).
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

smp=2 mem=4096 timeout=600 keep=0 quiet=0 shell=0 append=
lockup_limit=${XENO_TESTHOST_LOCKUP_LIMIT:-120}
rw=()
usage() { sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 125; }
while [ $# -gt 0 ]; do
    case $1 in
    --smp) smp=$2; shift 2 ;;
    --mem) mem=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --rw) rw+=("$(cd "$2" && pwd)") || exit 125; shift 2 ;;
    --keep) keep=1; shift ;;
    --quiet) quiet=1; shift ;;
    --append) append=$2; shift 2 ;;
    --shell) shell=1; shift ;;
    -h|--help) usage ;;
    --) shift; break ;;
    -*) echo "run.sh: unknown option $1" >&2; usage ;;
    *) break ;;
    esac
done
if [ $shell = 1 ]; then
    [ $# = 0 ] || usage
    [ -t 0 ] || { echo "run.sh: --shell wants a terminal on stdin" >&2; exit 125; }
    scenario=
else
    [ $# -ge 1 ] || usage
    scenario=$1; shift
    [ -f "$scenario" ] || { echo "run.sh: no scenario $scenario" >&2; exit 125; }
    scenario=$(cd "$(dirname "$scenario")" && pwd)/$(basename "$scenario")
fi

qemu=${XENO_QEMU:-qemu-system-x86_64}
command -v "$qemu" >/dev/null || { echo "run.sh: $qemu not found (apt-get install qemu-system-x86)" >&2; exit 125; }
kernel=$(xeno_kernel) || exit 125
kver=$(xeno_kernel_version "$kernel")
# Boot the uncompressed vmlinux by its PVH entry when we can: saves the
# in-guest decompression, seconds under TCG.
boot=$kernel
[ "${XENO_TESTHOST_BZIMAGE:-0}" = 1 ] || boot=$(xeno_vmlinux "$kernel") || boot=$kernel

# The initramfs, cached by content of its inputs.
cache=$(xeno_cache_dir) || exit 125
key=$( (cat "$here/init.sh" "$here/lib.sh"; echo "$kver"; cksum <"${XENO_BUSYBOX:-/bin/busybox}") | sha256sum | cut -c1-16)
initrd=$cache/testhost-$kver-$key.cpio.gz
if [ ! -s "$initrd" ]; then
    tree=$(mktemp -d) || exit 125
    if ! { xeno_install_busybox "$tree" &&
        xeno_copy_modules "$kver" "$tree" virtio_pci 9pnet_virtio 9p overlay kvm_amd &&
        install -m 755 "$here/init.sh" "$tree/init" &&
        xeno_pack_cpio "$tree" "$initrd"; }; then
        rm -rf "$tree"
        echo "run.sh: building the test host initramfs failed" >&2
        exit 125
    fi
    rm -rf "$tree"
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/xeno-th.XXXXXX") || exit 125
case "$scratch ${rw[*]}" in *,*) echo "run.sh: paths with ',' cannot be shared" >&2; exit 125 ;; esac
qpid=
cleanup() {
    if [ -n "$qpid" ] && kill -0 "$qpid" 2>/dev/null; then
        kill "$qpid" 2>/dev/null
        sleep 1
        kill -9 "$qpid" 2>/dev/null
    fi
    [ -n "${tailpid:-}" ] && kill "$tailpid" 2>/dev/null
    if [ $keep = 1 ]; then echo "run.sh: scratch kept in $scratch" >&2; else rm -rf "$scratch"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

{
    printf 'XENO_TH_SCRATCH=%q\n' "$scratch"
    printf 'XENO_TH_NRW=%d\n' "${#rw[@]}"
    for i in "${!rw[@]}"; do printf 'XENO_TH_RW%d=%q\n' "$i" "${rw[$i]}"; done
} >"$scratch/paths"
{
    echo "cd $(printf %q "$PWD") || exit 125"
    if [ $shell = 1 ]; then
        # An interactive bash (no rc files: the host's are slow over 9p)
        # with the serial port as its controlling terminal.
        printf 'export TERM=%q\n' "${TERM:-vt100}"
        echo "export PS1='testhost:\\w# '"
        printf 'exec setsid -c -w /bin/bash --norc -i <>/dev/ttyS0 >&0 2>&0'
    elif [ -x "$scenario" ]; then printf 'exec %q' "$scenario"; else printf 'exec /bin/bash %q' "$scenario"; fi
    [ $# = 0 ] || printf ' %q' "$@"
    echo
} >"$scratch/scenario.sh"

virtfs=(-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
        -virtfs "local,path=$scratch,mount_tag=scratch,security_model=none,multidevs=remap")
for i in "${!rw[@]}"; do
    virtfs+=(-virtfs "local,path=${rw[$i]},mount_tag=rw$i,security_model=none,multidevs=remap")
done

# TCG's TSC is the host's: trust it (a fast clocksource for the nested
# guests' timekeeping, and no TSC watchdog), and skip the secondary CPU's
# delay-loop calibration (~0.7 s under TCG) with lpj = TSC Hz / HZ(250).
lpj=$(awk -F: '/^cpu MHz/ { printf "lpj=%d", $2 * 1000000 / 250; exit }' /proc/cpuinfo)

# shellcheck disable=SC2054 # (commas are QEMU option syntax)
qargs=(-accel tcg,thread=multi -cpu max -smp "$smp" -m "$mem"
       -nodefaults -display none -no-reboot -no-user-config
       -kernel "$boot" -initrd "$initrd"
       -append "console=ttyS0 quiet loglevel=3 panic=-1 mitigations=off tsc=reliable $lpj $append"
       "${virtfs[@]}")
start=$(date +%s.%N)
if [ $shell = 1 ]; then
    # Foreground, the serial port on the terminal (QEMU's mux: Ctrl-A x).
    "$qemu" "${qargs[@]}" -serial mon:stdio
    rc=$(cat "$scratch/rc" 2>/dev/null)
    exit "${rc:-125}"
fi

log=$scratch/console.log
: >"$log"
"$qemu" "${qargs[@]}" -serial "file:$log" -pidfile "$scratch/qemu.pid" \
    </dev/null >"$scratch/qemu.err" 2>&1 &
qpid=$!

tailpid=
if [ $quiet = 0 ]; then
    tail -n +1 -f --pid="$qpid" "$log" | sed -u 's/\r$//' &
    tailpid=$!
fi

ready=
deadline=$(( $(date +%s) + timeout ))
exit_seen=0
while kill -0 "$qpid" 2>/dev/null; do
    if [ -z "$ready" ] && grep -q '^XENO-TESTHOST-READY' "$log"; then
        ready=$(awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN { printf "%.1f", a - b }')
    fi
    recent=$(tail -c 65536 "$log")
    if grep -q '^XENO-TESTHOST-EXIT=' <<<"$recent"; then
        # Powering off takes a moment; don't wait forever for it.
        exit_seen=$((exit_seen + 1))
        [ $exit_seen -gt 40 ] && break
    fi
    # A vCPU of the test host stuck in the kernel this long (seen with a
    # nested guest spinning in KVM_RUN) won't recover: give up early.
    stuck=$(grep -o 'soft lockup - CPU#[0-9]* stuck for [0-9]*s' <<<"$recent" |
            sed 's/.* for \([0-9]*\)s/\1/' | sort -n | tail -1)
    if [ "${stuck:-0}" -ge "$lockup_limit" ]; then
        [ -n "$tailpid" ] && { sleep 0.5; kill "$tailpid" 2>/dev/null; wait "$tailpid" 2>/dev/null; tailpid=; }
        echo "run.sh: HUNG: the test host reports a soft lockup of ${stuck}s (scenario $scenario), killing QEMU" >&2
        [ $quiet = 1 ] && tail -40 "$log" | sed 's/\r$//' >&2
        exit 124
    fi
    if [ "$(date +%s)" -ge $deadline ]; then
        [ -n "$tailpid" ] && { sleep 0.5; kill "$tailpid" 2>/dev/null; wait "$tailpid" 2>/dev/null; tailpid=; }
        echo "run.sh: TIMEOUT after ${timeout}s (scenario $scenario), killing QEMU" >&2
        [ $quiet = 1 ] && tail -40 "$log" | sed 's/\r$//' >&2
        exit 124
    fi
    sleep 0.25
done
wait "$qpid" 2>/dev/null
qrc=$?
qpid=
[ -n "$tailpid" ] && { wait "$tailpid" 2>/dev/null; tailpid=; }
total=$(awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN { printf "%.1f", a - b }')

rc=
if [ -s "$scratch/rc" ]; then
    rc=$(cat "$scratch/rc")
else
    rc=$(sed -n 's/^XENO-TESTHOST-EXIT=\([0-9]*\).*/\1/p' "$log" | tail -1)
fi
if [ -z "$rc" ]; then
    echo "run.sh: BOOT FAILURE: the test host stopped (QEMU status $qrc) without reporting an exit status" >&2
    [ -s "$scratch/qemu.err" ] && sed 's/^/qemu: /' "$scratch/qemu.err" >&2
    [ $quiet = 1 ] && tail -40 "$log" | sed 's/\r$//' >&2
    exit 125
fi
[ $quiet = 1 ] && [ "$rc" != 0 ] && sed 's/\r$//' "$log" >&2
printf 'run.sh: exit %s; ready after %ss, total %ss\n' "$rc" "${ready:-?}" "$total" >&2
exit "$rc"
