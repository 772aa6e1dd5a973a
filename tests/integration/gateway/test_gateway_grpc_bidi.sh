#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Request-streaming gRPC through `gatesim gateway` (GRPCRoute, grpcio on both ends): a bidi call
# whose client waits for each echo before sending the next message (deadlocks if the gateway
# buffered the request body until the client's end), a client-streaming call, a unary call, and
# a client stream through a mirroring rule (buffered whole: the mirror gets it all too),
# a 20 MiB client stream in 64 KiB messages arriving intact (the server returns its SHA-256), a
# client cancel reaching the server, and a 40 MiB stream to a slow server with the gateway's
# peak memory bounded (flow control holds the client back).
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

start_py grpc_bidi_server.py grpc; GP=$PY_PORT
start_py grpc_bidi_server.py victim; VP=$PY_PORT
{
    yaml_http_gateway
    cat <<'YAML'
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: chat, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rules:
  - matches: [{method: {service: s.v1.Chat}}]
    backendRefs: [{name: chat, port: 50051}]
  - matches: [{method: {service: s.v1.Chat, method: Doomed}}]
    backendRefs: [{name: victim, port: 50051}]
  - matches: [{method: {service: s.v1.Chat, method: Collect}}]
    filters:
    - type: RequestMirror
      requestMirror: {backendRef: {name: chat, port: 50051}}
    backendRefs: [{name: chat, port: 50051}]
YAML
} > "$WORK/grpc.yaml"
start_gateway "$WORK/grpc.yaml" --backend "default/chat:50051=127.0.0.1:$GP" \
    --backend "default/victim:50051=127.0.0.1:$VP"
ADDR=$(gw_addr http)

OUT=$(timeout 400 "$PY" "$HERE/grpc_bidi_client.py" "$ADDR" 2>&1 || true)
echo "$OUT" | sed 's/^/  /'
check "unary call" contains "$OUT" "UNARY unary:hello"
check "client stream: 5 messages, in order" contains "$OUT" "COLLECT 5:m0m1m2m3m4"
check "mirrored client stream: buffered, primary and mirror both got the whole body" contains \
    "$OUT" "MIRRORED 5:m0m1m2m3m4|5:m0m1m2m3m4"
check "bidi: 5 rounds, each echo before the next message, status OK" contains "$OUT" \
    "BIDI ROUNDS 5 STATUS OK"
check "20 MiB client stream intact (count, size, sha256)" contains "$OUT" "BIG MATCH"
check "client cancel mid-stream reaches the server" contains "$OUT" \
    "CANCEL echo one server-saw-cancel 1"
OUT=$(timeout 150 "$PY" "$HERE/grpc_bidi_client.py" "$ADDR" doomed unary 2>&1 || true)
echo "$OUT" | sed 's/^/  /'
check "upstream dies mid-body: the client gets UNAVAILABLE" contains "$OUT" \
    "DOOMED echo one status UNAVAILABLE"
check "and the gateway goes on serving" contains "$OUT" "UNARY unary:hello"

# Peak memory is only meaningful without AddressSanitizer (its quarantine keeps freed memory).
ASAN=0
grep -q __asan_init "$GATESIM" && ASAN=1
kib() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$GW_PID/status"; }
echo 5 > "/proc/$GW_PID/clear_refs" 2> /dev/null || true # resets VmHWM
RSS_BEFORE=$(kib VmRSS)
OUT=$(timeout 240 "$PY" "$HERE/grpc_bidi_client.py" "$ADDR" slow 2>&1 || true)
PEAK=$(kib VmHWM)
echo "$OUT" | sed 's/^/  /'
echo "  gateway VmRSS before ${RSS_BEFORE} KiB, VmHWM after ${PEAK} KiB"
check "40 MiB client stream to a slow server intact" contains "$OUT" "SLOW MATCH"
if [ "$ASAN" -eq 0 ]; then
    check "gateway peak memory grew by under 12 MiB" test $((PEAK - RSS_BEFORE)) -lt $((12 * 1024))
fi

finish
