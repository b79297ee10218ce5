# Helpers for Linux-on-xeno scenarios (sourced inside the test host, or
# directly on a host whose /dev/kvm runs guests at hardware speed).
# Environment from run.sh: XENO_VMM, XENO_XENSTORED, XENO_KERNEL,
# XENO_INITRD, WORK (a writable scratch dir).
set -u
# shellcheck source=../../scripts/testhost/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../scripts/testhost/lib.sh"
FAILS=0
pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; FAILS=$((FAILS + 1)); }

xs_start() { # run dir: XS_RUNDIR (default $WORK/xsrun)
    export XENSTORED_RUNDIR=${XS_RUNDIR:-$WORK/xsrun}
    export XENSTORED_PATH=$XENSTORED_RUNDIR/socket
    mkdir -p "$XENSTORED_RUNDIR"
    "$XENO_XENSTORED" -N -I >"$WORK/xenstored.log" 2>&1 &
    XS_PID=$!
    for _ in $(seq 100); do [ -S "$XENSTORED_RUNDIR/rings" ] && return 0; sleep 0.1; done
    fail "xenstored did not start: $(tail -3 "$WORK/xenstored.log")"
    return 1
}

xs_stop() { kill "$XS_PID" 2>/dev/null; wait "$XS_PID" 2>/dev/null; }

# The entries a toolstack writes for domain D (as libxl does).
dom_tree() { # domid name vcpus mem_kib
    local d=$1 p=/local/domain/$1
    xenstore-write $p/domid "$d" $p/name "$2" $p/vm "/vm/$2" \
        $p/memory/target "$4" $p/memory/static-max "$4" || return 1
    xenstore-chmod -r $p n0 r"$d"
    for k in control device data drivers attr feature error; do
        xenstore-write $p/$k "" && xenstore-chmod $p/$k n"$d"
    done
    for i in $(seq 0 $(($3 - 1))); do
        xenstore-write $p/cpu/$i/availability online
        xenstore-chmod $p/cpu/$i/availability n0 r"$d"
    done
}

# boot NAME DOMID VCPUS CMDLINE [xeno-vmm args...]: console -> $WORK/NAME.out,
# exit status -> $WORK/NAME.rc.  Stdin from $WORK/NAME.in if it is a fifo.
boot() {
    local name=$1 d=$2 n=$3 cmdline=$4 in=/dev/null
    shift 4
    [ -p "$WORK/$name.in" ] && in=$WORK/$name.in
    dom_tree "$d" "$name" "$n" 262144 || { fail "$name: xenstore tree"; return 1; }
    # BOOT_XS_HOOK: a function that adds to the domain's tree (devices).
    if [ -n "${BOOT_XS_HOOK:-}" ]; then "$BOOT_XS_HOOK" "$d" || { fail "$name: $BOOT_XS_HOOK"; return 1; }; fi
    local t0=$(date +%s.%N) jail=()
    # Jailed as xend runs it (vmm-jail = yes, the default; docs/privilege.md);
    # XENO_TEST_JAIL=0 runs it as root, which its log warns about.
    [ "${XENO_TEST_JAIL:-1}" = 1 ] && jail=(--jail "uid=$((800000 + d)),gid=$((800000 + d))")
    timeout -k 5 "${GUEST_TIMEOUT:-240}" "$XENO_VMM" "${jail[@]}" --kernel "$XENO_KERNEL" \
        --ramdisk "$XENO_INITRD" --memory 256 --vcpus "$n" --domid "$d" \
        --name "$name" --xenstored-dir "$XENSTORED_RUNDIR" --verbose \
        --cmdline "console=hvc0 loglevel=4 $cmdline" "$@" <"$in" >"$WORK/$name.out" 2>&1
    echo $? >"$WORK/$name.rc"
    echo "$name: xeno-vmm exit $(cat "$WORK/$name.rc") after $(echo "$(date +%s.%N) - $t0" | bc) s"
    xenstore-rm /local/domain/"$d" 2>/dev/null
    return 0
}

expect_rc() { # name rc
    local got
    got=$(cat "$WORK/$1.rc")
    if [ "$got" = "$2" ]; then pass "$1: exit status $2"; else
        fail "$1: exit status $got, expected $2"; tail -25 "$WORK/$1.out"; fi
}

expect_out() { # name regex description
    if grep -q -E -- "$2" "$WORK/$1.out"; then pass "$1: $3"; else
        fail "$1: $3 (no match for /$2/)"; fi
}

expect_log() { # name regex description: in $WORK/NAME.log (boot ... --log)
    if grep -q -E -- "$2" "$WORK/$1.log"; then pass "$1: $3"; else
        fail "$1: $3 (no match for /$2/ in the VMM log)"; grep -E 'crash:' "$WORK/$1.log" | head -60; fi
}

reject_out() { # name regex description
    if grep -E -- "$2" "$WORK/$1.out" >/dev/null; then
        fail "$1: $3: $(grep -E -- "$2" "$WORK/$1.out" | head -3)"; else pass "$1: $3"; fi
}

# A scenario that failed after a guest triple fault the CPU below could not
# have made (scripts/testhost/nested-fault.sh: every structure the
# delivery reads was intact) ends with 123: tests/linux/run.sh runs it once
# more, as it does a dead test host.  In the nested test host
# (XENO_NESTED=1, from tests/linux/run.sh) so does one whose registers the
# host's KVM threw away (AMD's shutdown intercept): it cannot be judged, and
# QEMU's own guests hang at the same point there.  Any other crash stays a
# verdict, and on hardware an unjudged one does too.
NESTED_FAULT_EXIT=123
: >"$WORK/.scenario-start"
nested_cpu_fault() {
    local logs
    mapfile -t logs < <(find "$WORK" /run/xeno-* -type f -newer "$WORK/.scenario-start" \
        \( -name '*.log' -o -name '*.out' \) -exec grep -l -a 'crashed: triple fault' {} + 2>/dev/null)
    [ ${#logs[@]} -gt 0 ] || return 1
    local ok=()
    [ "${XENO_NESTED:-0}" = 1 ] && ok=(--unjudged-ok)
    "$(dirname "${BASH_SOURCE[0]}")/../../scripts/testhost/nested-fault.sh" "${ok[@]}" "${logs[@]}"
}

# Inside the nested test host only: a VMM's stop report (src/vmm/vcpu_stall.c)
# names a vCPU that sat halted in KVM_RUN while its armed LAPIC timer was
# overdue by 10 s or more: the test host's KVM never woke it, which no
# VMM can cause from user space.  Prints those lines.
nested_timer_stall() {
    [ "${XENO_NESTED:-0}" = 1 ] || return 1
    find "$WORK" /run/xeno-* -type f -newer "$WORK/.scenario-start" \
        \( -name '*.log' -o -name '*.out' \) -exec grep -h -a -E \
        'vcpu[0-9]+: stalled: .*: halted, .*tsc-deadline.*overdue by ([1-9][0-9]+|[0-9]{3,})\.[0-9]+ s' {} + \
        2>/dev/null | sort -u | grep .
}

finish() {
    xs_stop
    echo "scenario: $FAILS failed"
    if [ "$FAILS" != 0 ] && nested_cpu_fault; then
        echo "scenario: INFRA: the failures follow a guest triple fault the nested CPU made or whose state it lost (docs/testhost.md, nested-fault.sh's verdict above)"
        exit $NESTED_FAULT_EXIT
    fi
    if [ "$FAILS" != 0 ] && nested_timer_stall; then
        echo "scenario: INFRA: the failures follow a vCPU left halted in the test host's KVM past its own timer (the lines above; docs/testhost.md)"
        exit $NESTED_FAULT_EXIT
    fi
    [ "$FAILS" = 0 ]
}

# The xenstore dirs a toolstack writes for disk DEVID of domain D (the
# block contract: frontend owned by the guest, backend by dom0, each
# readable by the other side), before the VMM's backend takes over.  The
# backend dir first: a running guest probes the frontend dir as soon as it
# appears and gives up ("missing or inaccessible") if it cannot read the
# backend dir it names.
vbd_tree() { # domid devid mode [name]
    local d=$1 v=$2 fe=/local/domain/$1/device/vbd/$2 be=/local/domain/0/backend/vbd/$1/$2
    xenstore-write $be/frontend $fe $be/frontend-id "$d" $be/online 1 $be/state 1 \
        $be/mode "$3" $be/params "${4:-disk}.img" $be/type file $be/dev "${4:-xvda}" \
        $be/removable 0 $be/bootable 1 || return 1
    xenstore-chmod -r $be n0 r"$d"
    xenstore-write $fe/backend $be $fe/backend-id 0 $fe/state 1 \
        $fe/virtual-device "$v" $fe/device-type disk || return 1
    xenstore-chmod /local/domain/"$d"/device/vbd n"$d" r0
    xenstore-chmod -r $fe n"$d" r0
}

vif_tree() { # domid devid mac [bridge]: the dirs xend writes (net-contract)
    local d=$1 v=$2 fe=/local/domain/$1/device/vif/$2 be=/local/domain/0/backend/vif/$1/$2
    xenstore-write $be/frontend $fe $be/frontend-id "$d" $be/handle "$v" $be/mac "$3" \
        $be/online 1 $be/state 1 $be/type vif $be/script vif-bridge \
        $be/bridge "${4:-xenbr0}" $be/hotplug-status connected || return 1
    xenstore-chmod -r $be n0 r"$d"
    xenstore-write $fe/backend $be $fe/backend-id 0 $fe/handle "$v" $fe/mac "$3" \
        $fe/state 1 || return 1
    xenstore-chmod /local/domain/"$d"/device/vif n"$d" r0
    xenstore-chmod -r $fe n"$d" r0
}

vbd_rm() { # domid
    xenstore-rm /local/domain/0/backend/vbd/"$1" 2>/dev/null
}

# vmm_ctl SOCKET JSON [FILE]: one control request to a xeno-vmm, FILE's fd
# (opened read-write, or read-only if that fails) passed with it by
# SCM_RIGHTS as xend does; prints the reply line (fails after 30 s).
# FILE tap:NAME[:BRIDGE[:MTU]] passes a new tap instead (as xend opens it:
# IFF_TAP|IFF_NO_PI|IFF_VNET_HDR), put on BRIDGE with MTU and up.
vmm_ctl() {
    XENO_TESTS_LINUX=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd) python3 - "$@" <<'PY'
import array, os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(30)  # disk-detach answers within 10 s
s.connect(sys.argv[1])
fds = []
if len(sys.argv) > 3 and sys.argv[3].startswith('tap:'):
    sys.path.insert(0, os.environ['XENO_TESTS_LINUX'])
    from tap_exec import open_tap
    name, br, mtu = (sys.argv[3][4:].split(':') + ['', ''])[:3]
    fds = [open_tap(name, br, mtu)]
elif len(sys.argv) > 3:
    try:
        fds = [os.open(sys.argv[3], os.O_RDWR)]
    except OSError:
        fds = [os.open(sys.argv[3], os.O_RDONLY)]
anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', fds))] if fds else []
s.sendmsg([(sys.argv[2] + "\n").encode()], anc)
print(s.makefile().readline().strip())
PY
}

# console_wait NAME REGEX SECONDS: wait for a line in a running guest's output.
console_wait() {
    local end=$(($(date +%s) + $3))
    while [ "$(date +%s)" -lt $end ]; do
        grep -q -E -- "$2" "$WORK/$1.out" 2>/dev/null && return 0
        sleep 0.5
    done
    return 1
}

# --- Domains through xend and xm (the toolstack end to end) ---------------

# xend_start: xend with its sockets and run dirs on /run (a local tmpfs in
# the test host), the VMMs from the same build as $XENO_VMM, against the
# xenstored that xs_start started.  Defines xm; XEND_DIR holds the logs.
xend_start() {
    local b=${XENO_VMM%/src/vmm/xeno-vmm}
    # xend tells HTTP callers apart by sock_diag; a normal host loads
    # tcp_diag on demand, the test host loads nothing by itself.
    modprobe inet_diag 2>/dev/null; modprobe tcp_diag 2>/dev/null
    XENO_BUILD=$b
    XEND_DIR=$(mktemp -d /run/xeno-xend.XXXXXX) || return 1
    mkdir -p "$XEND_DIR/log"
    xeno_xend_conf "$XEND_DIR" "$b" "$XENSTORED_RUNDIR" 500 240 >"$XEND_DIR/xend.conf"
    "$b/src/toolstack/xend" -f "$XEND_DIR/xend.conf" >"$XEND_DIR/xend.out" 2>&1 &
    XEND_PID=$!
    export XENO_XEND=$XEND_DIR/xend.sock
    for _ in $(seq 100); do [ -S "$XENO_XEND" ] && return 0; sleep 0.1; done
    fail "xend did not start: $(tail -3 "$XEND_DIR/xend.out")"
    return 1
}

xm() { "$XENO_BUILD/src/toolstack/xm" "$@"; }

xend_stop() { kill "$XEND_PID" 2>/dev/null; wait "$XEND_PID" 2>/dev/null; }

dom_logfile() { echo "$XEND_DIR/log/domain-$1.log"; }

# dom_tail NAME: the end of a domain's log (console and VMM), for failures.
dom_tail() {
    echo "--- last lines of $(dom_logfile "$1"):"
    tr -d '\r' <"$(dom_logfile "$1")" 2>/dev/null | grep -a -v CPUID | tail -${2:-30}
    echo "--- xend's log about it:"
    grep -a -F "($1)" "$XEND_DIR/xend.log" 2>/dev/null | tail -5
}

# dom_alive NAME: the domain exists and has not crashed (xm list's state).
dom_alive() {
    local st
    st=$(xm list "$1" 2>/dev/null | awk -v n="$1" '$1 == n { print $5 }') || return 1
    [ -n "$st" ] && case $st in *c*) return 1 ;; esac
}

# dom_wait NAME REGEX SECONDS: wait for a line in a domain's log.  Ends
# early, failing, when the domain dies or crashes or its guest script
# reports failure (DOM_FAIL_RE); on failure says why with the log's tail.
DOM_FAIL_RE='XENO-GUEST-EXIT=[1-9]|VBD-GUEST-EXIT=[1-9]|Kernel panic'
dom_wait() {
    local log i=0 why
    log=$(dom_logfile "$1")
    while :; do
        grep -a -q -E -- "$2" "$log" 2>/dev/null && return 0
        if grep -a -q -E -- "$DOM_FAIL_RE" "$log" 2>/dev/null; then why="the guest failed"
        elif [ $((i % 5)) = 0 ] && ! dom_alive "$1"; then
            grep -a -q -E -- "$2" "$log" 2>/dev/null && return 0
            why="the domain is gone or crashed"
        elif [ "$i" -ge "$3" ]; then why="not within $3 s"
        else
            # Never silent for long: a slow boot and a hung one look alike
            # from outside until the domain's last line says which.
            [ $((i % 60)) = 59 ] && echo "$1: waiting for /$2/ for $((i + 1)) s; its last line: $(tail -1 "$log" 2>/dev/null | tr -d '\r' | cut -c1-150)"
            sleep 1; i=$((i + 1)); continue
        fi
        fail "$1: waiting for /$2/: $why"
        dom_tail "$1"
        return 1
    done
}

# dom_gone NAME SECONDS: wait until xm no longer lists the domain.
dom_gone() {
    for _ in $(seq "$2"); do xm list "$1" >/dev/null 2>&1 || return 0; sleep 1; done
    fail "$1: still there after $2 s"
    dom_tail "$1"
    return 1
}

# dom_out NAME: the domain's log, without carriage returns, as $WORK/NAME.out
# (for expect_out/reject_out).
dom_out() { tr -d '\r' <"$(dom_logfile "$1")" >"$WORK/$1.out" 2>/dev/null; }

# vbd_rootfs IMG SIZE SCRIPT...: an ext4 root filesystem for Debian's
# kernel and initrd (root=/dev/xvda1): static busybox, busybox init whose
# one job on hvc0 is /etc/vbd-run: it runs /t/vbd-TEST.sh for the kernel
# parameter vbd.test=TEST and prints VBD-GUEST-EXIT=<status>; with
# vbd.after=poweroff it then powers off, else the domain stays up.
vbd_rootfs() {
    local img=$1 size=$2 tree s
    shift 2
    command -v mke2fs >/dev/null || { fail "vbd_rootfs: no mke2fs (apt-get install e2fsprogs)"; return 1; }
    tree=$(mktemp -d) || return 1
    # busybox and its links in one process (a fork per link costs minutes
    # under emulation).
    file -L /bin/busybox 2>/dev/null | grep -q 'statically linked' ||
        { fail "vbd_rootfs: /bin/busybox is not static (apt-get install busybox-static)"; return 1; }
    mkdir -p "$tree"/{bin,sbin,dev,proc,sys,tmp,etc,root,run,mnt,t}
    cp /bin/busybox "$tree/bin/busybox" || return 1
    /bin/busybox --list | python3 -c 'import os, sys
for a in sys.stdin.read().split():
    if not os.path.lexists(sys.argv[1] + "/" + a):
        os.symlink("busybox", sys.argv[1] + "/" + a)' "$tree/bin" || return 1
    # The kernel's orderly poweroff (xm shutdown) runs /sbin/poweroff.
    for s in init poweroff reboot halt; do ln -s ../bin/busybox "$tree/sbin/$s"; done
    for s in "$@"; do cp "$s" "$tree/t/" && chmod +x "$tree/t/$(basename "$s")"; done
    cat >"$tree/etc/inittab" <<'EOI'
::sysinit:/etc/vbd-rc
hvc0::once:/etc/vbd-run
::shutdown:/bin/sync
::shutdown:/bin/mount -o remount,ro /
::shutdown:/bin/umount -a -r
EOI
    cat >"$tree/etc/vbd-rc" <<'EOI'
#!/bin/sh
mountpoint -q /proc || mount -t proc proc /proc
mountpoint -q /sys || mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
# The shutdown's xenbus messages ("timeout closing device") are pr_info.
echo 7 >/proc/sys/kernel/printk
EOI
    cat >"$tree/etc/vbd-run" <<'EOI'
#!/bin/sh
export PATH=/bin:/sbin
t=$(sed -n 's/.*vbd\.test=\([a-z0-9]*\).*/\1/p' /proc/cmdline)
echo "VBD-GUEST-START test=$t kernel=$(uname -r) root=$(awk '$2 == "/" { print $1, substr($4, 1, 2) }' /proc/mounts)"
/t/vbd-$t.sh
echo "VBD-GUEST-EXIT=$?"
case $(cat /proc/cmdline) in *vbd.after=poweroff*) sync; poweroff ;; esac
EOI
    echo 'export PATH=/bin:/sbin' >"$tree/etc/profile"
    echo 'root::0:0:root:/root:/bin/sh' >"$tree/etc/passwd"
    chmod +x "$tree/etc/vbd-rc" "$tree/etc/vbd-run"
    rm -f "$img"
    mke2fs -q -F -t ext4 -L vbdroot -d "$tree" "$img" "$size" ||
        { fail "vbd_rootfs: mke2fs"; rm -rf "$tree"; return 1; }
    rm -rf "$tree"
}

# vbd_cfg FILE NAME VCPUS ROOT EXTRA DISK...: an xm config booting Debian's
# kernel with Debian's own initrd from a disk.
vbd_cfg() {
    local f=$1 name=$2 vcpus=$3 root=$4 extra=$5 d sep=''
    shift 5
    {
        echo "name = \"$name\""
        echo "kernel = \"$XENO_KERNEL\""
        echo "ramdisk = \"$VBD_INITRD\""
        echo "memory = 256"
        echo "vcpus = $vcpus"
        echo "root = \"$root\""
        echo "extra = \"console=hvc0 loglevel=4 pci=off $extra\""
        printf 'disk = ['
        for d in "$@"; do printf "%s'%s'" "$sep" "$d"; sep=', '; done
        echo ']'
        echo 'on_poweroff = "destroy"'
        echo 'on_reboot = "destroy"'
        echo 'on_crash = "preserve"'
    } >"$f"
}
