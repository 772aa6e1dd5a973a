# SPDX-License-Identifier: MIT
"""A minimal RFC 8441 backend over h2c that reports how each connection ends. It enables
extended CONNECT in its SETTINGS, answers every CONNECT with a 200 (no END_STREAM: the tunnel
opens) and then reads frames, printing one line per event on stdout after its port (the first
line): "connect STREAM" for a CONNECT, "rst STREAM CODE" for a RST_STREAM, "goaway CODE" for a
GOAWAY and "eof" when the connection ends. Loopback only; one thread per connection."""
import os
import socket
import struct
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "hostile"))
import h2raw  # noqa: E402

LOCK = threading.Lock()
ENABLE_CONNECT_PROTOCOL = 8


def say(line):
    with LOCK:
        print(line, flush=True)


def read_exact(sock, n):
    data = b""
    while len(data) < n:
        got = sock.recv(n - len(data))
        if not got:
            return None
        data += got
    return data


def serve(sock):
    try:
        if read_exact(sock, len(h2raw.PREFACE)) != h2raw.PREFACE:
            return
        sock.sendall(h2raw.frame(h2raw.SETTINGS, 0, 0, struct.pack(">HI", ENABLE_CONNECT_PROTOCOL, 1)))
        while True:
            head = read_exact(sock, 9)
            if head is None:
                break
            n = int.from_bytes(head[:3], "big")
            ftype, flags = head[3], head[4]
            sid = int.from_bytes(head[5:9], "big") & 0x7fffffff
            payload = read_exact(sock, n) if n else b""
            if payload is None:
                break
            if ftype == h2raw.SETTINGS and not flags & h2raw.ACK:
                sock.sendall(h2raw.frame(h2raw.SETTINGS, h2raw.ACK, 0))
            elif ftype == h2raw.HEADERS:
                say("connect %d" % sid)
                sock.sendall(h2raw.frame(h2raw.HEADERS, h2raw.END_HEADERS, sid, b"\x88"))
            elif ftype == h2raw.RST_STREAM:
                say("rst %d %d" % (sid, int.from_bytes(payload[:4], "big")))
            elif ftype == h2raw.GOAWAY:
                say("goaway %d" % int.from_bytes(payload[4:8], "big"))
    except OSError:
        pass
    say("eof")
    sock.close()


def main():
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    print(srv.getsockname()[1], flush=True)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
