#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The builtin gateway's layer-4 proxies vs nginx's stream module (one worker), both in front of
# the same gatesim-echo TCP/UDP backend, driven by the same generator (bench/l4_load.py):
#   tcp      exchanges/s and MB/s on 8 persistent connections (1000-byte lines, JSON answers)
#   tcpconn  a new connection per exchange (connections/s: accept, route, connect upstream)
#   udp      datagram exchanges/s over 8 sockets (one session each)
# ROUNDS rounds (default 3) interleaved gateway/nginx after one warm-up each; prints each round
# and the median ratio gateway/nginx per figure (goal: >= 1.0 for throughput). Interleaving and
# medians keep a shared machine's drift out of the ratio; figures on a loaded machine are noise.
# Needs nginx with the stream module (Debian: libnginx-mod-stream, scripts/install-deps.sh).
# Usage: bench/l4.sh [BUILD_DIR] [SECONDS] [ROUNDS]   (defaults: build, 3, 3)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
SECS=${2:-3}
ROUNDS=${3:-3}
GATESIM=$BUILD/harness/cli/gatesim
ECHO=$BUILD/backends/gatesim-echo
LOAD="$ROOT/bench/l4_load.py"
NAME=bench/l4.sh
. "$ROOT/bench/proxy_lib.sh"
proxy_setup nginx "$GATESIM" "$ECHO"
STREAM_SO=/usr/lib/nginx/modules/ngx_stream_module.so
[ -f "$STREAM_SO" ] || { echo "$NAME: $STREAM_SO not found (install libnginx-mod-stream)" >&2; exit 2; }

"$ECHO" --service default/app --replica 0 --quiet --no-listen --tcp-listen 127.0.0.1:0 \
    --udp-listen 127.0.0.1:0 > "$WORK/echo.json" &
PIDS+=($!)
wait_file "$WORK/echo.json" || { echo "$NAME: gatesim-echo did not start" >&2; exit 1; }
ETCP=$(json_field "$WORK/echo.json" "d['tcpPort']")
EUDP=$(json_field "$WORK/echo.json" "d['udpPort']")

cat > "$WORK/gw.yaml" << 'YAML'
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: bench, namespace: default}
spec:
  gatewayClassName: gatesim
  listeners:
  - {name: tcp, port: 9000, protocol: TCP}
  - {name: udp, port: 9000, protocol: UDP}
---
apiVersion: v1
kind: Service
metadata: {name: app, namespace: default}
spec: {ports: [{name: tcp, port: 7000, protocol: TCP}, {name: udp, port: 7001, protocol: UDP}]}
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TCPRoute
metadata: {name: tcp, namespace: default}
spec:
  parentRefs: [{name: bench, sectionName: tcp}]
  rules: [{backendRefs: [{name: app, port: 7000}]}]
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: UDPRoute
metadata: {name: udp, namespace: default}
spec:
  parentRefs: [{name: bench, sectionName: udp}]
  rules: [{backendRefs: [{name: app, port: 7001}]}]
YAML
"$GATESIM" gateway "$WORK/gw.yaml" --backend "default/app:7000=127.0.0.1:$ETCP" \
    --backend "default/app:7001=127.0.0.1:$EUDP" > "$WORK/gw.json" 2> "$WORK/gw.err" &
PIDS+=($!)
wait_file "$WORK/gw.json" || { cat "$WORK/gw.err" >&2; exit 1; }
gw_port() { py "import json;d=json.loads(open('$WORK/gw.json').readline());print([l['address'] for l in d['listeners'] if l['listener']=='$1'][0].rsplit(':',1)[1])"; }
GW_TCP=$(gw_port tcp)
GW_UDP=$(gw_port udp)

N_TCP=$(free_port)
N_UDP=$(free_port)
mkdir -p "$WORK/nginx"
cat > "$WORK/nginx/nginx.conf" << CONF
load_module $STREAM_SO;
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log;
events { worker_connections 4096; }
stream {
  # half-close passed on, as gatesim does (tcpconn half-closes after its line)
  server { listen 127.0.0.1:$N_TCP; proxy_pass 127.0.0.1:$ETCP; proxy_half_close on; }
  server { listen 127.0.0.1:$N_UDP udp; proxy_pass 127.0.0.1:$EUDP; proxy_timeout 30s; }
}
CONF
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" 2> "$WORK/nginx/stderr" &
PIDS+=($!)
for _ in $(seq 1 100); do [ -s "$WORK/nginx/nginx.pid" ] && break; sleep 0.05; done
[ -s "$WORK/nginx/nginx.pid" ] || { cat "$WORK/nginx/stderr" >&2; exit 1; }

# run MODE PORT → exchanges/s (and MB/s for tcp) as "rate mb"
run() {
    /usr/bin/python3 "$LOAD" "$1" "$2" "$SECS" 8 > "$WORK/load.json"
    py "import json;d=json.load(open('$WORK/load.json'));print('%.0f %.2f' % (d['perSecond'], d['mbPerSecond']))"
}

echo "bench/l4.sh: ${SECS}s per run, 8 workers, $ROUNDS rounds (after a warm-up each)"
for mode in tcp tcpconn udp; do
    gp=$GW_TCP np=$N_TCP
    [ "$mode" = udp ] && gp=$GW_UDP np=$N_UDP
    run "$mode" "$gp" > /dev/null
    run "$mode" "$np" > /dev/null
    : > "$WORK/$mode.txt"
    for r in $(seq 1 "$ROUNDS"); do
        g=$(run "$mode" "$gp")
        n=$(run "$mode" "$np")
        echo "  $mode round $r: gatesim ${g% *}/s (${g#* } MB/s)  nginx ${n% *}/s (${n#* } MB/s)"
        echo "${g% *} ${n% *}" >> "$WORK/$mode.txt"
    done
    py "
import statistics
rows = [tuple(map(float, l.split())) for l in open('$WORK/$mode.txt')]
g = statistics.median(r[0] for r in rows); n = statistics.median(r[1] for r in rows)
print('$mode: median gatesim %.0f/s, nginx stream %.0f/s, ratio gatesim/nginx %.2fx' % (g, n, g / n if n else 0))
"
done
