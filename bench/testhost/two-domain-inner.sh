# shellcheck shell=bash
# The inside half of bench/testhost/two-domain-loop.sh (sourced there, in
# the test host, with the params file as $1): ITERS iterations of two guests
# booting at once; one line per iteration to $R/results.txt.
# shellcheck source=/dev/null
. "$1"
W=$(mktemp -d /run/xeno-2dom.XXXXXX)    # unix sockets: local tmpfs
DISKDIR=$(mktemp -d /tmp/xeno-2dom-disks.XXXXXX)
[ ${#VMM_ENV[@]} -gt 0 ] && export "${VMM_ENV[@]}"
run=true
[ "${DISK:-0}" = 0 ] || run=/t/disk-io
GUEST_CMDLINE="loglevel=4 pci=off xeno.run=$run $CMDEXTRA"
# xeno-vmm tells a bzImage kernel its TSC frequency (tsc_early_khz, what
# KVM_GET_TSC_KHZ says: the test host's TSC) and tsc=reliable; for the ELF
# vmlinux we do.
if [ "$ENGINE" != qemu ] && ! LC_ALL=C grep -q -a -m1 HdrS <(head -c 1024 "$K"); then
    khz=$(dmesg | sed -n 's/.*tsc: Refined TSC clocksource calibration: \([0-9.]*\) MHz.*/\1/p; s/.*tsc: Detected \([0-9.]*\) MHz processor.*/\1/p' |
          tail -1 | awk '{ printf "%d", $1 * 1000 }')
    [ -n "$khz" ] && GUEST_CMDLINE="$GUEST_CMDLINE tsc=reliable tsc_early_khz=$khz"
fi
: >"$R/results.txt"
# Where the test host's own kernel lies (XENO_TESTHOST_BZIMAGE=1 boots it
# through its decompressor, which randomises it; PVH entry does not).
echo "testhost: $(grep -m1 -w _text /proc/kallsyms) page_offset_base $(grep -m1 -w page_offset_base /proc/kallsyms)" >"$R/testhost.txt"

# --- engine xm: xenstored + xend, as scripts/demo-inner.sh ---------------
xm() { "$B/src/toolstack/xm" "$@"; }
xm_setup() {
    export XENSTORED_RUNDIR=$W/xenstored
    mkdir -p "$XENSTORED_RUNDIR" "$W/auto" "$W/log"
    "$B/src/xenstored/xenstored" -N -D "$W/xsdb" >"$W/xenstored.log" 2>&1 &
    for _ in $(seq 50); do [ -S "$XENSTORED_RUNDIR/socket" ] && break; sleep 0.1; done
    xeno_xend_conf "$W" "$B" "$XENSTORED_RUNDIR" 120 240 >"$W/xend.conf"
    "$B/src/toolstack/xend" -f "$W/xend.conf" >"$W/xend.out" 2>&1 &
    export XENO_XEND=$W/xend.sock
    for _ in $(seq 50); do [ -S "$XENO_XEND" ] && break; sleep 0.1; done
    # demo.cfg's settings, a fixed small memory and a guest that powers off.
    cat >"$W/loop.cfg" <<EOC
name = "loop-%d" % vmid
type = "pvh"
kernel = "$K"
ramdisk = "$I"
cmdline = "console=hvc0 $GUEST_CMDLINE"
memory = $MEM
vcpus = ${VCPUS:-1}
on_poweroff = "destroy"
on_reboot = "destroy"
on_crash = "preserve"
EOC
}
xm_start() {
    local cfg=$W/loop.cfg
    if [ "${DISK:-0}" != 0 ]; then
        # A fresh disk per domain, where vbd.sh keeps its images (/tmp:
        # the test host's overlay on tmpfs).
        mkdir -p "$DISKDIR" && rm -f "$DISKDIR/disk-$1.img" "$DISKDIR/disk-$(($1 - 2)).img"
        truncate -s "${DISK}M" "$DISKDIR/disk-$1.img"
        cfg=$W/loop-$1.cfg
        { cat "$W/loop.cfg"; echo "disk = [ \"file:$DISKDIR/disk-$1.img,xvdb,w\" ]"; } >"$cfg"
    fi
    xm create "$cfg" vmid="$1" >"$W/xm-$1.out" 2>&1
}
xm_log() { echo "$W/log/domain-loop-$1.log"; }
# Prints the VMM's exit status once the domain has ended (xend's log).
xm_ended() {
    local l
    l=$(grep -a -E "\(loop-$1\) (crashed|shut down|failed to start)" "$W/xend.log" | tail -1)
    [ -n "$l" ] || return 1
    case $l in
    *"exit status "*) echo "$l" | sed 's/.*exit status \([0-9]*\).*/\1/' ;;
    *signal*) echo "sig$(echo "$l" | sed 's/.*signal \([0-9]*\).*/\1/')" ;;
    *) echo start ;;
    esac
}
xm_stop() { xm destroy "loop-$1" >/dev/null 2>&1; }

# --- engine vmm: xeno-vmm pairs, as tests/linux/lib.sh boot -------------
vmm_setup() {
    export WORK=$W XENO_VMM=$B/src/vmm/xeno-vmm XENO_XENSTORED=$B/src/xenstored/xenstored
    export XENO_KERNEL=$K XENO_INITRD=$I GUEST_TIMEOUT=$GTIMEOUT
    . "$root/tests/linux/lib.sh"
    xs_start >/dev/null
}
vmm_start() { boot "g$1" "$1" "${VCPUS:-1}" "$GUEST_CMDLINE" >/dev/null; }
vmm_log() { echo "$W/g$1.out"; }
vmm_ended() { [ -s "$W/g$1.rc" ] && cat "$W/g$1.rc"; }
vmm_stop() { :; }   # timeout(1) in boot() ends it

# --- engine qemu: QEMU microvm on the same nested KVM -------------------
qemu_setup() { :; }
qemu_start() {
    local d=()
    if [ "${DISK:-0}" != 0 ]; then
        rm -f "$DISKDIR/disk-$1.img" "$DISKDIR/disk-$(($1 - 2)).img"
        truncate -s "${DISK}M" "$DISKDIR/disk-$1.img"
        d=(-drive "file=$DISKDIR/disk-$1.img,format=raw,if=none,id=d0,aio=io_uring"
           -device virtio-blk-device,drive=d0)
    fi
    qemu-system-x86_64 -M microvm -accel kvm -cpu host -m "$MEM" -smp "${VCPUS:-1}" "${d[@]}" \
        -nodefaults -no-user-config -display none -no-reboot \
        -serial "file:$W/q$1.out" -kernel "$K" -initrd "$I" -pidfile "$W/q$1.pid" \
        -append "console=ttyS0 $GUEST_CMDLINE" >"$W/q$1.err" 2>&1
    echo $? >"$W/q$1.rc"
}
qemu_log() { echo "$W/q$1.out"; }
qemu_ended() {
    if grep -a -q '^XENO-GUEST-EXIT=' "$W/q$1.out" 2>/dev/null; then
        sleep 1; qemu_stop "$1"; echo 0; return 0
    fi
    [ -s "$W/q$1.rc" ] && echo "qemu$(cat "$W/q$1.rc")"
}
qemu_stop() { kill -9 "$(cat "$W/q$1.pid" 2>/dev/null)" 2>/dev/null; }

# --- the loop ----------------------------------------------------------
# A soft lockup report is not a crash: the guest stalled (a vCPU not run
# for 20 s or more) and went on; it is flagged "+lockup".
classify() { # exit-status log
    local c lk=
    grep -a -q 'soft lockup' "$2" 2>/dev/null && lk=+lockup
    if grep -a -v 'soft lockup' "$2" 2>/dev/null | grep -a -q -E 'Kernel panic|BUG: |Oops' || [ "$1" = 103 ]; then c="crash($1)"
    elif [ "$1" = 0 ] && grep -a -q '^XENO-GUEST-EXIT=0' "$2"; then c=ok
    elif [ "$1" = hang ]; then c=hang
    else c="fail($1)"; fi
    echo "$c$lk"
}

"${ENGINE}_setup"
dmesg -n 3
dmesg -c >/dev/null
for it in $(seq "$ITERS"); do
    ids=($((2 * it - 1)) $((2 * it)))
    t0=$(date +%s)
    declare -A pids=()
    for v in "${ids[@]}"; do "${ENGINE}_start" "$v" & pids[$v]=$!; done
    wait_start=$(date +%s)
    declare -A st=()
    while :; do
        left=0
        for v in "${ids[@]}"; do
            [ -n "${st[$v]:-}" ] && continue
            if s=$("${ENGINE}_ended" "$v"); then st[$v]="$s/$(( $(date +%s) - t0 ))s"; else left=1; fi
        done
        [ $left = 0 ] && break
        if [ $(( $(date +%s) - wait_start )) -ge "$GTIMEOUT" ]; then
            for v in "${ids[@]}"; do [ -n "${st[$v]:-}" ] || { st[$v]=hang/${GTIMEOUT}s; "${ENGINE}_stop" "$v"; }; done
            break
        fi
        sleep 1
    done
    wait "${pids[@]}" 2>/dev/null  # xm create, boot() or qemu
    line="iter=$it t=$(( $(date +%s) - t0 ))s"
    for k in 0 1; do
        v=${ids[$k]} s=${st[${ids[$k]}]}
        log=$("${ENGINE}_log" "$v")
        c=$(classify "${s%%/*}" "$log")
        line="$line $( [ $k = 0 ] && echo a || echo b)=$c/${s#*/}"
        cp "$log" "$R/iter$it-guest$v-$c.log" 2>/dev/null
        [ "${c%%(*}" = crash ] && "${ENGINE}_stop" "$v"
    done
    k=$(dmesg -c)
    [ -n "$k" ] && { echo "$k" >"$R/iter$it-testhost-dmesg.txt"; line="$line testhost-dmesg=$(echo "$k" | wc -l)"; }
    echo "$line load=$(cut -d' ' -f1 /proc/loadavg)" | tee -a "$R/results.txt"
    unset st pids
done
[ "$ENGINE" = xm ] && cp "$W/xend.log" "$R/xend.log"
exit 0
