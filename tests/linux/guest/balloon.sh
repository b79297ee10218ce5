#!/bin/sh
# Inside the guest: answer the host's balloon scenario on the console.
# Commands, one a line: "report N" prints "report-N: memtotal=KiB
# current=KiB target=KiB" (MemTotal and the balloon driver's own view);
# "fill N M" fills M MiB of a tmpfs and frees it again (so the pages were
# touched and the host holds them), then prints "fill-N: done"; "off"
# powers off.
bal=/sys/devices/system/xen_memory/xen_memory0
if [ -d $bal ]; then echo "balloon-driver: yes"; else echo "balloon-driver: no"; fi
dmesg | grep -i -E 'balloon' | sed 's/^/dmesg: /'
memtotal() { sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo; }
echo "balloon-ready"
while read -r cmd n m; do
    case $cmd in
    report)
        echo "report-$n: memtotal=$(memtotal) current=$(cat $bal/info/current_kb) target=$(cat $bal/target_kb)" ;;
    fill)
        mkdir -p /mnt/fill
        mount -t tmpfs -o size="${m}m" tmpfs /mnt/fill &&
            dd if=/dev/zero of=/mnt/fill/f bs=1M count="$m" 2>/dev/null
        rm -f /mnt/fill/f
        umount /mnt/fill
        echo "fill-$n: done" ;;
    off) break ;;
    esac
done
