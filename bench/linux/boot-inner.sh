#!/bin/bash
# Inside the test host (see bench/linux/boot.sh): time from exec to the
# guest's /init for xeno-vmm (Xen PVH) and QEMU microvm (plain PVH), same
# kernel and initramfs, 1 vCPU, 256 MiB, three runs each.
set -u
cd "$(dirname "$0")/../.."
. scripts/testhost/lib.sh
kernel=$(xeno_kernel) vmlinux=$(xeno_vmlinux "$kernel") initrd=$1 runs=${2:-3}

# Run a VMM, print ms from exec until the guest prints XENO-GUEST-INIT.
until_init() {
    local t0=$(date +%s%N) line
    "$@" </dev/null 2>&1 | while IFS= read -r line; do
        case $line in
        *XENO-GUEST-INIT*) echo "$(( ($(date +%s%N) - t0) / 1000000 ))";;
        *"port 0x"*|*"exits"*|*"backend events"*) echo "$line" >&2;;
        esac
    done
}

for i in $(seq "$runs"); do
    ms=$(until_init timeout 300 build/src/vmm/xeno-vmm --kernel "$kernel" --ramdisk "$initrd" \
        --memory 256 --verbose --cmdline "console=hvc0 loglevel=4 xeno.run=true" 2>/tmp/xeno-exits)
    echo "xeno-vmm  run $i: exec -> /init ${ms} ms"
done
echo "xeno-vmm exits during the last boot:"; sed 's/^/  /' /tmp/xeno-exits
for i in $(seq "$runs"); do
    ms=$(until_init timeout 300 qemu-system-x86_64 -M microvm -accel kvm -cpu host -m 256 \
        -kernel "$vmlinux" -initrd "$initrd" -nographic -nodefaults -no-user-config \
        -serial stdio -no-reboot -append "console=ttyS0 loglevel=4 xeno.run=true")
    echo "qemu microvm run $i: exec -> /init ${ms:-(no /init: QEMU failed)} ms"
done
