#!/bin/bash
# The main job: install, build, and run the live demo (scripts/demo-inner.sh)
# directly where /dev/kvm runs guests at hardware speed, otherwise inside
# the test host (QEMU with nested KVM: the Demo CD of today).  Exits with
# the demo's status: 0 when every step passed, 1 when one failed (the
# demo says which), 124/125 when the test host timed out or did not boot.
# XENO_INITRD, XENO_DEMO_GUEST and XENO_DEMO_*_TIMEOUT (see demo-inner.sh)
# are passed on.
set -eu
cd "$(dirname "$0")/.."
echo "==> Installing dependencies"; ./scripts/deps.sh
echo "==> Building"
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
echo "==> Building the guest image (busybox initramfs for Debian's kernel, with"
echo "    dropbear and a new ssh key) and the disk the domains share (ext4)"
scripts/mkguest/demo-image.sh build/guest
where=$(scripts/testhost/where.sh -v)
if [ "$where" = direct ]; then
    exec scripts/demo-inner.sh
fi
echo "==> This host's /dev/kvm emulates guests instruction by instruction:"
echo "    running the demo inside the test host (QEMU + nested KVM); slower, same binaries"
pass=()
for v in XENO_INITRD XENO_DEMO_GUEST XENO_DEMO_BOOT_TIMEOUT XENO_DEMO_REPLY_TIMEOUT XENO_DEMO_SHUTDOWN_TIMEOUT; do
    [ -z "${!v:-}" ] || pass+=("$v=${!v}")
done
exec scripts/testhost/run.sh --timeout 900 /usr/bin/env "${pass[@]}" scripts/demo-inner.sh
