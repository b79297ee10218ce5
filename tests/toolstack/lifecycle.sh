#!/bin/sh
# Supervision with the fake VMM: exit statuses and on_* actions, restart
# limits, VMMs that die, xend killed mid-create, adoption after a restart
# of xend, autostart, memory budget.  Args: XEND XM FAKE_VMM
BUILD_XEND=$1 BUILD_XM=$2 FAKE_VMM=$3
. "$(dirname "$0")/lib.sh"

exists() { xm list "$1" >/dev/null 2>&1; }
gone() { ! exists "$1"; }
state_is() { [ "$(dom_field "$1" state)" = "$2" ]; }

write_conf
export FAKE_VMM_EARLY_EXIT=early:103    # the domain named early crashes at once
export FAKE_VMM_SHUTDOWN_CRASH=sdcrash  # and sdcrash* when told to shut down
start_xend || exit 1

# reboot -> on_reboot=restart: same domain, new VMM
xm create "$(mkcfg rb 'on_reboot = "restart"')" >/dev/null
pid1=$(dom_field rb pid)
ctl_send rb '{"cmd":"test-exit","status":101}' >/dev/null
check "reboot restarts the domain" wait_for 5 sh -c "[ \"\$(curl -s $URL/xend/domain/rb | grep -c '\"restarts\":1')\" = 1 ]"
wait_for 5 state_is rb running
pid2=$(dom_field rb pid)
check "restarted domain has a new VMM" test "$pid1" != "$pid2" -a "$pid2" -gt 0
check_eq "restart keeps the id" 1 "$(dom_field rb domid)"
check_match "dmesg tells the reboot" 'domain 1 \(rb\) shut down \(xeno-vmm exit status 101\); action: restart' "$(xm dmesg)"

# poweroff -> on_poweroff=destroy
ctl_send rb '{"cmd":"test-exit","status":0}' >/dev/null
check "poweroff destroys" wait_for 5 gone rb
check_fails "state file removed" test -e "$T/state/1.json"

# xm shutdown -w returns once a restarting domain has restarted
xm create "$(mkcfg sw 'on_poweroff = "restart"')" >/dev/null
check "shutdown -w of a restarting domain" timeout 10 "$BUILD_XM" shutdown -w sw
check_eq "it restarted" 1 "$(dom_field sw restarts)"
xm destroy sw

# xm shutdown -w of a domain that crashes instead: an error, never "terminated"
xm create "$(mkcfg sdcrash 'on_crash = "destroy"')" >/dev/null
out=$(timeout 10 "$BUILD_XM" shutdown -w sdcrash 2>&1); rc=$?
check "shutdown -w of a domain that crashed (destroyed) fails" test "$rc" != 0
check_match "... saying it crashed" 'sdcrash\) crashed instead of shutting down' "$out"
check_fails "... and not that it terminated" sh -c "echo '$out' | grep -q terminated"
xm create "$(mkcfg sdcrash 'on_crash = "preserve"')" >/dev/null
out=$(timeout 10 "$BUILD_XM" shutdown -w sdcrash 2>&1); rc=$?
check "shutdown -w of a domain that crashed (preserved) fails" test "$rc" != 0
check_match "... saying it crashed" 'sdcrash\) crashed instead of shutting down' "$out"
xm destroy sdcrash

# crash -> preserve: kept, no VMM, shown as crashed, memory still counted
xm create "$(mkcfg keep 'on_crash = "preserve"')" >/dev/null
ctl_send keep '{"cmd":"test-exit","status":103}' >/dev/null
check "crash with preserve keeps the domain" wait_for 5 state_is keep crashed
check_match "xm list shows c" 'keep +[0-9]+ +256 +1 +----c-' "$(xm list keep)"
check_eq "preserved domain has no VMM" 0 "$(dom_field keep pid)"
check_fails "console of a preserved domain refused" xm console keep
check_match "dmesg names the crashed domain and its log" \
    "domain [0-9]+ \\(keep\\) crashed: see $T/[^ ]*/domain-keep\\.log\$" "$(xm dmesg)"
check "destroy a preserved domain" xm destroy keep
check "preserved domain gone" gone keep

# A guest that crashes before xend hears its VMM answer still ran: the
# create succeeds and on_crash applies (it is not a failure to start).
check "create of a guest that crashes at once succeeds" \
    xm create "$(mkcfg early 'on_crash = "preserve"')"
check "it is preserved as crashed" wait_for 5 state_is early crashed
check_match "dmesg: crashed, not failed to start" \
    "domain [0-9]+ \\(early\\) crashed \\(xeno-vmm exit status 103\\); action: preserve" "$(xm dmesg)"
check_fails "no failed-to-start line" sh -c "'$BUILD_XM' dmesg | grep -q 'early) failed to start'"
xm destroy early

# A VMM that wrote a crash report: dmesg quotes the guest's last line
xm create "$(mkcfg panicky 'on_crash = "preserve"')" >/dev/null
ctl_send panicky '{"cmd":"test-exit","status":103,"panic":"Kernel panic - not syncing: VFS: \u0007bad","last_line":"Kernel Offset: disabled"}' >/dev/null
check "crashed panicky preserved" wait_for 5 state_is panicky crashed
check_match "dmesg: crashed, log path, panic message (control bytes masked)" \
    "domain [0-9]+ \\(panicky\\) crashed: see $T/[^ ]*/domain-panicky\\.log \\(panic message: Kernel panic - not syncing: VFS: \\.bad\\)" \
    "$(xm dmesg)"
check_match "xm list keeps it crashed" 'panicky +[0-9]+ +256 +1 +----c-' "$(xm list panicky)"
xm destroy panicky
# Without a panic message: the last console line; an old run's report of
# the same name is not quoted for a crash that wrote none.
xm create "$(mkcfg panicky 'on_crash = "preserve"')" >/dev/null
ctl_send panicky '{"cmd":"test-exit","status":103,"last_line":"end of the road"}' >/dev/null
check "crashed again" wait_for 5 state_is panicky crashed
check_match "dmesg: the last console line" \
    "\\(panicky\\) crashed: see [^ ]* \\(last console line: end of the road\\)" "$(xm dmesg)"
xm destroy panicky
xm create "$(mkcfg panicky 'on_crash = "preserve"')" >/dev/null
ctl_send panicky '{"cmd":"test-exit","status":103}' >/dev/null
check "crashed a third time" wait_for 5 state_is panicky crashed
check_match "dmesg: no stale quote" "\\(panicky\\) crashed: see [^ ]*domain-panicky\\.log\$" \
    "$(xm dmesg | tail -1)"
xm destroy panicky

# crash -> rename-restart: the old one is kept as NAME-1
xm create "$(mkcfg rr 'on_crash = "rename-restart"')" >/dev/null
old_id=$(dom_field rr domid)
ctl_send rr '{"cmd":"test-exit","status":103}' >/dev/null
check "rename-restart keeps the old as rr-1" wait_for 5 state_is rr-1 crashed
check_eq "rr-1 has the old id" "$old_id" "$(dom_field rr-1 domid)"
check "rename-restart starts a new rr" wait_for 5 state_is rr running
check "new rr has a new id" test "$(dom_field rr domid)" != "$old_id"
xm destroy rr-1; xm destroy rr

# xm console on a terminal: raw mode, Ctrl-] detaches
if command -v script >/dev/null; then
    xm create "$(mkcfg tty)" >/dev/null
    (printf 'typed'; sleep 0.5; printf '\035') |
        timeout 10 script -qec "$BUILD_XM console tty" /dev/null >"$T/tty.out" 2>&1
    check_eq "Ctrl-] detaches the console" 0 "$?"
    check_match "the console was there" 'fake console of tty' "$(cat "$T/tty.out")"
    check_match "and echoed what was typed" 'typed' "$(tail -c 40 "$T/tty.out")"
    xm destroy tty
fi

# xm console ends when its domain dies (the demo relies on it), even with
# its input at EOF; the crash is then visible in xm list at once.
xm create "$(mkcfg dies 'on_crash = "preserve"')" >/dev/null
"$BUILD_XM" console dies </dev/null >"$T/dies.out" 2>&1 &
con=$!
wait_for 5 grep -q 'fake console of dies' "$T/dies.out"
check "xm console attached" alive "$con"
ctl_send dies '{"cmd":"test-exit","status":103}' >/dev/null
con_gone() { ! alive "$con"; }
check "xm console ends when its domain crashes" wait_for 5 con_gone
kill "$con" 2>/dev/null; wait "$con" 2>/dev/null
check "and the domain shows as crashed" wait_for 2 state_is dies crashed
xm destroy dies

# a VMM killed by a signal is a crash
xm create "$(mkcfg sig 'on_crash = "destroy"')" >/dev/null
kill -KILL "$(dom_field sig pid)"
check "VMM killed by a signal: crash, destroyed" wait_for 5 gone sig
check_match "dmesg tells the signal" 'sig\) crashed \(xeno-vmm killed by signal 9\); action: destroy' "$(xm dmesg)"

# a guest that keeps crashing is given up after restart-limit (3)
xm create "$(mkcfg loop 'on_crash = "restart"')" >/dev/null
for i in 1 2 3 4; do
    wait_for 5 state_is loop running
    ctl_send loop '{"cmd":"test-exit","status":103}' >/dev/null 2>&1
    sleep 0.3
done
check "crash loop ends in destroy" wait_for 5 gone loop
check_match "dmesg says it gave up" 'loop\) restarted 3 times within 60 s: giving up' "$(xm dmesg)"

# a VMM that dies at start: create fails, nothing is left
mkcfg dies 'kernel = "/nonexistent/vmlinuz"' >/dev/null
out=$(xm create dies 2>&1); st=$?
check_eq "create with a dying VMM fails" 1 "$st"
check_match "error says the VMM exited" 'xeno-vmm for dies exited during start \(status 1\); see .*domain-dies.log' "$out"
check "no half domain after a VMM died" gone dies
check_match "the VMM's log has its message" "can't open kernel" "$(cat "$T/log/domain-dies.log")"
check_eq "no state file left" "" "$(ls "$T/state" | grep -v node.json)"

# duplicate names, unknown ids, memory budget through xm
xm create "$(mkcfg dup)" >/dev/null
out=$(xm create dup 2>&1 >/dev/null); st=$?
check_eq "duplicate name: exit 1" 1 "$st"
check_eq "duplicate name: message" "Error: $T/configs/dup.cfg: a domain named 'dup' already exists" "$out"
out=$(xm destroy 99 2>&1); st=$?
check_eq "unknown id: exit 1" 1 "$st"
check_eq "unknown id: message" "Error: domain '99' does not exist" "$out"
out=$(xm create "$(mkcfg big 'memory = 3000')" 2>&1); st=$?
check_eq "over budget: exit 1" 1 "$st"
check_match "over budget: numbers" '3000 MiB needed, 2816 MiB free \(host 4096 MiB, Domain-0 1024 MiB, other domains 256 MiB\)' "$out"
check "balloon Domain-0 down (README: xm balloon 0 N)" xm balloon 0 700
check "then it fits" xm create big
xm destroy big; xm destroy dup

# disks are shared read-only or not at all (also through a symlink)
truncate -s 1M "$T/disk.img" "$T/usr.img"; ln -s "$T/disk.img" "$T/disk-link.img"
xm create "$(mkcfg d1 "disk = [ 'file:$T/disk.img,xvda,w', 'file:$T/usr.img,xvdb,r' ]")" >/dev/null
out=$(xm create "$(mkcfg d2 "disk = [ 'file:$T/disk-link.img,xvda,r' ]")" 2>&1); st=$?
check_eq "a disk in read-write use can't be shared: exit 1" 1 "$st"
check_match "and the message names the other domain" "disk $T/disk-link.img is used by domain [0-9]+ \\(d1\\) as xvda read-write" "$out"
check "read-only sharing is fine" xm create "$(mkcfg d3 "disk = [ 'file:$T/usr.img,xvda,r' ]")"
out=$(xm create "$(mkcfg d4 "disk = [ 'file:$T/usr.img,xvda,w' ]")" 2>&1)
check_match "read-write use of a read-only shared disk is refused" "used by domain [0-9]+ \\(d1\\) as xvdb read-only" "$out"
xm destroy d1; xm destroy d3

# adoption: xend killed, VMMs keep running, the next xend takes them back
# (an adopted VMM is not xend's child: its monitor tells how it ended)
xm create "$(mkcfg ad1 'on_crash = "restart"')" >/dev/null
xm create "$(mkcfg ad2)" >/dev/null
xm pause ad2
p1=$(dom_field ad1 pid); p2=$(dom_field ad2 pid); id1=$(dom_field ad1 domid)
kill9_xend
check "VMMs survive xend's death" sh -c "kill -0 $p1 && kill -0 $p2"
start_xend || exit 1
check_eq "adopted ad1 keeps its pid" "$p1" "$(dom_field ad1 pid)"
check_eq "adopted ad1 keeps its id" "$id1" "$(dom_field ad1 domid)"
check_eq "adopted ad2 is still paused" paused "$(dom_field ad2 state)"
check_eq "Domain-0 memory survives the restart" 700 "$(curl -s $URL/xend/node | tr -d ' \n' | sed 's/.*"dom0_memory":\([0-9]*\).*/\1/')"
check_match "dmesg tells the adoption" 'domain [0-9]+ \(ad1\) adopted' "$(xm dmesg)"
ctl_send ad1 '{"cmd":"test-exit","status":0}' >/dev/null
check "exit of an adopted VMM noticed" wait_for 5 gone ad1
check_match "with its exit status, from its monitor" 'ad1\) shut down \(xeno-vmm exit status 0\); action: destroy' "$(xm dmesg)"
check "destroy an adopted domain" xm destroy ad2
check_fails "its VMM is gone" alive "$p2"
xm create "$(mkcfg next)" >/dev/null
check "ids keep counting after a restart" test "$(dom_field next domid)" -gt "$id1"
xm destroy next

# a guest that reboots while xend is down is restarted when xend returns;
# one that powered off is gone
xm create "$(mkcfg rbdown 'on_reboot = "restart"')" >/dev/null
xm create "$(mkcfg offdown)" >/dev/null
kill9_xend
"$FAKE_VMM" --ctl-send "$T/run/dom$(sed -n 's/.*"domid": *\([0-9]*\).*/\1/p' $(grep -l '"name":"rbdown"' "$T"/state/[0-9]*.json)).ctl" '{"cmd":"test-exit","status":101}' >/dev/null
"$FAKE_VMM" --ctl-send "$T/run/dom$(sed -n 's/.*"domid": *\([0-9]*\).*/\1/p' $(grep -l '"name":"offdown"' "$T"/state/[0-9]*.json)).ctl" '{"cmd":"test-exit","status":0}' >/dev/null
sleep 0.3
start_xend || exit 1
check "rebooted while xend was down: restarted" wait_for 5 state_is rbdown running
check_eq "with one restart" 1 "$(dom_field rbdown restarts)"
check "powered off while xend was down: gone" gone offdown
check_match "dmesg says what happened" 'rbdown\) shut down \(xeno-vmm exit status 101\); action: restart' "$(xm dmesg)"
xm destroy rbdown

# xend killed while a domain is being created: no half domain afterwards
stop_xend
FAKE_VMM_START_DELAY_MS=4000 start_xend || exit 1
xm create "$(mkcfg half)" >/dev/null 2>&1 &
xmpid=$!
wait_for 3 sh -c "grep -q creating $T/state/*.json"
check "state file says creating" sh -c "grep -q '\"creating\"' $T/state/*.json"
hpid=$(sed -n 's/.*"pid": *\([0-9][0-9]*\).*/\1/p' "$T"/state/[0-9]*.json | head -1)
kill9_xend
wait $xmpid 2>/dev/null
start_xend || exit 1
check "half-created domain removed" gone half
check_fails "its VMM was killed" alive "${hpid:-0}"
check_eq "no state file left over" "" "$(ls "$T/state" | grep -v node.json)"
check_match "dmesg says so" 'half\) was being created when xend stopped; removed' "$(xm dmesg)"

# a VMM that never answers: create fails after create-timeout, nothing left
stop_xend
write_conf "create-timeout = 1"
FAKE_VMM_START_DELAY_MS=3000 start_xend || exit 1
out=$(xm create "$(mkcfg mute)" 2>&1); st=$?
check_eq "create with a mute VMM fails" 1 "$st"
check_match "and says so" 'xeno-vmm for mute did not answer within 1 s; see .*domain-mute.log' "$out"
check "no mute domain" gone mute
check_eq "no state file after the timeout" "" "$(ls "$T/state" | grep -v node.json)"
stop_xend
write_conf
start_xend || exit 1

# xend keeps answering while a VMM starts; a destroy meanwhile ends the
# create with a reason
stop_xend
FAKE_VMM_START_DELAY_MS=3000 start_xend || exit 1
xm create "$(mkcfg slow)" >"$T/slow.out" 2>&1 &
cpid=$!
wait_for 3 exists slow
t0=$(date +%s%N)
out=$(xm list slow)
t1=$(date +%s%N)
check "xm list answers at once while a VMM starts" test $(( (t1 - t0) / 1000000 )) -lt 500
check_match "the starting domain is listed" 'slow +[0-9]+ +256 +1 +------' "$out"
wait $cpid; st=$?
check_eq "the create returns when the VMM is up" 0 "$st"
check_eq "then it runs" running "$(dom_field slow state)"
xm create "$(mkcfg slow2)" >"$T/slow2.out" 2>&1 &
cpid=$!
wait_for 3 exists slow2
check "destroy a domain that is starting" xm destroy slow2
wait $cpid; st=$?
check_eq "its create fails" 1 "$st"
check_match "and says why" 'destroyed before it started' "$(cat "$T/slow2.out")"
xm destroy slow
stop_xend
start_xend || exit 1

# autostart (relative kernel paths from the auto dir), and no second copy
# when the domain is adopted
sed "s|^kernel = .*|kernel = \"fake-vmm-link\"|" "$(mkcfg auto1)" > "$T/auto/auto1.cfg"
ln -s "$FAKE_VMM" "$T/auto/fake-vmm-link"
stop_xend
start_xend || exit 1
check "autostart creates auto1" exists auto1
ap=$(dom_field auto1 pid)
kill9_xend
start_xend || exit 1
check_eq "autostart adopts instead of starting twice" "$ap" "$(dom_field auto1 pid)"
check_eq "only one auto1" 1 "$(xm list | grep -c '^auto1 ')"

# stopping xend shuts the domains down
stop_xend
check_fails "stop shut the VMM down" alive "$ap"
check_match "stop logged the shutdown" 'shutting down 1 domains' "$(cat "$T/xend.log")"

# stop-domains-on-exit = no: a stopped xend leaves them for the next one
write_conf "stop-domains-on-exit = no"
start_xend || exit 1
xm create "$(mkcfg stay)" >/dev/null
sp=$(dom_field stay pid)
stop_xend
check "stop-domains-on-exit = no keeps the VMM" alive "$sp"
start_xend || exit 1
check_eq "and the next xend adopts it" "$sp" "$(dom_field stay pid)"
xm destroy stay
stop_xend
write_conf

# a VMM without a shutdown command and no xenstore: shutdown is refused
# with a reason; stopping xend destroys such domains after the timeout
rm -f "$T/auto/auto1.cfg"
FAKE_VMM_NO_SHUTDOWN=1 start_xend || exit 1
xm create "$(mkcfg deaf)" >/dev/null
out=$(xm shutdown deaf 2>&1); st=$?
check_eq "shutdown impossible: exit 1" 1 "$st"
check_match "shutdown impossible: says why" "no xenstore and the VMM has no shutdown command; use 'xm destroy'" "$out"
dp=$(dom_field deaf pid)
stop_xend
check_fails "stop destroyed the domain that did not shut down" alive "$dp"
check_match "and said so" 'deaf\) did not shut down; destroying' "$(cat "$T/xend.log")"
done_tests
