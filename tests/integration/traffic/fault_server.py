#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# A deliberately misbehaving HTTP/1.1 server for gatesim's traffic tests. Binds 127.0.0.1:0,
# prints the port on stdout, and answers by path: /ok, /chunked, /close (body until close),
# /reset (TCP RST), /hang (never answers), /garbage (not HTTP), /half (body cut short),
# /conn-close (Connection: close after each response), /flaky (answers the first request of a
# connection, then closes it silently when the next one arrives), /host (the Host header comes
# back as the backend "test/<host>/r0"), /drip and /drip-chunked (a 100 Continue and the answer
# "hello world" cut into pieces a few ms apart: heads, a chunk size and the body split across
# reads). WebSocket upgrades: /ws (a correct echo that answers each message in two fragments
# after a ping), /ws-bad-accept (101 with a wrong Sec-WebSocket-Accept), /ws-altered (echoes
# each message with its first byte changed), /ws-close (closes the WebSocket at the first
# message). Stops on SIGTERM.
import base64
import hashlib
import socket
import struct
import sys
import threading
import time

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nx-gatesim-backend: test/fault/r1\r\n\r\nok"


def read_head(conn, buf):
    while b"\r\n\r\n" not in buf:
        data = conn.recv(65536)
        if not data:
            return None, buf
        buf += data
    head, _, rest = buf.partition(b"\r\n\r\n")
    return head, rest


WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def ws_frame(opcode, payload, fin=True):
    n = len(payload)
    head = bytes([(0x80 if fin else 0) | opcode])
    if n < 126:
        head += bytes([n])
    elif n < 65536:
        head += bytes([126]) + struct.pack("!H", n)
    else:
        head += bytes([127]) + struct.pack("!Q", n)
    return head + payload


def ws_read_frame(conn, buf):
    # returns (opcode, payload, rest) of one masked client frame, or None at EOF
    while True:
        if len(buf) >= 2:
            n = buf[1] & 0x7F
            at = 2
            if n == 126 and len(buf) >= 4:
                n = struct.unpack("!H", buf[2:4])[0]
                at = 4
            elif n == 127 and len(buf) >= 10:
                n = struct.unpack("!Q", buf[2:10])[0]
                at = 10
            if n < 126 or at > 2:
                if len(buf) >= at + 4 + n:
                    mask = buf[at:at + 4]
                    data = bytes(b ^ mask[i % 4] for i, b in enumerate(buf[at + 4:at + 4 + n]))
                    return buf[0] & 0x0F, data, buf[at + 4 + n:]
        more = conn.recv(65536)
        if not more:
            return None
        buf += more


def serve_ws(conn, head, buf, path):
    key = b""
    for field in head.split(b"\r\n")[1:]:
        name, _, value = field.partition(b":")
        if name.strip().lower() == b"sec-websocket-key":
            key = value.strip()
    accept = base64.b64encode(hashlib.sha1(key + WS_GUID).digest())
    if path.startswith("/ws-bad-accept"):
        accept = base64.b64encode(hashlib.sha1(b"not the key").digest())
    conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                 b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept +
                 b"\r\nx-gatesim-backend: test/ws/r0\r\n\r\n")
    while True:
        got = ws_read_frame(conn, buf)
        if got is None:
            return
        opcode, data, buf = got
        if opcode == 0xA:  # the client's pong to our ping
            continue
        if opcode == 0x8:
            conn.sendall(ws_frame(0x8, data[:2]))
            return
        if path.startswith("/ws-close"):
            conn.sendall(ws_frame(0x8, struct.pack("!H", 1011)))
            return
        if path.startswith("/ws-altered") and data:
            data = bytes([data[0] ^ 1]) + data[1:]
        half = len(data) // 2
        conn.sendall(ws_frame(0x9, b"are you there") + ws_frame(opcode, data[:half], False) +
                     ws_frame(0x0, data[half:]))


def serve(conn):
    buf = b""
    served = 0
    try:
        while True:
            head, buf = read_head(conn, buf)
            if head is None:
                return
            line = head.split(b"\r\n", 1)[0].decode("latin-1")
            path = line.split(" ")[1] if line.count(" ") >= 2 else "/"
            if path.startswith("/ws"):
                serve_ws(conn, head, buf, path)
                return
            if path.startswith("/host"):
                host = "none"
                for field in head.split(b"\r\n")[1:]:
                    name, _, value = field.partition(b":")
                    if name.strip().lower() == b"host":
                        host = value.strip().decode("latin-1")
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nx-gatesim-backend: test/"
                             + host.encode("latin-1") + b"/r0\r\n\r\n")
            elif path.startswith("/flaky"):
                if served > 0:
                    return
                conn.sendall(OK)
            elif path.startswith("/drip"):
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                pieces = [b"HTTP/1.1 100 Contin", b"ue\r\n\r\nHTTP/1.1 200 OK\r\nx-gatesim-ba",
                          b"ckend: test/drip/r3\r\n"]
                if path.startswith("/drip-chunked"):
                    pieces += [b"Transfer-Encoding: chunked\r\n\r", b"\n5\r\nhel", b"lo\r",
                               b"\n6\r\n world\r", b"\n0\r\n\r\n"]
                else:
                    pieces += [b"Content-Length: 11\r\n\r", b"\nhel", b"lo world"]
                for piece in pieces:
                    conn.sendall(piece)
                    time.sleep(0.005)
            elif path.startswith("/ok"):
                conn.sendall(OK)
            elif path.startswith("/chunked"):
                conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                             b"x-gatesim-backend: test/chunky/r2\r\n\r\n"
                             b"5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nx-trailer: t\r\n\r\n")
            elif path.startswith("/close"):
                conn.sendall(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil close")
                return
            elif path.startswith("/conn-close"):
                conn.sendall(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n"
                             b"Connection: close\r\n\r\n")
                return
            elif path.startswith("/reset"):
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
            elif path.startswith("/hang"):
                while conn.recv(65536):
                    pass
                return
            elif path.startswith("/garbage"):
                conn.sendall(b"NOT HTTP AT ALL\r\n\r\n")
            elif path.startswith("/half"):
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b")
                time.sleep(0.05)
                return
            else:
                conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            served += 1
    except OSError:
        pass
    finally:
        conn.close()


def main():
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(256)
    print(srv.getsockname()[1], flush=True)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
