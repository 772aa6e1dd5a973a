#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A client's RST_STREAM on a gRPC call becomes an upstream RST_STREAM(CANCEL) in every state the
# upstream stream can be in, and never a half-close (END_STREAM) first: upstreams that record
# every frame (h2_recorder.py) get calls reset by a raw HTTP/2 client (h2_cancel_client.py) after
# the upstream answered the head, before it answered (body flowing), before any body, with the
# body held in the gateway by a zero upstream window, and while the upstream stream is still
# queued behind the upstream's MAX_CONCURRENT_STREAMS (it must then never be opened); the last
# call reuses the first one's upstream connection.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

"$PY" "$HERE/h2_recorder.py" answer:answer silent shut:window=0 narrow:max=1 \
    > "$WORK/rec.log" 2> "$WORK/rec.err" &
PIDS+=($!)
wait_line "$WORK/rec.log"
port() { json <(head -n1 "$WORK/rec.log") "j['$1']"; }

cat > "$WORK/grpc.yaml" <<'YAML'
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: rec, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rules:
  - matches: [{method: {service: s.v1.Answer}}]
    backendRefs: [{name: answer, port: 50051}]
  - matches: [{method: {service: s.v1.Silent}}]
    backendRefs: [{name: silent, port: 50051}]
  - matches: [{method: {service: s.v1.Shut}}]
    backendRefs: [{name: shut, port: 50051}]
  - matches: [{method: {service: s.v1.Narrow}}]
    backendRefs: [{name: narrow, port: 50051}]
YAML
start_gateway "$HERE/manifests/base.yaml" "$WORK/grpc.yaml" \
    --backend "default/answer:50051=127.0.0.1:$(port answer)" \
    --backend "default/silent:50051=127.0.0.1:$(port silent)" \
    --backend "default/shut:50051=127.0.0.1:$(port shut)" \
    --backend "default/narrow:50051=127.0.0.1:$(port narrow)"

OUT=$(timeout 600 "$PY" "$HERE/h2_cancel_client.py" "$(gw_addr http)" "$WORK/rec.log" 2>&1 || true)
echo "$OUT" | sed 's/^/  /'
CANCEL=8 # RST_STREAM error code CANCEL (RFC 9113 7)
check "response head sent, body flowing: upstream reset with CANCEL, no half-close" contains \
    "$OUT" "answered rst=$CANCEL end_stream=0 data=1"
check "no response yet, body flowing: the same" contains "$OUT" \
    "silent rst=$CANCEL end_stream=0 data=1"
check "no body yet: the same" contains "$OUT" "headers-only rst=$CANCEL end_stream=0 data=0"
check "body held by a closed upstream window: reset, the body never sent" contains "$OUT" \
    "window-closed rst=$CANCEL end_stream=0 data=0"
check "the stream holding the upstream's only slot: reset" contains "$OUT" \
    "queued-first rst=$CANCEL end_stream=0 data=0"
check "a call reset while queued for a slot never reaches the upstream" contains "$OUT" \
    "queued streams-after-first 1 third-body [15]"
check "and the next call gets the slot, reset in turn" contains "$OUT" \
    "queued-third rst=$CANCEL end_stream=0 data=1"
check "on a reused upstream connection: the same" contains "$OUT" \
    "reused rst=$CANCEL end_stream=0 data=1"
check "(it was the first call's connection)" contains "$OUT" "reused same-connection 1"
finish
