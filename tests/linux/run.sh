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
"$root/scripts/mkguest/initramfs.sh" "$initrd" "${adds[@]}" >/dev/null || exit 1

inner=$out/inner-$name.sh
cat >"$inner" <<EOS
#!/bin/bash
export XENO_VMM=$(printf %q "$vmm") XENO_XENSTORED=$(printf %q "$xsd")
export XENO_KERNEL=$(printf %q "$kernel") XENO_INITRD=$(printf %q "$initrd")
export WORK=\$(mktemp -d)
exec bash $(printf %q "$root/tests/linux/scenarios/$name.sh")
EOS
chmod +x "$inner"
where=$("$root/scripts/testhost/where.sh")
echo "linux/$name: running $where"
if [ "$where" = direct ]; then
    exec "$inner"
fi
# 124 (timeout, or the test host's kernel reporting a soft lockup: nested
# emulation on a loaded host) and 125 (the test host did not boot) say
# nothing about xeno: run once more, and say so.  Assertion failures (1)
# are never retried.
for attempt in 1 2; do
    "$root/tests/system/run-in-testhost.sh" --timeout 600 "$inner"
    rc=$?
    case $rc in
    124|125) [ $attempt = 1 ] && echo "linux/$name: test host failed (exit $rc): retrying once" ;;
    *) exit $rc ;;
    esac
done
exit $rc
