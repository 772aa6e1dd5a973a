# SPDX-License-Identifier: MIT
# A raw-socket h2c upgrade client for the gateway tests (no HTTP/2 library needed).
#   h2c_client.py HOST:PORT upgrade PATH AUTHORITY
#       sends the upgrade request, the HTTP/2 connection preface, SETTINGS and a second request
#       (stream 3) in ONE write, then prints the HTTP/1.1 status line of the answer and one line
#       per HTTP/2 frame received ("FRAME type stream flags"), "STATUS stream code" for response
#       heads whose :status is an indexed static-table entry, and "BODY stream text" per stream.
#   h2c_client.py HOST:PORT raw
#       sends stdin as it is, prints the whole answer (until the server closes or 3 s pass; end
#       the last request with Connection: close).
import socket
import struct
import sys

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
STATIC_STATUS = {0x88: 200, 0x89: 204, 0x8A: 206, 0x8B: 304, 0x8C: 400, 0x8D: 404, 0x8E: 500}


def frame(ftype, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + \
        struct.pack(">I", stream) + payload


def hpack_literal(index, value):
    # Literal header field without indexing, indexed name (RFC 7541 §6.2.2), 4-bit prefix.
    assert index < 15 and len(value) < 127
    return bytes([index, len(value)]) + value.encode()


def upgrade(addr, path, authority):
    host, port = addr.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=5)
    head = ("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade, HTTP2-Settings\r\n"
            "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n" % (path, authority))
    # :method GET (static 2), :scheme http (6), :path (4), :authority (1)
    block = b"\x82\x86" + hpack_literal(4, path + "?second") + hpack_literal(1, authority)
    s.sendall(head.encode() + PREFACE + frame(4, 0, 0) + frame(1, 0x5, 3, block))
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            print("EOF before the upgrade answer:", data[:200])
            return
        data += chunk
    resp, data = data.split(b"\r\n\r\n", 1)
    print("HTTP1", resp.split(b"\r\n")[0].decode())
    bodies = {}
    ended = set()
    while ended != {1, 3}:
        while len(data) < 9 or len(data) < 9 + struct.unpack(">I", b"\0" + data[:3])[0]:
            chunk = s.recv(65536)
            if not chunk:
                print("EOF")
                return
            data += chunk
        length = struct.unpack(">I", b"\0" + data[:3])[0]
        ftype, flags = data[3], data[4]
        stream = struct.unpack(">I", data[5:9])[0] & 0x7FFFFFFF
        payload, data = data[9:9 + length], data[9 + length:]
        print("FRAME", ftype, stream, flags)
        if ftype == 4 and not flags & 1:
            s.sendall(frame(4, 1, 0))  # SETTINGS ACK
        if ftype == 7:
            print("GOAWAY error", struct.unpack(">I", payload[4:8])[0])
            return
        if ftype == 1 and payload and payload[0] in STATIC_STATUS:
            print("STATUS", stream, STATIC_STATUS[payload[0]])
        if ftype == 0:
            bodies[stream] = bodies.get(stream, b"") + payload
        if ftype in (0, 1) and flags & 1:
            ended.add(stream)
    for k in sorted(bodies):
        print("BODY", k, bodies[k].decode(errors="replace"))


def raw(addr):
    host, port = addr.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=3)
    s.sendall(sys.stdin.buffer.read())  # no half-close: the gateway would close after one answer
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except socket.timeout:
        pass
    sys.stdout.write(data.decode(errors="replace"))


if __name__ == "__main__":
    if sys.argv[2] == "upgrade":
        upgrade(sys.argv[1], sys.argv[3], sys.argv[4])
    else:
        raw(sys.argv[1])
