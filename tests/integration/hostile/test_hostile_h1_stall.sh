#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# An HTTP/1.1 client that asks for a large response and never reads it: once the gateway's
# output toward it has not moved for --hold-timeout, the connection is closed (stalledClosed),
# its upstream call cancelled (no exchange left in flight) and nothing stays held. When the
# client finally reads, it gets a cut response and the end of the connection, not the whole
# 64 MiB. A normal client downloads meanwhile. The same holds for a WebSocket tunnel whose client
# stops reading the echo of what it sends, and for a client that pipelines many requests and reads
# none of the responses. No timing is asserted: the checks poll for the close,
# however long a loaded machine takes.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

# The usual manifest plus a WebSocket route (Host ws.example.com) to an echoing backend.
start_py ../gateway/ws_backend.py ws
WS=$PY_PORT
HOSTILE_MANIFEST=$WORK/stall.yaml
cat "$HERE/manifests/budgets.yaml" - > "$HOSTILE_MANIFEST" <<'YAML'
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
  hostnames: [ws.example.com]
  rules: [{backendRefs: [{name: chat, port: 80}]}]
YAML
hostile_start --hold-timeout 2s --backend "default/chat:80=127.0.0.1:$WS"
SIZE=$((64 << 20))

mkfifo "$WORK/go"
PYTHONPATH="$HERE" timeout 240 "$PY" "$HERE/attack.py" h1stall "$HTTP" --size "$SIZE" \
    < "$WORK/go" > "$WORK/attack.json" &
ATTACK=$!
PIDS+=($ATTACK)
exec 3> "$WORK/go" # the client reads nothing until a line comes through here

wait_stat exchangesInFlight ge 1
check "the never-reading client's request reached the upstream" ge "$(stat exchangesInFlight)" 1
GOT=$(curl -s --max-time 60 -o "$WORK/dl" -w '%{size_download}' -H 'Host: example.com' \
    "http://$HTTP/big/4194304" || true)
check "a normal client downloads the whole response meanwhile" eq "$GOT" 4194304

wait_stat stalledClosed ge 1
check "the stalled HTTP/1.1 connection is closed" ge "$(stat stalledClosed)" 1
wait_stat exchangesInFlight eq 0
check "its upstream call is cancelled" eq "$(stat exchangesInFlight)" 0
check "nothing stays held for it" eq "$(stat responseBytesHeld)" 0
check "no client connection is left" eq "$(stat connections)" 0

echo read >&3
exec 3>&-
wait "$ATTACK" || true
check "the client sees the connection end (eof or reset)" lacks "$(res end)" "timeout"
check "with the response cut short" le "$(res received)" $((SIZE - 1))

# The same for an upgraded connection (a tunnel): the client sends into a WebSocket whose
# backend echoes, and reads none of the echo.
CLOSED=$(stat stalledClosed)
mkfifo "$WORK/go2"
PYTHONPATH="$HERE" timeout 240 "$PY" "$HERE/attack.py" h1stall "$HTTP" --tunnel --size $((16 << 20)) \
    < "$WORK/go2" > "$WORK/attack.json" &
ATTACK=$!
PIDS+=($ATTACK)
exec 3> "$WORK/go2"
wait_stat stalledClosed ge $((CLOSED + 1))
check "a tunnel whose client stopped reading is closed" ge "$(stat stalledClosed)" $((CLOSED + 1))
check "no client connection is left" eq "$(stat connections)" 0
echo read >&3
exec 3>&-
wait "$ATTACK" || true
check "the tunnel had been set up (101)" contains "$(res status)" "101"
check "the client sent more than the buffers on the way hold" ge "$(res sent)" $((2 << 20))
check "the client sees the tunnel end (eof or reset)" lacks "$(res end)" "timeout"

# A pipelined burst whose client never reads: 256 keep-alive GETs of 256 KiB in one write. The
# first responses leave whole until the socket is full; then one stays queued, the gateway stops
# taking requests (its output is over 256 KiB) and the connection waits between responses, not
# inside one: the stall clock must run there too.
CLOSED=$(stat stalledClosed)
mkfifo "$WORK/go3"
PYTHONPATH="$HERE" timeout 240 "$PY" "$HERE/attack.py" h1stall "$HTTP" --pipeline 256 \
    --size 262144 < "$WORK/go3" > "$WORK/attack.json" &
ATTACK=$!
PIDS+=($ATTACK)
exec 3> "$WORK/go3"
wait_stat stalledClosed ge $((CLOSED + 1))
check "a pipelining client that stopped reading is closed" ge "$(stat stalledClosed)" $((CLOSED + 1))
wait_stat exchangesInFlight eq 0
check "no upstream call is left for it" eq "$(stat exchangesInFlight)" 0
check "nothing stays held for it" eq "$(stat responseBytesHeld)" 0
check "no client connection is left" eq "$(stat connections)" 0
echo read >&3
exec 3>&-
wait "$ATTACK" || true
check "the whole burst was sent" eq "$(res requests_sent)" 256
check "the client sees the connection end (eof or reset)" lacks "$(res end)" "timeout"
check "before all 64 MiB of responses" le "$(res received)" $(((256 << 18) - 1))
finish
