#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The builtin gateway's RFC 8441 side (WebSocket over HTTP/2) against a real peer: nghttpx
# (Debian's nghttp2-proxy, installed by scripts/install-deps.sh) in front of the gateway, with the
# gateway's plain listener as its h2c backend. nghttpx sends the gateway an extended CONNECT
# (:protocol websocket) for a client's HTTP/2 WebSocket and for a client's HTTP/1.1 Upgrade alike;
# the gateway takes it to gatesim-echo as an HTTP/1.1 upgrade. Each client gets its answer (200 or
# 101) and its frames echoed, and the route's response header filter shows on the way back.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

NGHTTPX=/usr/sbin/nghttpx
check "nghttpx is installed (scripts/install-deps.sh)" test -x "$NGHTTPX"

start_echo default/chat 0
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
  rules:
  - filters:
    - type: ResponseHeaderModifier
      responseHeaderModifier: {add: [{name: x-route, value: chat}]}
    backendRefs: [{name: chat, port: 80}]
YAML
} > "$WORK/ws.yaml"
start_gateway "$WORK/ws.yaml" --backend "default/chat:80=127.0.0.1:$ECHO_PORT"
HTTP=$(gw_addr http)

# nghttpx on a free port: h2c frontend, the gateway as its h2c backend.
FRONT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$NGHTTPX" --conf=/dev/null --workers=1 "--frontend=127.0.0.1,$FRONT;no-tls" \
    "--backend=${HTTP%:*},${HTTP##*:};;proto=h2" --accesslog-file="$WORK/nghttpx.access" \
    --errorlog-file="$WORK/nghttpx.err" 2> "$WORK/nghttpx.stderr" &
PIDS+=($!)
END=$((SECONDS + WAIT_S))
until "$PY" -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),1)' \
    "$FRONT" 2> /dev/null; do
    [ "$SECONDS" -le "$END" ] || break
    sleep 0.1
done

# A WebSocket over HTTP/2 and one over HTTP/1.1 through nghttpx; each sends a text frame and a
# 20,000-byte binary one and reads both echoes.
PYTHONPATH="$HERE/../hostile" timeout 60 "$PY" - "${TARGET:-127.0.0.1:$FRONT}" > "$WORK/out.json" <<'PY'
import json, socket, sys, time
import attack, h2raw

class Args: pass
a = Args(); a.addr = sys.argv[1]; a.source = "127.0.0.1"; a.wait = 20.0
a.host = "chat.example.com"
big = bytes(i * 7 % 251 for i in range(20000))
frames = attack.ws_frame(b"hello", opcode=1) + attack.ws_frame(big)
# server frames: unmasked, 5 + 2 header bytes, 20000 + 4 header bytes
want = b"\x81\x05hello" + b"\x82\x7e" + (20000).to_bytes(2, "big") + big
out = {}

c, sid, out["h2_status"] = attack.tunnel_h2_open(a)
got = b""
if out["h2_status"] == 200:
    for i in range(0, len(frames), 16384):  # DATA frames within the default maximum size
        c.data(sid, frames[i:i + 16384])
    end = time.monotonic() + 20
    while len(got) < len(want) and time.monotonic() < end:
        f = c.read_until(lambda f: f[2] == sid and f[0] in (h2raw.DATA, h2raw.RST_STREAM), 1)
        if f and f[0] == h2raw.RST_STREAM:
            break
        if f:
            got += f[3]
            c.window_update(sid, len(f[3])); c.window_update(0, len(f[3]))
    out["h2_rst"] = c.rsts.get(sid)
out["h2_echo"] = got == want
c.close()

s, out["h1_status"] = attack.tunnel_h1_open(a)
got = b""
if out["h1_status"] == 101:
    s.sendall(frames)
    s.settimeout(1.0)
    end = time.monotonic() + 20
    while len(got) < len(want) and time.monotonic() < end:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            continue
        if not chunk:
            break
        got += chunk
out["h1_echo"] = got == want
s.close()
print(json.dumps(out))
PY
R=$(cat "$WORK/out.json")
check "HTTP/2 client: nghttpx's extended CONNECT through the gateway is answered 200" \
    contains "$R" '"h2_status": 200'
check "HTTP/2 client: both frames come back unchanged" contains "$R" '"h2_echo": true'
check "HTTP/1.1 client: nghttpx's extended CONNECT for its Upgrade is answered, the client gets 101" \
    contains "$R" '"h1_status": 101'
check "HTTP/1.1 client: both frames come back unchanged" contains "$R" '"h1_echo": true'
gw_stats() { kill -USR1 "$GW_PID"; wait_line "$GW_OUT" 2; sed -n 2p "$GW_OUT"; }
STATS=$(gw_stats)
check "the gateway answered both as 2xx, none as an error" contains "$STATS" '"responses5xx":0'
check "nghttpx logged both as tunnels" eq "$(grep -c 'CONNECT\|GET /chat' "$WORK/nghttpx.access")" 2
finish
