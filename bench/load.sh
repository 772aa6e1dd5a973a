#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Benchmark `gatesim load` against its peers on the same nginx (one worker, `return 200 "ok"`),
# side by side on this machine (goals: README.md, Benchmarks):
#   HTTP/1.1: gatesim load -c64        vs  wrk -t1 -c64
#   h2c:      gatesim load -c16 -m16   vs  h2load -c16 -m16   (nginx `listen ... http2`)
# Method (the same for both sides of each pair): one nginx for every run; one client thread on
# the same connections and streams; the same duration (SECS, no warm-up excluded on either side);
# one untimed 1 s run of each peer first, so no client meets a cold server. On a machine with 2
# or more CPUs nginx is pinned to the last CPU and every client to CPU 0 (taskset; LOAD_PIN=0
# leaves placement to the scheduler), so neither client shares a core with the server it drives
# or gets a better placement than its peer. The machine is shared and noisy: the clients
# alternate for ROUNDS rounds, the order within a pair swapped every round (ABBA: a drift in
# the machine's load does not favour the client that always runs first), and medians are
# compared two ways: the ratio of the medians, and the median of the per-round ratios (each
# round's pair ran seconds apart, so its ratio cancels what the machine did meanwhile), with
# the rounds' min-max. Prints req/s and client CPU per request (user+system of the client
# process / requests) for each, their ratios (goal >= 1.0 for req/s and for requests per client
# CPU-second), nginx's CPU share during each run (near 100%: the server bounds req/s, for both
# clients alike) and the load average before and after. Then checks that the client's memory
# stays flat: peak RSS of a 10x longer run (with request ids).
# With a fourth argument `callgrind`, it instead counts the client's user-space instructions per
# request under valgrind's callgrind (stable on a shared machine where req/s is not): each client
# runs twice, for a short and a long run, and (instructions_long - instructions_short) /
# (requests_long - requests_short) cancels start-up and shutdown. The ratio peer/gatesim is the
# requests per client instruction of gatesim relative to the peer (goal >= 1.0).
# With `syscalls` instead, it counts each client's system calls per request under strace -c
# (what costs wall time but not instructions: reads, writes, epoll and ioctl churn).
# usage: bench/load.sh [path/to/gatesim] [seconds per run, default 3] [rounds, default 5] [callgrind|syscalls]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
gatesim=${1:-$here/build/harness/cli/gatesim}
secs=${2:-3}
rounds=${3:-5}
NAME=bench/load.sh
. "$here/bench/proxy_lib.sh"
[ -x "$gatesim" ] || { echo "$NAME: $gatesim not built (cmake --build build)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "$NAME: /usr/bin/time not installed" >&2; exit 2; }
proxy_setup wrk h2load nginx
tmp=$WORK
bench_pin # nginx on the last CPU, the clients on CPU 0 (see the header)
h1_port=$(free_port)
h2_port=$(free_port)
origin_nginx_start "$h1_port backlog=4096" "$h2_port http2"

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

# server_ticks: nginx worker's user+system CPU in clock ticks so far (0 when unknown)
server_ticks() {
    [ -n "$NGINX_WORKER" ] && [ -r "/proc/$NGINX_WORKER/stat" ] || { echo 0; return; }
    sed 's/^.*) //' "/proc/$NGINX_WORKER/stat" | awk '{print $12 + $13}'
}
hz=$(getconf CLK_TCK 2>/dev/null || echo 100)

# run LABEL CMD...: runs the client (pinned) under /usr/bin/time; appends "rps us_per_request"
# to $tmp/LABEL
run() {
    local label=$1
    shift
    local t0 t1
    t0=$(server_ticks)
    /usr/bin/time -f "%U %S" -o "$tmp/time" ${CLIENT_PIN[@]+"${CLIENT_PIN[@]}"} "$@" \
        >"$tmp/out" 2>"$tmp/err" || true
    t1=$(server_ticks)
    local rps
    case "$label" in
    wrk) rps=$(awk '/^Requests\/sec:/ {print $2}' "$tmp/out") ;;
    h2load) rps=$(awk '/^finished in/ {gsub(",", "", $4); print $4}' "$tmp/out") ;;
    *) rps=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["rps"])' "$tmp/out") ;;
    esac
    [ -n "$rps" ] || { echo "bench/load.sh: $label gave no figure:" >&2; cat "$tmp/out" "$tmp/err" >&2; exit 1; }
    local cpu us
    cpu=$(awk '{print $1 + $2}' "$tmp/time")
    us=$(echo "$cpu $rps $secs" | awk '{printf "%.3f", $1 * 1e6 / ($2 * $3)}')
    echo "$rps $us" >>"$tmp/$label"
    printf '  %-8s %10.0f req/s  client cpu %5.2fs %6.2f us/req  nginx cpu %3.0f%%\n' "$label" "$rps" \
        "$cpu" "$us" "$(echo "$t0 $t1 $hz $secs" | awk '{print ($2 - $1) * 100 / ($3 * $4)}')"
}

# pair ROUND PEER_LABEL GS_LABEL PEER_CMD -- GS_CMD: one run of each, the order swapped every
# round; appends "rps_ratio cpu_ratio" (gatesim/peer req/s, peer/gatesim CPU per request) to
# $tmp/pair-GS_LABEL
pair() {
    local round=$1 peer=$2 gs=$3
    shift 3
    local peer_cmd=() gs_cmd=()
    while [ "$1" != "--" ]; do peer_cmd+=("$1"); shift; done
    shift
    gs_cmd=("$@")
    if [ $((round % 2)) = 1 ]; then
        run "$peer" "${peer_cmd[@]}"
        run "$gs" "${gs_cmd[@]}"
    else
        run "$gs" "${gs_cmd[@]}"
        run "$peer" "${peer_cmd[@]}"
    fi
    paste -d' ' <(tail -1 "$tmp/$peer") <(tail -1 "$tmp/$gs") |
        awk '{printf "%.4f %.4f\n", $3 / $1, $2 / $4}' >>"$tmp/pair-$gs"
}

h1="http://127.0.0.1:$h1_port/"
h2="http://127.0.0.1:$h2_port/"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); ${NCPU} CPUs;" \
    "${SERVER_PIN[*]:-no pinning}${SERVER_PIN[*]:+ for nginx, ${CLIENT_PIN[*]} for the clients}"
# untimed: the server's first connections and pages, met by neither measured client
${CLIENT_PIN[@]+"${CLIENT_PIN[@]}"} wrk -t1 -c64 -d1s "$h1" >/dev/null 2>&1 || true
${CLIENT_PIN[@]+"${CLIENT_PIN[@]}"} h2load -t1 -c16 -m16 -D1 "$h2" >/dev/null 2>&1 || true
for r in $(seq "$rounds"); do
    echo "round $r/$rounds (${secs}s per run)"
    pair "$r" wrk gs-h1 wrk -t1 -c64 -d"${secs}s" "$h1" -- \
        "$gatesim" load -q -c 64 -d "${secs}s" -o json "$h1"
    pair "$r" h2load gs-h2c h2load -t1 -c16 -m16 -D"$secs" "$h2" -- \
        "$gatesim" load -q -p h2c -c 16 -m 16 -d "${secs}s" -o json "$h2"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# median FILE COLUMN
median() {
    awk -v c="$2" '{print $c}' "$1" | sort -g | awk '{v[NR]=$1} END {printf "%.2f", NR % 2 ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'
}
# range FILE COLUMN: min-max
range() {
    awk -v c="$2" '{print $c}' "$1" | sort -g | awk 'NR == 1 {lo=$1} {hi=$1} END {printf "%.2f-%.2f", lo, hi}'
}
# line NAME GS PEER PEER_NAME
line() {
    local gs_rps gs_us peer_rps peer_us
    gs_rps=$(median "$tmp/$2" 1)
    gs_us=$(median "$tmp/$2" 2)
    peer_rps=$(median "$tmp/$3" 1)
    peer_us=$(median "$tmp/$3" 2)
    printf '  %-14s gatesim %8.0f req/s %6.2f us/req   %-6s %8.0f req/s %6.2f us/req\n' "$1" \
        "$gs_rps" "$gs_us" "$4" "$peer_rps" "$peer_us"
    printf '  %-14s req/s ratio %.2f (paired median %s, rounds %s); requests per CPU-second ratio %.2f (paired median %s, rounds %s)\n' \
        "" "$(echo "$gs_rps $peer_rps" | awk '{print $1/$2}')" "$(median "$tmp/pair-$2" 1)" \
        "$(range "$tmp/pair-$2" 1)" "$(echo "$peer_us $gs_us" | awk '{print $1/$2}')" \
        "$(median "$tmp/pair-$2" 2)" "$(range "$tmp/pair-$2" 2)"
}
echo
echo "medians over $rounds rounds (client CPU per request in microseconds; ratios gatesim/peer):"
line "HTTP/1.1 -c64" gs-h1 wrk wrk
line "h2c -c16 -m16" gs-h2c h2load h2load
echo "goal: every ratio >= 1.0"

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
