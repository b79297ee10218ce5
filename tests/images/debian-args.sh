#!/bin/bash
# scripts/mkimage/debian.sh without debootstrap (too slow for the suite):
# argument handling, the mirror taken from apt's sources (one-line and
# deb822), the cache key, the refusal to run unprivileged.  The full build
# is a manual run (docs/images.md).
#   tests/images/debian-args.sh SOURCE_ROOT
set -u
SRC=$(realpath "$1")
MK=$SRC/scripts/mkimage/debian.sh
. "$SRC/tests/images/lib.sh"

T=$(mktemp -d /tmp/xeno-deb.XXXXXX)
trap 'rm -rf "$T"' EXIT
export XENO_CACHE_DIR=$T/cache XENO_APT_SOURCES=$T/apt
mkdir -p "$T/apt/sources.list.d"

"$MK" --help 2>"$T/help"; rc=$?
expect_rc 2 $rc "--help prints the usage"
expect_match "$(cat "$T/help")" 'Needs root' "--help says debootstrap needs root"
expect_match "$(cat "$T/help")" '--variant=minbase' "--help names the variant"
"$MK" >/dev/null 2>&1; expect_rc 2 $? "no arguments: usage"
"$MK" "$T/d.raw" --dry-run >/dev/null 2>&1; expect_rc 2 $? "OUT without .img refused"
"$MK" "$T/d.img" --suite 'bad suite' --dry-run >/dev/null 2>&1; expect_rc 2 $? "bad --suite refused"
"$MK" "$T/d.img" --size 2T --dry-run >/dev/null 2>&1; expect_rc 2 $? "bad --size refused"
"$MK" "$T/d.img" --packages 'ok,$(reboot)' --dry-run >/dev/null 2>&1; expect_rc 2 $? "bad --packages refused"
"$MK" "$T/d.img" --memory lots --dry-run >/dev/null 2>&1; expect_rc 2 $? "bad --memory refused"
"$MK" "$T/d.img" --split-usr "$T/usr" --dry-run >/dev/null 2>&1; expect_rc 2 $? "--split-usr without .img refused"
"$MK" "$T/d.img" --split-usr "$T/d.img" --dry-run >/dev/null 2>&1; expect_rc 2 $? "--split-usr onto OUT refused"
"$MK" "$T/d.img" --suite >/dev/null 2>&1; expect_rc 2 $? "option without its value refused"
"$MK" "$T/d.img" --bogus >/dev/null 2>&1; expect_rc 2 $? "unknown option refused"

plan() { "$MK" "$T/d.img" --dry-run "$@" 2>&1; }
field() { sed -n "s/^$1: *//p"; }

# No apt sources at all: Debian's redirector.
expect_eq "$(plan | field mirror)" "http://deb.debian.org/debian" "no apt sources: deb.debian.org"

# deb822: the security stanza is skipped, deb-src ignored, first URI taken.
cat >"$T/apt/sources.list.d/debian.sources" <<'SRC'
Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main

Types: deb-src deb
URIs: http://mirror.example/debian http://second.example/debian
Suites: bookworm bookworm-updates
Components: main
SRC
expect_eq "$(plan | field mirror)" "http://mirror.example/debian" "deb822 sources: the stanza for the suite"
expect_eq "$(plan --suite trixie | field mirror)" "http://deb.debian.org/debian" "a suite apt lacks: deb.debian.org"

# One-line sources.list comes first; options in [...] are skipped.
printf '# deb http://commented.example/debian bookworm main\ndeb-src http://src.example/debian bookworm main\ndeb [arch=amd64 signed-by=/k.gpg] http://one.example/debian bookworm main\n' \
    >"$T/apt/sources.list"
expect_eq "$(plan | field mirror)" "http://one.example/debian" "sources.list: the deb line for the suite"
expect_eq "$(plan --mirror http://given.example/d | field mirror)" "http://given.example/d" "--mirror wins"

p=$(plan)
expect_rc 0 $? "--dry-run succeeds without debootstrap or root"
expect_eq "$(echo "$p" | field suite)" bookworm "default suite bookworm"
expect_eq "$(echo "$p" | field packages)" "ifupdown,iproute2,isc-dhcp-client,kmod,procps,systemd-sysv,udev" "minbase extras"
expect_eq "$(plan --packages openssh-server,udev | field packages)" \
    "ifupdown,iproute2,isc-dhcp-client,kmod,openssh-server,procps,systemd-sysv,udev" "--packages added once each"
expect_match "$(echo "$p" | field cache)" "^$T/cache/debootstrap-bookworm-[0-9a-f]{12}\\.tar$" "tree cached under XENO_CACHE_DIR"
[ "$(echo "$p" | field cache)" != "$(plan --packages openssh-server | field cache)" ]
expect_rc 0 $? "other packages, another cache entry"
expect_eq "$(echo "$p" | field config)" "$T/d.cfg" "config written next to the image"
expect_match "$(plan --split-usr "$T/u.img" | field usr)" "^$T/u.img \\(read-only xvdb\\)$" "--split-usr: /usr as read-only xvdb"
expect_eq "$(echo "$p" | field hostname)" d "hostname from the image name"

if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
    chmod 755 "$T" && mkdir -m 777 "$T/nc"
    setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/nonexistent XENO_CACHE_DIR="$T/nc" \
        "$MK" "$T/nr.img" >"$T/nr" 2>&1
    expect_rc 1 $? "unprivileged: refused"
    expect_match "$(cat "$T/nr")" 'debootstrap needs root' "... saying debootstrap needs root"
else
    "$MK" "$T/nr.img" >"$T/nr" 2>&1
    expect_rc 1 $? "unprivileged: refused"
    expect_match "$(cat "$T/nr")" 'debootstrap needs root' "... saying debootstrap needs root"
fi

finish
