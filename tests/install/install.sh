#!/bin/sh
# meson install --destdir into a temp dir: the files a sysadmin expects are
# there (units, man pages, completion, python module, library, headers),
# the module imports from there, the library links, the units verify.
# Args: BUILD_ROOT PYTHON; env PREFIX BINDIR SBINDIR LIBDIR LIBEXECDIR
# INCLUDEDIR MANDIR DATADIR (meson's, absolute), SANITIZE (b_sanitize).
BUILD=$1 PY=$2
# Sanitizer runtimes (an -Db_sanitize build) only for importing the module.
PRELOAD=${LD_PRELOAD:-}
unset LD_PRELOAD
PASS=0 FAIL=0
D=$(mktemp -d /tmp/xeno-install.XXXXXX)
trap 'rm -rf "$D"' EXIT
ok() { PASS=$((PASS + 1)); echo "ok - $1"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $1"; }
check() { d=$1; shift; if "$@" >/dev/null 2>&1; then ok "$d"; else not_ok "$d"; fi; }

if ! meson install -C "$BUILD" --destdir "$D" --no-rebuild --quiet >"$D.log" 2>&1; then
    cat "$D.log"; rm -f "$D.log"; echo "not ok - meson install"; exit 1
fi
rm -f "$D.log"
ok "meson install --destdir"

UNITS=$D$PREFIX/lib/systemd/system
for f in "$BINDIR/xm" "$BINDIR/xeno-vmm" "$SBINDIR/xend" "$SBINDIR/xenstored" \
         "$SBINDIR/xenoweb" "$LIBEXECDIR/xeno-vmm-monitor"; do
    check "program $f" test -x "$D$f"
done
check "settings /etc/xeno/xend.conf" test -f "$D/etc/xeno/xend.conf"
for u in xend xenstored xenoweb; do
    check "unit $u.service" test -f "$UNITS/$u.service"
    check "$u.service runs the installed $u" \
        grep -qx "ExecStart=$SBINDIR/$u .*" "$UNITS/$u.service"
done
check "xend.service requires xenstored.service" \
    grep -qx "Requires=xenstored.service" "$UNITS/xend.service"
check "xend.service starts after it" \
    grep -qx "After=xenstored.service" "$UNITS/xend.service"
check "xenoweb.service starts after xend.service" \
    grep -qx "After=xend.service" "$UNITS/xenoweb.service"
for h in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
         CapabilityBoundingSet= IPAddressDeny=any IPAddressAllow=localhost; do
    check "xenoweb.service: $h" grep -qx "$h" "$UNITS/xenoweb.service"
done
check "xenoweb.service listens on loopback" grep -q "^ExecStart=.* -a 127.0.0.1 " "$UNITS/xenoweb.service"
WWWDIR=$D$DATADIR/xeno/www
for f in index.html app.js ui.js console.js app.css vendor/xterm.js vendor/xterm.css; do
    check "web console file $f" test -s "$WWWDIR/$f"
done
check "xenoweb serves the installed files by default" \
    grep -aq "$DATADIR/xeno/www" "$D$SBINDIR/xenoweb"

for p in man1/xm.1 man1/xeno-vmm.1 man5/xeno.cfg.5 man8/xend.8 man8/xenstored.8 \
         man8/xenoweb.8; do
    check "man page $p" grep -q '^\.TH' "$D$MANDIR/$p"
done
if command -v man >/dev/null; then
    check "man -l renders xm(1) with its commands" \
        sh -c "man -l '$D$MANDIR/man1/xm.1' 2>/dev/null | grep -q 'xm block-attach'"
fi

COMP=$D$DATADIR/bash-completion/completions/xm
check "bash completion for xm" test -f "$COMP"
check "the completion defines itself" \
    bash -c ". '$COMP' && complete -p xm | grep -q _xm"

MOD=$(find "$D" -name 'xenoctl*.so' -path '*-packages/*' | head -1)
if [ -n "$MOD" ]; then
    ok "python module $MOD"
    MODDIR=$(dirname "$MOD")
    case $PREFIX in
    /usr|/usr/local)
        check "its directory ${MODDIR#"$D"} is on $PY's path" "$PY" -c \
            "import sys; sys.exit('${MODDIR#"$D"}' not in sys.path)" ;;
    esac
    check "the installed module imports (PYTHONPATH, no LD_LIBRARY_PATH)" \
        env -u LD_LIBRARY_PATH LD_PRELOAD="$PRELOAD" PYTHONPATH="$MODDIR" "$PY" -c \
        "import xenoctl, sys; sys.exit(not xenoctl.__file__.startswith('$D'))"
else
    not_ok "python module xenoctl*.so under $D (python3-dev missing at setup?)"
fi

check "header xenoctl.h" test -f "$D$INCLUDEDIR/xenoctl.h"
check "library libxenoctl.so.0" test -e "$D$LIBDIR/libxenoctl.so.0"
check "pkg-config file" test -f "$D$LIBDIR/pkgconfig/xenoctl.pc"
cat > "$D/t.c" <<'C'
#include <stdio.h>
#include <xenoctl.h>
int main(void)
{
    char err[128];
    struct xenoctl *h = xenoctl_open("/nonexistent.sock", err, sizeof(err));
    printf("%s\n", h ? xenoctl_target(h) : err);
    xenoctl_close(h);
    return !h;
}
C
SAN=
[ "${SANITIZE:-none}" != none ] && SAN=-fsanitize=$SANITIZE
check "a program builds against the installed header and library" \
    cc $SAN -o "$D/t" "$D/t.c" -I"$D$INCLUDEDIR" -L"$D$LIBDIR" -lxenoctl
check "and runs" env LD_LIBRARY_PATH="$D$LIBDIR" "$D/t"

# systemd-analyze verify on the installed units, their paths moved into
# the destdir (verify checks that ExecStart's program exists).
if command -v systemd-analyze >/dev/null; then
    mkdir "$D/verify"
    for u in xend xenstored xenoweb; do
        sed "s|^ExecStart=$PREFIX/|ExecStart=$D$PREFIX/|" "$UNITS/$u.service" \
            > "$D/verify/$u.service"
    done
    if out=$(systemd-analyze verify --man=no "$D/verify/xenstored.service" \
             "$D/verify/xend.service" "$D/verify/xenoweb.service" 2>&1) && [ -z "$out" ]; then
        ok "systemd-analyze verify xend.service xenstored.service xenoweb.service"
    else
        not_ok "systemd-analyze verify: $out"
    fi
    # xenoweb faces browsers: its sandbox scores 3.0 or better ("OK")
    check "systemd-analyze security: xenoweb.service's exposure <= 3.0" \
        systemd-analyze security --offline=true --threshold=30 "$D/verify/xenoweb.service"
    # and it would catch a broken one: a program that is not there
    sed 's|^ExecStart=[^ ]*|ExecStart=/nonexistent/xend|' "$D/verify/xend.service" \
        > "$D/verify/broken.service"
    check "systemd-analyze verify fails on a unit whose program is missing" \
        sh -c "! systemd-analyze verify --man=no '$D/verify/xenstored.service' '$D/verify/broken.service'"
else
    not_ok "systemd-analyze verify: no systemd-analyze (apt-get install systemd)"
fi

echo "# $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
