# SPDX-License-Identifier: MIT
"""An HTTP/1.1 backend for hostile-client tests: GET /big/N answers N bytes (keep-alive, one
thread per connection); anything else answers "ok". Prints its port on the first line."""
import http.server
import socketserver
import sys

CHUNK = b"b" * 65536


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        n = 3
        body = None
        if self.path.startswith("/big/"):
            n = int(self.path[5:].split("?")[0])
        else:
            body = b"ok\n"
        self.send_response(200)
        self.send_header("Content-Length", str(n))
        self.end_headers()
        try:
            if body is not None:
                self.wfile.write(body)
                return
            left = n
            while left > 0:
                k = min(left, len(CHUNK))
                self.wfile.write(CHUNK[:k])
                left -= k
        except (BrokenPipeError, ConnectionResetError):
            pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        while n > 0:
            got = self.rfile.read(min(n, 65536))
            if not got:
                break
            n -= len(got)
        self.do_GET()


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = 1024


srv = Server(("127.0.0.1", 0), Handler)
print(srv.server_address[1], flush=True)
srv.serve_forever()
