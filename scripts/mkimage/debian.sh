#!/bin/bash
# Build a Debian root filesystem image for a xeno Linux domain, and the
# domain config that boots it.  Needs root: debootstrap installs packages
# as root inside a chroot.
#
#   scripts/mkimage/debian.sh OUT.img [--suite bookworm] [--size 2G]
#        [--mirror URL] [--packages NAME,...] [--hostname NAME] [--name NAME]
#        [--root-password PW] [--kernel /boot/vmlinuz-VER] [--memory MiB]
#        [--split-usr USR.img] [--refresh] [--dry-run]
#
# OUT.img   a bare ext4 filesystem exported to the guest as xvda1:
#           debootstrap --variant=minbase plus systemd-sysv, udev, kmod,
#           ifupdown, isc-dhcp-client, iproute2, procps and --packages (e.g.
#           openssh-server); /etc/fstab (/dev/xvda1 on /), the hostname,
#           eth0 by DHCP when it appears, a root shell on hvc0 (autologin
#           through a serial-getty@hvc0 drop-in), root's password unset
#           (or --root-password), and the kernel's /lib/modules/VER.
# OUT.cfg   the domain config next to it: Debian's kernel (--kernel,
#           $XENO_KERNEL or the newest /boot/vmlinuz-*-amd64) with Debian's
#           own initrd, root = "/dev/xvda1 ro", disk = ['file:OUT.img,xvda1,w'].
# --split-usr  put /usr in a second image, USR.img, which the domain gets
#           read-only as xvdb (mounted on /usr by the initrd) and which any
#           number of domains can share; OUT.img keeps only the rest.
# --mirror  default: the Debian archive this host's apt uses (from
#           /etc/apt/sources.list and sources.list.d/, or $XENO_APT_SOURCES),
#           else http://deb.debian.org/debian.
# The debootstrap tree is cached as a tarball in
# ${XENO_CACHE_DIR:-~/.cache/xeno} (keyed by suite, mirror and packages);
# --refresh rebuilds it.  --dry-run prints the plan and stops.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../testhost/lib.sh"
. "$here/lib.sh"

BASE_PACKAGES="systemd-sysv udev kmod ifupdown isc-dhcp-client iproute2 procps"

out='' suite=bookworm size=2G mirror='' packages='' hostname='' name='' password=''
memory=512 refresh=0 dry_run=0 password_set=0 usr_out=''
while [ $# -gt 0 ]; do
    case $1 in
    --suite) mkimage_need_arg "$@"; suite=$2; shift 2 ;;
    --size) mkimage_need_arg "$@"; size=$2; shift 2 ;;
    --mirror) mkimage_need_arg "$@"; mirror=$2; shift 2 ;;
    --packages) mkimage_need_arg "$@"; packages=${2//,/ }; shift 2 ;;
    --hostname) mkimage_need_arg "$@"; hostname=$2; shift 2 ;;
    --name) mkimage_need_arg "$@"; name=$2; shift 2 ;;
    --root-password) [ $# -ge 2 ] || mkimage_usage; password=$2; password_set=1; shift 2 ;;
    --kernel) mkimage_need_arg "$@"; XENO_KERNEL=$2; export XENO_KERNEL; shift 2 ;;
    --memory) mkimage_need_arg "$@"; memory=$2; shift 2 ;;
    --split-usr) mkimage_need_arg "$@"; usr_out=$2; shift 2 ;;
    --refresh) refresh=1; shift ;;
    --dry-run) dry_run=1; shift ;;
    -h|--help) mkimage_usage ;;
    -*) echo "debian.sh: unknown option $1" >&2; mkimage_usage ;;
    *) [ -z "$out" ] || mkimage_usage; out=$1; shift ;;
    esac
done
mkimage_check_args "$out" "$memory" "$size"
case $suite in ''|*[!a-z0-9-]*) mkimage_bad "bad --suite '$suite'" ;; esac
case " $packages " in *[!a-z0-9.+\ -]*) mkimage_bad "bad --packages '$packages'" ;; esac
case $usr_out in ''|*.img) ;; *) mkimage_bad "USR must end in .img" ;; esac

# The first archive URI apt uses for SUITE, from the one-line .list and the
# deb822 .sources files of an apt directory (sources.list first).
apt_mirror() { # suite aptdir
    local f
    for f in "$2/sources.list" "$2"/sources.list.d/*.list "$2"/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        case $f in
        *.sources) awk -v suite="$1" -v RS='' '
            {
                types = uris = suites = ""
                n = split($0, line, "\n")
                for (i = 1; i <= n; i++) {
                    k = tolower(line[i]); v = line[i]; sub(/^[^:]*:[ \t]*/, "", v)
                    if (k ~ /^types:/) types = " " v " "
                    else if (k ~ /^uris:/) uris = v
                    else if (k ~ /^suites:/) suites = " " v " "
                }
                gsub(/\t/, " ", types); gsub(/\t/, " ", suites)
                if (index(types, " deb ") && index(suites, " " suite " ") && uris != "") {
                    split(uris, u, /[ \t]+/); print u[1]; exit
                }
            }' "$f" ;;
        *) awk -v suite="$1" '
            $1 == "deb" {
                i = 2
                if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
                if ($(i + 1) == suite) { print $i; exit }
            }' "$f" ;;
        esac
    done | head -1 | grep .
}

if [ -z "$mirror" ]; then
    mirror=$(apt_mirror "$suite" "${XENO_APT_SOURCES:-/etc/apt}" 2>/dev/null) || mirror=http://deb.debian.org/debian
fi
include=$(echo "$BASE_PACKAGES $packages" | tr -s ' ' '\n' | grep . | sort -u | paste -sd, -)
cache=$(xeno_cache_dir) || exit 1
key=$(printf '%s\n' "$suite" "$mirror" "$include" | sha256sum | cut -c1-12)
tarball=$cache/debootstrap-$suite-$key.tar
kernel=$(xeno_kernel) || exit 1
kver=$(xeno_kernel_version "$kernel")
name=${name:-$(mkimage_default_name "$out")}
hostname=${hostname:-$name}
img=$(mkimage_abspath "$out") || exit 1
cfg=$(mkimage_cfg_path "$img")
usr_img=''
[ -z "$usr_out" ] || usr_img=$(mkimage_abspath "$usr_out") || exit 1
[ "$usr_img" != "$img" ] || mkimage_bad "USR.img must differ from OUT.img"

if [ "$dry_run" = 1 ]; then
    printf 'image:    %s (%s)\nconfig:   %s\nsuite:    %s\nmirror:   %s\n' "$img" "$size" "$cfg" "$suite" "$mirror"
    [ -z "$usr_img" ] || printf 'usr:      %s (read-only xvdb)\n' "$usr_img"
    printf 'packages: %s\ncache:    %s%s\nkernel:   %s\nhostname: %s\n' "$include" "$tarball" \
        "$([ -e "$tarball" ] && [ "$refresh" = 0 ] && echo ' (present)')" "$kernel" "$hostname"
    exit 0
fi

[ "$(id -u)" = 0 ] || mkimage_die "debootstrap needs root: run as root (or sudo)"
command -v debootstrap >/dev/null || mkimage_die "debootstrap missing (apt-get install debootstrap)"
[ -d "/lib/modules/$kver" ] || mkimage_die "no /lib/modules/$kver for $kernel"

tree=$(mktemp -d "${TMPDIR:-/var/tmp}/xeno-debian.XXXXXX") || exit 1
trap 'rm -rf "$tree"' EXIT
chmod 755 "$tree"

if [ "$refresh" = 1 ] || [ ! -s "$tarball" ]; then
    echo "debian.sh: debootstrap $suite from $mirror (cached afterwards as $tarball)"
    debootstrap --variant=minbase --include="$include" "$suite" "$tree" "$mirror" >"$tree.log" 2>&1 ||
        { tail -20 "$tree.log" >&2; rm -f "$tree.log"; mkimage_die "debootstrap failed"; }
    rm -f "$tree.log"
    chroot "$tree" apt-get clean
    rm -rf "$tree"/var/lib/apt/lists/*_Packages "$tree"/var/log/bootstrap.log
    tar -C "$tree" --numeric-owner --xattrs --xattrs-include='*' -cf "$tarball.tmp.$$" . &&
        mv -f "$tarball.tmp.$$" "$tarball" || { rm -f "$tarball.tmp.$$"; mkimage_die "writing $tarball failed"; }
else
    echo "debian.sh: using the cached tree $tarball"
    tar -C "$tree" --numeric-owner --xattrs --xattrs-include='*' -xpf "$tarball" ||
        mkimage_die "unpacking $tarball failed (remove it or use --refresh)"
    chmod 755 "$tree"
fi

# Configure the tree for a xeno domain.
cat >"$tree/etc/fstab" <<'EOF'
# <device>   <mount point>  <type>  <options>          <dump> <pass>
/dev/xvda1   /              ext4    errors=remount-ro  0      1
tmpfs        /tmp           tmpfs   mode=1777,nosuid,nodev  0  0
EOF
echo "$hostname" >"$tree/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\t%s\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' "$hostname" >"$tree/etc/hosts"
cat >"$tree/etc/network/interfaces" <<'EOF'
auto lo
iface lo inet loopback

# xen-netfront's first NIC, when the domain has a vif.
allow-hotplug eth0
iface eth0 inet dhcp
EOF
dropin=$tree/etc/systemd/system/serial-getty@hvc0.service.d
mkdir -p "$dropin" "$tree/etc/systemd/system/getty.target.wants"
cat >"$dropin/autologin.conf" <<'EOF'
# The domain's console (xm console) logs in as root: whoever reaches it is
# dom0's administrator already.
[Service]
ExecStart=
ExecStart=-/sbin/agetty --autologin root --noclear --keep-baud 115200,38400,9600 %I $TERM
EOF
ln -sf /lib/systemd/system/serial-getty@.service \
    "$tree/etc/systemd/system/getty.target.wants/serial-getty@hvc0.service"
: >"$tree/etc/machine-id"     # a fresh one at first boot, per image
if [ "$password_set" = 1 ]; then
    printf 'root:%s\n' "$password" | chroot "$tree" chpasswd || mkimage_die "setting the root password failed"
else
    chroot "$tree" passwd -d root >/dev/null || mkimage_die "clearing the root password failed"
fi
mkimage_copy_all_modules "$kver" "$tree" || mkimage_die "copying /lib/modules/$kver failed"

usr_disk=()
if [ -n "$usr_img" ]; then
    # Bookworm's / links bin, sbin and lib into /usr: the initrd mounts /usr
    # from root's fstab before it starts /sbin/init.
    echo '/dev/xvdb    /usr           ext4    ro                 0      2' >>"$tree/etc/fstab"
    usrtree=$tree.usr
    mkdir "$usrtree" && mv "$tree"/usr/* "$usrtree"/ || mkimage_die "splitting /usr failed"
    trap 'rm -rf "$tree" "$usrtree"' EXIT
    usr_bytes=$(du -sb "$usrtree" | cut -f1)
    mkimage_ext4 "$usrtree" "$usr_img" "$(( (usr_bytes + usr_bytes / 5 + (64 << 20)) >> 20 ))M" usr || exit 1
    usr_disk=("file:$usr_img,xvdb,r")
fi
mkimage_ext4 "$tree" "$img" "$size" "${name:0:16}" || exit 1
mkimage_write_cfg "$cfg" "$name" "$kernel" "$img" "$memory" "scripts/mkimage/debian.sh" "${usr_disk[@]}" || exit 1
echo "debian.sh: $img ($size, $suite, kernel $kver, $(du -sh "$tree" | cut -f1) of files)"
echo "debian.sh: $cfg"
