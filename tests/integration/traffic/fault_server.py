#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# A deliberately misbehaving HTTP/1.1 server for gatesim's traffic tests. Binds 127.0.0.1:0,
# prints the port on stdout, and answers by path: /ok, /chunked, /close (body until close),
# /reset (TCP RST), /hang (never answers), /garbage (not HTTP), /half (body cut short),
# /conn-close (Connection: close after each response), /flaky (answers the first request of a
# connection, then closes it silently when the next one arrives), /host (the Host header comes
# back as the backend "test/<host>/r0"), /drip and /drip-chunked (a 100 Continue and the answer
# "hello world" cut into pieces a few ms apart: heads, a chunk size and the body split across
# reads). Stops on SIGTERM.
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
