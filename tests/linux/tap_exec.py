#!/usr/bin/env python3
# Open a tap the way xend does (IFF_TAP|IFF_NO_PI|IFF_VNET_HDR, not
# persistent: it goes with the last fd), optionally put it on a bridge with
# an MTU and bring it up, then exec a command with the tap on fd N.
#   tap_exec.py NAME FD [--bridge BR] [--mtu M] -- COMMAND...
# For the tests: xeno-vmm receives tap fds and never creates taps.
# open_tap() is also what lib.sh's vmm_ctl uses to pass a tap.
import fcntl, os, struct, subprocess, sys

TUNSETIFF = 0x400454ca
IFF_TAP, IFF_NO_PI, IFF_VNET_HDR = 0x0002, 0x1000, 0x4000

def open_tap(name, bridge=None, mtu=None):
    fd = os.open('/dev/net/tun', os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', name.encode(), IFF_TAP | IFF_NO_PI | IFF_VNET_HDR))
    link = ['ip', 'link', 'set', 'dev', name]
    if mtu:
        subprocess.check_call(link + ['mtu', mtu])
    if bridge:
        subprocess.check_call(link + ['master', bridge])
    subprocess.check_call(link + ['up'])
    return fd

def main(argv):
    if '--' not in argv or len(argv) < 4:
        sys.exit("usage: tap_exec.py NAME FD [--bridge BR] [--mtu M] -- COMMAND...")
    sep = argv.index('--')
    name, fdno, opts, cmd = argv[1], int(argv[2]), argv[3:sep], argv[sep + 1:]
    bridge = mtu = None
    while opts:
        k, v, opts = opts[0], opts[1], opts[2:]
        if k == '--bridge':
            bridge = v
        elif k == '--mtu':
            mtu = v
        else:
            sys.exit("tap_exec.py: unknown option " + k)
    fd = open_tap(name, bridge, mtu)
    if fd != fdno:
        os.dup2(fd, fdno)
        os.close(fd)
    os.set_inheritable(fdno, True)
    os.execvp(cmd[0], cmd)

if __name__ == '__main__':
    main(sys.argv)
