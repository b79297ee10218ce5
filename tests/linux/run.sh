#!/bin/bash
# Run a Linux-on-xeno scenario: build the guest initramfs (with the guest
# scripts under /t), then run tests/linux/scenarios/NAME.sh directly when
# this host's /dev/kvm runs guests at hardware speed, else inside the test
# host (scripts/testhost/where.sh measures which).
#
#   tests/linux/run.sh XENO_VMM XENOSTORED BUILD_DIR NAME
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
[ $# = 4 ] || { echo "usage: $0 XENO_VMM XENOSTORED BUILD_DIR NAME" >&2; exit 2; }
abs() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
vmm=$(abs "$1") xsd=$(abs "$2") out=$(abs "$3") name=$4
[ "${XENO_SKIP_SYSTEM:-0}" = 1 ] && { echo "SKIP: XENO_SKIP_SYSTEM=1"; exit 77; }
. "$root/scripts/testhost/lib.sh"
kernel=$(xeno_kernel) || { echo "FAIL: no Debian kernel: apt-get install linux-image-amd64"; exit 1; }

mkdir -p "$out"
initrd=$out/guest-$name.cpio.gz
adds=()
for f in "$root"/tests/linux/guest/*.sh; do adds+=(--add "$f=/t/$(basename "$f")"); done
# A scenario names the guest modules it needs on a "# guest-modules: a,b" line.
mods=$(sed -n 's/^# guest-modules: *//p' "$root/tests/linux/scenarios/$name.sh" | head -1)
"$root/scripts/mkguest/initramfs.sh" "$initrd" ${mods:+--modules "$mods"} "${adds[@]}" >/dev/null || exit 1
# ... and may ask for a longer test-host limit on a "# testhost-timeout: S" line.
limit=$(sed -n 's/^# testhost-timeout: *\([0-9]*\).*/\1/p' "$root/tests/linux/scenarios/$name.sh" | head -1)
# A scenario may prepare files here first (scenarios/NAME.prep OUTDIR:
# quick on the host, minutes under the test host's emulation); it finds
# them in $XENO_PREP (read-only in the test host).
prep=$out/prep-$name
if [ -e "$root/tests/linux/scenarios/$name.prep" ]; then
    rm -rf "$prep" && mkdir -p "$prep" &&
        bash "$root/tests/linux/scenarios/$name.prep" "$prep" || { echo "FAIL: $name.prep"; exit 1; }
fi

where=$("$root/scripts/testhost/where.sh")
nested=1
[ "$where" = direct ] && nested=0
inner=$out/inner-$name.sh
cat >"$inner" <<EOS
#!/bin/bash
export XENO_NESTED=$nested
export XENO_VMM=$(printf %q "$vmm") XENO_XENSTORED=$(printf %q "$xsd")
export XENO_KERNEL=$(printf %q "$kernel") XENO_INITRD=$(printf %q "$initrd")
export XENO_PREP=$(printf %q "$prep")
export WORK=\$(mktemp -d)
exec bash $(printf %q "$root/tests/linux/scenarios/$name.sh")
EOS
chmod +x "$inner"
echo "linux/$name: running $where"
if [ "$where" = direct ]; then
    exec "$inner"
fi
# 124 (timeout, or the test host's kernel reporting a soft lockup: nested
# emulation on a loaded host) and 125 (the test host did not boot, or its
# own kernel died) say nothing about xeno: run again, up to
# XENO_TESTHOST_ATTEMPTS times in all (3), and say so, with how often that
# was needed (scripts/testhost/runs-summary.sh, from the run log).  So is 123
# (tests/linux/lib.sh finish: the scenario failed after a guest triple fault
# that scripts/testhost/nested-fault.sh shows the nested CPU made).
# Assertion failures (1) are never retried.
retry_stats() {
    local log
    log=$(xeno_cache_dir)/testhost-runs.log
    [ -r "$log" ] || return 0
    awk -v sc="linux-$name" '
        { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
        v["scenario"] == sc { if (v["attempt"] == 1) first++; else retried++ }
        END { printf "linux/%s: retries so far: %d test-host runs were retries, of %d runs of this test (%s)\n",
                     substr(sc, 7), retried + 0, first + 0, FILENAME }' "$log"
}
attempts=${XENO_TESTHOST_ATTEMPTS:-3}
attempt=1
while :; do
    XENO_TESTHOST_LABEL=linux-$name XENO_TESTHOST_ATTEMPT=$attempt \
        "$root/tests/system/run-in-testhost.sh" --timeout "${limit:-600}" "$inner"
    rc=$?
    case $rc in
    123|124|125) ;;
    *) [ $attempt -gt 1 ] && echo "linux/$name: attempt $attempt ran the test (exit $rc)"
       exit $rc ;;
    esac
    if [ $attempt -ge "$attempts" ]; then
        echo "linux/$name: the test host failed $attempt times in a row (last exit $rc): giving up"
        exit $rc
    fi
    echo "linux/$name: RETRY: test host failed (exit $rc; see the message above): attempt $((attempt + 1)) of $attempts"
    retry_stats
    attempt=$((attempt + 1))
done
