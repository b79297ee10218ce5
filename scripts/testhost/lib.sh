# shellcheck shell=bash
# Helpers shared by scripts/testhost/, scripts/mkguest/, the demo and the
# Linux scenarios: which Debian kernel to boot, its modules with their
# dependencies, where to cache generated artefacts, a private xend's
# config.  Source it; it defines functions only.

# Cache for generated initramfs images and compiled probes.
xeno_cache_dir() {
    local d=${XENO_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/xeno}
    mkdir -p "$d" && echo "$d"
}

# The Debian kernel to boot: $XENO_KERNEL if set, else the newest
# /boot/vmlinuz-*-amd64 that has its modules under /lib/modules.
xeno_kernel() {
    if [ -n "${XENO_KERNEL:-}" ]; then echo "$XENO_KERNEL"; return; fi
    local k best
    best=$(for k in /boot/vmlinuz-*-amd64; do
        [ -d "/lib/modules/${k#/boot/vmlinuz-}/kernel" ] && echo "$k"
    done | sort -V | tail -1)
    [ -n "$best" ] || { echo "no /boot/vmlinuz-*-amd64 with modules (apt-get install linux-image-amd64)" >&2; return 1; }
    echo "$best"
}

xeno_kernel_version() { # vmlinuz path
    local v=${1#*/vmlinuz-}
    echo "$v"
}

# Print, deps first, the module files (paths relative to /lib/modules/VER)
# needed to load the named modules.  Names may use '-' or '_'.  A module
# built into the kernel is silently satisfied.
xeno_module_closure() { # version name...
    local ver=$1; shift
    local dir=/lib/modules/$ver
    awk -v want="$*" -v builtin_file="$dir/modules.builtin" '
        function norm(s) { sub(/.*\//, "", s); sub(/\.ko(\.[a-z]+)?$/, "", s); gsub(/-/, "_", s); return s }
        function visit(m,   n, parts, i) {
            if (m in done) return
            done[m] = 1
            n = split(deps[m], parts, " ")
            for (i = n; i >= 1; i--) visit(norm(parts[i]))
            print file[m]
        }
        BEGIN { while ((getline l < builtin_file) > 0) builtin[norm(l)] = 1 }
        {
            f = $1; sub(/:$/, "", f)
            m = norm(f); file[m] = f
            d = ""; for (i = 2; i <= NF; i++) d = d " " $i
            deps[m] = d
        }
        END {
            n = split(want, w, /[ ,]+/)
            for (i = 1; i <= n; i++) {
                if (w[i] == "") continue
                m = norm(w[i])
                if (m in file) visit(m)
                else if (!(m in builtin)) { print "unknown module: " w[i] > "/dev/stderr"; bad = 1 }
            }
            exit bad
        }' "$dir/modules.dep"
}

# Copy the closure of the named modules into DEST/modules/ as plain .ko
# files and write DEST/modules/order (one file name per line, load order).
xeno_copy_modules() { # version dest name...
    local ver=$1 dest=$2; shift 2
    local list rel base
    list=$(xeno_module_closure "$ver" "$@") || return 1
    mkdir -p "$dest/modules"
    : >"$dest/modules/order"
    for rel in $list; do
        base=${rel##*/}
        case $base in
        *.ko) cp "/lib/modules/$ver/$rel" "$dest/modules/$base" ;;
        *.ko.xz) base=${base%.xz}; xz -dc "/lib/modules/$ver/$rel" >"$dest/modules/$base" ;;
        *.ko.zst) base=${base%.zst}; zstd -qdc "/lib/modules/$ver/$rel" >"$dest/modules/$base" ;;
        *) echo "unexpected module file $rel" >&2; return 1 ;;
        esac || return 1
        echo "$base" >>"$dest/modules/order"
    done
}

# Put a static busybox with all its applets into DEST/bin.
xeno_install_busybox() { # dest
    local bb=${XENO_BUSYBOX:-/bin/busybox}
    if ! file -L "$bb" 2>/dev/null | grep -q 'statically linked'; then
        echo "$bb is not a static busybox (apt-get install busybox-static)" >&2
        return 1
    fi
    mkdir -p "$1/bin" "$1/sbin" "$1/dev" "$1/proc" "$1/sys" "$1/tmp" "$1/etc" "$1/root"
    cp "$bb" "$1/bin/busybox"
    local a
    for a in $("$bb" --list); do
        [ -e "$1/bin/$a" ] || ln -s busybox "$1/bin/$a"
    done
}

# Pack directory SRC into a gzip'd newc cpio archive OUT (atomically).
xeno_pack_cpio() { # src out
    local tmp="$2.tmp.$$"
    (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) | gzip -6 >"$tmp" &&
        mv -f "$tmp" "$2"
}

# Path of the compiled scripts/testhost/kvmprobe.c: $XENO_KVMPROBE if set,
# else compiled on first use into the cache, keyed by the source's hash.
xeno_kvmprobe() {
    local src here cache key bin
    if [ -n "${XENO_KVMPROBE:-}" ]; then echo "$XENO_KVMPROBE"; return; fi
    here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
    src=$here/kvmprobe.c
    cache=$(xeno_cache_dir) || return 1
    key=$(sha256sum <"$src" | cut -c1-16)
    bin=$cache/kvmprobe-$key
    if [ ! -x "$bin" ]; then
        ${CC:-cc} -O2 -Wall -Wextra -std=c11 -o "$bin.tmp.$$" "$src" &&
            mv -f "$bin.tmp.$$" "$bin" || { rm -f "$bin.tmp.$$"; return 1; }
    fi
    echo "$bin"
}

# The uncompressed ELF vmlinux inside a bzImage, cached.  QEMU boots it
# through its PVH entry point without the in-guest decompression, which
# under TCG takes seconds.  Prints nothing (and fails) if it can't.
xeno_vmlinux() { # vmlinuz
    local cache out off magic tool
    cache=$(xeno_cache_dir) || return 1
    out=$cache/vmlinux-$(xeno_kernel_version "$1")-$(stat -c %s-%Y "$1")
    if [ ! -s "$out" ]; then
        for magic in 'xz:\xfd\x37\x7a\x58\x5a\x00' 'zstd:\x28\xb5\x2f\xfd' 'gzip -q:\x1f\x8b\x08'; do
            tool=${magic%%:*}
            command -v "${tool% *}" >/dev/null || continue
            off=$(LC_ALL=C grep -obUaP -m1 "${magic#*:}" "$1" | head -1 | cut -d: -f1)
            [ -n "$off" ] || continue
            tail -c +$((off + 1)) "$1" | $tool -dc 2>/dev/null >"$out.tmp.$$"
            if [ "$(head -c 4 "$out.tmp.$$" | od -An -c | tr -d ' ')" = '177ELF' ]; then
                mv -f "$out.tmp.$$" "$out"
                break
            fi
            rm -f "$out.tmp.$$"
        done
    fi
    [ -s "$out" ] && echo "$out"
}

# What the test host and guest images need but this machine lacks (one line,
# empty if nothing).  Tests skip on it rather than fail.
xeno_testhost_missing() {
    local miss=
    command -v "${XENO_QEMU:-qemu-system-x86_64}" >/dev/null || miss="$miss qemu-system-x86"
    xeno_kernel >/dev/null 2>&1 || miss="$miss linux-image-amd64"
    file -L "${XENO_BUSYBOX:-/bin/busybox}" 2>/dev/null | grep -q 'statically linked' || miss="$miss busybox-static"
    command -v cpio >/dev/null || miss="$miss cpio"
    echo "${miss# }"
}

# The first line of a test host's kernel log (its ttyS1, kernel messages
# only) saying that kernel died; fails if there is none.  Soft lockups are
# not deaths (run.sh bounds them by their length).
xeno_kernel_death() { # kernel.log
    grep -a -m1 -E 'BUG: |Oops|Kernel panic|stack guard page|corrupted stack end|general protection fault|kernel BUG at|double fault' "$1" |
        grep -a -v -E 'soft lockup|workqueue lockup' | sed 's/\r$//' | grep .
}

# One line per test-host run, appended to $XENO_CACHE_DIR/testhost-runs.log
# (a single write: lines of concurrent runs do not mix):
#   2026-12-02T03:40:00Z scenario=inner-boot.sh attempt=1 exit=0 reason=scenario duration=84.2 load=3.1 dir=/work/wt/x
# reason: scenario (it ran and exited), timeout, soft-lockup, wedged, kernel-died, boot-timeout,
# boot-failure, interrupted, shell.  scripts/testhost/runs-summary.sh sums it up.
xeno_runlog_append() { # exit reason start-epoch scenario attempt
    local cache line
    cache=$(xeno_cache_dir) || return 0
    line=$(awk -v rc="$1" -v why="$2" -v t0="$3" -v sc="$4" -v at="$5" -v dir="$PWD" \
        -v now="$(date +%s.%N)" -v ts="$(date -u +%Y-%m-%dT%H:%M:%SZ)" -v load="$(cut -d' ' -f1 /proc/loadavg)" \
        'BEGIN { gsub(/[ \t]/, "_", sc); gsub(/[ \t]/, "_", dir)
                 printf "%s scenario=%s attempt=%s exit=%s reason=%s duration=%.1f load=%s dir=%s\n",
                        ts, sc, at, rc, why, now - t0, load, dir }')
    printf '%s\n' "$line" >>"$cache/testhost-runs.log"
}

# xeno_xend_conf DIR BUILD XENSTORED_RUNDIR CREATE_TIMEOUT SHUTDOWN_TIMEOUT:
# prints the xend.conf of a private xend whose socket, state, run dirs and
# logs all live under DIR (in the test host a local tmpfs: unix sockets
# cannot live on the 9p share), running BUILD's xeno-vmm against the
# xenstored whose rundir is XENSTORED_RUNDIR.
xeno_xend_conf() {
    cat <<EOC
xend-unix-path = $1/xend.sock
xend-port = 8000
state-dir = $1/state
run-dir = $1/run
vmm-log-dir = $1/log
logfile = $1/xend.log
vmm-path = $2/src/vmm/xeno-vmm
vmm-monitor-path = $2/src/toolstack/xeno-vmm-monitor
auto-dir = $1/auto
xenstored-path = $3/socket
xenstored-dir = $3
create-timeout = $4
shutdown-timeout = $5
EOC
}
