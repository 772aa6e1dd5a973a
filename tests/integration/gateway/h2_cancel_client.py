# SPDX-License-Identifier: MIT
"""h2_cancel_client.py GATEWAY_ADDR RECORDER_LOG: gRPC calls (raw HTTP/2 frames) reset by the
client in each state an upstream stream can be in, against h2_recorder.py upstreams (answer,
silent, shut:window=0, narrow:max=1) whose frame log is RECORDER_LOG. One line per case:
  CASE rst=CODE end_stream=N data=N
CODE is the RST_STREAM code the upstream got for the call's stream (none if it got none within
30 s), end_stream how many frames of that stream carried END_STREAM (a half-close: the upstream
would take the cancel for the request's end), data how many DATA frames it got on it.
Waits poll for a condition (30 s bounds); the PING round trip is the barrier that says the
gateway has handled every frame sent before it."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "hostile"))
import h2raw  # noqa: E402

ADDR, LOG = sys.argv[1], sys.argv[2]
WAIT_S = 30.0


def frames(name):
    """The recorder's frames for upstream |name|: (conn, stream, type, flags, length, code)."""
    out = []
    with open(LOG) as f:
        for line in f.readlines()[1:]:
            p = line.split()
            if len(p) == 7 and p[0] == name and p[3].isdigit():
                out.append(tuple(int(x) for x in p[1:]))
    return out


def wait_for(name, pred):
    """Polls the log until |pred(frames)| is true; returns the frames, or None at the bound."""
    end = time.monotonic() + WAIT_S
    while time.monotonic() < end:
        fr = frames(name)
        if pred(fr):
            return fr
        time.sleep(0.05)
    return None


def requests_seen(fr):
    """(conn, stream) of each request HEADERS, in arrival order."""
    seen = []
    for conn, sid, ftype, _, _, _ in fr:
        if ftype == h2raw.HEADERS and (conn, sid) not in seen:
            seen.append((conn, sid))
    return seen


def new_request(name, before):
    """Waits for the upstream stream that follows the |before| requests already seen."""
    fr = wait_for(name, lambda fr: len(requests_seen(fr)) > before)
    return requests_seen(fr)[before] if fr else None


def barrier(c):
    """Returns once the gateway answered a PING sent after everything before it."""
    c.send(h2raw.frame(h2raw.PING, 0, 0, b"barrier!"))
    c.read_until(lambda f: f[0] == h2raw.PING and f[1] & h2raw.ACK, WAIT_S)


def grpc_call(c, service, body=None):
    fields = h2raw.request_fields("/s.v1.%s/Call" % service, authority="rec.example.com",
                                  method="POST", extra=[("content-type", "application/grpc"),
                                                        ("te", "trailers")])
    sid = c.new_id()
    c.send(c.headers_frame(sid, fields, end_stream=False))
    if body is not None:
        c.data(sid, b"\x00" + len(body).to_bytes(4, "big") + body)
    return sid


def report(case, name, up):
    """Waits for the RST_STREAM of upstream stream |up| and prints what that stream got."""
    def mine(fr):
        return [f for f in fr if (f[0], f[1]) == up]
    fr = wait_for(name, lambda fr: any(f[2] == h2raw.RST_STREAM for f in mine(fr))) or \
        frames(name)
    got = mine(fr)
    rst = [f[5] for f in got if f[2] == h2raw.RST_STREAM]
    ends = sum(1 for f in got if f[3] & h2raw.END_STREAM and f[2] in (h2raw.DATA, h2raw.HEADERS))
    data = sum(1 for f in got if f[2] == h2raw.DATA)
    print("%s rst=%s end_stream=%d data=%d" % (case, rst[0] if rst else "none", ends, data),
          flush=True)


def data_seen(name, up, n=1):
    return wait_for(name, lambda fr: sum(1 for f in fr if (f[0], f[1]) == up and
                                         f[2] == h2raw.DATA) >= n)


def case_answered(c, case="answered"):
    """The upstream answered the head; the request body flows: the client resets."""
    before = len(requests_seen(frames("answer")))
    sid = grpc_call(c, "Answer", b"one")
    up = new_request("answer", before)
    c.read_until(lambda f: f[0] == h2raw.HEADERS and f[2] == sid, WAIT_S)
    data_seen("answer", up)
    c.rst(sid)
    report(case, "answer", up)
    return up


def case_silent(c):
    """No response yet, the body flowing."""
    before = len(requests_seen(frames("silent")))
    sid = grpc_call(c, "Silent", b"one")
    up = new_request("silent", before)
    data_seen("silent", up)
    c.rst(sid)
    report("silent", "silent", up)


def case_headers_only(c):
    """No response, no body yet: the upstream stream waits for its first DATA."""
    before = len(requests_seen(frames("silent")))
    sid = grpc_call(c, "Silent")
    up = new_request("silent", before)
    c.rst(sid)
    report("headers-only", "silent", up)


def case_window_closed(c):
    """The body is in the gateway, held back by the upstream's zero stream window."""
    before = len(requests_seen(frames("shut")))
    sid = grpc_call(c, "Shut")
    up = new_request("shut", before)
    c.data(sid, b"\x00\x00\x00\x00\x05held!")
    barrier(c)
    c.rst(sid)
    report("window-closed", "shut", up)


def case_queued(c):
    """The upstream allows one stream: a second call waits in the gateway for a free one and is
    reset there; it must never reach the upstream, even once the first ends."""
    before = len(requests_seen(frames("narrow")))
    first = grpc_call(c, "Narrow")
    up_first = new_request("narrow", before)
    # Our SETTINGS (max 1) acknowledged: the gateway now holds further streams back.
    wait_for("narrow", lambda fr: any(f[2] == h2raw.SETTINGS and f[3] & h2raw.ACK for f in fr))
    second = grpc_call(c, "Narrow", b"second")
    barrier(c)
    c.rst(second)
    barrier(c)
    c.rst(first)
    report("queued-first", "narrow", up_first)
    third = grpc_call(c, "Narrow", b"third-call")
    up_third = new_request("narrow", before + 1)
    data_seen("narrow", up_third)
    lengths = [f[4] for f in frames("narrow") if (f[0], f[1]) == up_third and f[2] == h2raw.DATA]
    c.rst(third)
    report("queued-third", "narrow", up_third)
    # The third call's body (15 bytes framed) came on the stream right after the first's.
    print("queued streams-after-first %d third-body %s" % (
        len(requests_seen(frames("narrow"))) - before - 1, lengths), flush=True)


c = h2raw.Conn(ADDR, timeout=WAIT_S)
up = case_answered(c)
case_silent(c)
case_headers_only(c)
case_window_closed(c)
case_queued(c)
up2 = case_answered(c, "reused")
print("reused same-connection %d" % (up[0] == up2[0]), flush=True)
c.close()
