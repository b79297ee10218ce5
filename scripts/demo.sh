#!/bin/bash
# The main job: install, build, and run the live demo (scripts/demo-inner.sh)
# directly where /dev/kvm runs guests at hardware speed, otherwise inside
# the test host (QEMU with nested KVM: the Demo CD of today).
set -eu
cd "$(dirname "$0")/.."
echo "==> Installing dependencies"; ./scripts/deps.sh
echo "==> Building"
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null
echo "==> Building the guest image (busybox initramfs for Debian's kernel)"
mkdir -p build/guest
scripts/mkguest/initramfs.sh build/guest/initramfs.cpio.gz
where=$(scripts/testhost/where.sh -v)
if [ "$where" = direct ]; then
    exec scripts/demo-inner.sh
fi
echo "==> This host's /dev/kvm emulates guests instruction by instruction:"
echo "    running the demo inside the test host (QEMU + nested KVM); slower, same binaries"
exec scripts/testhost/run.sh --timeout 1700 scripts/demo-inner.sh
