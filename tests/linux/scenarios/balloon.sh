#!/bin/bash
# testhost-timeout: 1200
# Ballooning with Linux's own xen-balloon driver (built into Debian's
# kernel): a 512 MiB guest goes to 128 MiB and back (MemTotal follows, the
# VMM's memfd gives the pages back to the host: st_blocks fall by >= 90 %
# of the difference, and rise again when the guest uses them); a guest
# started pre-ballooned (memory 256, maxmem 512) grows to 512, stopping at
# the VMM's limit (mem-max) until it is raised.
. "$(dirname "$0")/../lib.sh"
trap '' PIPE   # a guest that died must not end the scenario before it says why
xs_start || exit 1
MIB=1024   # KiB

# The toolstack's memory entries (KiB, as Linux reads them).
mem_tree() { # domid target static-max
    xenstore-write /local/domain/"$1"/memory/target "$2" /local/domain/"$1"/memory/static-max "$3"
}
tree_bal() { mem_tree "$1" $((512 * MIB)) $((512 * MIB)); }
tree_pre() { mem_tree "$1" $((256 * MIB)) $((512 * MIB)); }
set_target() { xenstore-write /local/domain/"$1"/memory/target "$2"; }

ctl() { vmm_ctl "$WORK/$1.ctl" "$2"; }
info() { # name field: from the VMM's info
    ctl "$1" '{"cmd":"info"}' | python3 -c "import json,sys; print(json.load(sys.stdin).get('$2',''))"
}

# gone NAME: the guest's VMM has exited (its .rc is written); says so once
# with the end of its console and the VMM's report.
gone() {
    [ -e "$WORK/$1.rc" ] || return 1
    if [ ! -e "$WORK/$1.told" ]; then
        : >"$WORK/$1.told"
        fail "$1: xeno-vmm exited (status $(cat "$WORK/$1.rc")) during the test"
        tr -d '\r' <"$WORK/$1.out" | grep -a -v CPUID | tail -80
    fi
    return 0
}
wait_line() { # name regex seconds: console_wait that stops when the guest is gone
    local end=$(($(date +%s) + $3))
    while [ "$(date +%s)" -lt $end ]; do
        grep -a -q -E -- "$2" "$WORK/$1.out" 2>/dev/null && return 0
        gone "$1" && return 1
        sleep 0.5
    done
    return 1
}

SEQ=0
report() { # name fd: sets MT CUR TGT from the guest (0 if no answer)
    SEQ=$((SEQ + 1)); MT=0 CUR=0 TGT=0
    gone "$1" && return 1
    echo "report $SEQ" >&"$2"
    wait_line "$1" "^report-$SEQ:" 60 || { echo "$1: no answer to report $SEQ"; return 1; }
    local l
    l=$(grep -a "^report-$SEQ:" "$WORK/$1.out" | tr -d '\r' | head -1)
    MT=$(sed 's/.*memtotal=\([0-9]*\).*/\1/' <<<"$l")
    CUR=$(sed 's/.*current=\([0-9]*\).*/\1/' <<<"$l")
    TGT=$(sed 's/.*target=\([0-9]*\).*/\1/' <<<"$l")
    echo "$1: memtotal=$MT current=$CUR target=$TGT KiB"
}
settle() { # name fd seconds: until the balloon reached its target
    local end=$(($(date +%s) + $3))
    while [ "$(date +%s)" -lt $end ]; do
        report "$1" "$2" && [ "$CUR" = "$TGT" ] && [ "$CUR" != 0 ] && return 0
        gone "$1" && return 1
        sleep 2
    done
    return 1
}
fill() { # name fd MiB
    SEQ=$((SEQ + 1))
    gone "$1" && return 1
    echo "fill $SEQ $3" >&"$2"
    wait_line "$1" "^fill-$SEQ: done" 300 || { gone "$1" || fail "$1: fill $3 MiB did not finish"; return 1; }
    echo "$1: filled $3 MiB: populated $(info "$1" mem_kib) KiB, held $(info "$1" held_kib) KiB"
}
within() { # value lo hi
    [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]
}

# --- 512 -> 128 -> 512 ----------------------------------------------------
mkfifo "$WORK/bal.in"
BOOT_XS_HOOK=tree_bal GUEST_TIMEOUT=900 boot bal 1 1 'xeno.run=/t/balloon.sh' \
    --memory 512 --control "$WORK/bal.ctl" &
balpid=$!
exec 3>"$WORK/bal.in"
if wait_line bal '^balloon-ready' 300; then
    expect_out bal '^balloon-driver: yes' "the guest has xen-balloon (/sys/devices/system/xen_memory)"
    report bal 3; MT0=$MT
    fill bal 3 400
    report bal 3; H0=$(info bal held_kib)
    t0=$(date +%s.%N)
    set_target 1 $((128 * MIB))
    if settle bal 3 300; then
        echo "bal: gave back 384 MiB in $(echo "$(date +%s.%N) - $t0" | bc) s"
        MT1=$MT H1=$(info bal held_kib) P1=$(info bal mem_kib)
        d=$((MT0 - MT1))
        if within $d $((384 * MIB * 95 / 100)) $((384 * MIB * 105 / 100)); then
            pass "bal: MemTotal fell by $d KiB (384 MiB asked)"
        else fail "bal: MemTotal fell by $d KiB, expected about $((384 * MIB))"; fi
        if [ $((H0 - H1)) -ge $((384 * MIB * 90 / 100)) ]; then
            pass "bal: the VMM's memfd gave back $((H0 - H1)) KiB (>= 90 % of 384 MiB)"
        else fail "bal: the memfd gave back only $((H0 - H1)) KiB of 384 MiB ($H0 -> $H1)"; fi
        if [ "$P1" = $((128 * MIB)) ]; then pass "bal: the VMM counts 128 MiB populated"
        else fail "bal: the VMM counts $P1 KiB populated, expected $((128 * MIB))"; fi
    else
        fail "bal: the balloon did not reach 128 MiB (current $CUR, target $TGT)"
    fi
    t0=$(date +%s.%N)
    set_target 1 $((512 * MIB))
    if settle bal 3 300; then
        echo "bal: took 384 MiB again in $(echo "$(date +%s.%N) - $t0" | bc) s"
        MT2=$MT P2=$(info bal mem_kib)
        if within "$MT2" $((MT0 - MIB)) $((MT0 + MIB)); then pass "bal: MemTotal back to $MT2 KiB"
        else fail "bal: MemTotal $MT2 KiB after growing back, was $MT0"; fi
        if [ "$P2" = $((512 * MIB)) ]; then pass "bal: the VMM counts 512 MiB populated again"
        else fail "bal: the VMM counts $P2 KiB populated, expected $((512 * MIB))"; fi
        fill bal 3 400
        H2=$(info bal held_kib)
        if [ $((H2 - H1)) -ge $(((H0 - H1) * 90 / 100)) ]; then
            pass "bal: using the memory again, the memfd holds $((H2 - H1)) KiB more"
        else fail "bal: the memfd grew by $((H2 - H1)) KiB only ($H1 -> $H2)"; fi
    else
        fail "bal: the balloon did not grow back to 512 MiB (current $CUR, target $TGT)"
    fi
    echo off >&3
else
    fail "bal: the guest script did not start"
fi
wait $balpid
exec 3>&-
expect_rc bal 0
reject_out bal 'Kernel panic|BUG:|Initial ballooning failed|xen:balloon.*(fail|error)' "no balloon errors"

# --- pre-ballooned: memory 256, maxmem 512 ---------------------------------
mkfifo "$WORK/pre.in"
BOOT_XS_HOOK=tree_pre GUEST_TIMEOUT=900 boot pre 2 1 'xeno.run=/t/balloon.sh' \
    --memory 256 --maxmem 512 --control "$WORK/pre.ctl" &
prepid=$!
exec 4>"$WORK/pre.in"
if wait_line pre '^balloon-ready' 300 && settle pre 4 120; then
    MTP0=$MT P=$(info pre mem_kib)
    if [ "$P" = $((256 * MIB)) ] && [ "$MTP0" -le $((256 * MIB)) ]; then
        pass "pre: booted with 512 MiB in its memory map, ballooned to 256 (MemTotal $MTP0 KiB)"
    else fail "pre: populated $P KiB, MemTotal $MTP0 KiB after boot (want 256 MiB)"; fi
    r=$(ctl pre "{\"cmd\":\"mem-max\",\"kib\":$((384 * MIB))}")
    [ "$r" = '{"ok":true,"max_kib":393216}' ] && pass "pre: mem-max 384 MiB" || fail "pre: mem-max: $r"
    r=$(ctl pre "{\"cmd\":\"mem-max\",\"kib\":$((600 * MIB))}")
    grep -q '"ok":false.*above' <<<"$r" && pass "pre: mem-max above maxmem refused" || fail "pre: mem-max 600 MiB: $r"
    set_target 2 $((512 * MIB))
    for _ in $(seq 60); do [ "$(info pre mem_kib)" = $((384 * MIB)) ] && break; sleep 1; done
    sleep 5
    P=$(info pre mem_kib)
    [ "$P" = $((384 * MIB)) ] && pass "pre: growth stops at mem-max (384 MiB)" ||
        fail "pre: populated $P KiB with mem-max 384 MiB"
    ctl pre "{\"cmd\":\"mem-max\",\"kib\":$((512 * MIB))}" >/dev/null
    set_target 2 $((512 * MIB - 4))   # a new target wakes a balloon that gave up
    if settle pre 4 300; then
        P=$(info pre mem_kib)
        [ "$P" = $((512 * MIB - 4)) ] && pass "pre: grew to 512 MiB (populated $P KiB)" ||
            fail "pre: populated $P KiB, expected $((512 * MIB - 4))"
        d=$((MT - MTP0))
        within $d $((256 * MIB * 95 / 100)) $((256 * MIB * 105 / 100)) &&
            pass "pre: MemTotal grew by $d KiB" || fail "pre: MemTotal grew by $d KiB, expected about $((256 * MIB))"
    else
        fail "pre: did not grow to 512 MiB (current $CUR, target $TGT)"
    fi
    echo off >&4
else
    fail "pre: the guest did not start or did not balloon down to 256 MiB"
fi
wait $prepid
exec 4>&-
expect_rc pre 0
reject_out pre 'Kernel panic|BUG:|Initial ballooning failed|xen:balloon.*(fail|error)' "no balloon errors"
finish
