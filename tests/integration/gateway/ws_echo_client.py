# SPDX-License-Identifier: MIT
"""WebSocket echo check through a gateway: ADDR HOST [BYTES] [h2|h1|both|early] (early: frames
sent before the answer, see early()).
An HTTP/2 client (extended CONNECT, RFC 8441, raw frames from ../hostile/h2raw.py, its windows
honoured both ways) and an HTTP/1.1 client (Upgrade: websocket) each send a text frame and
BYTES (default 20000) of binary frames (60000 bytes each at most), read until every echo is
back, and report as JSON: status, the answer's body when it is no tunnel, the
Sec-WebSocket-Accept an HTTP/1.1 client got, and whether the echoes came back unchanged. The
sender of the HTTP/1.1 client is a thread, so a transfer larger than every buffer on the way
cannot deadlock the test."""
import json
import socket
import sys
import threading
import time

import attack
import h2raw

KEY = b"dGhlIHNhbXBsZSBub25jZQ=="  # RFC 6455's example: accept s3pPLMBiTxaQ9kYGzzhZRbK+xOo=


def server_frame(payload, opcode=2):
    """An unmasked, final frame as the echo sends it."""
    n = len(payload)
    if n < 126:
        head = bytes([0x80 | opcode, n])
    elif n < 65536:
        head = bytes([0x80 | opcode, 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([0x80 | opcode, 127]) + n.to_bytes(8, "big")
    return head + payload


def frames_and_echo(total):
    """The client frames (masked) and the server frames the echo must send back."""
    sent, want = attack.ws_frame(b"hello", opcode=1), server_frame(b"hello", 1)
    left, i = total, 0
    while left > 0:
        n = min(60000, left)
        payload = bytes((i + k * 7) % 251 for k in range(n))
        sent += attack.ws_frame(payload)
        want += server_frame(payload)
        left -= n
        i += 1
    return sent, want


def h2_client(args, total, out):
    c, sid, out["h2_status"] = attack.tunnel_h2_open(args)
    if out["h2_status"] != 200:
        c.read_until(lambda f: sid in c.ended or sid in c.rsts, args.wait)
        out["h2_body"] = c.first_data.get(sid, b"").decode(errors="replace")
        c.close()
        return
    sent, want = frames_and_echo(total)
    got, off = b"", 0
    c.sock.settimeout(0.05)
    end = time.monotonic() + args.wait
    while len(got) < len(want) and time.monotonic() < end and sid not in c.rsts and not c.eof:
        win = min(c.conn_window, c.stream_window.get(sid, c.initial_window))
        n = min(16384, len(sent) - off, win)
        if n > 0:
            c.data(sid, sent[off:off + n])
            c.conn_window -= n
            c.stream_window[sid] = c.stream_window.get(sid, c.initial_window) - n
            off += n
        try:
            f = c.read_frame()
        except socket.timeout:
            continue
        if f and f[0] == h2raw.DATA and f[2] == sid and f[3]:
            got += f[3]
            c.window_update(sid, len(f[3]))
            c.window_update(0, len(f[3]))
    out["h2_sent"], out["h2_got"] = off, len(got)
    out["h2_echo"] = got == want
    out["h2_rst"] = c.rsts.get(sid)
    c.close()


def h1_client(args, total, out):
    host, port = args.addr.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=args.wait)
    s.sendall(b"GET /chat HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
              b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: %s\r\n\r\n"
              % (args.host.encode(), KEY))
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode(errors="replace").split("\r\n")
    out["h1_status"] = int(lines[0].split(" ")[1]) if lines[0].count(" ") else lines[0]
    fields = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
    out["h1_accept"] = fields.get("sec-websocket-accept")
    out["h1_upgrade"] = fields.get("upgrade")
    out["h1_x_route"] = fields.get("x-route")
    if out["h1_status"] != 101:
        s.settimeout(2)
        try:
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                rest += chunk
        except socket.timeout:
            pass
        out["h1_body"] = rest.decode(errors="replace")
        s.close()
        return
    sent, want = frames_and_echo(total)
    threading.Thread(target=s.sendall, args=(sent,), daemon=True).start()
    got = rest
    end = time.monotonic() + args.wait
    s.settimeout(0.5)
    while len(got) < len(want) and time.monotonic() < end:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            break
        got += chunk
    out["h1_got"] = len(got)
    out["h1_echo"] = got == want
    s.close()


def early(args, out):
    """Frames sent before the answer: an HTTP/1.1 client's in the same write as its request, an
    HTTP/2 client's DATA right after its HEADERS. Both must be echoed once the tunnel opens."""
    sent, want = frames_and_echo(30000)
    host, port = args.addr.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=args.wait)
    s.sendall(b"GET /chat HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
              b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: %s\r\n\r\n"
              % (args.host.encode(), KEY) + sent)
    data = b""
    while b"\r\n\r\n" not in data or len(data.partition(b"\r\n\r\n")[2]) < len(want):
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    out["h1_early_status"] = data.split(b" ", 2)[1].decode() if data.count(b" ") else "none"
    out["h1_early_echo"] = data.partition(b"\r\n\r\n")[2] == want
    c = attack.conn_open(args, timeout=args.wait)
    c.read_until(lambda f: f[0] == h2raw.SETTINGS and not f[1] & h2raw.ACK, args.wait)
    sid = c.new_id()
    fields = [(":method", "CONNECT"), (":protocol", "websocket"), (":scheme", "http"),
              (":path", "/chat"), (":authority", args.host), ("sec-websocket-version", "13")]
    hello = attack.ws_frame(b"early bird", opcode=1)
    c.send(c.headers_frame(sid, fields, end_stream=False) +
           h2raw.frame(h2raw.DATA, 0, sid, hello))
    c.read_until(lambda f: c.data_bytes.get(sid, 0) >= len(hello) - 4 or sid in c.rsts,
                 args.wait)
    out["h2_early_echo"] = c.first_data.get(sid) == server_frame(b"early bird", 1)
    c.close()


def main():
    class Args:
        pass
    a = Args()
    a.addr, a.host = sys.argv[1], sys.argv[2]
    total = int(sys.argv[3]) if len(sys.argv) > 3 else 20000
    which = sys.argv[4] if len(sys.argv) > 4 else "both"
    a.source, a.wait = "127.0.0.1", 30.0
    out = {}
    if which in ("h2", "both"):
        h2_client(a, total, out)
    if which in ("h1", "both"):
        h1_client(a, total, out)
    if which == "early":
        early(a, out)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
