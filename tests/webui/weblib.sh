# Helpers for xenoweb's tests (after tests/toolstack/lib.sh): start_xs
# (before write_conf: a private xenstored, for vcpu-set, disks and vifs),
# start_web (after start_xend), webcfg, code, post, post_code, jfield,
# xm_state, vcpus_online.
start_xs() {
    export XENSTORED_RUNDIR="$T/xs" XENSTORED_PATH="$T/xs/socket"
    mkdir -p "$XENSTORED_RUNDIR"
    "$XENSTORED" -N -I >"$T/xenstored.out" 2>&1 &
    XS_PID=$!
    trap 'kill $XS_PID 2>/dev/null; cleanup' EXIT
    wait_for 5 test -S "$XENSTORED_PATH" || { cat "$T/xenstored.out"; return 1; }
    XS_CONF="xenstored-path = $XENSTORED_PATH
xenstored-dir = $XENSTORED_RUNDIR"
}
# webcfg NAME N: a domain with 2 of 4 vCPUs, a disk and a vif with MAC
# 00:16:3e:00:00:3N.  The vif's tap and bridge only in the test's own
# network namespace (lib.sh): without one NET=no, and no vif.
webcfg() {
    truncate -s 1M "$T/$1.img"
    NET=no vif=
    if [ -n "${XENO_TEST_NETNS:-}" ]; then
        NET=yes vif="vif = [ 'mac=00:16:3e:00:00:3$2' ]"
    else
        echo "# no private network namespace (lib.sh): no vif, the network checks are skipped" >&2
    fi
    mkcfg "$1" 'vcpus = 2' 'maxvcpus = 4' "disk = [ 'file:$T/$1.img,xvda,w' ]" "$vif"
}
# As root, xenoweb runs as xenoweb.service has it: no capability at all
# and no_new_privs (setpriv), so a need for one fails the tests.
NOCAPS=
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
    NOCAPS="setpriv --no-new-privs --bounding-set=-all --inh-caps=-all --ambient-caps=-all"
fi
start_web() {
    WPORT=$(free_port)
    W="http://127.0.0.1:$WPORT"
    $NOCAPS "$XENOWEB" -p "$WPORT" -x "$T/xend.sock" -w "$WWW" -t "$T/web.token" \
        -c "$T/configs" --sample-ms 300 >"$T/web.out" 2>&1 &
    WEB_PID=$!
    for _ in $(seq 100); do
        [ -s "$T/web.token" ] && curl -s -o /dev/null "$W/" && break
        sleep 0.05
    done
    OPTOK=$(awk '$1=="operator"{print $2}' "$T/web.token" 2>/dev/null)
    VIEWTOK=$(awk '$1=="viewer"{print $2}' "$T/web.token" 2>/dev/null)
    [ -n "$OPTOK" ] || { echo "xenoweb did not start:"; cat "$T/web.out"; return 1; }
}
stop_web() { kill -TERM "$WEB_PID" 2>/dev/null; wait "$WEB_PID" 2>/dev/null; }
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
jfield() { python3 -c "import json,sys; print(json.load(sys.stdin).get('$1',''))"; }
post() {    # post PATH JSON: as the logged-in operator (cookie jar $T/jar)
    curl -s -b "$T/jar" -X POST -H "Origin: $W" -H 'Content-Type: application/json' \
        -H "X-CSRF-Token: $CSRF" -d "$2" "$W/api/$1"
}
post_code() {
    curl -s -o /dev/null -w '%{http_code}' -b "$T/jar" -X POST -H "Origin: $W" \
        -H 'Content-Type: application/json' -H "X-CSRF-Token: $CSRF" -d "$2" "$W/api/$1"
}
vcpus_online() {    # from xm vcpu-list: the vCPUs that are not "---"
    xm vcpu-list "$1" | awk -v n="$1" '$1==n && $5!="---"' | wc -l
}
xm_state() {    # from xm list's State column
    case $(xm list | awk -v n="$1" '$1==n{print $5}') in
        r*) echo running ;; *p*) echo paused ;; "") echo none ;; *) echo other ;;
    esac
}
