#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A gRPC server-streaming call through `gatesim gateway` (GRPCRoute, grpcio on both ends): each
# message reaches the client as the server sends it, not when the call ends, and the final
# status (trailers) arrives.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

start_py grpc_stream_server.py grpc; GP=$PY_PORT
{
    yaml_http_gateway
    cat <<'YAML'
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: watch, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rules:
  - matches: [{method: {service: s.v1.Svc, method: Watch}}]
    backendRefs: [{name: watcher, port: 50051}]
YAML
} > "$WORK/grpc.yaml"
start_gateway "$WORK/grpc.yaml" --backend "default/watcher:50051=127.0.0.1:$GP"
ADDR=$(gw_addr http)

cat > "$WORK/client.py" <<'PYEOF'
import sys, time, grpc
ch = grpc.insecure_channel(sys.argv[1], options=[('grpc.default_authority', 'watch.example.com')])
f = ch.unary_stream('/s.v1.Svc/Watch', request_serializer=lambda x: x,
                    response_deserializer=lambda x: x)
t0 = time.time()
first = None
n = 0
try:
    for msg in f(b'', timeout=10):
        if first is None:
            first = time.time() - t0
        n += 1
    print("STATUS OK")
except grpc.RpcError as e:
    print("STATUS", e.code().name)
print("COUNT", n)
print("FIRST %.3f TOTAL %.3f" % (first if first is not None else -1, time.time() - t0))
PYEOF
OUT=$("$PY" "$WORK/client.py" "$ADDR" 2>&1 || true)
echo "$OUT" | sed 's/^/  /'
check "stream ends with status OK" contains "$OUT" "STATUS OK"
check "all five messages" contains "$OUT" "COUNT 5"
FIRST=$(echo "$OUT" | awk '/^FIRST/{print $2}')
TOTAL=$(echo "$OUT" | awk '/^FIRST/{print $4}')
check "first message long before the end ($FIRST s of $TOTAL s)" \
    "$PY" -c "import sys; sys.exit(0 if 0 <= $FIRST and $TOTAL - $FIRST >= 0.6 else 1)"

finish
