#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# WebSocket tunnels under hostile clients.
# - gatesim-echo over h2c: a client that announces a zero window (it can take no echo) and sends
#   frames without end gets no more stream window once 256 KiB of its bytes wait in the echo: it
#   is blocked well under 1 MiB, not after the 8 MiB it tried; opening its window then brings
#   every whole frame back.
# - the gateway, --idle-timeout 300ms (tunnel idle limit 10x: 3 s): a tunnel whose client talks
#   one way only (pongs, which the echo ignores) for longer than the limit stays (HTTP/2 extended
#   CONNECT, also to an h2c backend, and HTTP/1.1 upgrade alike; nor does the HTTP/2 connection's own idle timeout close
#   it); once nothing goes either way for the limit it is closed: RST_STREAM CANCEL over
#   HTTP/2, the connection over HTTP/1.1, counted in tunnelIdleClosed.
# - the gateway, a WebSocket over HTTP/2 whose client never reads the echo: the echo the
#   gateway read ahead is charged as held response data, so the connection is closed after
#   --hold-timeout (stalledClosed) and nothing stays held.
# - the same flood over a WebSocket to an h2c backend (the gateway's extended CONNECT upstream):
#   blocked after a few MiB, closed by the hold timeout, its upstream connection closed too.
# No timing is asserted: waits end when their condition holds.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

tunnel() { PYTHONPATH="$HERE" timeout 120 "$PY" "$HERE/attack.py" tunnel "$@" > "$WORK/attack.json"; }

# gatesim-echo on its own, h2c prior knowledge.
start_echo default/solo 0
tunnel "127.0.0.1:$ECHO_PORT" --h2 --flood --size $((8 << 20)) --then read --wait 30
check "echo: the extended CONNECT is answered 200" eq "$(res status)" 200
check "echo: a client that reads no echo is blocked" eq "$(res blocked)" True
check "echo: having sent under 1 MiB of its 8 MiB" le "$(res sent)" $((1 << 20))
check "echo: at least the 256 KiB cap before that" ge "$(res sent)" $((256 << 10))
check "echo: every whole frame comes back once it reads" eq "$(res echoed)" \
    $(($(res frames) * (16384 + 4)))

# The budgets Gateway plus h2c.example.com, routed to the same gatesim-echo as an HTTP/2 backend
# (appProtocol kubernetes.io/h2c): the gateway's WebSocket to it is an extended CONNECT.
cp "$HERE/manifests/budgets.yaml" "$WORK/tunnels.yaml"
cat >> "$WORK/tunnels.yaml" <<'YAML'
---
apiVersion: v1
kind: Service
metadata: {name: v1h2, namespace: default}
spec: {ports: [{port: 8081, appProtocol: kubernetes.io/h2c}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: h2c, namespace: default}
spec:
  parentRefs: [{name: gw}]
  hostnames: [h2c.example.com]
  rules: [{backendRefs: [{name: v1h2, port: 8081}]}]
YAML
HOSTILE_MANIFEST="$WORK/tunnels.yaml" hostile_start --idle-timeout 300ms --hold-timeout 2s \
    --backend "default/v1h2:8081=127.0.0.1:$ECHO_PORT"

tunnel "$HTTP" --h2 --keep 5 --every 0.5 --wait 60
check "h2: the tunnel opens (200)" eq "$(res status)" 200
check "h2: talking one way for longer than the limit keeps it" eq "$(res ended_while_talking)" False
check "h2: silent both ways, it is reset with CANCEL" eq "$(res end)" "rst:8"
gw_stats
check "h2: counted in tunnelIdleClosed" ge "$(stat tunnelIdleClosed)" 1
check "h2: the client's 200 is what is counted (not the upstream's 101)" \
    eq "$(stat responses1xx) $(stat responses2xx)" "0 1"

tunnel "$HTTP" --h2 --host h2c.example.com --keep 5 --every 0.5 --wait 60
check "h2 to the h2c backend: the tunnel opens (200)" eq "$(res status)" 200
check "h2 to the h2c backend: talking one way keeps it" eq "$(res ended_while_talking)" False
check "h2 to the h2c backend: silent both ways, it is reset with CANCEL" eq "$(res end)" "rst:8"
wait_stat tunnelIdleClosed ge 2
check "h2 to the h2c backend: counted in tunnelIdleClosed" ge "$(stat tunnelIdleClosed)" 2

tunnel "$HTTP" --keep 5 --every 0.5 --wait 60
check "h1: the tunnel opens (101)" eq "$(res status)" 101
check "h1: talking one way for longer than the limit keeps it" eq "$(res ended_while_talking)" False
check "h1: silent both ways, it is closed" eq "$(res end)" "eof"
wait_stat tunnelIdleClosed ge 3
check "h1: counted in tunnelIdleClosed" ge "$(stat tunnelIdleClosed)" 3
check "responses counted as the clients got them: the h1 client's 101, the h2 clients' 200s" \
    eq "$(stat responses1xx) $(stat responses2xx)" "1 2"

CLOSED=$(stat stalledClosed)
tunnel "$HTTP" --h2 --flood --size $((64 << 20)) --then wait --wait 60
check "h2 flood: the tunnel opens (200)" eq "$(res status)" 200
check "h2 flood: the client is blocked" eq "$(res blocked)" True
check "h2 flood: the connection is closed" eq "$(res end)" "eof"
wait_stat stalledClosed ge $((CLOSED + 1))
check "h2 flood: counted in stalledClosed" ge "$(stat stalledClosed)" $((CLOSED + 1))
wait_stat connections eq 0
check "h2 flood: no client connection is left" eq "$(stat connections)" 0
check "h2 flood: nothing stays held" eq "$(stat responseBytesHeld)" 0

# The same over a tunnel to the h2c backend (extended CONNECT upstream, relayed through a
# socketpair): the zero-window client is blocked after a bounded amount (the gateway reads 1 MiB
# of echo ahead, the socketpair's kernel buffers, one 64 KiB upstream window, the echo's 256 KiB:
# a few MiB, not the 64 MiB it tried), the hold timeout closes it, nothing stays held, and the
# upstream connection and the socketpair go with it (the gateway's descriptors are back).
fds() { ls "/proc/$GW_PID/fd" | wc -l; }
FDS=$(fds)
CLOSED=$(stat stalledClosed)
tunnel "$HTTP" --h2 --host h2c.example.com --flood --size $((64 << 20)) --then wait --wait 60
check "h2c backend flood: the tunnel opens (200)" eq "$(res status)" 200
check "h2c backend flood: the client is blocked" eq "$(res blocked)" True
check "h2c backend flood: having sent under 8 MiB of its 64 MiB" le "$(res sent)" $((8 << 20))
echo "  (the client sent $(res sent) bytes before it was blocked)"
check "h2c backend flood: the connection is closed" eq "$(res end)" "eof"
wait_stat stalledClosed ge $((CLOSED + 1))
check "h2c backend flood: counted in stalledClosed" ge "$(stat stalledClosed)" $((CLOSED + 1))
wait_stat connections eq 0
check "h2c backend flood: no client connection is left" eq "$(stat connections)" 0
check "h2c backend flood: nothing stays held" eq "$(stat responseBytesHeld)" 0
END=$((SECONDS + WAIT_S))
while [ "$(fds)" -gt "$FDS" ] && [ "$SECONDS" -le "$END" ]; do sleep 0.1; done
check "h2c backend flood: its upstream connection and socketpair are closed" le "$(fds)" "$FDS"
finish
