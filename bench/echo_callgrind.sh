#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Instructions per request of gatesim-echo, counted by valgrind's callgrind: stable on a shared,
# noisy machine where req/s is not, so before/after comparisons of code changes use this.
# Each case runs the server under callgrind twice, for N1 and N2 requests, and prints
# (instructions(N2) - instructions(N1)) / (N2 - N1), so start-up and shutdown cancel out.
# Cases: h2c `h2load -c16 -m16` against / (JSON echo) and /status/200 (empty 200); HTTP/1.1 with
# 64 pipelined requests per round trip against / (one connection; the kernel's share of the work
# is not counted by callgrind, only user-space instructions).
# usage: bench/echo_callgrind.sh [path/to/gatesim-echo] [N1, default 2000] [N2, default 12000]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
echo_bin=${1:-$here/build/backends/gatesim-echo}
n1=${2:-2000}
n2=${3:-12000}
[ -f "$echo_bin" ] && [ -x "$echo_bin" ] || { echo "bench/echo_callgrind.sh: $echo_bin not built" >&2; exit 2; }
for t in valgrind callgrind_annotate h2load; do
    command -v "$t" >/dev/null || { echo "bench/echo_callgrind.sh: $t not installed" >&2; exit 2; }
done
tmp=$(mktemp -d /tmp/gs-bench-echo-cg.XXXXXX)
vpid=
cleanup() {
    [ -n "$vpid" ] && kill "$vpid" 2>/dev/null
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

# prints the instructions of one server run answering $1 requests for $2 over $3 (h2 | h1)
count() {
    local n=$1 path=$2 proto=$3 port
    rm -f "$tmp/ready" "$tmp/cg.out"
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" "$echo_bin" --quiet \
        --service bench/echo --replica 0 --listen 127.0.0.1:0 >"$tmp/ready" 2>"$tmp/err" &
    vpid=$!
    for _ in $(seq 400); do [ -s "$tmp/ready" ] && break; sleep 0.05; done
    port=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["port"])' "$tmp/ready")
    if [ "$proto" = h2 ]; then
        h2load -n"$n" -c16 -m16 "http://127.0.0.1:$port$path" >"$tmp/load" 2>&1
        grep -q "^requests: $n total, $n started, $n done, $n succeeded" "$tmp/load" ||
            { echo "bench/echo_callgrind.sh: h2load failed" >&2; cat "$tmp/load" >&2; exit 1; }
    else
        /usr/bin/python3 - "$port" "$path" "$n" <<'PY'
import socket, sys
port, path, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
s = socket.create_connection(("127.0.0.1", port))
req = b"GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % (path.encode(), port)
for i in range(0, n, 64):
    k = min(64, n - i)
    s.sendall(req * k)
    buf = b""
    while buf.count(b"HTTP/1.1 200 ") < k:
        chunk = s.recv(1 << 20)
        if not chunk:
            sys.exit("connection closed")
        buf += chunk
PY
    fi
    kill -TERM "$vpid"
    wait "$vpid" || true
    vpid=
    callgrind_annotate "$tmp/cg.out" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}'
}
per_request() { # path proto
    local a b
    a=$(count "$n1" "$1" "$2")
    b=$(count "$n2" "$1" "$2")
    awk -v a="$a" -v b="$b" -v n1="$n1" -v n2="$n2" 'BEGIN {printf "%.0f\n", (b - a) / (n2 - n1)}'
}
echo "gatesim-echo user-space instructions per request (callgrind, ($n2 - $n1) requests): $echo_bin"
printf '  %-40s %8s\n' "h2c h2load -c16 -m16  JSON /" "$(per_request / h2)"
printf '  %-40s %8s\n' "h2c h2load -c16 -m16  /status/200" "$(per_request /status/200 h2)"
printf '  %-40s %8s\n' "HTTP/1.1 pipelined x64  JSON /" "$(per_request / h1)"
