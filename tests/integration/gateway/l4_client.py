#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Layer-4 client for the gateway tests: one exchange through a TCP, TLS or UDP listener of
`gatesim gateway` with a gatesim-echo layer-4 backend behind it. Prints one JSON line saying
what happened, so the shell test asserts on facts. Every socket has a timeout (no hang).

  l4_client.py tcp PORT LINE            send LINE, half-close, read to EOF
  l4_client.py tls PORT SNI LINE        TLS (server name SNI, "-" for none) without verification;
                                        end: reply, eof (closed, no reply) or reset
  l4_client.py udp PORT LINE [N]        N datagrams (default 1) from one socket, N replies
  l4_client.py raw PORT HEXBYTES        send raw bytes, report how the gateway ended it
  l4_client.py udpflood PORT N          one datagram from each of N fresh source ports
  l4_client.py tcpbig PORT BYTES        send BYTES lines' worth, count the echoed replies
  l4_client.py hellopart PORT SNI       a real ClientHello cut in half, then a half-close
"""
import hashlib
import json
import socket
import ssl
import sys

TIMEOUT = 20.0


def read_to_eof(s):
    data = b""
    while True:
        try:
            chunk = s.recv(65536)
        except ConnectionResetError:
            return data, "reset"
        if not chunk:
            return data, "eof"
        data += chunk


def replies(data):
    return [json.loads(l) for l in data.decode().splitlines() if l.strip()]


def tcp(port, line):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        s.sendall(line.encode() + b"\n")
        s.shutdown(socket.SHUT_WR)  # the half-close must reach the backend, its reply come back
        data, end = read_to_eof(s)
    except ConnectionResetError:
        data, end = b"", "reset"
    return {"end": end, "replies": replies(data) if end == "eof" else []}


def tls(port, sni, line):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    raw = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    try:
        s = ctx.wrap_socket(raw, server_hostname=None if sni == "-" else sni)
    except (ssl.SSLError, ConnectionResetError, OSError) as e:
        return {"end": "handshake-failed", "error": type(e).__name__}
    der = s.getpeercert(binary_form=True)
    data, end = b"", "reply"
    try:
        s.sendall(line.encode() + b"\n")
        while not data.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except (ConnectionResetError, BrokenPipeError, ssl.SSLError):
        end = "reset"  # the gateway reset the connection after the handshake
    s.close()
    if not data and end == "reply":
        end = "eof"  # closed without a reply
    return {"end": end, "certSha256": hashlib.sha256(der).hexdigest(), "replies": replies(data)}


def udp(port, line, n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(TIMEOUT)
    s.connect(("127.0.0.1", port))
    out = []
    for i in range(n):
        s.send(("%s-%d" % (line, i)).encode())
        out.append(json.loads(s.recv(65536)))
    return {"end": "reply", "replies": out}


def raw(port, hexbytes):
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    try:
        s.sendall(bytes.fromhex(hexbytes))
    except (BrokenPipeError, ConnectionResetError):
        return {"end": "reset"}
    data, end = read_to_eof(s)
    return {"end": end, "bytes": len(data)}


def udpflood(port, n):
    # Each socket is bound to its own loopback address (127.1.x.y; all of 127/8 is local), so each
    # is a new client address and a new session in the gateway, whatever ports the kernel picks.
    # Each waits for its echo, so every one of them did open a session.
    answered = 0
    for i in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(TIMEOUT)
        s.bind(("127.1.%d.%d" % (i // 250, i % 250 + 1), 0))
        s.sendto(b"flood", ("127.0.0.1", port))
        try:
            s.recv(65536)
            answered += 1
        except socket.timeout:
            pass
        s.close()
    return {"end": "sent", "count": n, "answered": answered}


def tcpbig(port, nbytes):
    # Many lines sent before any reply is read: the gateway must buffer with backpressure and
    # still deliver every reply.
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    line = b"x" * 99 + b"\n"
    count = max(1, nbytes // len(line))
    import threading

    def send():
        s.sendall(line * count)
        s.shutdown(socket.SHUT_WR)

    t = threading.Thread(target=send)
    t.start()
    data, end = read_to_eof(s)
    t.join()
    return {"end": end, "sent": count, "replies": len(data.splitlines())}


def client_hello(sni):
    """The bytes of a real ClientHello (Python's OpenSSL), without sending them anywhere."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname=sni)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


def hellopart(port, sni):
    hello = client_hello(sni)
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    s.sendall(hello[: len(hello) // 2])
    s.shutdown(socket.SHUT_WR)
    data, end = read_to_eof(s)
    return {"end": end, "bytes": len(data), "helloBytes": len(hello)}


def main():
    cmd, port = sys.argv[1], int(sys.argv[2])
    if cmd == "tcp":
        r = tcp(port, sys.argv[3])
    elif cmd == "tls":
        r = tls(port, sys.argv[3], sys.argv[4])
    elif cmd == "udp":
        r = udp(port, sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 1)
    elif cmd == "raw":
        r = raw(port, sys.argv[3])
    elif cmd == "udpflood":
        r = udpflood(port, int(sys.argv[3]))
    elif cmd == "hellopart":
        r = hellopart(port, sys.argv[3])
    elif cmd == "tcpbig":
        r = tcpbig(port, int(sys.argv[3]))
    else:
        sys.exit("unknown command " + cmd)
    print(json.dumps(r))


if __name__ == "__main__":
    main()
