#!/usr/bin/env python3
"""Write the seed corpus of fuzz_net_tx (fuzz/corpus/net_tx): the input
is struct hdr in fuzz_net_tx.c, then nreq 12-byte TX ring slots, then the
bytes every data page starts with (here an Ethernet/IPv4/TCP frame)."""
import os
import struct
import sys

PERMIT, READONLY = 1, 4
CSUM, MORE, EXTRA = 1, 4, 8
DATA_VALID, NEEDS_CSUM = 2, 1


def hdr(reqs, flags=0, delta=0, nrx=0, vh=(0, 0, 0, 0, 0, 0), grants=None):
    grants = grants or [(PERMIT | READONLY, 0)] * 32
    b = struct.pack('<BBBB', flags, len(reqs), delta, nrx)
    b += b''.join(struct.pack('<HH', f, d) for f, d in grants)
    b += struct.pack('<BBHHHH', *vh)
    return b + b''.join(reqs)


def tx(gref, size, flags=0, rid=0, off=0):
    return struct.pack('<IHHHH', gref, off, flags, rid, size)


def extra(etype, size=1448, gtype=1, more=0):
    return struct.pack('<BBHBBH', etype, more, size, gtype, 0, 0).ljust(12, b'\0')


def frame(payload=200, ipv6=False):
    eth = bytes.fromhex('00163e000001feffffffffff') + (b'\x86\xdd' if ipv6 else b'\x08\x00')
    tcp = struct.pack('>HHIIBBHHH', 1234, 80, 1, 0, 5 << 4, 0x18, 512, 0, 0)
    if ipv6:
        ip = struct.pack('>IHBB', 6 << 28, 20 + payload, 6, 64) + bytes(32)
    else:
        ip = struct.pack('>BBHHHBBH', 0x45, 0, 40 + payload, 0, 0x4000, 64, 6, 0) + bytes(8)
    return eth + ip + tcp + bytes(range(256)) * (payload // 256) + bytes(payload % 256)


def main(out):
    os.makedirs(out, exist_ok=True)
    f = frame()
    seeds = {
        'single': hdr([tx(0, len(f), rid=1)]) + f,
        'csum_tcp4': hdr([tx(0, len(f), CSUM, 2)]) + f,
        'csum_tcp6': hdr([tx(0, 274, CSUM, 2)]) + frame(200, True),
        'multi': hdr([tx(0, 3000, CSUM | MORE, 1), tx(1, 1000, MORE, 2),
                      tx(2, 0, MORE, 3), tx(3, 1000, 0, 4)]) + f,
        'gso': hdr([tx(0, 6000, CSUM | MORE | EXTRA, 1), extra(1),
                    tx(1, 4000, 0, 2)]) + f,
        'small': hdr([tx(0, 13, 0, 1)]) + f,
        'cross_page': hdr([tx(0, 200, 0, 1, 4000)]) + f,
        'too_big_slot': hdr([tx(0, 100, MORE, 1), tx(1, 4096, 0, 2)]) + f,
        'slots18_tiny': hdr([tx(0, 14 + 18, MORE, 0)] +
                            [tx(i, 1, MORE if i < 18 else 0, i) for i in range(1, 19)]) + f,
        'slots19': hdr([tx(0, 14 + 19, MORE, 0)] +
                       [tx(i, 1, MORE if i < 19 else 0, i) for i in range(1, 20)]) + f,
        'slots21': hdr([tx(0, 14 + 21, MORE, 0)] +
                       [tx(i, 1, MORE if i < 21 else 0, i) for i in range(1, 22)]) + f,
        'zero_len': hdr([tx(0, 200, MORE, 1), tx(0x80000005, 0, 0, 2)]) + f,
        'bad_extra': hdr([tx(0, 200, EXTRA, 1), extra(7)]) + f,
        'gso_size0': hdr([tx(0, 200, EXTRA, 1), extra(1, size=0)]) + f,
        'prod_jump': hdr([tx(0, 200, 0, 1)], flags=1, delta=255) + f,
        'bad_grant': hdr([tx(0, 200, 0, 1)], grants=[(0, 0)] * 32) + f,
        'rx_gso': hdr([tx(0, 200, 0, 1)], flags=4, nrx=7,
                      vh=(NEEDS_CSUM, 1, 54, 1448, 34, 16),
                      grants=[(PERMIT | (i << 8), 0) for i in range(32)]) + frame(6000),
        # Through the engine twice with 63 buffers: the second frame is
        # read in place, and the read after it keeps 17 slots armed.
        'rx_direct_armed': hdr([], flags=4 | 32, nrx=63,
                               vh=(NEEDS_CSUM, 1, 54, 1448, 34, 16),
                               grants=[(PERMIT | (i << 8), 0) for i in range(32)]) + frame(12000),
        'rx_nosg': hdr([], flags=6, nrx=3, grants=[(PERMIT | (i << 8), 0) for i in range(32)])
        + frame(1000),
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), 'wb') as fh:
            fh.write(data)


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else
         os.path.join(os.path.dirname(__file__), '..', 'corpus', 'net_tx'))
