# SPDX-License-Identifier: MIT
# grpc_stream_server.py: a grpcio server with one server-streaming method, /s.v1.Svc/Watch, that
# sends five messages 200 ms apart (raw bytes, no protobuf needed). Prints its port.
import sys
import time
from concurrent import futures

import grpc


def watch(request, context):
    for i in range(5):
        yield b"event-%d" % i
        time.sleep(0.2)


handler = grpc.method_handlers_generic_handler(
    "s.v1.Svc",
    {"Watch": grpc.unary_stream_rpc_method_handler(watch, request_deserializer=lambda b: b,
                                                    response_serializer=lambda b: b)})
server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
server.add_generic_rpc_handlers((handler,))
port = server.add_insecure_port("127.0.0.1:0")
server.start()
print(port, flush=True)
server.wait_for_termination()
