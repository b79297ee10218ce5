#!/usr/bin/env python3
"""A raw WebSocket client for xenoweb's tests (stdlib only): it can send
what a browser never would (no Origin, foreign Origin, unmasked,
oversized or malformed frames) and prints what came back.

  wsclient.py PORT PATH [--origin O|--no-origin] [--cookie C]
              [--send-hex HEX]... [--send TEXT]... [--text JSON]...
              [--raw HEX] [--read SECONDS] [--expect TEXT]

Prints 'status N' (the HTTP status), then one line per frame received:
'binary <text>', 'text <json>', 'close <code> <reason>'.  With --expect
it exits 0 once TEXT appeared in the binary output, 1 otherwise."""
import argparse, base64, os, socket, struct, sys, time


def frame(op, payload, mask=True, fin=True, length=None):
    n = len(payload) if length is None else length
    b0 = (0x80 if fin else 0) | op
    if n < 126:
        hdr = struct.pack('!BB', b0, (0x80 if mask else 0) | n)
    elif n <= 0xffff:
        hdr = struct.pack('!BBH', b0, (0x80 if mask else 0) | 126, n)
    else:
        hdr = struct.pack('!BBQ', b0, (0x80 if mask else 0) | 127, n)
    if not mask:
        return hdr + payload
    key = os.urandom(4)
    return hdr + key + bytes(c ^ key[i % 4] for i, c in enumerate(payload))


def read_frames(sock, seconds, expect, out):
    buf, deadline, got = b'', time.time() + seconds, b''
    sock.settimeout(0.2)
    while time.time() < deadline:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            break
        buf += chunk
        while len(buf) >= 2:
            op, n = buf[0] & 0x0f, buf[1] & 0x7f
            pos = {126: 4, 127: 10}.get(n, 2)
            if len(buf) < pos:      # the extended length is not all here yet
                break
            if n == 126:
                n = struct.unpack('!H', buf[2:4])[0]
            elif n == 127:
                n = struct.unpack('!Q', buf[2:10])[0]
            if len(buf) < pos + n:
                break
            p, buf = buf[pos:pos + n], buf[pos + n:]
            if op == 2:
                got += p
                t = p.decode('utf-8', 'replace')
                out.write('binary %r\n' % (t if len(t) <= 200 else
                                            t[:200] + '...(%d bytes)' % len(p)))
            elif op == 1:
                out.write('text %s\n' % p.decode())
            elif op == 8:
                code = struct.unpack('!H', p[:2])[0] if len(p) >= 2 else 0
                out.write('close %d %s\n' % (code, p[2:].decode('utf-8', 'replace')))
                return got
        if expect and expect.encode() in got:
            return got
    return got


def flood(sock, total, seconds):
    import io, threading
    sink = io.StringIO()
    got = []
    t = threading.Thread(target=lambda: got.append(
        read_frames(sock, seconds, 'END-OF-FLOOD', sink)))
    t.start()
    sent = 0
    while sent < total:
        sock.sendall(frame(2, b'f' * 4000))
        sent += 4000
    sock.sendall(frame(2, b'END-OF-FLOOD'))
    t.join()
    import re
    data = got[0] if got else b''
    dropped = max([0] + [int(d) for d in re.findall(r'"dropped":(\d+)', sink.getvalue())])
    echoed = data.count(b'f')
    print('sent %d echoed %d dropped %d end %s whole %s' % (
        sent, echoed, dropped, 'yes' if b'END-OF-FLOOD' in data else 'no',
        'yes' if echoed + dropped >= sent else 'no'))
    return 0


def main():
    a = argparse.ArgumentParser()
    a.add_argument('port', type=int)
    a.add_argument('path')
    a.add_argument('--origin')
    a.add_argument('--no-origin', action='store_true')
    a.add_argument('--host')
    a.add_argument('--cookie')
    a.add_argument('--send', action='append', default=[])
    a.add_argument('--text', action='append', default=[])
    a.add_argument('--raw')
    a.add_argument('--unmasked', action='store_true')
    a.add_argument('--big', type=int, default=0)
    a.add_argument('--read', type=float, default=1.0)
    a.add_argument('--wait-first', type=float, default=0.3)
    a.add_argument('--expect')
    a.add_argument('--stall', type=float, default=0,
                   help='after the handshake, read nothing for this long')
    a.add_argument('--flood', type=int, default=0,
                   help='send this many bytes of input (4000 a message) '
                        'while reading; print how many came back')
    o = a.parse_args()
    s = socket.socket()
    if o.stall:     # a slow browser: a small window fills at once
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(('127.0.0.1', o.port))
    host = o.host or '127.0.0.1:%d' % o.port
    origin = None if o.no_origin else (o.origin or 'http://' + host)
    key = base64.b64encode(os.urandom(16)).decode()
    req = ['GET %s HTTP/1.1' % o.path, 'Host: ' + host, 'Upgrade: websocket',
           'Connection: Upgrade', 'Sec-WebSocket-Key: ' + key,
           'Sec-WebSocket-Version: 13']
    if origin:
        req.append('Origin: ' + origin)
    if o.cookie:
        req.append('Cookie: ' + o.cookie)
    s.sendall(('\r\n'.join(req) + '\r\n\r\n').encode())
    resp = b''
    while b'\r\n\r\n' not in resp:
        c = s.recv(1)
        if not c:
            break
        resp += c
    status = int(resp.split(b' ')[1]) if resp else 0
    print('status %d' % status)
    if status != 101:
        return 0 if not o.expect else 1
    out = sys.stdout
    if o.stall:
        time.sleep(o.stall)
    if o.flood:
        for t in o.text:
            s.sendall(frame(1, t.encode()))
        return flood(s, o.flood, o.read)
    got = read_frames(s, o.wait_first, None, out)
    for t in o.text:
        s.sendall(frame(1, t.encode()))
    for t in o.send:
        s.sendall(frame(2, t.encode(), mask=not o.unmasked))
    if o.big:
        s.sendall(frame(2, b'x' * o.big))
    if o.raw:
        s.sendall(bytes.fromhex(o.raw))
    got += read_frames(s, o.read, o.expect, out)
    out.flush()
    if o.expect:
        return 0 if o.expect.encode() in got else 1
    return 0


sys.exit(main())
