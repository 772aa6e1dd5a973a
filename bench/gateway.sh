#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builtin gateway vs nginx as a keep-alive reverse proxy, same route, same gatesim-echo backend:
# wrk -t1 -c64 through each (one warm-up and one measured run each, interleaved), printing req/s
# and p99 and the ratios gateway/nginx (goal: req/s ratio >= 1.0, p99 ratio <= 1.0).
# Then the gateway with 10 vs 10,000 HTTPRoutes (distinct hostnames and paths), the request
# matching the last route: the req/s ratio shows the per-request routing cost (goal within 2x;
# bench/route_table.sh measures the lookup alone).
# Usage: bench/gateway.sh [BUILD_DIR] [DURATION]   (defaults: build, 5s)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
DUR=${2:-5s}
GATESIM=$BUILD/harness/cli/gatesim
ECHO=$BUILD/backends/gatesim-echo
for t in wrk nginx "$GATESIM" "$ECHO"; do
    command -v "$t" > /dev/null || { echo "bench/gateway.sh: $t not found" >&2; exit 2; }
done
WORK=$(mktemp -d)
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2> /dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
py() { /usr/bin/python3 -c "$@"; }
wait_file() { for _ in $(seq 1 200); do [ -s "$1" ] && return 0; sleep 0.05; done; return 1; }

"$ECHO" --service default/app --replica 0 --quiet > "$WORK/echo.json" &
PIDS+=($!)
wait_file "$WORK/echo.json"
EPORT=$(py "import json;print(json.loads(open('$WORK/echo.json').readline())['port'])")

cat > "$WORK/gw.yaml" <<YAML
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: bench, namespace: default}
spec:
  gatewayClassName: gatesim
  listeners: [{name: http, port: 80, protocol: HTTP}]
---
apiVersion: v1
kind: Service
metadata: {name: app, namespace: default}
spec: {ports: [{port: 80}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: app, namespace: default}
spec:
  parentRefs: [{name: bench}]
  rules: [{backendRefs: [{name: app, port: 80}]}]
YAML
"$GATESIM" gateway "$WORK/gw.yaml" --backend "default/app:80=127.0.0.1:$EPORT" \
    > "$WORK/gw.json" 2> "$WORK/gw.err" &
PIDS+=($!)
wait_file "$WORK/gw.json" || { cat "$WORK/gw.err" >&2; exit 1; }
GW=$(py "import json;print(json.loads(open('$WORK/gw.json').readline())['listeners'][0]['address'])")

NPORT=$(py "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])")
mkdir -p "$WORK/nginx"
cat > "$WORK/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  upstream app { server 127.0.0.1:$EPORT; keepalive 128; }
  server {
    listen 127.0.0.1:$NPORT;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
    }
  }
}
CONF
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" 2> /dev/null &
PIDS+=($!)
sleep 0.5

# run URL → "RPS P99_MS"
run() {
    wrk -t1 -c64 -d"$DUR" --latency "$1" > "$WORK/wrk.txt"
    if grep -q "Non-2xx" "$WORK/wrk.txt"; then
        echo "bench/gateway.sh: non-2xx answers from $1" >&2
        exit 1
    fi
    local rps p99
    rps=$(awk '/Requests\/sec/{print $2}' "$WORK/wrk.txt")
    p99=$(awk '$1=="99%"{v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}' "$WORK/wrk.txt")
    echo "$rps $p99"
}
run "http://$GW/" > /dev/null            # warm-up
run "http://127.0.0.1:$NPORT/" > /dev/null
read -r G_RPS G_P99 < <(run "http://$GW/")
read -r N_RPS N_P99 < <(run "http://127.0.0.1:$NPORT/")
printf 'gatesim gateway : %10.0f req/s   p99 %7.2f ms\n' "$G_RPS" "$G_P99"
printf 'nginx proxy     : %10.0f req/s   p99 %7.2f ms\n' "$N_RPS" "$N_P99"
py "print('ratio req/s gateway/nginx: %.2f (goal >= 1.0)' % ($G_RPS / $N_RPS))"
py "print('ratio p99   gateway/nginx: %.2f (goal <= 1.0)' % ($G_P99 / max($N_P99, 1e-9)))"

# ---- 10 vs 10,000 HTTPRoutes ---------------------------------------------------------------
routes() { # routes N FILE
    py "
n=$1
out=open('$2','w')
out.write(open('$WORK/gw.yaml').read().split('---\\napiVersion: gateway.networking.k8s.io/v1\\nkind: HTTPRoute')[0])
for i in range(n):
    out.write('---\\napiVersion: gateway.networking.k8s.io/v1\\nkind: HTTPRoute\\n'
              'metadata: {name: r%d, namespace: default}\\nspec:\\n  parentRefs: [{name: bench}]\\n'
              '  hostnames: [h%d.example.com]\\n  rules: [{matches: [{path: {type: PathPrefix, '
              'value: /p%d}}], backendRefs: [{name: app, port: 80}]}]\\n' % (i, i, i))
"
}
scale() { # scale N → "RPS P99"
    routes "$1" "$WORK/r$1.yaml"
    "$GATESIM" gateway "$WORK/r$1.yaml" --backend "default/app:80=127.0.0.1:$EPORT" \
        > "$WORK/r$1.json" 2> "$WORK/r$1.err" &
    local pid=$!
    PIDS+=($pid)
    wait_file "$WORK/r$1.json" || { cat "$WORK/r$1.err" >&2; exit 1; }
    local addr
    addr=$(py "import json;print(json.loads(open('$WORK/r$1.json').readline())['listeners'][0]['address'])")
    local last=$(($1 - 1))
    wrk -t1 -c64 -d"$DUR" -H "Host: h$last.example.com" "http://$addr/p$last/x" > /dev/null
    wrk -t1 -c64 -d"$DUR" --latency -H "Host: h$last.example.com" "http://$addr/p$last/x" \
        > "$WORK/wrk.txt"
    kill "$pid"
    if grep -q "Non-2xx" "$WORK/wrk.txt"; then
        echo "bench/gateway.sh: non-2xx answers with $1 routes" >&2
        cat "$WORK/wrk.txt" >&2
        exit 1
    fi
    awk '/Requests\/sec/{print $2}' "$WORK/wrk.txt"
}
S10=$(scale 10)
S10K=$(scale 10000)
printf 'gateway, 10 routes     : %10.0f req/s\n' "$S10"
printf 'gateway, 10,000 routes : %10.0f req/s\n' "$S10K"
py "print('ratio req/s 10/10,000 routes: %.2f (goal <= 2.0)' % ($S10 / $S10K))"
