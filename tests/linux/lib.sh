# Helpers for Linux-on-xeno scenarios (sourced inside the test host, or
# directly on a host whose /dev/kvm runs guests at hardware speed).
# Environment from run.sh: XENO_VMM, XENO_XENSTORED, XENO_KERNEL,
# XENO_INITRD, WORK (a writable scratch dir).
set -u
FAILS=0
pass() { echo "PASS $*"; }
fail() { echo "FAIL $*"; FAILS=$((FAILS + 1)); }

xs_start() {
    export XENSTORED_RUNDIR=$WORK/xsrun XENSTORED_PATH=$WORK/xsrun/socket
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
    local t0=$(date +%s.%N)
    timeout -k 5 "${GUEST_TIMEOUT:-240}" "$XENO_VMM" --kernel "$XENO_KERNEL" \
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

reject_out() { # name regex description
    if grep -E -- "$2" "$WORK/$1.out" >/dev/null; then
        fail "$1: $3: $(grep -E -- "$2" "$WORK/$1.out" | head -3)"; else pass "$1: $3"; fi
}

finish() {
    xs_stop
    echo "scenario: $FAILS failed"
    [ "$FAILS" = 0 ]
}
