# SPDX-License-Identifier: MIT
# grpc_bidi_server.py: a grpcio server (raw bytes, no protobuf) for request-streaming tests:
# /s.v1.Chat/Echo (bidi: echoes each message as it arrives), /s.v1.Chat/Collect (client stream:
# answers "<count>:<concatenation>"), /s.v1.Chat/Digest (client stream: answers
# "<count> <bytes> <sha256>"), /s.v1.Chat/SlowDigest (the same, taking 4 ms per message),
# /s.v1.Chat/Hold (bidi echo that records calls ended by a cancel) and /s.v1.Chat/Cancelled
# (answers how many Hold calls were cancelled), /s.v1.Chat/Collected (what each Collect call
# answered, "|"-joined), /s.v1.Chat/Doomed (bidi echo of the first message; the process exits
# when the second arrives: an upstream failing mid-body) and /s.v1.Chat/Unary (answers "unary:<request>").
# Prints its port.
import hashlib
import os
import threading
import time
from concurrent import futures

import grpc

lock = threading.Lock()

def echo(it, context):
    for msg in it:
        yield msg


collected = []


def collect(it, context):
    msgs = list(it)
    r = b"%d:" % len(msgs) + b"".join(msgs)
    with lock:
        collected.append(r)
    return r


def collected_list(req, context):
    with lock:
        return b"|".join(collected)


def digest(it, context):
    h = hashlib.sha256()
    n = size = 0
    for msg in it:
        n += 1
        size += len(msg)
        h.update(msg)
    return b"%d %d %s" % (n, size, h.hexdigest().encode())


def slow_digest(it, context):
    def slow():
        for msg in it:
            time.sleep(0.004)
            yield msg
    return digest(slow(), context)


cancelled = [0]
HALF_CLOSE_WAIT_S = 20  # how long a call whose request stream ended may stay active


def hold(it, context):
    # A Hold call is counted as cancelled by its termination callback, which grpcio runs
    # however the call ends: a cancel that lands while an echo is being sent ends the call
    # without ever resuming this generator, and one that lands while it waits for the next
    # message may end the request iterator quietly, as a half-close does. Only a call that
    # stays active after its request stream ended (a half-close) is ended by the handler itself
    # and not counted; so is one ended by its deadline (the client's cancel never came).
    ended_by_handler = threading.Event()

    def on_termination():
        if not ended_by_handler.is_set() and context.time_remaining() > 0:
            with lock:
                cancelled[0] += 1

    context.add_callback(on_termination)
    try:
        for msg in it:
            yield msg
    except grpc.RpcError:
        return  # cancelled: the callback counts it
    # The request stream ended: a half-close, or a cancel not yet processed by grpcio. Poll
    # (bounded, generously: a loaded machine delays grpcio's threads by seconds).
    deadline = time.monotonic() + HALF_CLOSE_WAIT_S
    while time.monotonic() < deadline:
        if not context.is_active():
            return
        time.sleep(0.05)
    ended_by_handler.set()


def doomed(it, context):
    for i, msg in enumerate(it):
        if i == 1:
            os._exit(3)
        yield msg


def cancelled_count(req, context):
    with lock:
        return b"%d" % cancelled[0]


def unary(req, context):
    return b"unary:" + req


raw = dict(request_deserializer=lambda b: b, response_serializer=lambda b: b)
handler = grpc.method_handlers_generic_handler("s.v1.Chat", {
    "Echo": grpc.stream_stream_rpc_method_handler(echo, **raw),
    "Collect": grpc.stream_unary_rpc_method_handler(collect, **raw),
    "Digest": grpc.stream_unary_rpc_method_handler(digest, **raw),
    "SlowDigest": grpc.stream_unary_rpc_method_handler(slow_digest, **raw),
    "Hold": grpc.stream_stream_rpc_method_handler(hold, **raw),
    "Doomed": grpc.stream_stream_rpc_method_handler(doomed, **raw),
    "Cancelled": grpc.unary_unary_rpc_method_handler(cancelled_count, **raw),
    "Collected": grpc.unary_unary_rpc_method_handler(collected_list, **raw),
    "Unary": grpc.unary_unary_rpc_method_handler(unary, **raw),
})
server = grpc.server(futures.ThreadPoolExecutor(max_workers=8),
                     options=[("grpc.max_receive_message_length", 8 << 20)])
server.add_generic_rpc_handlers((handler,))
port = server.add_insecure_port("127.0.0.1:0")
server.start()
print(port, flush=True)
server.wait_for_termination()
