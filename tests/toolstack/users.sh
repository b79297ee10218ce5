#!/bin/sh
# Local users (docs/privilege.md): the permission matrix of root, a member
# of the admin group, a domain's owner and an unrelated user, over the unix
# socket and HTTP, for list, create, pause, destroy, console and mem-set on
# their own and a foreign domain; every refusal changes nothing.  Then
# xend-user-create and xend-others = none, file modes, dmesg filtering.
# The users exist only in this test's mount namespace (a private copy of
# /etc/passwd and /etc/group is bind-mounted).  Needs root.
# xenoweb run by a user gets that user's rights from xend, no more.
# Args: XEND XM FAKE_VMM [XENOWEB]
BUILD_XEND=$1 BUILD_XM=$2 FAKE_VMM=$3 XENOWEB=${4:+$(realpath "$4")}
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
    echo "1..0 # skip: needs root and setpriv (it runs calls as other uids)"; exit 77
fi
. "$(dirname "$0")/lib.sh"
if [ -z "${XENO_TEST_NETNS:-}" ]; then
    echo "1..0 # skip: needs a private mount namespace"; exit 77
fi

# users 4201..4204 and the admin group, in this namespace only
cp /etc/passwd "$T/passwd"; cp /etc/group "$T/group"
for u in xalice:4201 xbob:4202 xcarol:4203 xdave:4204; do
    echo "${u%%:*}:x:${u#*:}:${u#*:}::/nonexistent:/bin/sh" >> "$T/passwd"
    echo "${u%%:*}:x:${u#*:}:" >> "$T/group"
done
echo "xtadmin:x:4300:xcarol" >> "$T/group"
chmod 644 "$T/passwd" "$T/group"
mount --bind "$T/passwd" /etc/passwd && mount --bind "$T/group" /etc/group || {
    echo "not ok - private passwd/group"; exit 1; }
chmod 711 "$T"; chmod 755 "$T/configs"

write_conf "xend-admin-group = xtadmin"
start_xend || exit 1
ROOT_XEND=$XENO_XEND

# as USER CMD...: run as that user (root: as is)
as() {
    u=$1; shift
    if [ "$u" = root ]; then "$@"; else setpriv --reuid="$u" --regid="$u" --init-groups -- "$@"; fi
}
PY=/usr/bin/python3     # not a shim: the matrix calls it hundreds of times
field() {   # field DOM KEY, as root over HTTP
    curl -s "$URL/xend/domain/$1" | $PY -c "import json,sys; print(json.load(sys.stdin).get('$2',''))"
}
exists() { XENO_XEND=$ROOT_XEND "$BUILD_XM" list "$1" >/dev/null 2>&1; }
ndoms() { XENO_XEND=$ROOT_XEND "$BUILD_XM" list | wc -l; }
domid() { field "$1" domid; }
snap() {    # what a refused call must not change: every domain's record
    curl -s "$URL/xend/domain" | $PY -c 'import json,sys
for d in json.load(sys.stdin)["domains"]:
    print(d["name"], d["state"], d.get("pid"), d.get("target"), d.get("owner"))'
}
# dA owned by xalice, dB by xbob, both running with 256 MiB
reset() {
    for pair in dA:xalice dB:xbob; do
        rd=${pair%%:*}
        exists "$rd" || XENO_XEND=$ROOT_XEND "$BUILD_XM" create \
            "$(mkcfg "$rd" "owner = '${pair#*:}'")" >/dev/null
        [ "$(field "$rd" state)" = paused ] && XENO_XEND=$ROOT_XEND "$BUILD_XM" unpause "$rd"
        [ "$(field "$rd" target)" = 256 ] || XENO_XEND=$ROOT_XEND "$BUILD_XM" mem-set "$rd" 256
    done
    for n in $(XENO_XEND=$ROOT_XEND "$BUILD_XM" list | awk 'NR > 2 && $1 !~ /^d[AB]$/ { print $1 }'); do
        XENO_XEND=$ROOT_XEND "$BUILD_XM" destroy "$n"
    done
}
chmod 644 "$T"/configs/* 2>/dev/null

# cell USER TRANSPORT ACTION DOM EXPECT(allow|deny)
cell() {
    u=$1 tr=$2 act=$3 d=$4 want=$5
    cname="$u/$tr: $act${d:+ $d}"
    if [ "$tr" = unix ]; then X=$ROOT_XEND; else X=$URL; fi
    reset
    before=$(snap)
    id=$( [ -n "$d" ] && domid "$d")
    case $act in
    list)    out=$(XENO_XEND=$X as "$u" "$BUILD_XM" list 2>&1); rc=$?
             got=deny; [ $rc = 0 ] && echo "$out" | grep -q '^dA ' && echo "$out" | grep -q '^dB ' && got=allow ;;
    create)  c=$(mkcfg "n$u$tr"); chmod 644 "$c"
             out=$(XENO_XEND=$X as "$u" "$BUILD_XM" create "$c" 2>&1); rc=$?
             got=deny; [ $rc = 0 ] && exists "n$u$tr" && got=allow ;;
    pause)   out=$(XENO_XEND=$X as "$u" "$BUILD_XM" pause "$d" 2>&1); rc=$?
             got=deny; [ $rc = 0 ] && [ "$(field "$d" state)" = paused ] && got=allow ;;
    destroy) out=$(XENO_XEND=$X as "$u" "$BUILD_XM" destroy "$d" 2>&1); rc=$?
             got=deny; [ $rc = 0 ] && ! exists "$d" && got=allow ;;
    mem-set) out=$(XENO_XEND=$X as "$u" "$BUILD_XM" mem-set "$d" 200 2>&1); rc=$?
             got=deny; [ $rc = 0 ] && [ "$(field "$d" target)" = 200 ] && got=allow ;;
    console) out=$(XENO_XEND=$X as "$u" timeout 2 "$BUILD_XM" console "$d" </dev/null 2>&1); rc=$?
             got=deny; echo "$out" | grep -q "fake console of $d" && got=allow ;;
    esac
    if [ "$got" != "$want" ]; then
        not_ok "$cname: expected $want, got $got (rc $rc: $out)"; return
    fi
    if [ "$want" = allow ]; then ok "$cname: allowed"; return; fi
    # refused: said why, in xend's words, and nothing changed
    case $act in
    create) why="may not create domains" ;;
    console) why="may not read domain $id \\(owned by x(alice|bob)\\)" ;;
    mem-set) why="may not mem-set domain $id \\(owned by x(alice|bob)\\)" ;;
    *) why="may not $act domain $id \\(owned by x(alice|bob)\\)" ;;
    esac
    uid=$(id -u "$u")
    if ! printf '%s\n' "$out" | grep -Eq "user $u \\(uid $uid\\) $why"; then
        not_ok "$cname: refused without the reason: $out"; return
    fi
    after=$(snap)
    if [ "$before" != "$after" ] || { [ "$act" = create ] && exists "n$u$tr"; }; then
        not_ok "$cname: refused but something changed: [$before] -> [$after]"; return
    fi
    ok "$cname: refused ($(printf '%s' "$out" | head -1 | cut -c1-80)), nothing changed"
}

for tr in unix http; do
    for u in root xcarol xalice xdave; do
        for act in list create pause destroy console mem-set; do
            case $act in list|create) targets="-" ;; *) targets="dA dB" ;; esac
            for d in $targets; do
                [ "$d" = - ] && d=
                case $u:$act:$d in
                root:*|xcarol:*|*:list:*) want=allow ;;
                xalice:create:*) want=deny ;;
                xalice:*:dA) want=allow ;;
                *) want=deny ;;
                esac
                cell "$u" "$tr" "$act" "$d" "$want"
            done
        done
    done
done

# what an owner gets beyond the matrix: xm list -l of its domain shows the
# owner; the foreign one is refused; its dmesg lines only; devices and
# limits stay the admins'
reset
check_match "xm list -l shows the owner" '"owner": *"xalice"' "$(as xalice "$BUILD_XM" list -l dA | tr -d '\n')"
check_match "xm list -l of a foreign domain refused" 'may not read domain' "$(as xalice "$BUILD_XM" list -l dB 2>&1)"
check "xm list -l without names: own domains only" sh -c \
    "setpriv --reuid=xalice --regid=xalice --init-groups -- '$BUILD_XM' list -l | grep -q '\"name\": *\"dA\"'"
dm=$(as xalice "$BUILD_XM" dmesg)
check_match "owner's dmesg has its domain" "domain $(domid dA) \\(dA\\)" "$dm"
check_fails "owner's dmesg lacks the foreign one" sh -c "printf '%s' \"\$1\" | grep -q '(dB)'" sh "$dm"
check_eq "an unrelated user's dmesg is empty" "" "$(as xdave "$BUILD_XM" dmesg)"
check_match "dmesg -c is the admins'" 'may not clear the message ring' "$(as xalice "$BUILD_XM" dmesg -c 2>&1)"
check_match "xm log is the admins'" "may not read xend's log" "$(as xalice "$BUILD_XM" log 2>&1)"
truncate -s 1M "$T/u.img"; chmod 666 "$T/u.img"
check_match "block-attach is the admins'" 'may not attach disks to domain' \
    "$(as xalice "$BUILD_XM" block-attach dA "file:$T/u.img" xvdb w 2>&1)"
check_match "mem-max is the admins'" 'may not mem-max domain' "$(as xalice "$BUILD_XM" mem-max dA 300 2>&1)"
check_match "Domain-0 is the admins'" 'may not mem-set domain 0 \(no owner\)' "$(as xalice "$BUILD_XM" mem-set 0 900 2>&1)"
check_eq "HTTP refusal is 403" 403 "$(as xdave curl -s -o /dev/null -w '%{http_code}' -X DELETE "$URL/xend/domain/dA")"
check_match "HTTP refusal says why in JSON" '"error": *"user xdave \(uid 4204\) may not destroy domain [0-9]+ \(owned by xalice\)"' \
    "$(as xdave curl -s -X DELETE "$URL/xend/domain/dA" | tr -d '\n')"
check "an unknown domain is still 404 for users" test 404 = \
    "$(as xdave curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -X POST -d '{"op":"pause"}' "$URL/xend/domain/ghost")"

# file modes: console owner:group 0660, log 0640, control 0600
con=$(field dA console_socket) log=$(field dA log) ctl=$(field dA control_socket)
# xend's user owns them; the owner and the admin group are in an ACL
check_eq "console socket root 0660 (ACL mask)" "root:660" "$(stat -c '%U:%a' "$con")"
check_eq "domain log root 0640 (ACL mask)" "root:640" "$(stat -c '%U:%a' "$log")"
check_eq "control socket root 0600" "root:600" "$(stat -c '%U:%a' "$ctl")"
ACL='import os,sys,struct
a=os.getxattr(sys.argv[1],"system.posix_acl_access")
print(" ".join("%x:%o:%d" % (t, p, i if i != 0xffffffff else -1) for t, p, i in struct.iter_unpack("<HHI", a[4:])))'
check_eq "console ACL: xend rw, owner rw, group -, admin group rw, mask rw, other -" \
    "1:6:-1 2:6:4201 4:0:-1 8:6:4300 10:6:-1 20:0:-1" "$($PY -c "$ACL" "$con")"
check_eq "log ACL: owner and admin group read only" \
    "1:6:-1 2:4:4201 4:0:-1 8:4:4300 10:4:-1 20:0:-1" "$($PY -c "$ACL" "$log")"
CONN='import socket,sys
try:
    socket.socket(socket.AF_UNIX).connect(sys.argv[1]); print("connected")
except OSError as e: print(type(e).__name__)'
check_eq "an unrelated user can't connect to the console directly" PermissionError \
    "$(as xdave $PY -c "$CONN" "$con")"
check_eq "the admin group can" connected "$(as xcarol $PY -c "$CONN" "$con")"
check_eq "the owner can" connected "$(as xalice $PY -c "$CONN" "$con")"
check_eq "root without capabilities can (xenoweb.service)" connected \
    "$(setpriv --inh-caps=-all --ambient-caps=-all --bounding-set=-all -- $PY -c "$CONN" "$con")"
check_fails "the owner can't write the log" as xalice sh -c "echo forged >> '$log'"
check_fails "an unrelated user can't read the log" as xdave cat "$log"
check "the owner can read the log" as xalice cat "$log"
check_eq "unix socket 0666" 666 "$(stat -c '%a' "$ROOT_XEND")"

# owners by uid, and an unknown owner
XENO_XEND=$ROOT_XEND "$BUILD_XM" create "$(mkcfg byuid 'owner = 4204')" >/dev/null
check "owner by uid: that user may pause" as xdave "$BUILD_XM" pause byuid
check_match "an unknown owner is refused at create" 'owner .nosuchuser.: no such user' \
    "$(XENO_XEND=$ROOT_XEND "$BUILD_XM" create "$(mkcfg badowner "owner = 'nosuchuser'")" 2>&1)"
check_fails "and nothing was created" exists badowner
XENO_XEND=$ROOT_XEND "$BUILD_XM" destroy byuid

# ownership survives a restart of xend (adoption)
reset
kill9_xend; start_xend || exit 1
check "after adoption the owner still may pause" as xalice "$BUILD_XM" pause dA
check_match "and the other still may not" 'may not pause' "$(as xbob "$BUILD_XM" pause dA 2>&1)"

# xenoweb is a client of xend like xm: run by a user, its operator token
# (in a file only that user reads) gets that user's rights from xend
web_as() {  # web_as USER: xenoweb as USER on $W, logged in (cookie $T/jar.USER)
    wu=$1
    mkdir -p "$T/web.$wu"; chown "$wu:$wu" "$T/web.$wu"; chmod 700 "$T/web.$wu"
    WPORT=$(free_port); W="http://127.0.0.1:$WPORT"
    as "$wu" "$XENOWEB" -p "$WPORT" -x "$ROOT_XEND" -w "$T" -t "$T/web.$wu/token" \
        -c "$T/configs" >"$T/web.$wu/out" 2>&1 &
    WEB_PID=$!
    for _ in $(seq 100); do [ -s "$T/web.$wu/token" ] && break; sleep 0.05; done
    tok=$(awk '$1=="operator"{print $2}' "$T/web.$wu/token")
    curl -s -o /dev/null -c "$T/jar.$wu" -X POST -H "Origin: $W" -H 'Content-Type: application/json' \
        -d "{\"token\":\"$tok\"}" "$W/api/login"
    CSRF=$(curl -s -b "$T/jar.$wu" "$W/api/session" | $PY -c 'import json,sys; print(json.load(sys.stdin)["csrf"])')
}
web_op() {  # web_op USER DOM OP: the answer's body
    curl -s -b "$T/jar.$1" -X POST -H "Origin: $W" -H 'Content-Type: application/json' \
        -H "X-CSRF-Token: $CSRF" -d "{\"op\":\"$3\"}" "$W/api/domain/$2"
}
if [ -n "$XENOWEB" ]; then
    reset
    web_as xdave
    check_eq "xenoweb's token file is its user's, 0600" "xdave:600" "$(stat -c '%U:%a' "$T/web.xdave/token")"
    check_match "xenoweb run by a user lists" '"name":"dA"' "$(curl -s -b "$T/jar.xdave" "$W/api/domains" | tr -d ' \n')"
    before=$(snap)
    check_match "its operator may not pause a domain xend would not let the user pause" \
        'user xdave \(uid 4204\) may not pause domain [0-9]+ \(owned by xalice\)' "$(web_op xdave dA pause)"
    check_match "nor destroy it" 'may not destroy' "$(web_op xdave dA destroy)"
    check_eq "and nothing changed" "$before" "$(snap)"
    kill "$WEB_PID"; wait "$WEB_PID" 2>/dev/null
    web_as xalice
    web_op xalice dA pause >/dev/null
    check_eq "run by an owner, it pauses the owner's domain" paused "$(field dA state)"
    check_match "and not another's" 'may not pause domain' "$(web_op xalice dB pause)"
    check_eq "which still runs" running "$(field dB state)"
    kill "$WEB_PID"; wait "$WEB_PID" 2>/dev/null
fi
stop_xend

# xend-user-create = yes, xend-others = none
write_conf "xend-admin-group = xtadmin" "xend-user-create = yes" "xend-others = none"
start_xend || exit 1
reset
c=$(mkcfg mine); chmod 644 "$c"
check "a user may create" as xdave "$BUILD_XM" create "$c"
check_eq "and owns it" xdave "$(field mine owner)"
check "and operates it" as xdave "$BUILD_XM" pause mine
c=$(mkcfg forbob "owner = 'xbob'"); chmod 644 "$c"
check_match "a user may not create for another" 'may not create a domain owned by xbob' \
    "$(as xdave "$BUILD_XM" create "$c" 2>&1)"
check_fails "nothing created" exists forbob
truncate -s 1M "$T/root.img"; chmod 600 "$T/root.img"
c=$(mkcfg rootdisk "disk = ['file:$T/root.img,xvda,w']"); chmod 644 "$c"
check_match "a user's domain gets only files the user can open" \
    "may not use $T/root.img in a domain: Permission denied" "$(as xdave "$BUILD_XM" create "$c" 2>&1)"
check_fails "nothing created" exists rootdisk
lst=$(as xdave "$BUILD_XM" list)
check_match "others = none: a user lists its own" '^mine ' "$lst"
check_fails "and not the others'" sh -c "printf '%s\n' \"\$1\" | grep -Eq '^d[AB] '" sh "$lst"
check_eq "the admin group lists all" 4 "$(as xcarol "$BUILD_XM" list | awk 'NR > 1' | grep -c .)"
stop_xend
done_tests
