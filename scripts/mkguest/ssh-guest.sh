#!/bin/bash
# Build a guest initramfs that can be logged into with ssh.
#
#   scripts/mkguest/ssh-guest.sh OUT.cpio.gz KEY [initramfs.sh options...]
#
# KEY is made here: a new ed25519 key pair (dropbearkey; KEY the private
# key for dom0's client, `dbclient -i KEY`, KEY.pub its public half).  The
# image is scripts/mkguest/initramfs.sh's, given the options that follow
# (--modules, --add, ...), plus Debian's dropbear as /bin/dropbear with its
# shared libraries and loader, the public key as root's authorized key,
# and /etc/passwd, shadow and shells for a password-less root whose shell
# is /bin/sh.  The guest starts the server itself (dropbear -R: host keys
# made at the first connection).  Needs dropbear-bin.
set -u
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 2 ] || { sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }
out=$1 key=$2
shift 2
for p in dropbear dropbearkey; do
    command -v $p >/dev/null || { echo "ssh-guest.sh: $p missing: apt-get install dropbear-bin" >&2; exit 1; }
done
rm -f "$key" "$key.pub"
dropbearkey -t ed25519 -f "$key" >/dev/null 2>&1 || { echo "ssh-guest.sh: dropbearkey failed" >&2; exit 1; }
dropbearkey -y -f "$key" | grep '^ssh-' >"$key.pub" || exit 1
tree=$(mktemp -d) || exit 1
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree/root/.ssh"
cp "$key.pub" "$tree/root/.ssh/authorized_keys"
chmod 700 "$tree/root/.ssh"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$tree/passwd"
printf 'root::0:0:99999:7:::\n' >"$tree/shadow"
echo /bin/sh >"$tree/shells"
dropbear=$(command -v dropbear)
adds=(--add "$dropbear=/bin/dropbear" --add "$tree/root/.ssh=/root/.ssh"
      --add "$tree/passwd=/etc/passwd" --add "$tree/shadow=/etc/shadow" --add "$tree/shells=/etc/shells")
# dropbear's shared libraries and the loader, where ldd finds them.
for lib in $(ldd "$dropbear" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p'); do
    adds+=(--add "$(readlink -f "$lib")=$lib")
done
"$here/initramfs.sh" "$out" "$@" "${adds[@]}"
