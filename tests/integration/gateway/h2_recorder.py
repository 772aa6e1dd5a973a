# SPDX-License-Identifier: MIT
"""h2_recorder.py NAME[:OPTION...] ...: HTTP/2 (h2c, prior knowledge) upstreams that record every
frame the gateway sends them, one listening port per NAME. Options: window=N (the stream window
announced in SETTINGS; 0 keeps every request body in the gateway), max=N
(MAX_CONCURRENT_STREAMS), answer (a response head, not ending the stream, for each request).
Prints {"NAME": port, ...} on its first stdout line, then one line per frame received:
  NAME CONN STREAM TYPE FLAGS LENGTH CODE
(CONN counts the connections to NAME from 1; CODE is the RST_STREAM or GOAWAY error code, else
-1). Header blocks are not decoded: a test tells its requests apart by order, or by body length.
Standard library plus h2raw (tests/integration/hostile)."""
import json
import os
import socket
import struct
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "hostile"))
import h2raw  # noqa: E402

SETTINGS_MAX_CONCURRENT_STREAMS = 3
out_lock = threading.Lock()


def log(*fields):
    with out_lock:
        print(*fields, flush=True)


def read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def serve(name, conn_no, sock, opts):
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    settings = b""
    if "window" in opts:
        settings += struct.pack(">HI", h2raw.SETTINGS_INITIAL_WINDOW_SIZE, opts["window"])
    if "max" in opts:
        settings += struct.pack(">HI", SETTINGS_MAX_CONCURRENT_STREAMS, opts["max"])
    try:
        sock.sendall(h2raw.frame(h2raw.SETTINGS, 0, 0, settings))
        if read_exact(sock, len(h2raw.PREFACE)) != h2raw.PREFACE:
            log(name, conn_no, 0, "BADPREFACE", 0, 0, -1)
            return
        while True:
            head = read_exact(sock, 9)
            if head is None:
                break
            length = int.from_bytes(head[:3], "big")
            ftype, flags = head[3], head[4]
            sid = int.from_bytes(head[5:9], "big") & 0x7fffffff
            payload = read_exact(sock, length) if length else b""
            if payload is None:
                break
            code = -1
            if ftype == h2raw.RST_STREAM:
                code = int.from_bytes(payload[:4], "big")
            elif ftype == h2raw.GOAWAY:
                code = int.from_bytes(payload[4:8], "big")
            log(name, conn_no, sid, ftype, flags, length, code)
            if ftype == h2raw.SETTINGS and not flags & h2raw.ACK:
                sock.sendall(h2raw.frame(h2raw.SETTINGS, h2raw.ACK, 0))
            elif ftype == h2raw.PING and not flags & h2raw.ACK:
                sock.sendall(h2raw.frame(h2raw.PING, h2raw.ACK, 0, payload))
            elif ftype == h2raw.HEADERS and opts.get("answer"):
                fields = [(":status", "200"), ("content-type", "application/grpc")]
                sock.sendall(h2raw.frame(h2raw.HEADERS, h2raw.END_HEADERS, sid,
                                         h2raw.hpack(fields)))
    except OSError:
        pass
    finally:
        log(name, conn_no, 0, "CLOSED", 0, 0, -1)
        sock.close()


def listen(name, opts):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)

    def accept_loop():
        n = 0
        while True:
            s, _ = ls.accept()
            n += 1
            threading.Thread(target=serve, args=(name, n, s, opts), daemon=True).start()

    threading.Thread(target=accept_loop, daemon=True).start()
    return ls.getsockname()[1]


def parse(spec):
    name, *rest = spec.split(":")
    opts = {}
    for o in rest:
        key, _, val = o.partition("=")
        opts[key] = int(val) if val else True
    return name, opts


ports = {}
for spec in sys.argv[1:]:
    name, opts = parse(spec)
    ports[name] = listen(name, opts)
log(json.dumps(ports))
threading.Event().wait()
