#!/bin/bash
# A console client (xm console) that connects and vanishes must not take
# the domain with it: the VMM writes the console history to a socket whose
# peer is gone (EPIPE), and must carry on to the guest's own shutdown.
#   console-client-gone.sh VMM GUEST
set -u
vmm=$1 guest=$2
[ -c /dev/kvm ] || { echo "FAIL: no /dev/kvm (load kvm_intel or kvm_amd)"; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# Default SIGPIPE, as xend leaves it for the VMMs it starts.
trap - PIPE
"$vmm" --kernel "$guest" --memory 32 --cmdline n=100000 --no-stdio-console \
    --console-socket "$dir/con" --control "$dir/ctl" >"$dir/out" 2>&1 &
pid=$!
for _ in $(seq 200); do [ -S "$dir/con" ] && [ -S "$dir/ctl" ] && break; sleep 0.02; done
ctl() { # one request, one reply line
    python3 -c 'import socket,sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n"); print(s.makefile().readline().strip())' "$dir/ctl" "$1"
}
# Paused, the guest cannot finish while the clients come and go.
ctl '{"cmd":"pause"}' | grep -q '"ok":true' || { echo "FAIL: pause refused"; kill $pid; exit 1; }
for _ in 1 2 3; do
    python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.close()' "$dir/con" 2>/dev/null
    python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.send(b"{\"cmd\":\"info\"}\n"); s.close()' "$dir/ctl" 2>/dev/null
done
sleep 0.5
kill -0 $pid 2>/dev/null || { wait $pid; echo "FAIL: xeno-vmm died (exit $?; 141 = SIGPIPE) when clients vanished"; cat "$dir/out"; exit 1; }
ctl '{"cmd":"unpause"}' | grep -q '"ok":true' || { echo "FAIL: unpause refused"; kill $pid; exit 1; }
wait $pid
rc=$?
if [ $rc != 0 ]; then
    echo "FAIL: xeno-vmm exit $rc after console/control clients vanished (141 = killed by SIGPIPE)"
    cat "$dir/out"
    exit 1
fi
echo "PASS: the domain ran to its poweroff with vanishing console and control clients"
