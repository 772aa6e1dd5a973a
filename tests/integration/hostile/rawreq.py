# SPDX-License-Identifier: MIT
# Sends one hostile request as raw bytes (no HTTP library may tidy it up) and prints the answer's
# status on the first line and its body after it.
#   rawreq.py h1 HOST:PORT BYTES   BYTES with Python escapes (\r\n, \x16); the server must close
#                                  or answer within 20 s; the status is "none" when it closed
#                                  without an answer.
#   rawreq.py h2 HOST:PORT PATH AUTHORITY [NAME:VALUE...]
#                                  one GET over h2c prior knowledge with PATH sent verbatim as
#                                  :path; prints the :status (statically indexed codes) and body.
import codecs
import signal
import socket
import struct
import sys

STATIC_STATUS = {0x88: "200", 0x89: "204", 0x8A: "206", 0x8B: "304", 0x8C: "400", 0x8D: "404",
                 0x8E: "500"}


def connect(addr):
    host, port = addr.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=20)
    return s


def read_all(s):
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            if len(data) > 1 << 20:
                break
    except (socket.timeout, ConnectionResetError):
        pass
    return data


def h1(addr, text):
    s = connect(addr)
    s.sendall(codecs.escape_decode(text.encode())[0])
    data = read_all(s)
    s.close()
    if not data.startswith(b"HTTP/1.1 "):
        print("none")
        return
    head, _, body = data.partition(b"\r\n\r\n")
    print(head.split(b" ")[1].decode())
    print(body.decode(errors="replace"))


def frame(ftype, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + \
        struct.pack(">I", stream) + payload


def literal(name, value):
    # Literal header field without indexing, new name (RFC 7541 §6.2.2), no Huffman.
    n, v = name.encode(), value.encode()
    assert len(n) < 127 and len(v) < 127
    return b"\x00" + bytes([len(n)]) + n + bytes([len(v)]) + v


def h2(addr, path, authority, extra):
    block = literal(":method", "GET") + literal(":scheme", "http") + literal(":path", path) + \
        literal(":authority", authority)
    for f in extra:
        name, _, value = f.partition(":")
        block += literal(name.lower(), value)
    s = connect(addr)
    s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0) + frame(1, 0x5, 1, block))
    buf, status, body, done = b"", "none", b"", False
    while not done:
        try:
            chunk = s.recv(65536)
        except (socket.timeout, ConnectionResetError):
            break
        if not chunk:
            break
        buf += chunk
        while len(buf) >= 9:
            length = struct.unpack(">I", b"\0" + buf[:3])[0]
            if len(buf) < 9 + length:
                break
            ftype, flags, stream = buf[3], buf[4], struct.unpack(">I", buf[5:9])[0] & 0x7FFFFFFF
            payload = buf[9:9 + length]
            buf = buf[9 + length:]
            if ftype == 4 and not flags & 1:
                s.sendall(frame(4, 1, 0))
            if stream != 1:
                if ftype == 7:
                    done = True
                continue
            if ftype == 1 and status == "none" and payload:
                status = STATIC_STATUS.get(payload[0], "other")
            elif ftype == 0:
                body += payload
            elif ftype == 3:
                status, done = "reset", True
            if flags & 1 and ftype in (0, 1):
                done = True
    s.close()
    print(status)
    print(body.decode(errors="replace"))


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # a reader that wants one line may go
    if sys.argv[1] == "h1":
        h1(sys.argv[2], sys.argv[3])
    else:
        h2(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
