# SPDX-License-Identifier: MIT
"""HTTP/2 framing by hand, for hostile-client tests and bench/hostile.sh: raw sockets, frames
built byte by byte, HPACK as literal fields without indexing or Huffman (RFC 7541 6.2.2), so a
client can do what no well-behaved library would (reset streams at once, never read, announce a
zero window, send oversized header lists). Standard library only."""
import socket
import struct
import time

DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, WINDOW_UPDATE, \
    CONTINUATION = range(10)
END_STREAM, ACK, END_HEADERS = 0x1, 0x1, 0x4
PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
SETTINGS_INITIAL_WINDOW_SIZE = 4
CANCEL = 0x8


def frame(ftype, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([ftype, flags]) + \
        struct.pack(">I", stream & 0x7fffffff) + payload


def _int(value, prefix_bits, first=0):
    """An HPACK integer with an N-bit prefix (RFC 7541 5.1)."""
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first | value])
    out = bytearray([first | limit])
    value -= limit
    while value >= 128:
        out.append((value & 0x7f) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def hpack(fields):
    """Literal header fields without indexing, new names, no Huffman."""
    out = bytearray()
    for name, value in fields:
        name = name.encode() if isinstance(name, str) else name
        value = value.encode() if isinstance(value, str) else value
        out += b"\x00" + _int(len(name), 7) + name + _int(len(value), 7) + value
    return bytes(out)


def request_fields(path, authority="example.com", method="GET", extra=()):
    return [(":method", method), (":scheme", "http"), (":path", path),
            (":authority", authority)] + list(extra)


class Conn:
    """One client connection. |source| picks the local address (any 127.x.y.z is loopback)."""

    def __init__(self, addr, source="127.0.0.1", window=None, timeout=5.0):
        host, port = addr.rsplit(":", 1)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.bind((source, 0))
        self.sock.settimeout(timeout)
        self.sock.connect((host, int(port)))
        self.buf = b""
        self.eof = False
        self.reset = False  # the connection ended with a TCP reset
        self.next_id = 1
        # What the server sent, per stream: RST_STREAM codes, the first DATA bytes, DATA totals.
        self.rsts = {}
        self.first_data = {}
        self.data_bytes = {}
        self.ended = set()
        self.goaway = None
        # Our send windows (RFC 9113 6.9): the connection's, and each stream's.
        self.conn_window = 65535
        self.initial_window = 65535
        self.stream_window = {}
        settings = b"" if window is None else struct.pack(">HI", SETTINGS_INITIAL_WINDOW_SIZE,
                                                          window)
        self.send(PREFACE + frame(SETTINGS, 0, 0, settings))

    def send(self, data):
        self.sock.sendall(data)

    def new_id(self):
        sid = self.next_id
        self.next_id += 2
        return sid

    def headers_frame(self, sid, fields, end_stream=True):
        return frame(HEADERS, END_HEADERS | (END_STREAM if end_stream else 0), sid, hpack(fields))

    def request(self, path, end_stream=True, **kw):
        sid = self.new_id()
        self.send(self.headers_frame(sid, request_fields(path, **kw), end_stream))
        return sid

    def data(self, sid, payload, end_stream=False):
        self.send(frame(DATA, END_STREAM if end_stream else 0, sid, payload))

    def rst(self, sid, code=CANCEL):
        self.send(frame(RST_STREAM, 0, sid, struct.pack(">I", code)))

    def window_update(self, sid, inc):
        self.send(frame(WINDOW_UPDATE, 0, sid, struct.pack(">I", inc)))

    def read_frame(self):
        """The next frame as (type, flags, stream, payload); None at EOF or a reset. SETTINGS
        are acknowledged on the way."""
        while True:
            while len(self.buf) >= 9:
                n = int.from_bytes(self.buf[:3], "big")
                if len(self.buf) < 9 + n:
                    break
                ftype, flags = self.buf[3], self.buf[4]
                sid = int.from_bytes(self.buf[5:9], "big") & 0x7fffffff
                payload = self.buf[9:9 + n]
                self.buf = self.buf[9 + n:]
                self._note(ftype, flags, sid, payload)
                return ftype, flags, sid, payload
            try:
                chunk = self.sock.recv(65536)
            except (ConnectionResetError, BrokenPipeError):
                self.reset = True
                chunk = b""
            if not chunk:
                self.eof = True
                return None
            self.buf += chunk

    def _note(self, ftype, flags, sid, payload):
        if ftype == SETTINGS and not flags & ACK:
            for i in range(0, len(payload) - 5, 6):
                key, val = struct.unpack(">HI", payload[i:i + 6])
                if key == SETTINGS_INITIAL_WINDOW_SIZE:
                    for k in self.stream_window:
                        self.stream_window[k] += val - self.initial_window
                    self.initial_window = val
            try:
                self.send(frame(SETTINGS, ACK, 0))
            except OSError:
                pass
        elif ftype == WINDOW_UPDATE:
            inc = int.from_bytes(payload[:4], "big") & 0x7fffffff
            if sid == 0:
                self.conn_window += inc
            else:
                self.stream_window[sid] = self.stream_window.get(sid, self.initial_window) + inc
        elif ftype == RST_STREAM:
            self.rsts[sid] = int.from_bytes(payload[:4], "big")
        elif ftype == GOAWAY:
            self.goaway = int.from_bytes(payload[4:8], "big")
        elif ftype == DATA:
            pad = payload[0] if flags & 0x8 else 0
            body = payload[1:len(payload) - pad] if flags & 0x8 else payload
            if sid not in self.first_data and body:
                self.first_data[sid] = body[:64]
            self.data_bytes[sid] = self.data_bytes.get(sid, 0) + len(body)
            if flags & END_STREAM:
                self.ended.add(sid)
        elif ftype == HEADERS and flags & END_STREAM:
            self.ended.add(sid)

    def answered(self, sid):
        """The stream got a response end, a reset, or the connection a GOAWAY."""
        return sid in self.ended or sid in self.rsts or self.goaway is not None

    def send_body(self, sid, total, end_stream=False, chunk=16384, deadline_s=10.0):
        """Sends |total| body bytes on |sid| within the flow-control windows (reading frames for
        window updates as needed); stops early when the stream is answered or reset. Returns
        the bytes sent."""
        sent = 0
        end = time.monotonic() + deadline_s
        while sent < total and not self.answered(sid) and time.monotonic() < end:
            win = min(self.conn_window, self.stream_window.get(sid, self.initial_window))
            n = min(chunk, total - sent, win)
            if n <= 0:
                self.sock.settimeout(0.1)
                try:
                    if self.read_frame() is None:
                        break
                except socket.timeout:
                    pass
                continue
            last = end_stream and sent + n == total
            self.send(frame(DATA, END_STREAM if last else 0, sid, b"x" * n))
            self.conn_window -= n
            self.stream_window[sid] = self.stream_window.get(sid, self.initial_window) - n
            sent += n
        return sent

    def pump(self, seconds):
        """Reads (and notes) frames for |seconds|."""
        end = time.monotonic() + seconds
        while time.monotonic() < end and not self.eof:
            self.sock.settimeout(max(0.01, min(0.1, end - time.monotonic())))
            try:
                if self.read_frame() is None:
                    break
            except socket.timeout:
                pass

    def read_until(self, pred, deadline_s=10.0):
        """Reads frames until |pred(frame)| is true (returns that frame) or the connection ends
        or the deadline passes (returns None)."""
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            self.sock.settimeout(max(0.01, min(0.1, end - time.monotonic())))
            try:
                f = self.read_frame()
            except socket.timeout:
                continue
            if f is None:
                return None
            if pred(f):
                return f
        return None

    def closed(self, deadline_s=10.0):
        """True when the server closes the connection within the deadline (frames are read and
        dropped meanwhile)."""
        self.read_until(lambda f: False, deadline_s)
        return self.eof

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def goaway_code(f):
    return int.from_bytes(f[3][4:8], "big") if f and f[0] == GOAWAY else None


def rst_code(f):
    return int.from_bytes(f[3][:4], "big") if f and f[0] == RST_STREAM else None
