#!/bin/bash
# The live demo, on a host that can run Linux guests (directly, or inside
# the test host): xenstored and xend start, two Linux domains are created
# from one config file (examples/demo.cfg: a vif on xend's NAT network and
# one ext4 disk both share read-only), listed, visited on their consoles,
# reached by ssh through xend's port forwards (2200 + domid), pinged from
# dom0; a third domain wanting the shared disk read-write is refused; the
# domains are listed over the HTTP API and the web console (xenoweb, whose
# console reaches demo-1), and shut down.  It ends with a table of what
# was shown and how long each step took.
#
# It tells the truth: every step that fails stops the demo at once with
# "demo FAILED: ...", the state of each domain, the tail of the failed
# domain's log, and exit status 1.  Every wait ends when the domain does
# (xend's view of it is polled twice a second) and is bounded.
#
# Environment: XENO_DEMO_GUEST (the directory scripts/mkguest/demo-image.sh
# filled: demo.cpio.gz, demo-disk.ext4, id_dropbear; default build/guest),
# XENO_INITRD (the guest image; default XENO_DEMO_GUEST/demo.cpio.gz),
# XENO_DEMO_BOOT_TIMEOUT (xm create -> shell prompt, s; 240),
# XENO_DEMO_REPLY_TIMEOUT (typed line -> answer on the console, an ssh
# command, a ping, s; 30),
# XENO_DEMO_SHUTDOWN_TIMEOUT (xm shutdown -w, s; 120),
# XENO_DEMO_WEB_PORT (the web console's port; 8080).
set -u
cd "$(dirname "$0")/.." || exit 1
B=$PWD/build
. scripts/testhost/lib.sh
kernel=$(xeno_kernel) || exit 1
guest=${XENO_DEMO_GUEST:-$B/guest}
initrd=${XENO_INITRD:-$guest/demo.cpio.gz}
disk=$guest/demo-disk.ext4
sshkey=$guest/id_dropbear
boot_timeout=${XENO_DEMO_BOOT_TIMEOUT:-240}
reply_timeout=${XENO_DEMO_REPLY_TIMEOUT:-30}
shutdown_timeout=${XENO_DEMO_SHUTDOWN_TIMEOUT:-120}
web_port=${XENO_DEMO_WEB_PORT:-8080}
W=$(mktemp -d /tmp/xeno-demo.XXXXXX) || exit 1
T_START=${EPOCHREALTIME/./}

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }
# Every xm call is bounded: libxenoctl gives each request to xend 120 s,
# so a hung xend is a failed step, not a hung demo.
xm() { "$B/src/toolstack/xm" "$@"; }
# Inside the test host every program started costs a lot (9p, TCG): the
# polling loops use no more of them than needed.  nap SECONDS sleeps
# without starting one (a read that times out on a fifo nobody writes).
mkfifo "$W/nap"
exec {NAP}<>"$W/nap"
nap() { read -r -t "$1" -u "$NAP" _; }
# stop PID...: SIGTERM, SIGKILL after 30 s.
any_alive() { local p; for p; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
stop() {
    local i
    kill "$@" 2>/dev/null
    for ((i = 0; i < 300; i++)); do any_alive "$@" || break; nap 0.1; done
    kill -KILL "$@" 2>/dev/null
    wait "$@" 2>/dev/null
}

# Seconds since T0 (microseconds, from EPOCHREALTIME), one decimal.
since() { # var t0
    local d=$(( ${EPOCHREALTIME/./} - $2 ))
    printf -v "$1" '%d.%d' $((d / 1000000)) $((d / 100000 % 10))
}
SUMMARY=()
row() { # description seconds: one row of the closing table
    SUMMARY+=("$(printf '  %-52s %6s s' "$1" "$2")")
}
timed() { # description t0: a row for the time from t0 until now
    local s
    since s "$2"
    row "$1" "$s"
}
prompt_row() { # domain
    local d_us=$(( PROMPT_AT[$1] - CREATED_AT[$1] ))
    row "$1: xm create -> shell prompt" "$(printf '%d.%d' $((d_us / 1000000)) $((d_us / 100000 % 10)))"
}

# --- Domains and what xend says about them ----------------------------
declare -A STATE=() SEEN=() PROMPT_AT=() CREATED_AT=()
DOMS=()

refresh_states() {
    local out name _id _mem _vcpus flags _rest
    STATE=()
    if ! out=$(xm list 2>&1); then
        [ -n "${FAILING:-}" ] && return 1
        fail "xm list failed: $out"
    fi
    while read -r name _id _mem _vcpus flags _rest; do
        [ "$name" = Name ] || STATE[$name]=$flags
    done <<<"$out"
    for name in "${DOMS[@]}"; do
        [ -n "${STATE[$name]:-}" ] && SEEN[$name]=1
    done
}

describe() { # flags -> words, then the flags as xm list shows them
    case $1 in
    r-----) echo "running ($1)" ;; -b----) echo "blocked ($1)" ;;
    ------) echo "being created ($1)" ;; --p---) echo "paused ($1)" ;;
    ---s--) echo "shut down ($1)" ;; ----c-) echo "crashed ($1)" ;;
    -----d) echo "dying ($1)" ;; gone) echo "gone (xend no longer lists it)" ;;
    unknown) echo "unknown (xend does not answer)" ;;
    *) echo "$1" ;;
    esac
}
state_of() { echo "${STATE[$1]:-gone}"; }
alive_flags() { case $1 in r-----|-b----|------) return 0 ;; esac; return 1; }

# A domain is dead when xend shows it in a state other than running or
# being created, or no longer lists it after it was seen.
dead() { # domain
    local s
    s=$(state_of "$1")
    if [ "$s" = gone ]; then [ -n "${SEEN[$1]:-}" ]; else ! alive_flags "$s"; fi
}

log_of() { echo "$W/log/domain-$1.log"; }

# The end of a domain's log: from 10 lines before the first sign of a
# guest kernel crash (panic, BUG, oops) if there is one, else the last 30
# lines; at most 60 lines (the first 45 and the last 12).
log_tail() { # log
    awk '{ sub(/\r$/, "") } /CPUID/ { next }
        { line[++n] = $0 }
        !crash && /Kernel panic|BUG: |Oops: |general protection fault/ { crash = n }
        END {
            from = (crash ? crash : n - 19) - 10
            if (from < 1) from = 1
            if (n - from + 1 <= 60) { for (i = from; i <= n; i++) print line[i]; exit }
            for (i = from; i < from + 45; i++) print line[i]
            printf "[... %d lines ...]\n", n - from + 1 - 57
            for (i = n - 11; i <= n; i++) print line[i]
        }' "$1"
}

report() { # domain: its state, xend's events about it, the end of its log
    local d=$1 s log
    s=$(state_of "$d")
    log=$(log_of "$d")
    echo "--- $d: $(describe "$s")"
    xm dmesg 2>/dev/null | awk -v d="($d)" 'index($0, d) { l[n++ % 3] = $0 }
        END { for (i = n < 3 ? 0 : n - 3; i < n; i++) print "    xend: " l[i % 3] }'
    if [ -s "$log" ]; then
        echo "--- the end of $d's log ($log):"
        log_tail "$log" | sed 's/^/    /'
    elif [ -e "$log" ]; then
        echo "--- $d's log is empty ($log)"
    else
        echo "--- $d has no log ($log)"
    fi
}

BGPIDS=()
cleanup() {
    local p d destroys=()
    for p in "${BGPIDS[@]}"; do kill "$p" 2>/dev/null; done
    exec 3>&-
    if [ -n "${XEND:-}" ]; then
        for d in "${DOMS[@]}"; do
            xm destroy "$d" >/dev/null 2>&1 &
            destroys+=($!)
        done
        wait "${destroys[@]}"
    fi
    stop ${XEND:-} ${XSD:-}
    # A VMM left behind (xend died first: they outlive it by design) is
    # stopped through its monitor, whose pid xend's state file holds.
    local f pid vmms=()
    for f in "$W"/state/[0-9]*.json; do
        [ -e "$f" ] || continue
        pid=$(sed -n 's/^ *"pid": *\([0-9][0-9]*\).*/\1/p' "$f")
        [ -n "$pid" ] && [ "$pid" != 0 ] && grep -qF "$W/" "/proc/$pid/cmdline" 2>/dev/null && vmms+=("$pid")
    done
    [ ${#vmms[@]} = 0 ] || stop "${vmms[@]}"
}

# fail MESSAGE [DOMAIN...]: stop here.  Every domain's state is shown; the
# named ones (else every dead one) with their logs.
fail() {
    local msg=$1 d s shown=0
    shift
    FAILING=1
    printf '\n\033[1;31m==> demo FAILED: %s\033[0m\n' "$msg"
    if [ -n "${XEND:-}" ] && [ ${#DOMS[@]} -gt 0 ]; then
        if refresh_states >/dev/null 2>&1; then
            for d in "${DOMS[@]}"; do
                s=$(state_of "$d")
                echo "    $d: $(describe "$s")"
            done
        else
            echo "    xend does not answer: the domains' states are unknown"
            STATE=()
            for d in "${DOMS[@]}"; do STATE[$d]=unknown; done
        fi
        for d in "$@"; do report "$d"; shown=1; done
        if [ $shown = 0 ]; then
            for d in "${DOMS[@]}"; do dead "$d" && report "$d"; done
        fi
    fi
    cleanup
    local total
    since total "$T_START"
    echo "demo FAILED after $total s; logs in $W"
    exit 1
}
trap 'fail "interrupted"' INT TERM
trap '' PIPE    # a console client that died is noticed, not fatal here

# Fail if any created domain has died.
check_domains() {
    local d s el
    refresh_states
    for d in "${DOMS[@]}"; do
        if dead "$d"; then
            s=$(state_of "$d")
            since el "${CREATED_AT[$d]}"
            fail "$d is $(describe "$s"), $el s after xm create" "$d"
        fi
    done
}

# The guest's shell prompt: /init says it starts a shell, then busybox's
# prompt ("/ # ") follows.
prompt_in_log() {
    local text=
    IFS= read -r -d "" text 2>/dev/null <"$(log_of "$1")"
    [[ $text == *"guest-init: shell on the console"*"# "* ]]
}

# Note every domain whose prompt has appeared (and when).
note_prompts() {
    local d
    for d in "${DOMS[@]}"; do
        [ -z "${PROMPT_AT[$d]:-}" ] && prompt_in_log "$d" && PROMPT_AT[$d]=${EPOCHREALTIME/./}
    done
    return 0
}

# The console client (xm create -c or xm console) ended early: say why.
client_ended() { # pid what domain
    wait "$1"
    local rc=$?
    nap 1       # let xend see a domain that died with it
    check_domains
    fail "$2 ended (exit $rc) while the demo still had $3's console" "$3"
}

# wait_prompt DOMAIN [CLIENT-PID WHAT]: until DOMAIN's shell prompt is up;
# fails as soon as any domain dies, the console client ends, or after
# boot_timeout.
wait_prompt() {
    local d=$1 pid=${2:-} what=${3:-} s el
    while :; do
        note_prompts
        [ -n "${PROMPT_AT[$d]:-}" ] && return 0
        check_domains
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then client_ended "$pid" "$what" "$d"; fi
        since el "${CREATED_AT[$d]}"
        if [ "${el%.*}" -ge "$boot_timeout" ]; then
            s=$(state_of "$d")
            fail "$d is $(describe "$s") but its shell prompt did not appear within $boot_timeout s of xm create" "$d"
        fi
        nap 0.5
    done
}

# The line typed into each guest's shell, and its answer.
HELLO='echo "hello from $(xs read name): kernel $(uname -r) on $(cat /sys/hypervisor/type), domid $(xs read domid), $(nproc) vCPU, $(free -m | awk "/Mem/ {print \$2}") MiB"'

# converse DOMAIN CLIENT-PID WHAT OUTFILE: type HELLO on fd 3 (the
# client's stdin), wait for the answer in OUTFILE, detach with Ctrl-].
converse() {
    local d=$1 pid=$2 what=$3 out=$4 t0 n=0 el
    t0=${EPOCHREALTIME/./}
    printf '%s\n' "$HELLO" >&3
    until grep -aq "hello from $d" "$out"; do
        kill -0 "$pid" 2>/dev/null || client_ended "$pid" "$what" "$d"
        n=$((n + 1))
        if [ $((n % 10)) = 0 ]; then
            check_domains
            since el "$t0"
            [ "${el%.*}" -ge "$reply_timeout" ] &&
                fail "$d is running but its shell did not answer on the console within $reply_timeout s ($what)" "$d"
        fi
        nap 0.1
    done
    timed "console round trip: $d ($what)" "$t0"
    printf '\035' >&3
    exec 3>&-
    # Ctrl-] detaches at once; bounded anyway.
    for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; nap 0.1; done
    kill "$pid" 2>/dev/null
    wait "$pid"
    local rc=$?
    [ $rc = 0 ] || fail "$what exited with status $rc after Ctrl-]" "$d"
    tr -d '\r' <"$out" | grep -a 'Started domain'
    tr -d '\r' <"$out" | grep -a -E 'hello from|XENO-GUEST-INIT' | tail -2
}

# client DOMAIN WHAT XM-ARGS...: xm in the background on the console,
# its stdin a fifo held open on fd 3, its output in $W/DOMAIN.console.
CLIENT=
client() {
    local d=$1 what=$2
    shift 2
    rm -f "$W/$d.in"; mkfifo "$W/$d.in"
    "$B/src/toolstack/xm" "$@" <"$W/$d.in" >"$W/$d.console" 2>&1 &
    CLIENT=$!
    BGPIDS+=("$CLIENT")
    exec 3>"$W/$d.in"
}

# --- Networks and disks: what the guests show over ssh ---------------------
# The guest's /init-run (scripts/mkguest/demo-run.sh) printed these lines
# to its console before the shell prompt.
guest_said() { # domain: those lines, without "demo-guest: "
    tr -d '\r' <"$(log_of "$1")" | sed -n 's/^demo-guest: //p'
}

# netinfo DOMAIN: xm network-list -l shown; VIF_STATE and VIF_IP of vif 0
# (xenbus state 4 is connected).
netinfo() {
    local out
    echo "$ xm network-list -l $1"
    out=$(xm network-list -l "$1" 2>&1) || fail "xm network-list -l $1 failed: $out" "$1"
    echo "$out"
    read -r VIF_STATE VIF_IP < <(awk 'NR == 2 { print $5, $12 }' <<<"$out")
}

# The command run over ssh in each guest, and its answer checked.
SSH_CMD='uname -r; hostname; ip -4 -o addr show eth0 | awk "{ print \$2, \$4 }"; grep " /mnt/shared " /proc/mounts; cat /mnt/shared/hello.txt'
ssh_guest() { # domain port
    local d=$1 port=$2 t0 out rc
    check_domains
    t0=${EPOCHREALTIME/./}
    printf "$ ssh -p %s root@127.0.0.1 '%s'\n" "$port" "$SSH_CMD"
    out=$(HOME=$W timeout -k 5 "$reply_timeout" dbclient -y -y -i "$sshkey" -p "$port" \
        root@127.0.0.1 "$SSH_CMD" 2>"$W/ssh-$d.err" </dev/null)
    rc=$?
    out=${out//$'\r'/}
    printf '%s\n' "$out" | sed 's/^/  /'
    [ $rc = 0 ] || { check_domains; fail "ssh -p $port (dbclient) to $d: exit $rc$([ $rc = 124 ] && echo ", no answer within $reply_timeout s"): $(tail -2 "$W/ssh-$d.err" | tr '\n' ' ')" "$d"; }
    [ "${out%%$'\n'*}" = "$kver" ] ||
        fail "ssh -p $port: $d answered uname -r with '${out%%$'\n'*}', not the kernel it booted ($kver)" "$d"
    grep -q "^/dev/xvdb /mnt/shared ext4 ro[,\ ]" <<<"$out" ||
        fail "ssh -p $port: $d has not mounted the shared disk read-only on /mnt/shared" "$d"
    grep -qxF "$HELLO_TXT" <<<"$out" ||
        fail "ssh -p $port: $d did not print hello.txt of the shared disk" "$d"
    timed "ssh -p $port: $d ran uname, read the shared disk" "$t0"
}

# --- The demo ----------------------------------------------------------
for f in "$initrd" "$disk" "$sshkey"; do
    [ -r "$f" ] || fail "no $f: build the demo's guest files with scripts/mkguest/demo-image.sh ${guest#"$PWD/"}"
done
disk=$(cd "$(dirname "$disk")" && pwd)/demo-disk.ext4   # xm wants file: paths absolute
kver=$(xeno_kernel_version "$kernel")
for t in dbclient debugfs; do
    command -v $t >/dev/null || fail "no $t (scripts/deps.sh installs it)"
done
# What the guests must print from the shared disk, read here from the image.
HELLO_TXT=$(debugfs -R 'cat /hello.txt' "$disk" 2>/dev/null | head -1)
[ -n "$HELLO_TXT" ] || fail "$disk has no /hello.txt (debugfs)"
# The test host loads no module by itself: the taps, xennat0 and every
# nftables expression xend's NAT rules use (nat, masquerade, fib, ct),
# and tcp_diag, by which xend tells who calls its HTTP API.
for m in tun bridge nf_tables nf_conntrack nf_nat nft_chain_nat nft_nat nft_masq nft_ct nft_fib nft_fib_ipv4 inet_diag tcp_diag; do
    modprobe -q $m 2>/dev/null
done

step "Starting xenstored (the configuration store) and xend (HTTP on 127.0.0.1:8000, unix socket for xm)"
t0=${EPOCHREALTIME/./}
export XENSTORED_RUNDIR=$W/xenstored
mkdir -p "$XENSTORED_RUNDIR" "$W/auto"
"$B/src/xenstored/xenstored" -N -D "$W/xsdb" >"$W/xenstored.log" 2>&1 &
XSD=$!
for ((i = 0; i < 300; i++)); do [ -S "$XENSTORED_RUNDIR/socket" ] && break; kill -0 $XSD 2>/dev/null || break; nap 0.1; done
[ -S "$XENSTORED_RUNDIR/socket" ] ||
    fail "xenstored did not start: $(tail -5 "$W/xenstored.log")"

xeno_xend_conf "$W" "$B" "$XENSTORED_RUNDIR" 120 60 >"$W/xend.conf"
"$B/src/toolstack/xend" -f "$W/xend.conf" >"$W/xend.out" 2>&1 &
XEND=$!
export XENO_XEND=$W/xend.sock
for ((i = 0; i < 300; i++)); do [ -S "$XENO_XEND" ] && break; kill -0 $XEND 2>/dev/null || break; nap 0.1; done
[ -S "$XENO_XEND" ] || { kill $XEND 2>/dev/null; XEND=; fail "xend did not start: $(tail -5 "$W/xend.out")"; }
run xm info || fail "xm info: xend does not answer"
timed "xenstored + xend up" "$t0"

step "Creating two Linux domains from one config file (vmid=1, then vmid=2 with -c)"
DOMS=(demo-1)
CREATED_AT[demo-1]=${EPOCHREALTIME/./}
run xm create examples/demo.cfg vmid=1 shared="$disk" kernel="$kernel" ramdisk="$initrd" ||
    fail "xm create demo-1 failed (exit $?)" demo-1
SEEN[demo-1]=1
echo "$ xm create examples/demo.cfg vmid=2 ... -c   (the console opens at once)"
DOMS+=(demo-2)
CREATED_AT[demo-2]=${EPOCHREALTIME/./}
client demo-2 "xm create -c" create examples/demo.cfg vmid=2 shared="$disk" kernel="$kernel" ramdisk="$initrd" -c
wait_prompt demo-2 "$CLIENT" "xm create -c"
prompt_row demo-2
converse demo-2 "$CLIENT" "xm create -c" "$W/demo-2.console"

run xm list || fail "xm list failed"
check_domains

step "xm console demo-1  (typing into the guest's hvc0 shell)"
wait_prompt demo-1
prompt_row demo-1
client demo-1 "xm console" console demo-1
converse demo-1 "$CLIENT" "xm console" "$W/demo-1.console"

step "The network, the Demo CD's way: vif-nat (xend's dnsmasq hands out 10.0.10.N, nftables forwards port 2200+N to guest N's ssh)"
t0=${EPOCHREALTIME/./}
declare -A IP=()
for d in demo-1 demo-2; do
    netinfo "$d"
    [ "$VIF_STATE" = 4 ] || fail "$d's vif is in xenbus state '$VIF_STATE', not 4 (connected)" "$d"
    said=$(guest_said "$d")
    echo "  $d's /init-run said:"
    printf '%s\n' "$said" | sed 's/^/    /'
    grep -q "^eth0 $VIF_IP/[0-9]* by DHCP$" <<<"$said" ||
        fail "$d did not get its address $VIF_IP by DHCP from xend's dnsmasq" "$d"
    grep -q '^ssh server up$' <<<"$said" || fail "$d's ssh server did not start" "$d"
    IP[$d]=$VIF_IP
done
for d in demo-1 demo-2; do
    echo "$ ping -c 2 ${IP[$d]}    (dom0 -> $d over xennat0)"
    timeout -k 5 "$reply_timeout" busybox ping -c 2 -W 5 "${IP[$d]}" 2>&1 | sed 's/^/  /'
    [ "${PIPESTATUS[0]}" = 0 ] || { check_domains; fail "dom0 got no answer to ping from $d (${IP[$d]})" "$d"; }
done
timed "vif-nat: both got DHCP addresses, answer ping" "$t0"

step "ssh into each guest through xend's port forward (Debian's dropbear in the guest, its client dbclient as ssh)"
for d in demo-1 demo-2; do
    id=$(xm list "$d" 2>/dev/null | awk 'NR == 2 { print $2 }')
    [[ $id =~ ^[0-9]+$ ]] || fail "xm list $d gives no domain id" "$d"
    ssh_guest "$d" $((2200 + id))
done

step "One ext4 disk shared by both domains, read-only (the README's rule: read-only or not at all)"
t0=${EPOCHREALTIME/./}
run xm block-list demo-2 || fail "xm block-list demo-2 failed" demo-2
echo "$ xm create examples/demo.cfg vmid=3 shared=... disk=file:${disk#"$PWD/"},xvdb,w ...   (the same disk read-write)"
DOMS+=(demo-3)      # cleaned up should xend wrongly create it
out=$(xm create examples/demo.cfg vmid=3 shared="$disk" kernel="$kernel" ramdisk="$initrd" \
    disk="file:$disk,xvdb,w" 2>&1)
rc=$?
echo "$out" | sed 's/^/  /'
[ $rc != 0 ] || fail "xm create accepted the shared disk read-write for demo-3 (exit 0)"
grep -q "is used by domain [0-9]* (demo-[12]) as xvdb read-only: disks are shared read-only or not at all" <<<"$out" ||
    fail "xm create of demo-3 failed (exit $rc) but not with the sharing refusal"
refresh_states
[ "$(state_of demo-3)" = gone ] || fail "demo-3 exists after xm refused it: $(describe "$(state_of demo-3)")"
DOMS=(demo-1 demo-2)
echo "  refused (exit $rc), and no demo-3 in xm list"
timed "shared disk: read-write use refused" "$t0"
step "The same domains through xend's HTTP API"
t0=${EPOCHREALTIME/./}
echo '$ curl -s http://127.0.0.1:8000/xend/domain'
api=$(curl -sf --max-time 10 http://127.0.0.1:8000/xend/domain) ||
    fail "the HTTP API did not answer (curl exit $?)"
echo "$api" | tr -d ' \n' | sed 's/},{/},\n  {/g'; echo
for d in demo-1 demo-2; do
    grep -q "\"name\": *\"$d\"" <<<"$api" || fail "the HTTP API does not list $d" "$d"
done
timed "HTTP API lists both domains" "$t0"

step "The web console: xenoweb, a client of xend like xm (http://127.0.0.1:$web_port/)"
t0=${EPOCHREALTIME/./}
"$B/src/toolstack/xenoweb/xenoweb" -p "$web_port" -x "$XENO_XEND" \
    -w "$B/src/toolstack/xenoweb/www" -t "$W/xenoweb.token" -c "$PWD/examples" \
    --print-token >"$W/xenoweb.out" 2>&1 &
WEB=$!
BGPIDS+=("$WEB")
for ((i = 0; i < 100; i++)); do [ -s "$W/xenoweb.token" ] && break; kill -0 $WEB 2>/dev/null || break; nap 0.1; done
webtok=$(awk '$1 == "operator" { print $2 }' "$W/xenoweb.token" 2>/dev/null)
[ -n "$webtok" ] || fail "xenoweb did not start: $(tail -5 "$W/xenoweb.out")"
sed 's/^/  /' "$W/xenoweb.out"
echo "  (operator and read-only viewer tokens in $W/xenoweb.token; open the URL above in a browser)"
weburl=http://127.0.0.1:$web_port
curl -sf --max-time 10 -c "$W/web.jar" -X POST -H "Origin: $weburl" \
    -H 'Content-Type: application/json' -d "{\"token\":\"$webtok\"}" "$weburl/api/login" >/dev/null ||
    fail "xenoweb: login with the token failed"
webapi=$(curl -sf --max-time 10 -b "$W/web.jar" "$weburl/api/domains") ||
    fail "xenoweb: the domain list did not answer"
for d in demo-1 demo-2; do
    grep -q "\"name\":\"$d\"" <<<"$webapi" || fail "xenoweb does not list $d" "$d"
done
echo "$ (the browser's WebSocket console of demo-1) echo web-\$((6*7))"
webcookie=$(awk '$6 == "xenoweb_session" { print "xenoweb_session=" $7 }' "$W/web.jar")
python3 -u tests/webui/wsclient.py "$web_port" /api/console/demo-1 --cookie "$webcookie" \
    --send $'echo web-$((6*7))\r' --expect web-42 --read "$reply_timeout" >"$W/web-console.out" 2>&1 ||
    fail "the web console of demo-1 did not answer: $(tail -3 "$W/web-console.out")" demo-1
grep -a -o 'web-42' "$W/web-console.out" | head -1 | sed 's/^/  guest answered: /'
timed "web console: login, list, console answer" "$t0"
stop "$WEB"
WEB=

step "Shutting the domains down (control/shutdown in xenstore)"
for d in demo-1 demo-2; do
    check_domains
    t0=${EPOCHREALTIME/./}
    run xm shutdown -w -t "$shutdown_timeout" "$d" ||
        fail "xm shutdown -w $d failed (exit $?)" "$d"
    refresh_states
    [ "$(state_of "$d")" = gone ] ||
        fail "$d is still there after xm shutdown -w" "$d"
    timed "xm shutdown -w $d" "$t0"
    DOMS=("${DOMS[@]:1}")     # gone now: no longer watched
done
run xm list || fail "xm list failed"

step "Stopping xend and xenstored"
stop "$XEND" "$XSD"
XEND='' XSD=

since total "$T_START"
step "Summary: what the demo showed, all steps passed"
printf '  %-52s %6s\n' step time
printf '%s\n' "${SUMMARY[@]}"
printf '  %-52s %6s s\n' "total" "$total"
echo "demo finished: two Linux domains booted from one config, answered on their"
echo "consoles, got addresses on xend's NAT network, answered ping and ssh through"
echo "its port forwards, read one disk they share read-only (a read-write use was"
echo "refused), were listed by xm, the HTTP API and the web console (which also"
echo "reached demo-1's console), and shut down; logs in $W"
