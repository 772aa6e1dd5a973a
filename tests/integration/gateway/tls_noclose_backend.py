# SPDX-License-Identifier: MIT
"""An HTTP/1.1 backend over TLS that never sends close_notify: after its answer it closes the
TCP connection under the TLS layer (the SSL socket is detached, its descriptor closed), as many
real servers do. argv: CERT KEY. Prints its port on the first stdout line. Paths:
  /close  200 whose body ends at the close (no Content-Length, no chunked)
  /cut    200 with Content-Length: 100 but 10 body bytes, then the close
  /chunk  200 chunked, one chunk and no last chunk, then the close
Anything else: 404 with a Content-Length, then the close."""
import os
import socket
import ssl
import sys
import threading

ANSWERS = {
    "/close": b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nbody-until-close",
    "/cut": b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789",
    "/chunk": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\n",
}


def serve(conn):
    try:
        head = b""
        while b"\r\n\r\n" not in head:
            data = conn.recv(4096)
            if not data:
                break
            head += data
        parts = head.split(b" ", 2)
        path = parts[1].decode() if len(parts) > 1 else "/"
        conn.sendall(ANSWERS.get(path, b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"))
    except (OSError, ssl.SSLError):
        pass
    os.close(conn.detach())  # no close_notify: the TCP connection just ends


def main():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[1], sys.argv[2])
    ctx.set_alpn_protocols(["http/1.1"])
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    print(srv.getsockname()[1], flush=True)
    while True:
        raw, _ = srv.accept()
        try:
            conn = ctx.wrap_socket(raw, server_side=True)
        except (OSError, ssl.SSLError):
            raw.close()
            continue
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
