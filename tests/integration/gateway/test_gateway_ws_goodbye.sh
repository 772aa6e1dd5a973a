#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A WebSocket to an HTTP/2 backend (appProtocol kubernetes.io/h2c) whose client goes away: the
# gateway tells the backend before closing its connection, RST_STREAM(CANCEL) on the CONNECT
# stream and GOAWAY(NO_ERROR), instead of a bare EOF. The backend (ws_goodbye_backend.py) opens
# every tunnel and reports the frames it gets. Clients: an HTTP/1.1 Upgrade closed abruptly, and
# an HTTP/2 extended CONNECT whose client resets its stream.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

start_py ws_goodbye_backend.py backend
BACKEND=$PY_PORT
{
    yaml_gatewayclass
    yaml_http_gateway
    yaml_service ws kubernetes.io/h2c
    yaml_route_all gw ws
} > "$WORK/gw.yaml"
start_gateway "$WORK/gw.yaml" --backend "default/ws:8080=127.0.0.1:$BACKEND"
ADDR=$(gw_addr http)

# An HTTP/1.1 client: Upgrade answered 101, then its socket closes without a word.
"$PY" - "$ADDR" > "$WORK/h1.out" <<'PYEOF'
import socket, sys
host, port = sys.argv[1].rsplit(":", 1)
s = socket.create_connection((host, int(port)), timeout=30)
s.sendall(b"GET /chat HTTP/1.1\r\nHost: ws.example.com\r\nConnection: Upgrade\r\n"
          b"Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
          b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
head = b""
while b"\r\n\r\n" not in head:
    got = s.recv(1)
    if not got:
        break
    head += got
print(head.split(b"\r\n")[0].decode())
s.close()
PYEOF
check "h1 client: the tunnel opens (101)" contains "$(cat "$WORK/h1.out")" "HTTP/1.1 101"
check "h1 client gone: the backend gets RST_STREAM(CANCEL) on the CONNECT stream" \
    wait_text "$WORK/backend.out" "rst 1 8"
check "and GOAWAY(NO_ERROR)" wait_text "$WORK/backend.out" "goaway 0"
check "then the connection ends" wait_text "$WORK/backend.out" "eof"

# An HTTP/2 client: extended CONNECT answered 200, then it resets the stream (CANCEL).
BEFORE=$(wc -l < "$WORK/backend.out")
PYTHONPATH="$HERE/../hostile" "$PY" - "$ADDR" > "$WORK/h2.out" <<'PYEOF'
import sys
import h2raw
c = h2raw.Conn(sys.argv[1], timeout=30)
c.read_until(lambda f: f[0] == h2raw.SETTINGS and not f[1] & h2raw.ACK, 30)
sid = c.new_id()
c.send(c.headers_frame(sid, [(":method", "CONNECT"), (":protocol", "websocket"),
                             (":scheme", "http"), (":path", "/chat"),
                             (":authority", "ws.example.com"),
                             ("sec-websocket-version", "13")], end_stream=False))
f = c.read_until(lambda f: f[2] == sid and f[0] in (h2raw.HEADERS, h2raw.RST_STREAM), 30)
print(200 if f and f[0] == h2raw.HEADERS and f[3][:1] == b"\x88" else f)
c.rst(sid)
c.pump(0.5)
c.close()
PYEOF
check "h2 client: the tunnel opens (200)" eq "$(cat "$WORK/h2.out")" 200
# wait_h2 TEXT: wait_text on the backend's lines since the HTTP/2 client started.
wait_h2() { wait_text "$WORK/backend.out" "$1" "$((BEFORE + 1))"; }
check "h2 client's reset: the backend gets RST_STREAM(CANCEL)" wait_h2 "rst 1 8"
check "and GOAWAY(NO_ERROR)" wait_h2 "goaway 0"
check "then the connection ends" wait_h2 "eof"
finish
