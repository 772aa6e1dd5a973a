#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# HTTP/1.1 upgrades through `gatesim gateway` (WebSocket to an HTTP/1.1 Service port, and to one
# whose appProtocol is kubernetes.io/ws, GEP-1911): the upgrade request reaches the backend with
# its Upgrade fields and X-Forwarded-For, the client gets 101 with the backend's
# Sec-WebSocket-Accept, and bytes then flow both ways, including 1 MiB.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

start_py ws_backend.py ws; WS=$PY_PORT
{
    yaml_http_gateway
    cat <<'YAML'
---
apiVersion: v1
kind: Service
metadata: {name: chat, namespace: default}
spec: {ports: [{port: 80}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: chat, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{name: chat, port: 80}]}]
---
apiVersion: v1
kind: Service
metadata: {name: chat-ws, namespace: default}
spec: {ports: [{port: 80, appProtocol: kubernetes.io/ws}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: chat-ws, namespace: default}
spec:
  parentRefs: [{name: gw}]
  hostnames: [ws.example.com]
  rules: [{backendRefs: [{name: chat-ws, port: 80}]}]
YAML
} > "$WORK/ws.yaml"
start_gateway "$WORK/ws.yaml" --backend "default/chat:80=127.0.0.1:$WS" \
    --backend "default/chat-ws:80=127.0.0.1:$WS"
ADDR=$(gw_addr http)

cat > "$WORK/client.py" <<'PYEOF'
import socket, sys
host, port = sys.argv[1].rsplit(":", 1)
vhost = sys.argv[2].encode()
s = socket.create_connection((host, int(port)), timeout=5)
s.sendall(b"GET /chat HTTP/1.1\r\nHost: " + vhost + b"\r\nConnection: Upgrade\r\n"
          b"Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
          b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
data = b""
while data.count(b"\r\n\r\n") < 2:
    chunk = s.recv(4096)
    if not chunk:
        print("EOF after", data[:200])
        sys.exit(1)
    data += chunk
resp, echoed, rest = data.split(b"\r\n\r\n", 2)
print("STATUS", resp.split(b"\r\n")[0].decode())
for line in resp.split(b"\r\n")[1:]:
    print("RESP", line.decode())
for line in echoed.split(b"\r\n"):
    print("SEEN", line.decode())
s.sendall(b"hello tunnel")
got = rest
while len(got) < 12:
    chunk = s.recv(4096)
    if not chunk:
        break
    got += chunk
print("ECHO", got.decode())
big = bytes(range(256)) * 4096
s.sendall(big)
got = b""
while len(got) < len(big):
    chunk = s.recv(65536)
    if not chunk:
        break
    got += chunk
print("BIG", "ok" if got == big else "mismatch %d" % len(got))
PYEOF
for vhost in chat.example.com ws.example.com; do # no appProtocol; appProtocol kubernetes.io/ws
    OUT=$("$PY" "$WORK/client.py" "$ADDR" "$vhost" 2>&1 || true)
    check "$vhost: 101 Switching Protocols" contains "$OUT" "STATUS HTTP/1.1 101"
    check "$vhost: Sec-WebSocket-Accept from the backend" \
        contains "$OUT" "RESP Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    check "$vhost: client sees Upgrade: websocket" contains "$OUT" "RESP Upgrade: websocket"
    check "$vhost: backend saw Upgrade: websocket" contains "$OUT" "SEEN Upgrade: websocket"
    check "$vhost: backend saw X-Forwarded-For" contains "$OUT" "SEEN x-forwarded-for: 127.0.0.1"
    check "$vhost: bytes flow both ways" contains "$OUT" "ECHO hello tunnel"
    check "$vhost: 1 MiB round trip" contains "$OUT" "BIG ok"
done
# The backend answers 101 even to a request that did not ask: the gateway refuses that (502).
check "101 without an upgrade request is a 502" \
    eq "$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: x' "http://$ADDR/" --max-time 60 || true)" 502

# WebSocket to an HTTP/2 backend (appProtocol kubernetes.io/h2c): integration/gateway/gateway_ws_h2c.
finish
