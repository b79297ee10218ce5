#!/bin/sh
# Install what xeno needs to build, test and run, from Debian 12's archive.
# Idempotent: packages already present are not touched.
set -eu

PKGS="
build-essential meson ninja-build pkg-config python3
clang lld libclang-rt-14-dev valgrind
libxen-dev xenstore-utils xen-utils-4.17
liblzma-dev libzstd-dev zlib1g-dev liblz4-dev
liburing-dev libmicrohttpd-dev libjson-c-dev libseccomp-dev
qemu-system-x86 qemu-utils linux-image-amd64 busybox-static cpio kmod
curl iproute2 tmux time bc fio
nftables dnsmasq-base dropbear-bin
e2fsprogs debootstrap
python3-dev python3-pytest scdoc bash-completion systemd nettle-dev nodejs chromium
"
# Debian's npm, unless an npm is already there (NodeSource's nodejs
# bundles one and conflicts with the npm package).
command -v npm >/dev/null 2>&1 || PKGS="$PKGS npm"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

# The web console's front-end libraries (and playwright-core for its
# browser tests) from the npm registry, at the versions in the lockfiles.
vendor() {
    if command -v npm >/dev/null 2>&1; then
        sh "$(dirname "$0")/webui-vendor.sh"
    fi
}

if [ -z "$missing" ]; then
    echo "deps: all packages present"
    vendor
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "deps: missing packages:$missing" >&2
    echo "deps: run as root (or: sudo apt-get install$missing)" >&2
    exit 1
fi

echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# xen-utils pulls in the Xen hypervisor package; we only want its tools
# (test-xenstore), so recommends stay out.
apt-get install -y -q --no-install-recommends $missing
vendor
