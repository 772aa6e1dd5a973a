#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# `gatesim load` over TLS against a server that closes connections without close_notify (the
# raw socket under the TLS layer is shut down and closed; unwrap() is never called), as many
# real servers do. The client must decide from the HTTP framing, as over plain TCP:
#   close     HTTP/1.1 body delimited by the close (no Content-Length, not chunked): complete
#   cut       Content-Length body cut short: reset, "connection closed before the response ended"
#   chunked   chunked body cut before its last chunk: the same
#   head      response head cut short: the same
#   idle      keep-alive connection closed idle as the next request arrives: GET sent again on a
#             new connection and answered; POST (not idempotent) is not
#   h2        HTTP/2 stream not ended at the close: reset with that text
# usage: tls_eof_test.py PATH/TO/gatesim
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading

GATESIM = None
FAILURES = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        FAILURES.append(what)


def make_cert(tmp):
    cert, key = os.path.join(tmp, "cert.pem"), os.path.join(tmp, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=localhost",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


def dirty_close(tls_sock):
    """Ends the connection without close_notify: the TCP socket under the TLS layer is shut
    down and closed directly."""
    raw = socket.socket(fileno=tls_sock.detach())  # never unwrap(): no close_notify goes out
    try:
        raw.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    raw.close()


def read_request(conn, buf):
    """Reads one HTTP/1.1 request head (and a Content-Length body); returns (method, rest) or
    (None, buf) at EOF."""
    while b"\r\n\r\n" not in buf:
        data = conn.recv(65536)
        if not data:
            return None, buf
        buf += data
    head, _, rest = buf.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        data = conn.recv(65536)
        if not data:
            return None, rest
        rest += data
    return head.split(b" ", 1)[0].decode(), rest[length:]


def serve_h1(conn, path_shape, state):
    buf = b""
    served = 0
    while True:
        method, buf = read_request(conn, buf)
        if method is None:
            return
        with state["lock"]:
            state["requests"] += 1
        if path_shape == "close":
            conn.sendall(b"HTTP/1.1 200 OK\r\nx-gatesim-backend: t/eof/r0\r\n\r\nuntil close")
            return
        if path_shape == "cut":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part")
            return
        if path_shape == "head":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Le")
            return
        if path_shape == "chunked":
            conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                         b"5\r\nhello\r\n")
            return
        if path_shape == "idle":
            if served == 1:
                return  # a reused connection: closed idle as the request arrived
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            served += 1


def h2_frame(ftype, flags, stream, payload):
    return (len(payload).to_bytes(3, "big") + bytes([ftype, flags]) +
            stream.to_bytes(4, "big") + payload)


def serve_h2(conn):
    """Reads the client preface and its first HEADERS frame, answers :status 200 and a DATA
    frame without END_STREAM, then closes."""
    buf = b""
    preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
    conn.sendall(h2_frame(4, 0, 0, b""))  # SETTINGS
    stream, got_preface = None, False
    while stream is None:
        data = conn.recv(65536)
        if not data:
            return
        buf += data
        if not got_preface:
            if len(buf) < len(preface):
                continue
            if not buf.startswith(preface):
                return
            buf, got_preface = buf[len(preface):], True
        while len(buf) >= 9 and len(buf) >= 9 + int.from_bytes(buf[:3], "big"):
            n = int.from_bytes(buf[:3], "big")
            ftype, flags = buf[3], buf[4]
            if ftype == 4 and not flags & 1:
                conn.sendall(h2_frame(4, 1, 0, b""))  # SETTINGS ack
            if ftype == 1:
                stream = int.from_bytes(buf[5:9], "big") & 0x7FFFFFFF
            buf = buf[9 + n:]
    # HEADERS, END_HEADERS: a dynamic table size update to 0 (gatesim load asks for no table,
    # RFC 7541 §4.2), then :status 200 (static index 8); DATA without END_STREAM
    conn.sendall(h2_frame(1, 4, stream, b"\x20\x88") + h2_frame(0, 0, stream, b"part"))


class Server:
    """A TLS server on 127.0.0.1 port 0; every connection is answered by |shape| and closed
    without close_notify."""

    def __init__(self, cert, key, shape):
        self.shape = shape
        self.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.ctx.load_cert_chain(cert, key)
        self.ctx.set_alpn_protocols(["h2"] if shape == "h2" else ["http/1.1"])
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.state = {"lock": threading.Lock(), "requests": 0, "connections": 0}
        self.thread = threading.Thread(target=self.accept_loop, daemon=True)
        self.thread.start()

    def accept_loop(self):
        while True:
            try:
                raw, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(raw,), daemon=True).start()

    def serve(self, raw):
        try:
            conn = self.ctx.wrap_socket(raw, server_side=True)
        except (OSError, ssl.SSLError):
            raw.close()
            return
        with self.state["lock"]:
            self.state["connections"] += 1
        try:
            if self.shape == "h2":
                serve_h2(conn)
            else:
                serve_h1(conn, self.shape, self.state)
        except (OSError, ssl.SSLError):
            pass
        dirty_close(conn)

    def stop(self):
        self.sock.close()


def load(port, extra):
    args = [GATESIM, "load", "-k", "-q", "-o", "json", "--request-timeout", "5s",
            "--connect-timeout", "5s"] + extra + ["https://localhost:%d/" % port]
    p = subprocess.run(args, capture_output=True, text=True, timeout=60)
    check("Sanitizer" not in p.stderr and "runtime error" not in p.stderr,
          "gatesim load %s: no sanitizer report" % " ".join(extra))
    try:
        return json.loads(p.stdout.splitlines()[0])
    except (IndexError, ValueError):
        print("gatesim load printed no JSON:", p.stdout, p.stderr)
        return {"responses": 0, "errors": {}, "errorTexts": {}, "statuses": {}}


def texts(res, cls):
    return res.get("errorTexts", {}).get(cls, {})


CUT = "connection closed before the response ended"


def main():
    global GATESIM
    GATESIM = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="gs-tlseof-")
    try:
        cert, key = make_cert(tmp)

        s = Server(cert, key, "close")
        r = load(s.port, ["-n", "5"])
        check(r["responses"] == 5 and r["statuses"].get("200") == 5,
              "close-delimited body ends at a close without close_notify: 5 x 200 (%s)" %
              json.dumps(r["errors"]))
        check(sum(r["errors"].values()) == 0, "close-delimited body: no errors")
        s.stop()

        for shape in ("cut", "chunked", "head"):
            s = Server(cert, key, shape)
            r = load(s.port, ["-n", "3"])
            check(r["responses"] == 0 and r["errors"].get("reset") == 3,
                  "%s body: 3 reset errors (%s)" % (shape, json.dumps(r["errors"])))
            check(texts(r, "reset").get(CUT) == 3,
                  "%s body: the text says %r (%s)" % (shape, CUT, json.dumps(r["errorTexts"])))
            s.stop()

        s = Server(cert, key, "idle")
        r = load(s.port, ["-n", "6"])
        check(r["responses"] == 6 and r["statuses"].get("200") == 6,
              "keep-alive connection closed idle: every GET answered (%s, %s)" %
              (json.dumps(r["errors"]), json.dumps(r["errorTexts"])))
        check(r["connections"] == 6, "keep-alive idle close: each retry on a new connection "
              "(%s connections)" % r["connections"])
        check(s.state["requests"] == 11, "keep-alive idle close: the 5 requests the server "
              "dropped were sent again (%d requests arrived)" % s.state["requests"])
        r = load(s.port, ["-n", "4", "-X", "POST", "--body", "x"])
        check(r["responses"] + r["errors"].get("reset", 0) == 4 and
              r["errors"].get("reset", 0) >= 1,
              "keep-alive idle close: POST is not sent again (%s)" % json.dumps(r["errors"]))
        check(texts(r, "reset").get("connection closed by peer", 0) >= 1,
              "keep-alive idle close: POST fails as closed by peer (%s)" %
              json.dumps(r["errorTexts"]))
        s.stop()

        s = Server(cert, key, "h2")
        r = load(s.port, ["-n", "2", "-p", "http2"])
        check(r["responses"] == 0 and r["errors"].get("reset") == 2,
              "h2 stream not ended: 2 reset errors (%s)" % json.dumps(r["errors"]))
        check(texts(r, "reset").get(CUT) == 2,
              "h2 stream not ended: the text says %r (%s)" % (CUT, json.dumps(r["errorTexts"])))
        s.stop()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if FAILURES:
        print("%d check(s) failed" % len(FAILURES))
        sys.exit(1)
    print("all checks passed")


if __name__ == "__main__":
    main()
