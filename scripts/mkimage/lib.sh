# shellcheck shell=bash
# Helpers for scripts/mkimage/: turn a directory into an ext4 image without
# root privileges, copy a kernel's modules keeping their layout, write the
# domain config that boots the image.  Source it after
# scripts/testhost/lib.sh (kernel choice, module closure, busybox, cache).

# The modules a xeno domain can use: the Xen front-ends and tools' devices,
# ext4 for its disks, and what the network roadmap needs.
MKIMAGE_GUEST_MODULES="xen-blkfront xen-netfront xenfs xen-evtchn xen-gntdev
xen-gntalloc xen-privcmd ext4 loop overlay tun bridge"

mkimage_die() { echo "${0##*/}: $*" >&2; exit 1; }

# The calling script's header comment is its usage text.
mkimage_usage() { sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
mkimage_bad() { echo "${0##*/}: $*" >&2; exit 2; }
mkimage_need_arg() { [ $# -ge 2 ] && [ -n "$2" ] && return 0; echo "${0##*/}: $1 needs a value" >&2; mkimage_usage; }

# Checks both builders make on OUT, --memory and --size (exit 2 if bad).
mkimage_check_args() { # out memory size
    [ -n "$1" ] || mkimage_usage
    case $1 in *.img) ;; *) mkimage_bad "OUT must end in .img" ;; esac
    case $2 in ''|*[!0-9]*) mkimage_bad "--memory wants MiB" ;; esac
    mkimage_size_bytes "$3" >/dev/null || mkimage_bad "bad --size '$3' (N, NK, NM or NG)"
}

# Size given as N, NK, NM or NG (1024-based) → bytes; fails on anything else.
mkimage_size_bytes() { # size
    local n=${1%[KkMmGg]} unit=${1#"${1%[KkMmGg]}"}
    case $n in ''|*[!0-9]*) return 1 ;; esac
    case $unit in
    '') echo "$n" ;;
    [Kk]) echo $((n << 10)) ;;
    [Mm]) echo $((n << 20)) ;;
    [Gg]) echo $((n << 30)) ;;
    esac
}

# Copy the named modules and their dependencies from /lib/modules/VER into
# DEST/lib/modules/VER (same relative paths), with the kernel's builtin
# lists, then index them with depmod so modprobe and udev find them.
mkimage_copy_modules() { # version dest name...
    local ver=$1 dest=$2; shift 2
    local src=/lib/modules/$ver dst=$dest/lib/modules/$ver list rel f
    list=$(xeno_module_closure "$ver" "$@") || return 1
    mkdir -p "$dst"
    for rel in $list; do
        mkdir -p "$dst/$(dirname "$rel")" && cp "$src/$rel" "$dst/$rel" || return 1
    done
    for f in modules.builtin modules.builtin.modinfo modules.order; do
        [ -e "$src/$f" ] && cp "$src/$f" "$dst/$f"
    done
    depmod -b "$dest" "$ver" || { echo "depmod failed (apt-get install kmod)" >&2; return 1; }
}

# All of /lib/modules/VER.
mkimage_copy_all_modules() { # version dest
    mkdir -p "$2/lib/modules" && cp -a "/lib/modules/$1" "$2/lib/modules/"
}

# Make an ext4 image of SIZE from the directory TREE, written atomically to
# OUT.  Runs unprivileged: mke2fs copies the tree's owners, so when the
# builder is not root every inode is given to root afterwards with debugfs.
# /dev/console is created in a tree with a /dev (the kernel opens it before
# anything is mounted on /dev).
mkimage_ext4() { # tree out size label
    local tree=$1 out=$2 size=$3 label=$4 bytes need tmp
    command -v mke2fs >/dev/null && command -v debugfs >/dev/null ||
        { echo "mke2fs/debugfs missing (apt-get install e2fsprogs)" >&2; return 1; }
    bytes=$(mkimage_size_bytes "$size") || { echo "bad size '$size' (N, NK, NM or NG)" >&2; return 1; }
    # Data plus ~10% for metadata, the journal and a little room to write.
    need=$(du -sb "$tree" | cut -f1)
    need=$((need + need / 10 + (24 << 20)))
    [ "$bytes" -ge "$need" ] ||
        { echo "the tree needs about $((need >> 20)) MiB; --size $size is too small" >&2; return 1; }
    mkdir -p "$(dirname "$out")" || return 1
    tmp=$out.tmp.$$
    rm -f "$tmp"
    truncate -s "$bytes" "$tmp" &&
        mke2fs -q -F -t ext4 -L "$label" -d "$tree" -E root_owner=0:0 "$tmp" ||
        { rm -f "$tmp"; echo "mke2fs failed" >&2; return 1; }
    mkimage_debugfs_fixups "$tree" "$tmp" || { rm -f "$tmp"; return 1; }
    mv -f "$tmp" "$out"
}

mkimage_debugfs_fixups() { # tree image
    local cmds=$1.debugfs.$$ p
    {
        if [ -d "$1/dev" ] && [ ! -e "$1/dev/console" ]; then
            printf 'cd /dev\nmknod console c 5 1\nsif console mode 020600\ncd /\n'
        fi
        if [ "$(id -u)" != 0 ]; then
            (cd "$1" && find . -mindepth 1) | while IFS= read -r p; do
                case $p in *'"'*|*'\'*) echo "skipping odd name $p" >&2; continue ;; esac
                printf 'sif "%s" uid 0\nsif "%s" gid 0\n' "${p#.}" "${p#.}"
            done
        fi
    } >"$cmds"
    if [ -s "$cmds" ]; then
        debugfs -w -f "$cmds" "$2" >/dev/null 2>"$cmds.err" ||
            { cat "$cmds.err" >&2; rm -f "$cmds" "$cmds.err"; return 1; }
        # debugfs reports failed commands on stderr but exits 0.
        if grep -v '^debugfs [0-9]' "$cmds.err" | grep -q .; then
            cat "$cmds.err" >&2; rm -f "$cmds" "$cmds.err"; return 1
        fi
    fi
    rm -f "$cmds" "$cmds.err"
}

# Write the xeno/xm domain config that boots IMG with Debian's kernel and
# its own initrd (which carries xen-blkfront and ext4).
# Extra disk specs (e.g. 'file:/srv/usr.img,xvdb,r') follow as arguments.
mkimage_write_cfg() { # cfg name kernel img memory builder [disk...]
    local cfg=$1 name=$2 kernel=$3 img=$4 memory=$5 builder=$6 ver initrd disks d
    shift 6
    disks="'file:$img,xvda1,w'"
    for d in "$@"; do disks="$disks,
         '$d'"; done
    ver=$(xeno_kernel_version "$kernel")
    initrd=$(dirname "$kernel")/initrd.img-$ver
    [ -e "$initrd" ] || echo "${0##*/}: warning: $initrd does not exist (the config names it anyway)" >&2
    cat >"$cfg.tmp.$$" <<EOF
# xeno domain config for $(basename "$img"), written by $builder.
#   xm create $cfg -c
# Debian's kernel boots with Debian's own initrd, which loads xen-blkfront
# and mounts the image, exported whole as the partition xvda1, as root.
name = "$name"
type = "pvh"
kernel = "$kernel"
ramdisk = "$initrd"
root = "/dev/xvda1 ro"
extra = "console=hvc0"
memory = $memory
vcpus = 1
disk = [ $disks ]
on_poweroff = "destroy"
on_reboot = "restart"
on_crash = "preserve"
EOF
    mv -f "$cfg.tmp.$$" "$cfg"
}

# OUT.img → OUT.cfg; the default domain name is the image's base name.
mkimage_cfg_path() { local o=${1%.img}; echo "$o.cfg"; }
mkimage_default_name() { local b; b=$(basename "$1"); echo "${b%.img}"; }

# Absolute path of a file that may not exist yet.
mkimage_abspath() { # path
    case $1 in
    /*) echo "$1" ;;
    *) echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")" ;;
    esac
}
