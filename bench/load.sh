#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Benchmark `gatesim load` against its peers on the same nginx (one worker, `return 200 "ok"`),
# side by side on this machine (goals: README.md, Benchmarks):
#   HTTP/1.1: gatesim load -c64        vs  wrk -t1 -c64
#   h2c:      gatesim load -c16 -m16   vs  h2load -c16 -m16   (nginx `listen ... http2`)
# The machine is shared and noisy: runs alternate between the clients for ROUNDS rounds and the
# medians are compared. Prints median req/s, the ratio gatesim/peer (goal >= 1.0), and client
# CPU per request (user+system of the client process / requests) for each. Then checks that the
# client's memory stays flat: peak RSS of a 10x longer run (open loop, with request ids).
# With a fourth argument `callgrind`, it instead counts the client's user-space instructions per
# request under valgrind's callgrind (stable on a shared machine where req/s is not): each client
# runs twice, for a short and a long run, and (instructions_long - instructions_short) /
# (requests_long - requests_short) cancels start-up and shutdown. The ratio peer/gatesim is the
# requests per client instruction of gatesim relative to the peer (goal >= 1.0).
# With `syscalls` instead, it counts each client's system calls per request under strace -c
# (what costs wall time but not instructions: reads, writes, epoll and ioctl churn).
# usage: bench/load.sh [path/to/gatesim] [seconds per run, default 3] [rounds, default 3] [callgrind|syscalls]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
gatesim=${1:-$here/build/harness/cli/gatesim}
secs=${2:-3}
rounds=${3:-3}
[ -x "$gatesim" ] || { echo "bench/load.sh: $gatesim not built (cmake --build build)" >&2; exit 2; }
for t in wrk h2load nginx; do
    command -v "$t" >/dev/null || [ -x "/usr/sbin/$t" ] || { echo "bench/load.sh: $t not installed" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "bench/load.sh: /usr/bin/time not installed" >&2; exit 2; }
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

tmp=$(mktemp -d /tmp/gs-bench-load.XXXXXX)
nginx_master=
cleanup() {
    [ -n "$nginx_master" ] && kill "$nginx_master" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }

h1_port=$(free_port)
h2_port=$(free_port)
mkdir -p "$tmp/nginx"
cat >"$tmp/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log crit;
events { worker_connections 4096; }
http {
    access_log off;
    default_type text/plain;
    client_body_temp_path $tmp/nginx; proxy_temp_path $tmp/nginx; fastcgi_temp_path $tmp/nginx;
    uwsgi_temp_path $tmp/nginx; scgi_temp_path $tmp/nginx;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    http2_max_concurrent_streams 128;
    server { listen 127.0.0.1:$h1_port backlog=4096; location / { return 200 "ok"; } }
    server { listen 127.0.0.1:$h2_port http2;        location / { return 200 "ok"; } }
}
CONF
"$nginx_bin" -e "$tmp/nginx/error.log" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" 2>"$tmp/nginx.err" &
nginx_master=$!
wait_port "$h1_port"
wait_port "$h2_port"

# callgrind_count LABEL CMD...: instructions and requests of one client run under callgrind
callgrind_count() {
    local label=$1
    shift
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" "$@" >"$tmp/out" 2>"$tmp/err" || true
    local ir reqs
    ir=$(awk '/^summary:/ {print $2}' "$tmp/cg.out")
    case "$label" in
    wrk) reqs=$(awk '/requests in/ {print $1}' "$tmp/out") ;;
    h2load) reqs=$(awk '/^requests:/ {print $8}' "$tmp/out") ;;
    *) reqs=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["requests"])' "$tmp/out") ;;
    esac
    echo "$ir $reqs"
}

# per_request LABEL SHORT_CMD -- LONG_CMD: prints instructions per request
per_request() {
    local label=$1
    shift
    local short=() long=()
    while [ "$1" != "--" ]; do short+=("$1"); shift; done
    shift
    long=("$@")
    read -r i1 r1 <<<"$(callgrind_count "$label" "${short[@]}")"
    read -r i2 r2 <<<"$(callgrind_count "$label" "${long[@]}")"
    echo "$i1 $r1 $i2 $r2" | awk '{printf "%.0f", ($3 - $1) / ($4 - $2)}'
}

if [ "${4:-}" = "callgrind" ]; then
    command -v valgrind >/dev/null || { echo "bench/load.sh: valgrind not installed" >&2; exit 2; }
    h1="http://127.0.0.1:$h1_port/"
    h2="http://127.0.0.1:$h2_port/"
    wrk_i=$(per_request wrk wrk -t1 -c64 -d2s "$h1" -- wrk -t1 -c64 -d8s "$h1")
    gs1_i=$(per_request gs-h1 "$gatesim" load -q -c 64 -n 5000 -o json "$h1" -- \
        "$gatesim" load -q -c 64 -n 25000 -o json "$h1")
    h2l_i=$(per_request h2load h2load -t1 -c16 -m16 -n 5000 "$h2" -- h2load -t1 -c16 -m16 -n 25000 "$h2")
    gs2_i=$(per_request gs-h2c "$gatesim" load -q -p h2c -c 16 -m 16 -n 5000 -o json "$h2" -- \
        "$gatesim" load -q -p h2c -c 16 -m 16 -n 25000 -o json "$h2")
    echo "client user-space instructions per request (callgrind; lower is better):"
    printf '  HTTP/1.1 -c64     gatesim %6d   wrk    %6d   requests per instruction ratio %.2f\n' \
        "$gs1_i" "$wrk_i" "$(echo "$wrk_i $gs1_i" | awk '{print $1/$2}')"
    printf '  h2c -c16 -m16     gatesim %6d   h2load %6d   requests per instruction ratio %.2f\n' \
        "$gs2_i" "$h2l_i" "$(echo "$h2l_i $gs2_i" | awk '{print $1/$2}')"
    echo "goal: ratio >= 1.0 for both"
    exit 0
fi

# syscall_count LABEL CMD...: "syscalls requests" of one client run under strace -f -c (every
# thread; the sleeps of the main thread excluded: they are not per request)
syscall_count() {
    local label=$1
    shift
    strace -f -c -o "$tmp/st.out" "$@" >"$tmp/out" 2>"$tmp/err" || true
    local calls reqs
    calls=$(awk '$NF ~ /^[a-z_0-9]+$/ && $NF != "syscall" && $NF != "total" && $NF != "clock_nanosleep" && $NF != "futex" {n += ($4 ~ /^[0-9]+$/ ? $4 : $3)} END {print n}' "$tmp/st.out")
    case "$label" in
    wrk) reqs=$(awk '/requests in/ {print $1}' "$tmp/out") ;;
    h2load) reqs=$(awk '/^requests:/ {print $8}' "$tmp/out") ;;
    *) reqs=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["requests"])' "$tmp/out") ;;
    esac
    echo "$calls $reqs"
    grep -v ' total$' "$tmp/st.out" | sort -k4 -n -r | awk 'NR <= 3 && $NF ~ /^[a-z_0-9]+$/ {printf "      %-14s %s\n", $NF, ($4 ~ /^[0-9]+$/ ? $4 : $3)}' >&2
}

if [ "${4:-}" = "syscalls" ]; then
    command -v strace >/dev/null || { echo "bench/load.sh: strace not installed" >&2; exit 2; }
    h1="http://127.0.0.1:$h1_port/"
    h2="http://127.0.0.1:$h2_port/"
    echo "system calls per request (strace -c, all threads, sleeps and futexes left out; lower is better):"
    for c in "wrk wrk -t1 -c64 -d${secs}s $h1" \
        "gs-h1 $gatesim load -q -c 64 -d ${secs}s -o json $h1" \
        "h2load h2load -t1 -c16 -m16 -D$secs $h2" \
        "gs-h2c $gatesim load -q -p h2c -c 16 -m 16 -d ${secs}s -o json $h2"; do
        read -r -a cmd <<<"$c"
        echo "  ${cmd[0]}: top calls" >&2
        read -r calls reqs <<<"$(syscall_count "${cmd[@]}")"
        printf '  %-8s %9d calls %9d requests %6.2f per request\n' "${cmd[0]}" "$calls" "$reqs" \
            "$(echo "$calls $reqs" | awk '{print $1 / $2}')"
    done
    exit 0
fi

# run LABEL CMD...: runs the client under /usr/bin/time; appends "rps cpu_seconds" to $tmp/LABEL
run() {
    local label=$1
    shift
    /usr/bin/time -f "%U %S" -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err" || true
    local rps
    case "$label" in
    wrk) rps=$(awk '/^Requests\/sec:/ {print $2}' "$tmp/out") ;;
    h2load) rps=$(awk '/^finished in/ {gsub(",", "", $4); print $4}' "$tmp/out") ;;
    *) rps=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["rps"])' "$tmp/out") ;;
    esac
    local cpu
    cpu=$(awk '{print $1 + $2}' "$tmp/time")
    echo "$rps $cpu" >>"$tmp/$label"
    printf '  %-10s %10.0f req/s  client cpu %5.2fs\n' "$label" "$rps" "$cpu"
}

for r in $(seq "$rounds"); do
    echo "round $r/$rounds (${secs}s per run)"
    run wrk wrk -t1 -c64 -d"${secs}s" "http://127.0.0.1:$h1_port/"
    run gs-h1 "$gatesim" load -q -c 64 -d "${secs}s" -o json "http://127.0.0.1:$h1_port/"
    run h2load h2load -t1 -c16 -m16 -D"$secs" "http://127.0.0.1:$h2_port/"
    run gs-h2c "$gatesim" load -q -p h2c -c 16 -m 16 -d "${secs}s" -o json "http://127.0.0.1:$h2_port/"
done

# median of column 1 (req/s) and the cpu us per request at the median run
summary() {
    sort -g "$tmp/$1" | awk -v secs="$secs" '{r[NR]=$1; c[NR]=$2} END {m=int((NR+1)/2); printf "%.0f %.2f", r[m], c[m] * 1e6 / (r[m] * secs)}'
}
read -r wrk_rps wrk_cpu <<<"$(summary wrk)"
read -r gs1_rps gs1_cpu <<<"$(summary gs-h1)"
read -r h2l_rps h2l_cpu <<<"$(summary h2load)"
read -r gs2_rps gs2_cpu <<<"$(summary gs-h2c)"
echo
echo "medians over $rounds rounds (client CPU per request in microseconds):"
printf '  HTTP/1.1 -c64     gatesim %8.0f req/s %6.2f us/req   wrk    %8.0f req/s %6.2f us/req   ratio %.2f\n' \
    "$gs1_rps" "$gs1_cpu" "$wrk_rps" "$wrk_cpu" "$(echo "$gs1_rps $wrk_rps" | awk '{print $1/$2}')"
printf '  h2c -c16 -m16     gatesim %8.0f req/s %6.2f us/req   h2load %8.0f req/s %6.2f us/req   ratio %.2f\n' \
    "$gs2_rps" "$gs2_cpu" "$h2l_rps" "$h2l_cpu" "$(echo "$gs2_rps $h2l_rps" | awk '{print $1/$2}')"
echo "goal: ratio >= 1.0 for both"

# memory: peak RSS must not grow with the number of requests (no per-request storage)
rss() {
    /usr/bin/time -f "%M" -o "$tmp/rss" "$gatesim" load -q -c 16 -n "$1" --request-id-prefix m- \
        -o json "http://127.0.0.1:$h1_port/" >/dev/null 2>&1 || true
    cat "$tmp/rss"
}
small=$(rss 50000)
large=$(rss 500000)
echo
printf 'peak RSS: %s KiB after 50k requests, %s KiB after 500k requests (ratio %.2f, goal ~1.0)\n' \
    "$small" "$large" "$(echo "$large $small" | awk '{print $1/$2}')"
