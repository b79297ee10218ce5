#!/bin/bash
# Boot a scripts/mkimage/rootfs.sh image the way a xeno domain will —
# Debian's kernel with Debian's own initrd mounting the ext4 image as root,
# then the image's busybox init — but under QEMU (software emulation) with
# the image as a virtio disk, until xeno's block backend can serve it.  The
# shell is moved from hvc0 to the serial port ttyS0 (QEMU's 8250; its virtio
# console proved unreliable as a stand-in for hvc_xen), everything else in
# the image is as built.  Checks: a root shell answers with the image's
# hostname, / was remounted writable (a file written there survives),
# poweroff ends QEMU by itself with status 0, the filesystem is clean
# afterwards.  Slow (minutes): suite 'system'.
#   tests/images/qemu-boot.sh SOURCE_ROOT
set -u
SRC=$(realpath "$1")
. "$SRC/tests/images/lib.sh"
. "$SRC/scripts/testhost/lib.sh"
QEMU=${XENO_QEMU:-qemu-system-x86_64}
command -v "$QEMU" >/dev/null || { echo "FAIL: $QEMU missing (apt-get install qemu-system-x86)"; exit 1; }
images_need_tools e2fsck debugfs mke2fs depmod python3 || exit 1
kernel=$(xeno_kernel) || exit 1
initrd=$(dirname "$kernel")/initrd.img-$(xeno_kernel_version "$kernel")
[ -e "$initrd" ] || { echo "FAIL: no $initrd (apt-get install initramfs-tools, then update-initramfs -c -k all)"; exit 1; }

T=$(mktemp -d /tmp/xeno-qboot.XXXXXX)
QPID=
trap '[ -n "$QPID" ] && kill "$QPID" 2>/dev/null; rm -rf "$T"' EXIT
MK=$SRC/scripts/mkimage/rootfs.sh
"$MK" "$T/q.img" --size 64M --hostname qboot >"$T/mk" 2>&1 &&
    debugfs -R 'cat /etc/inittab' "$T/q.img" 2>/dev/null | sed 's/^hvc0::/ttyS0::/' >"$T/inittab" &&
    grep -q '^ttyS0::respawn:' "$T/inittab" &&
    "$MK" "$T/q.img" --size 64M --hostname qboot --add "$T/inittab=/etc/inittab" >>"$T/mk" 2>&1
expect_rc 0 $? "image built (shell moved to ttyS0)" "$T/mk"

"$QEMU" -accel tcg -m 512 -smp 1 -kernel "$kernel" -initrd "$initrd" \
    -append "root=/dev/vda ro console=ttyS0 quiet" -no-reboot -display none \
    -drive "file=$T/q.img,if=virtio,format=raw" \
    -chardev "socket,path=$T/ser.sock,server=on,wait=off,id=s0,logfile=$T/serial.log" \
    -serial chardev:s0 >"$T/qemu.log" 2>&1 &
QPID=$!

# Wait for the shell's prompt, run one command, power off.
python3 - "$T/ser.sock" >"$T/con.log" 2>&1 <<'EOF'
import socket, sys, time
path = sys.argv[1]
for _ in range(120):
    try:
        s = socket.socket(socket.AF_UNIX); s.connect(path); break
    except OSError:
        time.sleep(0.5)
s.settimeout(0.5)
buf, step, t0 = b'', 0, time.time()
while time.time() - t0 < 900:
    try:
        d = s.recv(4096)
        if not d:
            break
        buf += d
    except socket.timeout:
        pass
    if step == 0 and b'qboot:' in buf:
        s.sendall(b'echo "MARK $(hostname) uid=$(id -u)"; touch /root/written && echo WROTE-OK\n'); step = 1
    elif step == 1 and b'WROTE-OK\r\n' in buf:
        s.sendall(b'poweroff\n'); step = 2
sys.stdout.write(buf.decode(errors='replace'))
EOF
expect_match "$(cat "$T/con.log")" '^MARK qboot uid=0' "a root shell, with the image's hostname"
for _ in $(seq 300); do kill -0 "$QPID" 2>/dev/null || break; sleep 1; done
if kill "$QPID" 2>/dev/null; then
    wait "$QPID"; QPID=
    fail "poweroff ends the machine (QEMU still running after 5 min: killed)"
else
    wait "$QPID"; rc=$?; QPID=
    expect_rc 0 $rc "poweroff ends the machine (status 0)" "$T/serial.log"
fi
expect_match "$(cat "$T/serial.log")" 'reboot: Power down' "the kernel powered down"
e2fsck -fn "$T/q.img" >"$T/fsck" 2>&1
expect_rc 0 $? "the filesystem is clean after the shutdown" "$T/fsck"
expect_match "$(debugfs -R 'stat /root/written' "$T/q.img" 2>/dev/null)" 'Type: regular' "/ was writable: the file written in the guest is there"
finish
