#!/bin/sh
# The CPU controls through xend with the fake VMM (docs/cpu.md): maxvcpus
# and vcpu-set in xenstore's cpu/<n>/availability, vcpu-list and vcpu-pin
# on the VMM's vCPU threads (checked in /proc), weights and caps in a
# per-domain cgroup (a directory laid out like cgroup v2's, so the values
# xend writes can be read back), and bad input refused with nothing changed.
# Args: XEND XM FAKE_VMM XENSTORED
BUILD_XEND=$1 BUILD_XM=$2 FAKE_VMM=$3 XENSTORED=$4
. "$(dirname "$0")/lib.sh"
command -v xenstore-read >/dev/null || { echo "not ok - xenstore-read missing: apt-get install xenstore-utils"; exit 1; }
command -v curl >/dev/null || { echo "not ok - curl missing: apt-get install curl"; exit 1; }

export XENSTORED_RUNDIR="$T/xs" XENSTORED_PATH="$T/xs/socket"
mkdir -p "$XENSTORED_RUNDIR" "$T/cg"
"$XENSTORED" -N -I >"$T/xenstored.out" 2>&1 &
XS_PID=$!
wait_for 5 test -S "$XENSTORED_PATH" || { cat "$T/xenstored.out"; exit 1; }
trap 'kill $XS_PID 2>/dev/null; cleanup' EXIT
echo "cpu memory pids" >"$T/cg/cgroup.controllers"
: >"$T/cg/cgroup.subtree_control"

write_conf "xenstored-path = $XENSTORED_PATH" "xenstored-dir = $XENSTORED_RUNDIR" \
    "cgroup-dir = $T/cg/xeno"
start_xend || exit 1
URL=http://127.0.0.1:$PORT
xm create "$(mkcfg c1 'vcpus = 2' 'maxvcpus = 4' 'cpus = "0"' 'cpu_weight = 512' 'cpu_cap = 50')" >/dev/null
id=$(dom_field c1 domid)
av() { xenstore-read "/local/domain/$id/cpu/$1/availability" 2>&1; }
all_av() { echo "$(av 0) $(av 1) $(av 2) $(av 3)"; }
check_eq "2 of 4 vCPUs online at create" "online online offline offline" "$(all_av)"
check_eq "maxvcpus in the domain record" 4 "$(dom_field c1 maxvcpus)"
check_match "the VMM got --maxvcpus 4" '--vcpus 2 --maxvcpus 4' "$(cat "$T/log/domain-c1.log" 2>/dev/null || grep -h 'argv' "$T"/*.log "$T"/log/* 2>/dev/null)"

# vcpu-set
check "vcpu-set c1 3" xm vcpu-set c1 3
check_eq "vcpu-set 3: cpu/2 online" "online online online offline" "$(all_av)"
out=$(xm vcpu-set c1 5 2>&1)
check_match "vcpu-set above maxvcpus refused" 'maxvcpus = 4' "$out"
check_eq "... nothing changed" "online online online offline" "$(all_av)"
check_fails "vcpu-set 0 refused" xm vcpu-set c1 0
check_fails "vcpu-set of a domain that does not exist" xm vcpu-set nosuch 1
check "vcpu-set c1 1" xm vcpu-set c1 1
check_eq "vcpu-set 1: only cpu/0 online" "online offline offline offline" "$(all_av)"
check_eq "vcpus in the record follows" 1 "$(dom_field c1 vcpus)"

# vcpu-list and vcpu-pin on the fake's vCPU threads
list=$(xm vcpu-list c1)
check_eq "vcpu-list: a header and 4 vCPUs" 5 "$(printf '%s\n' "$list" | wc -l)"
tid() { curl -s "$URL/xend/domain/c1/vcpu" | python3 -c "import json,sys; print(json.load(sys.stdin)['vcpus'][$1]['tid'])"; }
allowed() { sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "/proc/$(tid "$1")/status"; }
check_eq "cpus = \"0\" pinned vCPU 3's thread" 0 "$(allowed 3)"
check_match "vcpu-list shows the affinity" '^c1 +[0-9]+ +3 +[-0-9]+ +[-rbp]+ +[0-9.]+ +0$' "$list"
ncpu=$(getconf _NPROCESSORS_ONLN)
last=$((ncpu - 1))
check "vcpu-pin c1 1 $last" xm vcpu-pin c1 1 $last
check_eq "vCPU 1's thread may run on CPU $last only" "$last" "$(allowed 1)"
out=$(xm vcpu-pin c1 1 $((ncpu + 5)) 2>&1)
check_match "pin to a host CPU that does not exist refused" "host CPU $((ncpu + 5)) does not exist" "$out"
check_eq "... vCPU 1 unchanged" "$last" "$(allowed 1)"
check_fails "pin of vCPU 9 (of 4) refused" xm vcpu-pin c1 9 0
check_fails "pin with a bad list refused" xm vcpu-pin c1 1 0-x
check "vcpu-pin c1 all all" xm vcpu-pin c1 all all
check_eq "vCPU 1 may run anywhere again" "$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)" "$(allowed 1)"

# weights and caps in the domain's cgroup
g=$T/cg/xeno/dom$id
check_eq "cpu enabled for the domains' groups" "+cpu" "$(cat "$T/cg/xeno/cgroup.subtree_control" 2>&1)"
check_eq "cpu.weight from cpu_weight = 512" 512 "$(cat "$g/cpu.weight" 2>&1)"
check_eq "cpu.max from cpu_cap = 50" "50000 100000" "$(cat "$g/cpu.max" 2>&1)"
check_match "the VMM was moved into the group" "^$(dom_field c1 pid)\$|^[0-9]+\$" "$(cat "$g/cgroup.procs" 2>&1)"
check_match "sched-credit shows weight and cap" '^c1 +[0-9]+ +512 +50$' "$(xm sched-credit -d c1)"
check "sched-credit -w 768 -c 0" xm sched-credit -d c1 -w 768 -c 0
check_eq "cpu.weight 768" 768 "$(cat "$g/cpu.weight")"
check_eq "cap 0: cpu.max max" "max 100000" "$(cat "$g/cpu.max")"
for bad in "-w 0" "-w 70000" "-c 401" "-w x"; do
    check_fails "sched-credit $bad refused" xm sched-credit -d c1 $bad
done
check_eq "... weight unchanged" 768 "$(cat "$g/cpu.weight")"
check_eq "... cap unchanged" "max 100000" "$(cat "$g/cpu.max")"
check_eq "the record has the weight" 768 "$(dom_field c1 cpu_weight)"
check_match "xm top shows 1 vCPU online" '^c1 .* 1( +0){8}$' "$(xm top -b)"
xm destroy c1

# No usable cgroup v2: a weight is refused at create, a domain without one
# runs (and sched-credit says why it can't)
stop_xend
write_conf "xenstored-path = $XENSTORED_PATH" "xenstored-dir = $XENSTORED_RUNDIR" \
    "cgroup-dir = $T/nocg/xeno"
start_xend || exit 1
out=$(xm create "$(mkcfg c2 'cpu_weight = 300')" 2>&1)
check_match "cpu_weight without cgroup v2 refused, saying why" "no cgroup v2 at $T/nocg" "$out"
check_fails "... and no domain c2" xm list c2
check "a domain without a weight starts" xm create "$(mkcfg c3)"
out=$(xm sched-credit -d c3 -w 512 2>&1)
check_match "sched-credit without cgroup v2 says why" 'has no cgroup: no cgroup v2' "$out"
xm destroy c3
stop_xend
done_tests
