#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Cost per proxied request of the builtin gateway and of nginx as a keep-alive reverse proxy, same
# route, same gatesim-echo backend, counted rather than timed, so the comparison holds on a shared,
# noisy machine where req/s does not (bench/gateway.sh times them):
#   - user-space instructions per request (valgrind callgrind), and
#   - system calls per request (strace -c: the kernel's share, which callgrind does not see).
# Each proxy runs twice per measure, for N1 and N2 requests sent by `h2load --h1 -c64` (keep-alive
# HTTP/1.1, the load wrk makes), and the script prints (count(N2) - count(N1)) / (N2 - N1), so
# start-up and shutdown cancel out, then the ratios gateway/nginx (lower is better; goal <= 1.0).
# usage: bench/gateway_cost.sh [BUILD_DIR] [N1, default 3000] [N2, default 13000]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
N1=${2:-3000}
N2=${3:-13000}
GATESIM=$BUILD/harness/cli/gatesim
ECHO=$BUILD/backends/gatesim-echo
NAME=bench/gateway_cost.sh
. "$ROOT/bench/proxy_lib.sh"
proxy_setup valgrind callgrind_annotate strace h2load nginx curl "$GATESIM" "$ECHO"
proxy_start_echo
proxy_manifests "$WORK/gw.yaml"

# start WHICH TOOL... → starts the proxy under TOOL, sets PROXY_PID and ADDR
start() {
    local which=$1
    shift
    rm -f "$WORK/gw.json"
    if [ "$which" = gateway ]; then
        "$@" "$GATESIM" gateway "$WORK/gw.yaml" --backend "default/app:80=127.0.0.1:$EPORT" \
            > "$WORK/gw.json" 2> "$WORK/gw.err" &
        PROXY_PID=$!
        wait_file "$WORK/gw.json" || { cat "$WORK/gw.err" >&2; exit 1; }
        ADDR=$(json_field "$WORK/gw.json" "d['listeners'][0]['address']")
    else
        local port
        port=$(free_port)
        mkdir -p "$WORK/nginx"
        proxy_nginx_conf "$port" "master_process off;" > "$WORK/nginx/nginx.conf"
        "$@" nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" 2> "$WORK/nginx/stderr" &
        PROXY_PID=$!
        ADDR=127.0.0.1:$port
        for _ in $(seq 1 600); do
            curl -s -o /dev/null "http://$ADDR/" && break
            sleep 0.05
        done
    fi
    PIDS+=("$PROXY_PID")
}

drive() { # n → sends n requests (after the readiness probe, if any, which both runs share)
    h2load --h1 -n "$1" -c64 "http://$ADDR/" > "$WORK/load.txt" 2>&1
    grep -q "succeeded, 0 failed, 0 errored" "$WORK/load.txt" && grep -q "status codes: $1 2xx" "$WORK/load.txt" ||
        { echo "$NAME: load through $ADDR failed" >&2; cat "$WORK/load.txt" >&2; exit 1; }
}

stop() { # the proxy itself gets SIGTERM (strace runs it as a child; valgrind in its own process)
    pkill -TERM -P "$PROXY_PID" 2> /dev/null || kill -TERM "$PROXY_PID" 2> /dev/null || true
    wait "$PROXY_PID" 2> /dev/null || true
}

instructions() { # which n → user-space instructions of a proxy run serving n requests
    start "$1" valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.out"
    drive "$2"
    stop
    callgrind_annotate "$WORK/cg.out" 2> /dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}'
}

syscalls() { # which n → system calls of a proxy run serving n requests
    start "$1" strace -f -c -o "$WORK/strace.txt"
    drive "$2"
    stop
    awk '$NF == "total" {print $(NF-2) + 0}' "$WORK/strace.txt"
}

per_request() { # measure which → per-request count
    local a b
    a=$("$1" "$2" "$N1")
    b=$("$1" "$2" "$N2")
    awk -v a="$a" -v b="$b" -v n1="$N1" -v n2="$N2" 'BEGIN {printf "%.1f\n", (b - a) / (n2 - n1)}'
}

GI=$(per_request instructions gateway)
NI=$(per_request instructions nginx)
GS=$(per_request syscalls gateway)
NS=$(per_request syscalls nginx)
echo "per proxied request, h2load --h1 -c64, ($N2 - $N1) requests:"
printf '  %-16s %14s %12s\n' "" "instructions" "syscalls"
printf '  %-16s %14.0f %12.2f\n' "gatesim gateway" "$GI" "$GS"
printf '  %-16s %14.0f %12.2f\n' "nginx proxy" "$NI" "$NS"
py "print('ratio instructions gateway/nginx: %.2f (goal <= 1.0)' % ($GI / $NI))"
py "print('ratio syscalls     gateway/nginx: %.2f (goal <= 1.0)' % ($GS / $NS))"
