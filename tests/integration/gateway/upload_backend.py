# SPDX-License-Identifier: MIT
# upload_backend.py: an HTTP/1.1 backend for the request-body streaming test. Prints its port,
# then per request reads the body (Content-Length or chunked) as it comes, hashing it, and
# answers "size=N sha256=HEX framing=length|chunked"; the same line goes to stdout (a mirror's
# only trace). A target starting with /early is answered 413 after the head alone (the body is
# not read), with Connection: close; the connection then drains what the client still sends.
# A target starting with /slow (Content-Length bodies) is read slowly: 64 KiB per 2 ms at most.
import hashlib, socket, sys, threading, time

def read_until(conn, buf, sep):
    while sep not in buf:
        chunk = conn.recv(65536)
        if not chunk:
            return None, buf
        buf += chunk
    i = buf.index(sep)
    return buf[:i], buf[i + len(sep):]

def serve(conn):
    buf = b""
    while True:
        head, buf = read_until(conn, buf, b"\r\n\r\n")
        if head is None:
            break
        lines = head.split(b"\r\n")
        target = lines[0].split(b" ")[1].decode()
        fields = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            fields[name.strip().lower()] = value.strip().lower()
        if target.startswith("/early"):
            msg = b"too large\n"
            conn.sendall(b"HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\n"
                         b"Content-Length: %d\r\n\r\n%s" % (len(msg), msg))
            print("early", flush=True)
            conn.shutdown(socket.SHUT_WR)
            conn.settimeout(2)
            deadline = time.time() + 2
            try:
                while time.time() < deadline and conn.recv(65536):
                    pass
            except OSError:
                pass
            break
        h = hashlib.sha256()
        size = 0
        if b"chunked" in fields.get(b"transfer-encoding", b""):
            framing = "chunked"
            while True:
                line, buf = read_until(conn, buf, b"\r\n")
                if line is None:
                    return
                n = int(line.split(b";")[0], 16)
                while len(buf) < n + 2:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buf += chunk
                if n == 0:  # no trailers: the empty line ends the body
                    buf = buf[2:]
                    break
                h.update(buf[:n])
                size += n
                buf = buf[n + 2:]
        else:
            framing = "length"
            left = int(fields.get(b"content-length", b"0"))
            slow = target.startswith("/slow")
            while left > 0:
                if not buf:
                    if slow:  # a backend slower than the client: the gateway must hold back
                        time.sleep(0.002)
                    buf = conn.recv(min(left, 65536))
                    if not buf:
                        return
                take = buf[:left]
                h.update(take)
                size += len(take)
                left -= len(take)
                buf = buf[len(take):]
        line = "size=%d sha256=%s framing=%s" % (size, h.hexdigest(), framing)
        print(target, line, flush=True)
        body = (line + "\n").encode()
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
    conn.close()

s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
print(s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
