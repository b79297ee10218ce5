#!/bin/bash
# System test: Debian's kernel boots on xeno-vmm as a Xen PVH guest, runs
# its initramfs (scripts/mkguest) to a command and powers off cleanly.
# Runs on the local /dev/kvm if scripts/testhost/where.sh says "direct",
# else inside the test host.
#
#   tests/system/linux-boot.sh [--xenstored XENSTORED] [--guest-timeout S]
#                              XENO_VMM [GUEST-COMMAND]
#
# Passes when the guest prints XENO-GUEST-INIT and XENO-GUEST-EXIT=0 and
# xeno-vmm exits 0 (poweroff).  With --xenstored, that xenstored runs
# (in memory) and xeno-vmm attaches the guest to it (--xenstored-dir).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
usage() { echo "usage: $0 [--xenstored XENSTORED] [--guest-timeout S] XENO_VMM [GUEST-COMMAND]" >&2; exit 2; }
xsd='' guest_timeout=400
while [ $# -gt 0 ]; do
    case $1 in
    --xenstored) xsd=$(cd "$(dirname "$2")" && pwd)/$(basename "$2"); shift 2 ;;
    --guest-timeout) guest_timeout=$2; shift 2 ;;
    -*) usage ;;
    *) break ;;
    esac
done
[ $# -ge 1 ] || usage
vmm=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
guest_cmd=${2:-'uname -r; xs ls / 2>&1 | head -20; true'}
. "$root/scripts/testhost/lib.sh"
[ "${XENO_SKIP_SYSTEM:-0}" = 1 ] && { echo "SKIP: XENO_SKIP_SYSTEM=1"; exit 77; }
# QEMU only matters in the test host case: run-in-testhost.sh checks it.
missing=$(XENO_QEMU=true xeno_testhost_missing)
[ -z "$missing" ] || { echo "SKIP: missing: $missing (scripts/deps.sh installs them)"; exit 77; }
kernel=$(xeno_kernel) || exit 77

work=$(mktemp -d "${TMPDIR:-/tmp}/xeno-linux-boot.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
"$root/scripts/mkguest/initramfs.sh" "$work/guest.cpio.gz" --modules xen-blkfront,xen-netfront || exit 1

# The part that needs KVM: boot, capture the console, check the markers.
xsd_args=
if [ -n "$xsd" ]; then
    xsd_args="--xenstored-dir $work/xsrun"
    cat >"$work/inner.sh" <<EOS
export XENSTORED_RUNDIR=$(printf %q "$work/xsrun")
mkdir -p "\$XENSTORED_RUNDIR"
$(printf %q "$xsd") -N -I >$(printf %q "$work/xenstored.log") 2>&1 &
xsd_pid=\$!
trap 'kill \$xsd_pid 2>/dev/null' EXIT
for _ in \$(seq 100); do [ -S "\$XENSTORED_RUNDIR/rings" ] && break; sleep 0.1; done
EOS
fi
cat >>"$work/inner.sh" <<EOS
cd $(printf %q "$work")
timeout -k 5 $guest_timeout $(printf %q "$vmm") --kernel $(printf %q "$kernel") --ramdisk guest.cpio.gz \\
    --memory 512 --vcpus 1 --log vmm.log $xsd_args \\
    --cmdline $(printf %q "console=hvc0 loglevel=4 xeno.run=\"$guest_cmd\"") </dev/null 2>&1 | tee console.txt
rc=\${PIPESTATUS[0]}
echo "linux-boot: xeno-vmm exit \$rc"
fail=0
grep -q '^XENO-GUEST-INIT' console.txt || { echo "linux-boot: FAIL: no XENO-GUEST-INIT"; fail=1; }
grep -q '^XENO-GUEST-EXIT=0' console.txt || { echo "linux-boot: FAIL: no XENO-GUEST-EXIT=0"; fail=1; }
[ "\$rc" = 0 ] || { echo "linux-boot: FAIL: xeno-vmm exit \$rc (want 0, poweroff)"; fail=1; }
[ \$fail = 0 ] || { echo "--- vmm.log (tail)"; tail -30 vmm.log; [ -f xenstored.log ] && { echo "--- xenstored.log (tail)"; tail -10 xenstored.log; }; }
[ \$fail = 0 ] && echo "linux-boot: PASS"
exit \$fail
EOS

if [ "$("$root/scripts/testhost/where.sh")" = direct ]; then
    bash "$work/inner.sh"
else
    "$root/tests/system/run-in-testhost.sh" --retry --timeout 540 "$work/inner.sh"
fi
