# SPDX-License-Identifier: MIT
"""Hostile HTTP/2 and TCP clients for the hostile-traffic tests and bench/hostile.sh. Each
subcommand runs one bounded attack against a gateway address on loopback and prints one JSON
object saying what the client saw.

  bodies  ADDR: streams that send request bodies and never end them (request-body budgets)
  held    ADDR: streams whose client announces a zero window and never reads (held responses)
  h1held  ADDR: HTTP/1.1 GETs of large responses whose client never reads (held responses)
  h1stall ADDR: one HTTP/1.1 GET whose client reads nothing until told on stdin (hold timeout)
  resets  ADDR: streams opened and reset at once, over many connections (rapid reset)
  cancel  ADDR: requests reset while the upstream is answering (upstream connection reuse)
  flood   ADDR: TCP connections opened and held (descriptor exhaustion)
  trickle ADDR: a TLS ClientHello, an HTTP/1.1 head or an HTTP/2 header block, one byte at a time
  tunnel  ADDR: a WebSocket (HTTP/1.1 upgrade, or RFC 8441 extended CONNECT with --h2) kept
                talking one way, then silent (idle limits), or, with --flood, sent into
                without reading the echo (buffer caps)
"""
import argparse
import json
import socket
import ssl
import struct
import sys
import time

import h2raw


def conn_open(args, **kw):
    return h2raw.Conn(args.addr, source=args.source, **kw)


def cmd_bodies(args):
    """|conns| connections, |streams| POSTs each, |bytes| of body per stream, never ended;
    held open |hold| seconds. Repeats until |duration| (0: once)."""
    out = {"streams": 0, "refused413": 0, "reset": 0, "goaway": 0, "sent": 0}
    end = time.monotonic() + args.duration
    while True:
        conns = []
        for _ in range(args.conns):
            c = conn_open(args)
            conns.append(c)
            sids = [c.request("/upload", end_stream=False, method="POST",
                              extra=[("content-type", "application/octet-stream")])
                    for _ in range(args.streams)]
            for sid in sids:
                out["sent"] += c.send_body(sid, args.bytes, deadline_s=5.0)
            c.pump(0.2)
        for c in conns:
            c.pump(args.hold / max(1, len(conns)))
        for c in conns:
            for sid in range(1, c.next_id, 2):
                out["streams"] += 1
                if c.first_data.get(sid, b"").startswith(b"413"):
                    out["refused413"] += 1
                elif sid in c.rsts and c.rsts[sid] != 0:
                    out["reset"] += 1
            out["goaway"] += c.goaway is not None
            c.close()
        if time.monotonic() >= end:
            break
    print(json.dumps(out))


def cmd_held(args):
    """|conns| connections announcing a zero stream window, |streams| GETs of |size| bytes
    each; frames are read (so the gateway's output drains) but no window is ever opened."""
    out = {"streams": 0, "reset": 0, "closed": 0, "goaway": 0}
    end = time.monotonic() + args.duration
    while True:
        conns = []
        for _ in range(args.conns):
            c = conn_open(args, window=0)
            conns.append(c)
            for _ in range(args.streams):
                c.request("/big/%d" % args.size)
        deadline = time.monotonic() + args.hold
        while time.monotonic() < deadline:
            for c in conns:
                if not c.eof:
                    c.pump(0.05)
            if all(c.eof for c in conns):
                break
        for c in conns:
            out["streams"] += (c.next_id - 1) // 2
            out["reset"] += sum(1 for code in c.rsts.values() if code != 0)
            out["closed"] += c.eof
            out["goaway"] += c.goaway is not None
            c.close()
        if time.monotonic() >= end:
            break
    print(json.dumps(out))


def cmd_h1held(args):
    """|conns| HTTP/1.1 connections (a small receive buffer, so the kernel holds little), one GET
    of |size| bytes each, never read, held |hold| seconds (the test stops it sooner)."""
    host, port = args.addr.rsplit(":", 1)
    socks = []
    for _ in range(args.conns):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.bind((args.source, 0))
        s.connect((host, int(port)))
        s.sendall(b"GET /big/%d HTTP/1.1\r\nHost: example.com\r\n\r\n" % args.size)
        socks.append(s)
    time.sleep(args.hold)
    for s in socks:
        s.close()
    print(json.dumps({"conns": len(socks)}))


def h1stall_tunnel(s, size, out):
    """Upgrades to a WebSocket tunnel (the backend echoes), reads the 101, then sends up to
    |size| bytes, as far as the tunnel takes them (2 MiB at least: more than the buffers on the
    way hold, so the echo backs up into the gateway), and reads none of the echo."""
    s.sendall(b"GET /chat HTTP/1.1\r\nHost: ws.example.com\r\nConnection: Upgrade\r\n"
              b"Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
              b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
    head = b""
    s.settimeout(30.0)
    while b"\r\n\r\n" not in head:
        got = s.recv(1)  # byte by byte: nothing past the head is taken
        if not got:
            break
        head += got
    out["status"] = head.split(b"\r\n")[0].decode(errors="replace")
    s.settimeout(1.0)
    piece = b"t" * 65536
    sent = 0
    end = time.monotonic() + 60
    while sent < size and time.monotonic() < end:
        try:
            sent += s.send(piece)
        except socket.timeout:
            if sent >= 2 << 20:
                break  # the tunnel took no more for a second, past what buffers could hold
    out["sent"] = sent


def h1stall_pipeline(s, count, size, out):
    """Sends |count| pipelined GETs of |size| bytes each in one burst, as far as the socket
    takes them in a few seconds (the gateway stops reading requests while its output is full)."""
    burst = b"GET /big/%d HTTP/1.1\r\nHost: example.com\r\n\r\n" % size * count
    s.settimeout(1.0)
    sent = 0
    end = time.monotonic() + 5
    while sent < len(burst) and time.monotonic() < end:
        try:
            sent += s.send(burst[sent:])
        except socket.timeout:
            pass
    out["requests_sent"] = sent * count // len(burst)


def cmd_h1stall(args):
    """One HTTP/1.1 GET of |size| bytes (a small receive buffer), not read until a line arrives
    on stdin (the test sends it once the gateway counted the close); then everything is read
    until the end, for |read_max| seconds at most. Says how many bytes came and how it ended:
    eof, reset, or timeout (the connection is still open). With --pipeline N: N pipelined GETs
    of |size| bytes each instead of one."""
    host, port = args.addr.rsplit(":", 1)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.bind((args.source, 0))
    s.connect((host, int(port)))
    out = {"received": 0, "end": "timeout"}
    if args.tunnel:
        h1stall_tunnel(s, args.size, out)
    elif args.pipeline:
        h1stall_pipeline(s, args.pipeline, args.size, out)
    else:
        s.sendall(b"GET /big/%d HTTP/1.1\r\nHost: example.com\r\n\r\n" % args.size)
    sys.stdin.readline()
    end = time.monotonic() + args.read_max
    s.settimeout(1.0)
    while time.monotonic() < end:
        try:
            got = s.recv(1 << 16)
        except socket.timeout:
            continue
        except ConnectionResetError:
            out["end"] = "reset"
            break
        if not got:
            out["end"] = "eof"
            break
        out["received"] += len(got)
    s.close()
    print(json.dumps(out))


def resets_round(args, until):
    """Connection after connection (|conns| at least, and on until |until|), |per_conn| requests
    each sent and reset in the same write, until a GOAWAY; then one more connection, to see
    whether it is refused."""
    out = {"conns": 0, "resets": 0, "goaway_code": None, "refused_after": None,
           "refused_with_reset": None}
    while out["conns"] < args.conns or time.monotonic() < until:
        try:
            c = conn_open(args)
        except OSError:
            out["refused_after"] = True
            break
        out["conns"] += 1
        batch = bytearray()
        for _ in range(args.per_conn):
            sid = c.new_id()
            batch += c.headers_frame(sid, h2raw.request_fields(args.path))
            batch += h2raw.frame(h2raw.RST_STREAM, 0, sid, (h2raw.CANCEL).to_bytes(4, "big"))
        try:
            c.send(bytes(batch))
            out["resets"] += args.per_conn
            c.pump(args.pause)
        except OSError:
            pass
        got = c.goaway
        c.close()
        if got is not None:
            out["goaway_code"] = got
            break
    if out["goaway_code"] is not None:
        # A fresh connection from the same address, sending nothing (so a reset can only come
        # from the gateway's choice, not from unread bytes): refused at once, and how.
        host, port = args.addr.rsplit(":", 1)
        s = socket.socket()
        s.bind((args.source, 0))
        s.settimeout(2.0)
        try:
            s.connect((host, int(port)))
            got = s.recv(100)
            out["refused_after"] = got == b""
            out["refused_with_reset"] = False
        except socket.timeout:
            out["refused_after"] = False
        except OSError:  # ECONNRESET
            out["refused_after"] = True
            out["refused_with_reset"] = True
        s.close()
    return out


def cmd_resets(args):
    """One round (resets_round). With --duration, rounds one after another for that long, as an
    attacker that comes back whenever it is refused (after --pause): one process, so what the
    attack costs is its traffic, not interpreter start-ups; prints the rounds' totals."""
    if args.duration <= 0:
        print(json.dumps(resets_round(args, 0)))
        return
    end = time.monotonic() + args.duration
    total = {"rounds": 0, "conns": 0, "resets": 0, "goaways": 0, "refused": 0}
    while time.monotonic() < end:
        r = resets_round(args, 0)
        total["rounds"] += 1
        total["conns"] += r["conns"]
        total["resets"] += r["resets"]
        total["goaways"] += r["goaway_code"] is not None
        if r["refused_after"]:
            total["refused"] += 1
            time.sleep(args.pause)
    print(json.dumps(total))


def cmd_cancel(args):
    """|count| requests one after the other on one connection, each reset |after| seconds after
    it was sent (the upstream is still answering), with |wait| seconds between them."""
    c = conn_open(args)
    for _ in range(args.count):
        sid = c.request(args.path)
        c.pump(args.after)
        c.rst(sid)
        c.pump(args.wait)
    out = {"sent": args.count, "goaway": c.goaway}
    c.close()
    print(json.dumps(out))


def cmd_flood(args):
    """Opens |conns| TCP connections (no bytes sent) and holds them |hold| seconds."""
    host, port = args.addr.rsplit(":", 1)
    socks = []
    for _ in range(args.conns):
        s = socket.socket()
        s.setblocking(False)
        try:
            s.connect((host, int(port)))
        except BlockingIOError:
            pass
        socks.append(s)
    time.sleep(args.hold)
    for s in socks:
        s.close()
    print(json.dumps({"opened": len(socks)}))


def client_hello():
    """The bytes of a TLS ClientHello (from an in-memory handshake that never completes)."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    inc, outg = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, outg, server_hostname="example.com")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outg.read()


def cmd_trickle(args):
    """Sends a |kind| head one byte per |interval| seconds; reports when the server closed."""
    if args.kind == "tls":
        payload = client_hello()
    elif args.kind == "h1":
        payload = b"GET / HTTP/1.1\r\nHost: example.com\r\nX-Slow: " + b"a" * 200 + b"\r\n\r\n"
    else:  # h2: the preface and SETTINGS at once, then a header block byte by byte
        fields = h2raw.request_fields("/", extra=[("x-slow", "a" * 200)])
        payload = h2raw.frame(h2raw.HEADERS, h2raw.END_HEADERS | h2raw.END_STREAM, 1,
                              h2raw.hpack(fields))
    host, port = args.addr.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=args.interval)
    if args.kind == "h2":
        s.sendall(h2raw.PREFACE + h2raw.frame(h2raw.SETTINGS, 0, 0))
    start = time.monotonic()
    out = {"sent": 0, "closed_after": None, "length": len(payload)}
    for b in payload:
        try:
            s.sendall(bytes([b]))
            out["sent"] += 1
        except OSError:
            out["closed_after"] = round(time.monotonic() - start, 2)
            break
        try:
            while True:  # answers (SETTINGS, a 408) are read and dropped; EOF means closed
                got = s.recv(65536)
                if not got:
                    out["closed_after"] = round(time.monotonic() - start, 2)
                    break
        except socket.timeout:
            pass
        except OSError:
            out["closed_after"] = round(time.monotonic() - start, 2)
        if out["closed_after"] is not None or time.monotonic() - start > args.max:
            break
    s.close()
    print(json.dumps(out))


def ws_frame(payload, opcode=0x2):
    """A masked client frame (RFC 6455 5.2) with a zero masking key: the payload goes as is."""
    n = len(payload)
    if n < 126:
        head = bytes([0x80 | opcode, 0x80 | n])
    elif n < 65536:
        head = bytes([0x80 | opcode, 0x80 | 126]) + struct.pack(">H", n)
    else:
        head = bytes([0x80 | opcode, 0x80 | 127]) + struct.pack(">Q", n)
    return head + b"\0\0\0\0" + payload


def tunnel_h2_open(args, window=None):
    """An extended CONNECT (:protocol websocket) once the server's SETTINGS were acknowledged;
    returns (conn, stream id, status: 200 when the answer's first field is the static-table
    :status 200, else what came)."""
    c = conn_open(args, window=window, timeout=args.wait)
    c.read_until(lambda f: f[0] == h2raw.SETTINGS and not f[1] & h2raw.ACK, args.wait)
    sid = c.new_id()
    fields = [(":method", "CONNECT"), (":protocol", "websocket"), (":scheme", "http"),
              (":path", "/chat"), (":authority", args.host), ("sec-websocket-version", "13")]
    c.send(c.headers_frame(sid, fields, end_stream=False))
    f = c.read_until(lambda f: f[2] == sid and f[0] in (h2raw.HEADERS, h2raw.RST_STREAM),
                     args.wait)
    if f is None:
        return c, sid, "none"
    if f[0] == h2raw.RST_STREAM:
        return c, sid, "rst:%d" % h2raw.rst_code(f)
    return c, sid, 200 if f[3][:1] == b"\x88" else "other"


def tunnel_h1_open(args):
    host, port = args.addr.rsplit(":", 1)
    s = socket.socket()
    s.bind((args.source, 0))
    s.connect((host, int(port)))
    s.sendall(b"GET /chat HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\n"
              b"Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
              b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n" % args.host.encode())
    head = b""
    s.settimeout(args.wait)
    while b"\r\n\r\n" not in head:
        got = s.recv(1)
        if not got:
            break
        head += got
    status = head.split(b" ")[1].decode() if head.count(b" ") else "none"
    return s, int(status) if status.isdigit() else status


def tunnel_h2_ended(c, sid):
    """How the stream ended so far: rst:CODE, end (END_STREAM), eof (the connection), or None."""
    if sid in c.rsts:
        return "rst:%d" % c.rsts[sid]
    if sid in c.ended:
        return "end"
    if c.eof or c.goaway is not None:
        return "eof"
    return None


def tunnel_talk(args, send, ended, out):
    """Sends a pong (which the echo ignores: bytes one way only) every |every| seconds for |keep|
    seconds, then nothing, until the tunnel ends or |wait| seconds pass. Records whether it
    ended while talking, how it ended, and how long after the last byte sent."""
    end_keep = time.monotonic() + args.keep
    last = time.monotonic()
    out["pongs"] = 0
    while time.monotonic() < end_keep and ended() is None:
        send(ws_frame(b"still here", opcode=0xA))
        out["pongs"] += 1
        last = time.monotonic()
        time.sleep(args.every)
    out["ended_while_talking"] = ended() is not None
    limit = time.monotonic() + args.wait
    while time.monotonic() < limit and ended() is None:
        time.sleep(0.05)
    out["end"] = ended() or "timeout"
    out["silent_s"] = round(time.monotonic() - last, 2)


def tunnel_h1(args, out):
    s, out["status"] = tunnel_h1_open(args)
    state = {"end": None}

    def ended():
        if state["end"] is None:
            s.settimeout(0.05)
            try:
                got = s.recv(65536)
                if not got:
                    state["end"] = "eof"
            except socket.timeout:
                pass
            except ConnectionResetError:
                state["end"] = "reset"
        return state["end"]
    tunnel_talk(args, s.sendall, ended, out)
    s.close()


def tunnel_flood(args, c, sid, out):
    """Sends 16 KiB binary frames within the windows the server grants (the client announced a
    zero window: no echo can reach it) until |size| bytes or the server grants none for 2 s."""
    frame = ws_frame(b"f" * 16384)
    stream = frame * (args.size // len(frame))
    sent = 0
    blocked_since = None
    c.sock.settimeout(0.1)
    while sent < len(stream) and tunnel_h2_ended(c, sid) is None:
        win = min(c.conn_window, c.stream_window.get(sid, c.initial_window))
        n = min(16384, len(stream) - sent, win)
        if n <= 0:
            blocked_since = blocked_since or time.monotonic()
            if time.monotonic() - blocked_since > 2.0:
                break
            try:
                if c.read_frame() is None:
                    break
            except socket.timeout:
                pass
            continue
        blocked_since = None
        c.data(sid, stream[sent:sent + n])
        c.conn_window -= n
        c.stream_window[sid] = c.stream_window.get(sid, c.initial_window) - n
        sent += n
    out["sent"] = sent
    out["frames"] = sent // len(frame)
    out["blocked"] = blocked_since is not None


def tunnel_flood_then(args, c, sid, out):
    """After the flood: --then read opens the client's windows and reads the echoes (each frame
    comes back unmasked: 4 bytes shorter); --then wait reads nothing and waits for the end."""
    if args.then == "read":
        c.window_update(sid, 1 << 30)
        c.window_update(0, 1 << 30)
        want = out["frames"] * (16384 + 4)
        c.read_until(lambda f: c.data_bytes.get(sid, 0) >= want, args.wait)
        out["echoed"] = c.data_bytes.get(sid, 0)
    else:
        limit = time.monotonic() + args.wait
        while time.monotonic() < limit and not c.eof and tunnel_h2_ended(c, sid) is None:
            time.sleep(0.05)
        out["end"] = tunnel_h2_ended(c, sid) or "timeout"


def cmd_tunnel(args):
    out = {}
    if not args.h2:
        tunnel_h1(args, out)
        print(json.dumps(out))
        return
    c, sid, out["status"] = tunnel_h2_open(args, window=0 if args.flood else None)
    if out["status"] == 200 and args.flood:
        tunnel_flood(args, c, sid, out)
        tunnel_flood_then(args, c, sid, out)
    elif out["status"] == 200:
        def ended():
            c.pump(0.05)
            return tunnel_h2_ended(c, sid)
        tunnel_talk(args, lambda b: c.data(sid, b), ended, out)
    c.close()
    print(json.dumps(out))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)

    def add(name, fn):
        sp = sub.add_parser(name)
        sp.add_argument("addr")
        sp.add_argument("--source", default="127.0.0.1")
        sp.add_argument("--duration", type=float, default=0)
        sp.set_defaults(fn=fn)
        return sp

    sp = add("bodies", cmd_bodies)
    sp.add_argument("--conns", type=int, default=1)
    sp.add_argument("--streams", type=int, default=4)
    sp.add_argument("--bytes", type=int, default=100000)
    sp.add_argument("--hold", type=float, default=1.0)
    sp = add("held", cmd_held)
    sp.add_argument("--conns", type=int, default=1)
    sp.add_argument("--streams", type=int, default=4)
    sp.add_argument("--size", type=int, default=300000)
    sp.add_argument("--hold", type=float, default=3.0)
    sp = add("h1held", cmd_h1held)
    sp.add_argument("--conns", type=int, default=4)
    sp.add_argument("--size", type=int, default=64 << 20)
    sp.add_argument("--hold", type=float, default=60.0)
    sp = add("h1stall", cmd_h1stall)
    sp.add_argument("--size", type=int, default=64 << 20)
    sp.add_argument("--read-max", type=float, default=60.0)
    sp.add_argument("--tunnel", action="store_true")
    sp.add_argument("--pipeline", type=int, default=0)
    sp = add("resets", cmd_resets)
    sp.add_argument("--conns", type=int, default=20)
    sp.add_argument("--per-conn", type=int, default=20)
    sp.add_argument("--path", default="/")
    sp.add_argument("--pause", type=float, default=0.1)
    sp = add("cancel", cmd_cancel)
    sp.add_argument("--count", type=int, default=10)
    sp.add_argument("--path", default="/?delay=100ms")
    sp.add_argument("--after", type=float, default=0.05)
    sp.add_argument("--wait", type=float, default=0.3)
    sp = add("flood", cmd_flood)
    sp.add_argument("--conns", type=int, default=100)
    sp.add_argument("--hold", type=float, default=2.0)
    sp = add("trickle", cmd_trickle)
    sp.add_argument("--kind", choices=["tls", "h1", "h2"], default="h1")
    sp.add_argument("--interval", type=float, default=0.3)
    sp.add_argument("--max", type=float, default=8.0)
    sp = add("tunnel", cmd_tunnel)
    sp.add_argument("--host", default="example.com")
    sp.add_argument("--h2", action="store_true")
    sp.add_argument("--keep", type=float, default=0.0)
    sp.add_argument("--every", type=float, default=0.5)
    sp.add_argument("--wait", type=float, default=30.0)
    sp.add_argument("--flood", action="store_true")
    sp.add_argument("--size", type=int, default=8 << 20)
    sp.add_argument("--then", choices=["read", "wait"], default="read")
    args = p.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
