#!/bin/busybox sh
# shellcheck shell=dash
# /init of xeno guest images (scripts/mkguest/initramfs.sh).  For a Linux
# PVH guest with console=hvc0.
#
# Kernel command line:
#   xeno.run=CMD        run CMD (sh -c; quote it: xeno.run="xs ls /") and
#                       print XENO-GUEST-EXIT=<status>, then power off
#   xeno.after=shell    after xeno.run, start the shell instead
# Modules in the image are loaded first, then an image's /init-run runs
# (if it has one: initramfs.sh --add SCRIPT=/init-run; its status is
# printed, a failure does not stop the boot).  Without xeno.run a shell runs on the console; leaving it powers off.
/bin/busybox --install -s /bin
export PATH=/bin HOME=/root TERM=${TERM:-vt100}
# An orderly shutdown (xenstore control/shutdown) makes the kernel run
# /sbin/poweroff or /sbin/reboot; busybox's applets would only signal init,
# and this init is a shell script, so they act at once.
mkdir -p /sbin
for c in poweroff reboot halt; do
    printf '#!/bin/busybox sh\nsync\nexec /bin/busybox %s -f\n' "$c" >/sbin/$c
    chmod 755 /sbin/$c
done
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
# devtmpfs lacks what udev would add; bash's <(...) needs /dev/fd.
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /tmp
exec </dev/console >/dev/console 2>&1

read -r up _ </proc/uptime
echo "XENO-GUEST-INIT uptime=${up}s kernel=$(uname -r)"

# The value of xeno.NAME= on the kernel command line ("..." quoting kept by
# the kernel is honoured).
arg() {
    sed -n -e "s/.*[[:space:]]xeno\.$1=\"\([^\"]*\)\".*/\1/p;t" \
        -e "s/.*[[:space:]]xeno\.$1=\([^[:space:]]*\).*/\1/p" <<EOF | head -1
 $(cat /proc/cmdline)
EOF
}

# Every module in the image (initramfs.sh --modules), deps first.
for m in $(cat /modules/order 2>/dev/null); do
    insmod "/modules/$m" || echo "guest-init: insmod $m failed"
done

if [ -x /init-run ]; then
    /init-run
    echo "guest-init: /init-run exited $?"
fi

poweroff_now() {
    sync
    poweroff -f
    sleep 10
    echo "guest-init: poweroff failed; halting"
    halt -f
}

cmd=$(arg run)
if [ -n "$cmd" ]; then
    sh -c "$cmd"
    rc=$?
    echo "XENO-GUEST-EXIT=$rc"
    [ "$(arg after)" = shell ] || poweroff_now
fi
echo "guest-init: shell on the console (exit to power off)"
setsid cttyhack sh -l
poweroff_now
