#!/bin/sh
# The HTTP/JSON API with curl: routes, errors, hostile requests, the
# privileged-port check.  Args: XEND XM FAKE_VMM
BUILD_XEND=$1 BUILD_XM=$2 FAKE_VMM=$3
. "$(dirname "$0")/lib.sh"

JSON='Content-Type: application/json'
code() { curl -s -o /dev/null -w '%{http_code}' -H "$JSON" "$@"; }
body() { curl -s -H "$JSON" "$@"; }

write_conf
start_xend || exit 1

check_eq "GET /xend" 200 "$(code "$URL/xend/")"
check_match "index lists resources" '/xend/domain' "$(body "$URL/xend")"
check_eq "GET /xend/node" 200 "$(code "$URL/xend/node")"
check_match "node has total_memory 4096" '"total_memory":4096' "$(body "$URL/xend/node" | tr -d ' \n')"
check_match "list has Domain-0" '"name":"Domain-0"' "$(body "$URL/xend/domain" | tr -d ' \n')"
check_eq "unknown path is 404" 404 "$(code "$URL/xend/nothing")"
check_eq "outside /xend is 404" 404 "$(code "$URL/")"
check_eq "unknown domain is 404" 404 "$(code "$URL/xend/domain/nosuch")"
check_eq "unknown id is 404" 404 "$(code "$URL/xend/domain/4242")"
check_match "404 says why" 'does not exist' "$(body "$URL/xend/domain/nosuch")"
check_eq "PUT not allowed" 405 "$(code -X PUT "$URL/xend/domain")"
check_eq "DELETE on the list not allowed" 405 "$(code -X DELETE "$URL/xend/domain")"

cfg='{"config":{"name":"web","kernel":"'$FAKE_VMM'","memory":256,"vcpus":2}}'
check_eq "POST create" 200 "$(code -X POST -d "$cfg" "$URL/xend/domain")"
check_match "created domain listed" '"name":"web"' "$(body "$URL/xend/domain" | tr -d ' \n')"
check_match "GET by name has config" '"vcpus":2' "$(body "$URL/xend/domain/web" | tr -d ' \n')"
check_eq "GET by id" 200 "$(code "$URL/xend/domain/1")"
check_eq "duplicate name is 409" 409 "$(code -X POST -d "$cfg" "$URL/xend/domain")"
check_match "duplicate says EEXIST" '"code":"EEXIST"' "$(body -X POST -d "$cfg" "$URL/xend/domain" | tr -d ' \n')"

big='{"config":{"name":"huge","kernel":"'$FAKE_VMM'","memory":4000}}'
check_eq "over budget is 409" 409 "$(code -X POST -d "$big" "$URL/xend/domain")"
check_match "budget error has the numbers" '4000 MiB needed, 2816 MiB free' "$(body -X POST -d "$big" "$URL/xend/domain")"

check_eq "malformed JSON is 400" 400 "$(code -X POST -d '{"config":' "$URL/xend/domain")"
check_eq "JSON array body is 400" 400 "$(code -X POST -d '[1,2]' "$URL/xend/domain")"
check_eq "missing config is 400" 400 "$(code -X POST -d '{}' "$URL/xend/domain")"
check_eq "bad name is 400" 400 "$(code -X POST -d '{"config":{"name":"a b","kernel":"/k"}}' "$URL/xend/domain")"
check_eq "memory as string is 400" 400 "$(code -X POST -d '{"config":{"name":"x","kernel":"/k","memory":"lots"}}' "$URL/xend/domain")"
check_eq "bad disk is 400" 400 "$(code -X POST -d '{"config":{"name":"x","kernel":"/k","disks":[{"target":"rel","vdev":"xvda"}]}}' "$URL/xend/domain")"
check_eq "vif mac with comma is 400" 400 "$(code -X POST -d '{"config":{"name":"x","kernel":"/k","vifs":[{"mac":"00:16:3e:00:00:01,bridge=x"}]}}' "$URL/xend/domain")"
check_eq "unknown op is 400" 400 "$(code -X POST -d '{"op":"explode"}' "$URL/xend/domain/web")"
check_eq "op on unknown domain is 404" 404 "$(code -X POST -d '{"op":"pause"}' "$URL/xend/domain/ghost")"
check_eq "destroy Domain-0 refused" 400 "$(code -X DELETE "$URL/xend/domain/0")"
check_eq "pause Domain-0 refused" 400 "$(code -X POST -d '{"op":"pause"}' "$URL/xend/domain/Domain-0")"
check_eq "path with slashes is 404" 404 "$(code "$URL/xend/domain/web/../../etc")"
check_eq "long path is 404/414" 414 "$(code "$URL/xend/domain/$(head -c 600 /dev/zero | tr '\0' a)")"

# virtual block devices: /xend/domain/DOM/vbd[/VDEV]
truncate -s 1M "$T/api.img" "$T/api2.img"
check_eq "GET vbd list" 200 "$(code "$URL/xend/domain/web/vbd")"
check_match "empty at first" '"vbds":\[\]' "$(body "$URL/xend/domain/web/vbd" | tr -d ' \n')"
disk='{"disk":{"kind":"file","target":"'$T/api.img'","vdev":"xvdb","writable":true}}'
check_eq "POST vbd attaches" 200 "$(code -X POST -d "$disk" "$URL/xend/domain/web/vbd")"
check_match "and answers with the list" '"devid":51728' "$(body "$URL/xend/domain/web/vbd" | tr -d ' \n')"
check_eq "the same vdev again is 409" 409 "$(code -X POST -d "$disk" "$URL/xend/domain/web/vbd")"
check_eq "xm's words work too" 200 "$(code -X POST -d '{"target":"file:'$T/api2.img'","vdev":"xvdc","mode":"r"}' "$URL/xend/domain/1/vbd")"
check_eq "a disk in read-write use is 409" 409 "$(code -X POST -d '{"target":"file:'$T/api.img'","vdev":"xvdd","mode":"r"}' "$URL/xend/domain/web/vbd")"
check_match "saying who uses it" 'used by domain 1 \(web\) as xvdb read-write' "$(body -X POST -d '{"target":"file:'$T/api.img'","vdev":"xvdd","mode":"r"}' "$URL/xend/domain/web/vbd")"
check_eq "a missing image is 400" 400 "$(code -X POST -d '{"target":"file:/nonexistent","vdev":"xvdd","mode":"r"}' "$URL/xend/domain/web/vbd")"
check_eq "no disk in the body is 400" 400 "$(code -X POST -d '{}' "$URL/xend/domain/web/vbd")"
check_eq "a relative target is 400" 400 "$(code -X POST -d '{"target":"rel.img","vdev":"xvdd","mode":"r"}' "$URL/xend/domain/web/vbd")"
check_eq "vbd of an unknown domain is 404" 404 "$(code "$URL/xend/domain/ghost/vbd")"
check_eq "DELETE vbd detaches" 200 "$(code -X DELETE "$URL/xend/domain/web/vbd/xvdc")"
check_eq "by number too" 200 "$(code -X DELETE "$URL/xend/domain/web/vbd/51728")"
check_eq "an unknown vdev is 404" 404 "$(code -X DELETE "$URL/xend/domain/web/vbd/xvdb")"
check_eq "GET on one vbd is 405" 405 "$(code "$URL/xend/domain/web/vbd/xvdb")"

# a web page can't drive xend through the user's browser
check_eq "POST without JSON content type is 415" 415 "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d "$cfg" "$URL/xend/domain")"
check_eq "POST as text/plain is 415" 415 "$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: text/plain' -X POST -d '{"op":"destroy"}' "$URL/xend/domain/web")"
check_eq "foreign Origin is 403" 403 "$(code -H 'Origin: http://evil.example' "$URL/xend/domain")"
check_eq "foreign Origin POST is 403" 403 "$(code -H 'Origin: http://evil.example' -X POST -d '{"op":"destroy"}' "$URL/xend/domain/web")"
check_eq "own Origin is fine" 200 "$(code -H "Origin: http://127.0.0.1:$PORT" "$URL/xend/domain")"
check_eq "rebound Host name is 403" 403 "$(code -H "Host: evil.example:$PORT" "$URL/xend/node")"
check_eq "localhost Host is fine" 200 "$(code -H "Host: localhost:$PORT" "$URL/xend/node")"
check_eq "web still running" running "$(dom_field web state)"

# oversized body: max-request is 64 KiB here
head -c 200000 /dev/zero | tr '\0' ' ' > "$T/big.json"
check_eq "oversized body is 413" 413 "$(code -X POST --data-binary @"$T/big.json" "$URL/xend/domain")"
check_eq "xend still answers after 413" 200 "$(code "$URL/xend/node")"
# garbage on the socket, and a request that never ends
printf 'GARBAGE\r\n\r\n' | timeout 5 curl -s -o /dev/null telnet://127.0.0.1:$PORT 2>/dev/null
check_eq "xend still answers after garbage" 200 "$(code "$URL/xend/node")"

# the unix socket: same requests as JSON lines, and hostile ones
usock() {  # usock DATA: send DATA to xend's unix socket, print the reply
    python3 - "$T/xend.sock" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
data = sys.argv[2].encode().decode('unicode_escape').encode('latin-1')
try:
    s.sendall(data)
except OSError:
    pass
s.settimeout(5)
out = b''
try:
    while True:
        b = s.recv(65536)
        if not b:
            break
        out += b
except OSError:
    pass
print(out.decode(errors='replace').strip())
PY
}
check_match "unix: GET /xend/node" '"status":200' "$(usock '{"method":"GET","path":"/xend/node"}\n')"
check_match "unix: bad JSON is 400" '"status":400' "$(usock '{"method":\n')"
check_match "unix: body must be an object" '"status":400' "$(usock '{"method":"POST","path":"/xend/domain","body":[1]}\n')"
check_match "unix: missing path is 400" '"status":400' "$(usock '{"method":"GET"}\n')"
check_match "unix: 404 as on HTTP" '"status":404' "$(usock '{"method":"GET","path":"/xend/domain/ghost"}\n')"
check_match "unix: NUL bytes are 400" '"status":400' "$(usock '\x00\x00{"method":"GET","path":"/xend"}\n')"
big_line=$(head -c 100000 /dev/zero | tr '\0' 'a')
check_match "unix: oversized line is 413" '"status":413' "$(usock "$big_line")"
check_eq "unix: xend still answers" 200 "$(code "$URL/xend/node")"

check_eq "pause" 200 "$(code -X POST -d '{"op":"pause"}' "$URL/xend/domain/web")"
check_eq "state paused" paused "$(dom_field web state)"
check_eq "unpause" 200 "$(code -X POST -d '{"op":"unpause"}' "$URL/xend/domain/web")"
check_eq "mem_set above maxmem is 400" 400 "$(code -X POST -d '{"op":"mem_set","memory":999}' "$URL/xend/domain/web")"
check_eq "mem_set down" 200 "$(code -X POST -d '{"op":"mem_set","memory":128}' "$URL/xend/domain/web")"
check_eq "memory now 128" 128 "$(dom_field web memory)"
check_eq "mem_max above maxmem is 400" 400 "$(code -X POST -d '{"op":"mem_max","memory":999}' "$URL/xend/domain/web")"
check_eq "mem_max without memory is 400" 400 "$(code -X POST -d '{"op":"mem_max"}' "$URL/xend/domain/web")"
check_eq "mem_max" 200 "$(code -X POST -d '{"op":"mem_max","memory":200}' "$URL/xend/domain/web")"
check_eq "mem_max shown" 200 "$(dom_field web mem_max)"
check_eq "mem_set above mem_max is 400" 400 "$(code -X POST -d '{"op":"mem_set","memory":250}' "$URL/xend/domain/web")"
check_eq "mem_set dom0 below min refused" 409 "$(code -X POST -d '{"op":"mem_set","memory":100}' "$URL/xend/domain/0")"
check_eq "mem_set dom0 too big refused" 409 "$(code -X POST -d '{"op":"mem_set","memory":4000}' "$URL/xend/domain/0")"
check_eq "mem_set dom0" 200 "$(code -X POST -d '{"op":"mem_set","memory":512}' "$URL/xend/domain/0")"
check_match "dmesg via GET" 'web' "$(body "$URL/xend/node/dmesg")"
check_eq "dmesg clear" 200 "$(code -X POST -d '{"op":"clear"}' "$URL/xend/node/dmesg")"
check_eq "log via GET" 200 "$(code "$URL/xend/node/log")"
check_eq "DELETE destroys" 200 "$(code -X DELETE "$URL/xend/domain/web")"
check_eq "gone after destroy" 404 "$(code "$URL/xend/domain/web")"
stop_xend
check "xend stops cleanly" true

# xend-privileged-port: source ports >= 1024 refused
PORT=$(free_port)
write_conf "xend-privileged-port = 1"
start_xend || exit 1
check_eq "unprivileged source port refused" 403 "$(code --local-port 2000-2100 "$URL/xend/node")"
check_match "403 explains" 'privileged' "$(body --local-port 2000-2100 "$URL/xend/node")"
check_eq "create from unprivileged port refused" 403 "$(code --local-port 2000-2100 -X POST -d "$cfg" "$URL/xend/domain")"
if [ "$(id -u)" -eq 0 ]; then
    check_eq "privileged source port accepted" 200 "$(code --local-port 900-1000 "$URL/xend/node")"
else
    echo "ok - privileged source port accepted # SKIP not root"
fi
check "unix socket unaffected" xm list
stop_xend

# a non-loopback address must be asked for and is logged
PORT=$(free_port)
write_conf "xend-address = 0.0.0.0"
start_xend || exit 1
check_match "non-loopback address logged" 'non-loopback address 0.0.0.0' "$(cat "$T/xend.out")"
stop_xend
done_tests
