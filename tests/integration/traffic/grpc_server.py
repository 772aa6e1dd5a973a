#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# A gRPC server for gatesim's traffic tests, with generic handlers (no generated code): bytes in,
# bytes out. Binds 127.0.0.1:0 and prints the port; with CERT KEY arguments it also serves TLS
# on a second port, printed on the same line. Methods of service test.Echo:
#   Unary  - returns the request bytes prefixed with b"echo:"
#   Fail   - aborts with NOT_FOUND and message "no such thing: 100%"
#   Slow   - sleeps 6 s, then answers (the client's deadline should expire first)
#   Stall  - sleeps 5 s for requests whose x-gatesim-request-id ends in -1, -2 or -3, answers
#            the others at once (streams of one connection that stay busy while the rest cycle)
import sys
import time
from concurrent import futures

import grpc


def unary(request, context):
    context.set_trailing_metadata((("x-served-by", "python"),))
    return b"echo:" + request


def fail(request, context):
    context.abort(grpc.StatusCode.NOT_FOUND, "no such thing: 100%")


def slow(request, context):
    time.sleep(6)
    return b"late"


def stall(request, context):
    rid = dict(context.invocation_metadata()).get("x-gatesim-request-id", "")
    if rid.rsplit("-", 1)[-1] in ("1", "2", "3"):
        time.sleep(5)
    return b"ok"


def ident(b):
    return b


class Handler(grpc.GenericRpcHandler):
    methods = {"/test.Echo/Unary": unary, "/test.Echo/Fail": fail, "/test.Echo/Slow": slow,
               "/test.Echo/Stall": stall}

    def service(self, details):
        fn = self.methods.get(details.method)
        if fn is None:
            return None
        return grpc.unary_unary_rpc_method_handler(fn, request_deserializer=ident,
                                                   response_serializer=ident)


def main():
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    server.add_generic_rpc_handlers((Handler(),))
    port = server.add_insecure_port("127.0.0.1:0")
    line = str(port)
    if len(sys.argv) == 3:
        with open(sys.argv[1], "rb") as c, open(sys.argv[2], "rb") as k:
            creds = grpc.ssl_server_credentials(((k.read(), c.read()),))
        line += " %d" % server.add_secure_port("127.0.0.1:0", creds)
    server.start()
    print(line, flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    sys.exit(main())
