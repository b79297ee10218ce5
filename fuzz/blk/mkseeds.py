#!/usr/bin/env python3
"""Write the seed corpus of fuzz_blk_ring (fuzz/corpus/blk_ring): the
input layout is struct hdr in fuzz_blk_ring.c followed by 112-byte
blkif requests."""
import os
import struct
import sys

READ, WRITE, BARRIER, FLUSH, DISCARD, INDIRECT = 0, 1, 2, 3, 5, 6
PERMIT, READONLY = 1, 4


def hdr(order=0, flags=0, nreq=0, delta=0, grants=None, ind=None):
    grants = grants or [(PERMIT, 0)] * 32
    ind = ind or [(8 + i % 32, 0, 7) for i in range(64)]
    b = struct.pack('<BBBB', order, flags, nreq, delta)
    b += b''.join(struct.pack('<HH', f, d) for f, d in grants)
    b += b''.join(struct.pack('<IBBxx', g, a, z) for g, a, z in ind)
    return b


def rw(op, rid, sector, segs):
    b = struct.pack('<BBHxxxxQQ', op, len(segs), 0, rid, sector)
    b += b''.join(struct.pack('<IBBxx', g, a, z) for g, a, z in segs)
    return b.ljust(112, b'\0')


def indirect(op, rid, sector, nseg, ref=40):
    b = struct.pack('<BBHxxxxQQHxx', INDIRECT, op, nseg, rid, sector, 0)
    b += struct.pack('<8I', ref, 0, 0, 0, 0, 0, 0, 0)
    return b.ljust(112, b'\0')


def discard(rid, sector, n):
    return struct.pack('<BBHxxxxQQQ', DISCARD, 0, 0, rid, sector, n).ljust(112, b'\0')


def pages(first, n):
    return [(8 + (first + i) % 32, 0, 7) for i in range(n)]


def seeds():
    reqs = [rw(WRITE, 1, 0, pages(0, 11)), rw(READ, 2, 0, pages(11, 11)),
            rw(WRITE, 3, 100, [(20, 2, 5)]), rw(READ, 4, 2040, pages(0, 1))]
    yield 'basic', hdr(nreq=len(reqs)) + b''.join(reqs)
    reqs = [indirect(WRITE, 10, 64, 40), indirect(READ, 11, 64, 64),
            indirect(FLUSH, 12, 0, 5), indirect(READ, 13, 0, 300)]
    yield 'indirect', hdr(nreq=len(reqs)) + b''.join(reqs)
    reqs = [rw(FLUSH, 20, 0, []), rw(FLUSH, 21, 8, pages(0, 2)),
            rw(BARRIER, 22, 16, pages(2, 3)), rw(BARRIER, 23, 0, []),
            discard(24, 0, 64), discard(25, 2000, 100)]
    yield 'flush_discard', hdr(nreq=len(reqs)) + b''.join(reqs)
    bad = rw(READ, 33, 0, pages(0, 11))
    bad = bad[:1] + bytes([12]) + bad[2:]
    reqs = [rw(WRITE, 30, 0, [(3, 0, 7)]), rw(WRITE, 31, 0, [(999, 0, 7)]),
            rw(READ, 32, 0, []), bad, rw(WRITE, 34, 0, [(8, 5, 4)]),
            rw(WRITE, 35, 0, [(8, 0, 8)]), rw(4, 36, 0, pages(0, 1)),
            rw(WRITE, 37, 2047, pages(0, 2)), rw(READ, 38, 2 ** 63, pages(0, 1))]
    grants = [(PERMIT, 0)] * 28 + [(PERMIT | READONLY, 0), (PERMIT, 7), (0, 0), (PERMIT | 8, 0)]
    yield 'hostile', hdr(nreq=len(reqs) + 1, grants=grants) + b''.join(reqs) + \
        rw(READ, 39, 0, [(36, 0, 7), (37, 0, 7), (38, 0, 7), (39, 0, 7)])
    reqs = [rw(READ, 40 + i, i * 8, pages(i, 1)) for i in range(8)]
    yield 'prod_jump', hdr(flags=2, nreq=len(reqs), delta=200) + b''.join(reqs)
    yield 'prod_small', hdr(flags=2, nreq=len(reqs), delta=3) + b''.join(reqs)
    # A guest vCPU moves req_prod back behind req_cons in mid-pass.
    yield 'prod_rewind', hdr(flags=4, nreq=len(reqs), delta=2) + b''.join(reqs)
    reqs = [rw(WRITE, 50, 0, pages(0, 1)), discard(51, 0, 8), rw(FLUSH, 52, 0, pages(0, 1)),
            rw(READ, 53, 0, pages(0, 1)), indirect(WRITE, 54, 0, 20)]
    yield 'readonly', hdr(flags=1, nreq=len(reqs)) + b''.join(reqs)
    reqs = [rw(READ if i % 2 else WRITE, 100 + i, (i * 8) % 2040, pages(i, 1 + i % 11))
            for i in range(100)]
    yield 'order2', hdr(order=2, nreq=len(reqs)) + b''.join(reqs)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(__file__), '..', 'corpus', 'blk_ring')
    os.makedirs(out, exist_ok=True)
    for name, data in seeds():
        with open(os.path.join(out, name), 'wb') as f:
            f.write(data)


if __name__ == '__main__':
    main()
