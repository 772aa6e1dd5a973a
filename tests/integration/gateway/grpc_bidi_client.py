# SPDX-License-Identifier: MIT
# grpc_bidi_client.py ADDR: request-streaming calls against grpc_bidi_server.py, one result line
# each. The bidi call sends one message, waits (30 s at most: a loaded sanitizer build is slow)
# for its echo, then sends the next: a gateway that buffers the request body until the client
# ends deadlocks it. Every wait is bounded and generous; none decides a result by its length.
import hashlib
import queue
import sys
import threading
import time

import grpc

ch = grpc.insecure_channel(sys.argv[1], options=[("grpc.default_authority", "chat.example.com")])
raw = dict(request_serializer=lambda x: x, response_deserializer=lambda x: x)


def bidi():
    outq = queue.Queue()

    def requests():
        while True:
            m = outq.get()
            if m is None:
                return
            yield m

    call = ch.stream_stream("/s.v1.Chat/Echo", **raw)(requests(), timeout=120)
    got = queue.Queue()

    def reader():
        try:
            for m in call:
                got.put(m)
            got.put(("end", "OK"))
        except grpc.RpcError as e:
            got.put(("end", e.code().name))

    threading.Thread(target=reader, daemon=True).start()
    rounds = 0
    try:
        for i in range(5):
            msg = b"ping-%d" % i
            outq.put(msg)
            try:
                r = got.get(timeout=30)
            except queue.Empty:
                print("BIDI STUCK round %d" % i)
                call.cancel()
                return
            if r != msg:
                print("BIDI WRONG round %d %r" % (i, r))
                call.cancel()
                return
            rounds += 1
        outq.put(None)
        end = got.get(timeout=30)
        print("BIDI ROUNDS %d STATUS %s" % (rounds, end[1] if isinstance(end, tuple) else end))
    except queue.Empty:
        print("BIDI NOEND rounds %d" % rounds)
        call.cancel()


def collect():
    msgs = [b"m%d" % i for i in range(5)]
    try:
        r = ch.stream_unary("/s.v1.Chat/Collect", **raw)(iter(msgs), timeout=60)
        print("COLLECT", r.decode())
    except grpc.RpcError as e:
        print("COLLECT ERROR", e.code().name)


def mirrored():
    """After collect: the route mirrors Collect, so the server saw it twice, whole both times."""
    ask = ch.unary_unary("/s.v1.Chat/Collected", **raw)
    r = b""
    end = time.monotonic() + 60
    while time.monotonic() < end:
        r = ask(b"", timeout=30)
        if r.count(b"|") >= 1:
            break
        time.sleep(0.05)
    print("MIRRORED", r.decode())


def unary():
    try:
        r = ch.unary_unary("/s.v1.Chat/Unary", **raw)(b"hello", timeout=60)
        print("UNARY", r.decode())
    except grpc.RpcError as e:
        print("UNARY ERROR", e.code().name)


def cancel():
    """A Hold call cancelled after one echo: the server must see the cancel (RST_STREAM goes
    through the gateway to the upstream stream)."""
    outq = queue.Queue()

    def requests():
        while True:
            m = outq.get()
            if m is None:
                return
            yield m

    ask = ch.unary_unary("/s.v1.Chat/Cancelled", **raw)
    before = int(ask(b"", timeout=30))
    # A deadline far past the wait below: the server does not count a call its deadline ended.
    call = ch.stream_stream("/s.v1.Chat/Hold", **raw)(requests(), timeout=300)
    outq.put(b"one")
    first = next(call)
    call.cancel()  # no half-close first: the server must see a cancel, not the request's end
    n = before
    end = time.monotonic() + 60  # a loaded sanitizer build takes seconds, not 0.1 s
    while n == before and time.monotonic() < end:
        n = int(ask(b"", timeout=30))
        time.sleep(0.05)
    print("CANCEL echo %s server-saw-cancel %d" % (first.decode(), n - before))


def doomed():
    """The server process dies after the first echo, mid-body: the gateway must end the call
    with gRPC status UNAVAILABLE (in trailers), not a bare stream reset (INTERNAL)."""
    outq = queue.Queue()

    def requests():
        while True:
            m = outq.get()
            if m is None:
                return
            yield m

    call = ch.stream_stream("/s.v1.Chat/Doomed", **raw)(requests(), timeout=60)
    outq.put(b"one")
    first = next(call)
    outq.put(b"two")
    try:
        for _ in call:
            pass
        print("DOOMED echo %s status OK" % first.decode())
    except grpc.RpcError as e:
        print("DOOMED echo %s status %s" % (first.decode(), e.code().name))
    outq.put(None)


def big(method="Digest", total=20 << 20):
    chunk = 64 << 10
    h = hashlib.sha256()
    pieces = []
    for i in range(total // chunk):
        b = bytes([(i * 7 + j) & 0xFF for j in range(256)]) * (chunk // 256)
        pieces.append(b)
        h.update(b)
    try:
        t0 = time.time()
        r = ch.stream_unary("/s.v1.Chat/" + method, **raw)(iter(pieces), timeout=180)
        want = "%d %d %s" % (len(pieces), total, h.hexdigest())
        print("BIG" if method == "Digest" else "SLOW", "MATCH" if r.decode() == want else "MISMATCH %s != %s" % (r.decode(), want),
              "%.2fs" % (time.time() - t0))
    except grpc.RpcError as e:
        print("BIG" if method == "Digest" else "SLOW", "ERROR", e.code().name)


def slow():
    """40 MiB to a server that takes 4 ms per 64 KiB message (about 3 s): flow control must
    hold the client back instead of the gateway buffering what the server has not taken."""
    big("SlowDigest", 40 << 20)


for name in sys.argv[2:] or ["unary", "collect", "mirrored", "bidi", "big", "cancel"]:
    globals()[name]()
    sys.stdout.flush()
