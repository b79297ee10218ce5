#!/bin/sh
# xenoweb against a private xend with the fake VMM: login, the guards
# (Host, Origin, CSRF, no change on GET, roles), the API calls and the
# WebSocket console (Origin, replay, echo, writer, bad frames).
# Usage: web.sh XEND XM FAKE_VMM XENOWEB WWW_DIR XENSTORED
BUILD_XEND=$1 BUILD_XM=$2 FAKE_VMM=$3 XENOWEB=$(realpath "$4") WWW=$(realpath "$5")
XENSTORED=$6
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../toolstack/lib.sh"
WS="python3 -u $HERE/wsclient.py"
command -v curl >/dev/null || { echo "web.sh: needs curl (apt-get install curl)"; exit 1; }

. "$HERE/weblib.sh"
start_xs || exit 1
write_conf "$XS_CONF"
start_xend || exit 1
start_web || exit 1

if [ -n "$NOCAPS" ]; then
    check_eq "xenoweb runs without capabilities, as in xenoweb.service" "0000000000000000 1" \
        "$(awk '/^CapEff/{c=$2} /^NoNewPrivs/{n=$2} END{print c, n}' "/proc/$WEB_PID/status")"
fi

# ---- headers and static files
hdr=$(curl -s -D - -o /dev/null "$W/")
check_match "index: CSP without inline script" "script-src 'self';" "$hdr"
check_match "index: frame-ancestors 'none'" "frame-ancestors 'none'" "$hdr"
check_match "index: nosniff" "X-Content-Type-Options: nosniff" "$hdr"
check_match "index: X-Frame-Options DENY" "X-Frame-Options: DENY" "$hdr"
inline=$(grep -c '<script>' "$WWW/index.html"; grep -Ec ' on[a-z]+=' "$WWW/index.html")
check_eq "index.html: no inline script or handler" "0
0" "$inline"
check_eq "an unknown file: 404" 404 "$(code "$W/../../etc/passwd")"
check_eq "token file is 0600" 600 "$(stat -c %a "$T/web.token")"

# ---- Host allow-list (DNS rebinding), on every route
check_eq "foreign Host on / : 403" 403 "$(code -H 'Host: evil.example:'"$WPORT" "$W/")"
check_eq "foreign Host on the API: 403" 403 "$(code -H 'Host: evil.example' "$W/api/session")"
check_eq "right name, wrong port: 403" 403 "$(code -H 'Host: 127.0.0.1:1' "$W/api/session")"
check_eq "localhost:PORT is fine" 200 "$(code -H "Host: localhost:$WPORT" "$W/")"

# ---- login
check_eq "no session: 401" 401 "$(code "$W/api/domains")"
check_eq "wrong token: 403" 403 "$(code -X POST -H "Origin: $W" -H 'Content-Type: application/json' \
    -d '{"token":"00"}' "$W/api/login")"
login_hdr=$(curl -s -D - -o /dev/null -c "$T/jar" -X POST -H "Origin: $W" \
    -H 'Content-Type: application/json' -d "{\"token\":\"$OPTOK\"}" "$W/api/login")
check_match "login sets an HttpOnly SameSite=Strict cookie" \
    "Set-Cookie: xenoweb_session=[0-9a-f]{64}; Path=/; HttpOnly; SameSite=Strict" "$login_hdr"
CSRF=$(curl -s -b "$T/jar" "$W/api/session" | jfield csrf)
check_match "session: operator with a CSRF token" "^[0-9a-f]{64}$" "$CSRF"
check_match "domains: Domain-0" '"name":"Domain-0"' "$(curl -s -b "$T/jar" "$W/api/domains")"

# ---- create (pasted, with an error; from the config dir)
webcfg web1 1 >"$T/web1.path"
r=$(post create '{"config":"name = \"bad\"\nmemory = 12x\n"}')
check_match "create: parse error at file:line:col" '"error":"pasted:2:[0-9]+: ' "$r"
check_eq "create: parse error is 400" 400 "$(post_code create '{"config":"memory = = 1"}')"
printf 'name = "bad2"\nmemory = 64 +\n' > "$T/configs/bad2.cfg"
r=$(post create '{"file":"bad2.cfg"}')
check_match "create from the dir: the error at the file's name:line:col" '"error":"bad2.cfg:2:[0-9]+: ' "$r"
r=$(post create '{"file":"web1.cfg"}')
check_match "create from the config dir" '"name":"web1"' "$r"
check_match "xm list agrees" '^web1 ' "$(xm list | grep web1)"
check_eq "config outside the dir: 404" 404 "$(post_code create '{"file":"../xend.conf"}')"
check_eq "config by path: 404" 404 "$(code -b "$T/jar" "$W/api/config/%2Fetc%2Fpasswd")"

# ---- cross-origin and form POSTs are refused, and change nothing
check_eq "cross-origin POST: 403" 403 "$(code -b "$T/jar" -X POST -H 'Origin: http://evil.example' \
    -H 'Content-Type: application/json' -H "X-CSRF-Token: $CSRF" -d '{"op":"pause"}' "$W/api/domain/web1")"
check_eq "form POST (urlencoded): 415" 415 "$(code -b "$T/jar" -X POST -H "Origin: $W" \
    -d 'op=destroy' "$W/api/domain/web1")"
check_eq "form POST (text/plain): 415" 415 "$(code -b "$T/jar" -X POST -H "Origin: $W" \
    -H 'Content-Type: text/plain' -d '{"op":"destroy"}' "$W/api/domain/web1")"
check_eq "form POST (multipart): 415" 415 "$(code -b "$T/jar" -X POST -H "Origin: $W" \
    -F op=destroy "$W/api/domain/web1")"
check_eq "POST without Origin: 403" 403 "$(code -b "$T/jar" -X POST -H 'Content-Type: application/json' \
    -H "X-CSRF-Token: $CSRF" -d '{"op":"pause"}' "$W/api/domain/web1")"
check_eq "POST without CSRF token: 403" 403 "$(code -b "$T/jar" -X POST -H "Origin: $W" \
    -H 'Content-Type: application/json' -d '{"op":"pause"}' "$W/api/domain/web1")"
check_eq "POST with another CSRF token: 403" 403 "$(code -b "$T/jar" -X POST -H "Origin: $W" \
    -H 'Content-Type: application/json' -H "X-CSRF-Token: $OPTOK" -d '{"op":"pause"}' "$W/api/domain/web1")"
check_eq "POST without cookie: 401" 401 "$(code -X POST -H "Origin: $W" -H 'Content-Type: application/json' \
    -H "X-CSRF-Token: $CSRF" -d '{"op":"pause"}' "$W/api/domain/web1")"
check_eq "... web1 still running" running "$(xm_state web1)"

# ---- GET never changes anything
check_eq "GET domain?op=destroy only reads" 200 "$(code -b "$T/jar" "$W/api/domain/web1?op=destroy")"
check_eq "GET domain?op=mem_set only reads" 200 "$(code -b "$T/jar" "$W/api/domain/web1?op=mem_set&memory=64")"
check_eq "GET create: 405" 405 "$(code -b "$T/jar" "$W/api/create?file=web1.cfg")"
check_eq "GET logout: 405" 405 "$(code -b "$T/jar" "$W/api/logout")"
check_eq "PUT: 405" 405 "$(code -b "$T/jar" -X PUT "$W/api/domain/web1")"
check_eq "... web1 still running, 256 MiB" "running 256" "$(xm_state web1) $(xm list | awk '$1=="web1"{print $3}')"

# ---- actions: the same calls as xm, xend's text on refusal
check_eq "pause" 200 "$(post_code domain/web1 '{"op":"pause"}')"
check_eq "xm list: paused" paused "$(xm_state web1)"
check_eq "unpause" 200 "$(post_code domain/web1 '{"op":"unpause"}')"
check_eq "xm list: running" running "$(xm_state web1)"
check_eq "mem_set 128" 200 "$(post_code domain/web1 '{"op":"mem_set","memory":128}')"
check_eq "xm list: 128 MiB" 128 "$(xm list | awk '$1=="web1"{print $3}')"
r=$(post domain/web1 '{"op":"mem_set","memory":100000}')
xr=$(xm mem-set web1 100000 2>&1)
check_match "mem_set over max: xend's error" '"error":".+' "$r"
check_match "... the text xm shows" "$(printf '%s' "$r" | jfield error | cut -c1-30)" "$xr"
check_eq "vcpu_set 3" 200 "$(post_code domain/web1 '{"op":"vcpu_set","vcpus":3}')"
check_eq "xm list: 3 vCPUs" 3 "$(xm list | awk '$1=="web1"{print $4}')"
check_eq "xm vcpu-list: 3 online" 3 "$(vcpus_online web1)"
r=$(post domain/web1 '{"op":"vcpu_set","vcpus":5}')
xr=$(xm vcpu-set web1 5 2>&1)
check_match "vcpu_set over maxvcpus: xend's error" '"error":"web1 has maxvcpus = 4' "$r"
check_eq "... the text xm shows" "Error: $(printf '%s' "$r" | jfield error)" "$xr"
check_eq "... still 3 online" 3 "$(vcpus_online web1)"
check_eq "vcpu_set 0: 400" 400 "$(post_code domain/web1 '{"op":"vcpu_set","vcpus":0}')"
check_eq "vcpu_set \"2\" (a string): 400" 400 "$(post_code domain/web1 '{"op":"vcpu_set","vcpus":"2"}')"
check_eq "vcpu_set without vcpus: 400" 400 "$(post_code domain/web1 '{"op":"vcpu_set"}')"
check_eq "vcpu_set on Domain-0: xend's 400" 400 "$(post_code domain/Domain-0 '{"op":"vcpu_set","vcpus":1}')"
check_eq "... 3 online still" 3 "$(vcpus_online web1)"
check_match "vcpu: xm vcpu-list's data" '"vcpus":\[\{' "$(curl -s -b "$T/jar" "$W/api/domain/web1/vcpu")"
check_eq "unknown op: 400" 400 "$(post_code domain/web1 '{"op":"rm -rf"}')"
check_eq "bad domain name in the path: 404" 404 "$(code -b "$T/jar" "$W/api/domain/%3Cimg%3E")"
check_match "names with markup are refused by xend" '"error":"' \
    "$(post create '{"config":"name = \"<img src=x onerror=alert(1)>\"\nkernel = \"/bin/true\"\n"}')"

# ---- host pages
check_match "node" '"nr_cpus":' "$(curl -s -b "$T/jar" "$W/api/node")"
check_match "dmesg" '"lines":' "$(curl -s -b "$T/jar" "$W/api/dmesg")"
check_match "log" '"lines":' "$(curl -s -b "$T/jar" "$W/api/log")"
# disk and network counters: the fake VMM does real I/O on the disk and
# sends a frame from the "guest"; the page's numbers are xend's record
"$FAKE_VMM" --ctl-send "$T/run/dom$(dom_field web1 domid).ctl" '{"cmd":"test-disk-io","devid":51712}' >/dev/null
[ $NET = yes ] && "$FAKE_VMM" --ctl-send "$T/run/dom$(dom_field web1 domid).ctl" '{"cmd":"test-nic-send","devid":0}' >/dev/null
d=$(curl -s -b "$T/jar" "$W/api/domain/web1")
check_eq "domain: disk counters" "1 4096 1 4096" "$(printf '%s' "$d" | python3 -c "import json,sys; d=json.load(sys.stdin); print(d['vbd_rd_req'], d['vbd_rd_bytes'], d['vbd_wr_req'], d['vbd_wr_bytes'])")"
if [ $NET = yes ]; then
    check_eq "domain: network counters" "1 60" "$(printf '%s' "$d" | python3 -c "import json,sys; d=json.load(sys.stdin); print(d['vif_tx_packets'], d['vif_tx_bytes'])")"
    check_match "vif: xm network-list's data" '"vifs":\[\{"devid":0,"mac":"00:16:3e:00:00:31"' "$(curl -s -b "$T/jar" "$W/api/domain/web1/vif")"
fi
check_match "vbd: xm block-list's data" '"vdev":"xvda"' "$(curl -s -b "$T/jar" "$W/api/domain/web1/vbd")"
sleep 1.2
s=$(curl -s -b "$T/jar" "$W/api/domain/web1/stats")
check_match "stats: samples of web1" '"cpu_pct":\[[0-9]' "$s"
last() { printf '%s' "$s" | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'][-1])"; }
check_eq "stats: disk bytes read, written" "4096.0 4096.0" "$(last vbd_rd_bytes) $(last vbd_wr_bytes)"
if [ $NET = yes ]; then
    check_eq "stats: network bytes sent" "60.0" "$(last vif_tx_bytes)"
    check_match "stats: network received" '^[0-9.]+$' "$(last vif_rx_bytes)"
fi
check_match "domains: cpu_hist" '"cpu_hist":\[' "$(curl -s -b "$T/jar" "$W/api/domains")"

# ---- viewer role
curl -s -o /dev/null -c "$T/vjar" -X POST -H "Origin: $W" -H 'Content-Type: application/json' \
    -d "{\"token\":\"$VIEWTOK\"}" "$W/api/login"
VCSRF=$(curl -s -b "$T/vjar" "$W/api/session" | jfield csrf)
check_match "viewer: session role" '"role":"viewer"' "$(curl -s -b "$T/vjar" "$W/api/session")"
check_eq "viewer: may list" 200 "$(code -b "$T/vjar" "$W/api/domains")"
check_eq "viewer: may not pause (403)" 403 "$(code -b "$T/vjar" -X POST -H "Origin: $W" \
    -H 'Content-Type: application/json' -H "X-CSRF-Token: $VCSRF" -d '{"op":"pause"}' "$W/api/domain/web1")"
check_eq "viewer: may not set vCPUs (403)" 403 "$(code -b "$T/vjar" -X POST -H "Origin: $W" \
    -H 'Content-Type: application/json' -H "X-CSRF-Token: $VCSRF" -d '{"op":"vcpu_set","vcpus":1}' "$W/api/domain/web1")"
check_eq "... 3 online still" 3 "$(vcpus_online web1)"
check_eq "viewer: may read the vCPUs" 200 "$(code -b "$T/vjar" "$W/api/domain/web1/vcpu")"
check_eq "viewer: may not create (403)" 403 "$(code -b "$T/vjar" -X POST -H "Origin: $W" \
    -H 'Content-Type: application/json' -H "X-CSRF-Token: $VCSRF" -d '{"file":"web1.cfg"}' "$W/api/create")"

# ---- WebSocket console
COOKIE=$(awk '$6=="xenoweb_session"{print "xenoweb_session="$7}' "$T/jar")
VCOOKIE=$(awk '$6=="xenoweb_session"{print "xenoweb_session="$7}' "$T/vjar")
check_match "ws without Origin: 403" "status 403" "$($WS "$WPORT" /api/console/web1 --no-origin --cookie "$COOKIE")"
check_match "ws with a foreign Origin: 403" "status 403" "$($WS "$WPORT" /api/console/web1 --origin http://evil.example --cookie "$COOKIE")"
check_match "ws with a foreign Host: 403" "status 403" "$($WS "$WPORT" /api/console/web1 --host evil.example:"$WPORT" --origin http://evil.example:"$WPORT" --cookie "$COOKIE")"
check_match "ws without a session: 401" "status 401" "$($WS "$WPORT" /api/console/web1)"
out=$($WS "$WPORT" /api/console/web1 --cookie "$COOKIE" --send 'hello-xeno' --expect hello-xeno)
check_match "ws: 101" "status 101" "$out"
check_match "ws: replay of the console's output" "fake console of web1" "$out"
check_match "ws: operator is the writer" '"writer":true' "$out"
check_match "ws: input echoed by the guest" "binary 'hello-xeno'" "$out"
out=$($WS "$WPORT" /api/console/web1 --cookie "$COOKIE" --read 0.5)
check_match "ws: a later viewer gets the recent output" "hello-xeno" "$out"
out=$($WS "$WPORT" /api/console/web1 --cookie "$VCOOKIE" --send 'viewer-typed' --read 1)
check_match "ws viewer: not the writer" '"role":"viewer","writer":false' "$out"
check_fails "ws viewer: its input never reaches the guest" sh -c "printf '%s' \"\$1\" | grep -q \"binary 'viewer-typed'\"" _ "$out"
# two operators: the second watches until it takes over
$WS "$WPORT" /api/console/web1 --cookie "$COOKIE" --read 20 --expect after-take > "$T/first.out" &
first=$!
wait_for 10 grep -q '"viewers":1' "$T/first.out"
out=$($WS "$WPORT" /api/console/web1 --cookie "$COOKIE" --send 'before-take' --read 0.5)
check_match "second operator: watching the first" '"writer":false,"has_writer":true,"viewers":2' "$out"
out=$($WS "$WPORT" /api/console/web1 --cookie "$COOKIE" --text '{"type":"take"}' --send 'after-take' --expect after-take)
check_match "... after take-over it is the writer" '"writer":true' "$out"
check_match "... and its input reaches the guest" "binary 'after-take'" "$out"
wait "$first"
check_fails "the input of a non-writer is dropped" grep -q "before-take" "$T/first.out"
check_match "first operator: sees the new writer's echo" "after-take" "$(cat "$T/first.out")"
check_match "first operator: told it lost the writer" '"role":"operator","writer":false' "$(cat "$T/first.out")"
# bad frames
check_match "oversized frame: close 1009" "close 1009" "$($WS "$WPORT" /api/console/web1 --cookie "$COOKIE" --big 70000)"
check_match "unmasked frame: close 1002" "close 1002" "$($WS "$WPORT" /api/console/web1 --cookie "$COOKIE" --send x --unmasked)"
check_match "reserved bits: close 1002" "close 1002" "$($WS "$WPORT" /api/console/web1 --cookie "$COOKIE" --raw f18000000000)"
check_match "fragmented ping: close 1002" "close 1002" "$($WS "$WPORT" /api/console/web1 --cookie "$COOKIE" --raw 098000000000)"
check_match "continuation of nothing: close 1002" "close 1002" "$($WS "$WPORT" /api/console/web1 --cookie "$COOKIE" --raw 808000000000)"
check_match "a console of no domain: error" '"type":"error"' "$($WS "$WPORT" /api/console/nosuch --cookie "$COOKIE")"
# consoles per login are bounded
pids=
for i in 1 2 3 4 5 6 7 8; do
    $WS "$WPORT" /api/console/web1 --cookie "$COOKIE" --read 6 > "$T/many$i.out" &
    pids="$pids $!"
done
for i in 1 2 3 4 5 6 7 8; do wait_for 10 grep -q "status 101" "$T/many$i.out"; done
check_match "9th console of one login: 429" "status 429" "$($WS "$WPORT" /api/console/web1 --cookie "$COOKIE" --read 0.1)"
for p in $pids; do wait "$p"; done

# a flood with a stalled browser: the guest is not stalled (every byte of
# the writer's flood comes back), the stalled viewer is told what it lost,
# and xenoweb's memory stays bounded
$WS "$WPORT" /api/console/web1 --cookie "$COOKIE" --stall 8 --read 10 > "$T/stalled.out" &
stalled=$!
wait_for 10 sh -c "$BUILD_XM list >/dev/null && grep -q 'status 101' '$T/stalled.out'"
rss0=$(awk '/VmRSS/{print $2}' "/proc/$WEB_PID/status")
out=$($WS "$WPORT" /api/console/web1 --cookie "$COOKIE" --text '{"type":"take"}' --flood 2000000 --read 30)
rss1=$(awk '/VmRSS/{print $2}' "/proc/$WEB_PID/status")
wait "$stalled"
# (the writer is a browser too: if it reads too slowly, it is told what it lost)
check_match "flood: the writer's 2 MB all came back or were reported dropped (guest not stalled)" \
    "sent 2000000 echoed [0-9]+ dropped [0-9]+ end yes whole yes" "$out"
check_match "flood: the stalled viewer was told of dropped output" '"dropped":[1-9]' "$(cat "$T/stalled.out")"
check "flood: xenoweb grew by less than 8 MiB ($rss0 -> $rss1 KiB)" test $((rss1 - rss0)) -lt 8192

# ---- oversized bodies
head -c 300000 /dev/zero | tr '\0' a > "$T/big.json"
check_eq "a body over 256 KiB: 413" 413 "$(curl -s -o /dev/null -w '%{http_code}' -b "$T/jar" -X POST \
    -H "Origin: $W" -H 'Content-Type: application/json' -H "X-CSRF-Token: $CSRF" \
    --data-binary @"$T/big.json" "$W/api/create")"
check_eq "a body that is not JSON: 400" 400 "$(post_code create 'not json')"

# ---- destroy, logout
check_eq "destroy" 200 "$(post_code domain/web1 '{"op":"destroy"}')"
check_fails "xm list: gone" sh -c "$BUILD_XM list | grep -q '^web1 '"
check_eq "logout" 200 "$(post_code logout '{}')"
check_eq "after logout: 401" 401 "$(code -b "$T/jar" "$W/api/domains")"

stop_web
done_tests
