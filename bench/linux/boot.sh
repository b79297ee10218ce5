#!/bin/bash
# Linux boot time on xeno vs QEMU microvm, inside the test host (QEMU/TCG
# with nested KVM), and xeno's VMM exits by kind during that boot.
#   bench/linux/boot.sh [RUNS]
set -u
cd "$(dirname "$0")/../.."
initrd=build/guest/initramfs.cpio.gz
[ -f "$initrd" ] || scripts/mkguest/initramfs.sh "$initrd" >/dev/null || exit 1
exec scripts/testhost/run.sh --timeout 1500 bench/linux/boot-inner.sh "$PWD/$initrd" "${1:-3}"
