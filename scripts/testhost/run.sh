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
# when the test host could not boot or reach the scenario (also: not ready
# after 240 s, XENO_TESTHOST_BOOT_LIMIT), or its own kernel
# died (BUG:, Oops, panic, stack guard page...: QEMU is killed at once);
# 124 too when its heartbeat (a line every 2 s from init.sh) stops for 60 s
# (XENO_TESTHOST_HEARTBEAT_LIMIT): a test host wedged without a word.
# Every run appends one line to $XENO_CACHE_DIR/testhost-runs.log (see
# runs-summary.sh).  Environment: XENO_KERNEL (vmlinuz to boot), XENO_QEMU
# (qemu-system-x86_64), XENO_CACHE_DIR, XENO_TESTHOST_BZIMAGE=1 (boot the
# bzImage rather than the vmlinux ELF extracted from it), and for the run
# log XENO_TESTHOST_LABEL (scenario name) and XENO_TESTHOST_ATTEMPT.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

smp=2 mem=4096 timeout=600 keep=0 quiet=0 shell=0 append=
lockup_limit=${XENO_TESTHOST_LOCKUP_LIMIT:-120}
boot_limit=${XENO_TESTHOST_BOOT_LIMIT:-240}
hb_limit=${XENO_TESTHOST_HEARTBEAT_LIMIT:-60}
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
        xeno_copy_modules "$kver" "$tree" virtio_pci virtio_console 9pnet_virtio 9p overlay kvm_amd &&
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
reason=interrupted
start=$(date +%s.%N)
cleanup() {
    local status=$?
    xeno_runlog_append "$status" "$reason" "$start" "${XENO_TESTHOST_LABEL:-$(basename "${scenario:-shell}")}" \
        "${XENO_TESTHOST_ATTEMPT:-1}"
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

# The kernel's messages go to the serial port and to a virtio console
# (hvc0, from when virtio_console loads; it replays the earlier ones); the
# scenario's output (on /dev/console, the last console=) to the serial port
# only.  So hvc0's log holds the test host's kernel alone: a guest's "BUG:"
# printed by a scenario is not mistaken for the test host dying.  (Two
# serial ports can't both be consoles: 8250 has one console slot.)
# shellcheck disable=SC2054 # (commas are QEMU option syntax)
qargs=(-accel tcg,thread=multi -cpu max -smp "$smp" -m "$mem"
       -nodefaults -display none -no-reboot -no-user-config
       -kernel "$boot" -initrd "$initrd"
       -append "console=hvc0 console=ttyS0 quiet loglevel=3 panic=-1 mitigations=off tsc=reliable $lpj $append"
       "${virtfs[@]}")
klog=$scratch/kernel.log
: >"$klog"
qargs+=(-device virtio-serial-pci,id=vser -chardev "file,id=klog,path=$klog"
        -device virtconsole,bus=vser.0,chardev=klog)
# init.sh's heartbeat, on a port of its own.
hb=$scratch/heartbeat
: >"$hb"
qargs+=(-chardev "file,id=hb,path=$hb" -device virtserialport,bus=vser.0,chardev=hb,name=xeno.heartbeat)
if [ $shell = 1 ]; then
    # Foreground, the serial port on the terminal (QEMU's mux: Ctrl-A x).
    "$qemu" "${qargs[@]}" -serial mon:stdio
    rc=$(cat "$scratch/rc" 2>/dev/null)
    reason=shell
    exit "${rc:-125}"
fi

log=$scratch/console.log
: >"$log"
# QEMU is not the code under test: meson's MALLOC_PERTURB_ (set for every
# test) is for ours, and QEMU/TCG has crashed under it (status 139).
env -u MALLOC_PERTURB_ "$qemu" "${qargs[@]}" -serial "file:$log" -pidfile "$scratch/qemu.pid" \
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
# The whole kernel log and console of a test host that died or wedged, kept
# as evidence: $XENO_CACHE_DIR/testhost-deaths/TIME-SCENARIO.{kernel,console}.log.
keep_klog() {
    local d n
    d=$cache/testhost-deaths n=$(date -u +%Y%m%dT%H%M%SZ)-${XENO_TESTHOST_LABEL:-$(basename "$scenario")}
    mkdir -p "$d" && sed 's/\r$//' "$klog" >"$d/$n.kernel.log" && sed 's/\r$//' "$log" >"$d/$n.console.log" &&
        echo "run.sh: kept in $d/$n.kernel.log and .console.log" >&2
}
# Stop streaming, kill QEMU, say why with the last console lines; exit.
give_up() { # status reason message
    [ -n "$tailpid" ] && { sleep 0.5; kill "$tailpid" 2>/dev/null; wait "$tailpid" 2>/dev/null; tailpid=; }
    [ -n "$qpid" ] && kill "$qpid" 2>/dev/null
    reason=$2
    echo "run.sh: $3 (scenario $scenario), QEMU killed" >&2
    [ $quiet = 1 ] && tail -40 "$log" | sed 's/\r$//' >&2
    if xeno_kernel_death "$klog" >/dev/null || [ "$2" = wedged ]; then
        echo "run.sh: the test host's kernel log ends:" >&2
        tail -60 "$klog" | sed 's/\r$//; s/^/  /' >&2
        keep_klog
    fi
    exit "$1"
}
while kill -0 "$qpid" 2>/dev/null; do
    if [ -z "$ready" ] && grep -q '^XENO-TESTHOST-READY' "$log"; then
        ready=$(awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN { printf "%.1f", a - b }')
    fi
    if grep -q '^XENO-TESTHOST-EXIT=' <<<"$(tail -c 4096 "$log")"; then
        # Powering off takes a moment; don't wait forever for it.
        exit_seen=$((exit_seen + 1))
        [ $exit_seen -gt 40 ] && break
    fi
    # The test host's own kernel died (its messages alone are in $klog):
    # nothing will come; give it two seconds to print the trace.
    if death=$(xeno_kernel_death "$klog"); then
        sleep 2
        give_up 125 kernel-died "TEST HOST KERNEL DIED: $death"
    fi
    # A vCPU of the test host stuck in the kernel this long (seen with a
    # nested guest spinning in KVM_RUN) won't recover: give up early.
    stuck=$(grep -a -o 'soft lockup - CPU#[0-9]* stuck for [0-9]*s' "$klog" |
            sed 's/.* for \([0-9]*\)s/\1/' | sort -n | tail -1)
    [ "${stuck:-0}" -ge "$lockup_limit" ] &&
        give_up 124 soft-lockup "HUNG: the test host reports a soft lockup of ${stuck}s"
    # Ready takes 5-50 s (the latter on a machine at load 20); a test host
    # silent for minutes has wedged in its boot (seen: both vCPUs halted,
    # the console empty).
    [ -z "$ready" ] && [ "$(date +%s)" -ge $((deadline - timeout + boot_limit)) ] &&
        give_up 125 boot-timeout "BOOT HUNG: the test host not ready after ${boot_limit}s (its console: $(wc -l <"$log") lines)"
    # The heartbeat (from XENO-TESTHOST-READY on) stopped: wedged.
    if [ -n "$ready" ] && [ -s "$hb" ]; then
        now=$(date +%s) hbsize=$(stat -c %s "$hb")
        [ "$hbsize" != "${hb_seen:-}" ] && { hb_seen=$hbsize hb_at=$now; }
        [ $((now - hb_at)) -ge "$hb_limit" ] && [ $exit_seen = 0 ] &&
            give_up 124 wedged "HUNG: the test host's heartbeat stopped $((now - hb_at))s ago (its uptime then: $(tail -1 "$hb" | tr -d '\r')s)"
    fi
    [ "$(date +%s)" -ge $deadline ] && give_up 124 timeout "TIMEOUT after ${timeout}s"
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
# (Before virtio_console loads, the kernel's messages are on the serial
# port alone, and no scenario output is there yet.)
if [ -z "$rc" ] && { death=$(xeno_kernel_death "$klog") ||
                     { ! grep -q '^XENO-TESTHOST-READY' "$log" && death=$(xeno_kernel_death "$log"); }; }; then
    # A panic ends QEMU (panic=-1, -no-reboot) before the loop sees it.
    give_up 125 kernel-died "TEST HOST KERNEL DIED: $death"
fi
if [ -z "$rc" ]; then
    reason=boot-failure
    echo "run.sh: BOOT FAILURE: the test host stopped (QEMU status $qrc) without reporting an exit status" >&2
    [ -s "$scratch/qemu.err" ] && sed 's/^/qemu: /' "$scratch/qemu.err" >&2
    [ $quiet = 1 ] && tail -40 "$log" | sed 's/\r$//' >&2
    exit 125
fi
[ $quiet = 1 ] && [ "$rc" != 0 ] && sed 's/\r$//' "$log" >&2
reason=scenario
printf 'run.sh: exit %s; ready after %ss, total %ss\n' "$rc" "${ready:-?}" "$total" >&2
exit "$rc"
