#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What one h2c request costs, `gatesim load -p h2c -c16 -m16` against `h2load -t1 -c16 -m16`, on
# the same nginx (one worker, `return 200 "ok"`, the configuration of bench/load.sh), measured in
# ways a loaded machine spoils less than req/s:
#   - the client's user-space instructions per request (valgrind callgrind; a short and a long
#     run differenced, so start-up and shutdown cancel out): does not depend on the load at all;
#   - per request, counted by the kernel (perf stat on syscall tracepoints, no ptrace, so the
#     clients keep their timing): the client's system calls, writes and reads, and the requests
#     each write carries; nginx's system calls and its CPU time (task-clock of the worker): the
#     server bounds req/s, and how a client batches its requests changes what nginx spends on
#     each;
#   - bytes per write of each client (perf record of the write calls' return values, one run).
# Rounds alternate the clients (ABBA) and medians are printed with the ratio h2load/gatesim for
# each cost (above 1.0: gatesim is cheaper). With LOAD_COST_BASE=path/to/another/gatesim a third
# column measures that build the same way (before/after a change). nginx is pinned to the last
# CPU and the clients to CPU 0, as in bench/load.sh (LOAD_PIN=0: no pinning).
# usage: bench/load_cost.sh [path/to/gatesim] [requests per run, default 100000] [rounds, default 3]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
gatesim=${1:-$here/build/harness/cli/gatesim}
nreq=${2:-100000}
rounds=${3:-3}
base=${LOAD_COST_BASE:-}
NAME=bench/load_cost.sh
. "$here/bench/proxy_lib.sh"
[ -x "$gatesim" ] || { echo "$NAME: $gatesim not built (cmake --build build)" >&2; exit 2; }
[ -z "$base" ] || [ -x "$base" ] || { echo "$NAME: LOAD_COST_BASE=$base is not executable" >&2; exit 2; }
proxy_setup h2load nginx valgrind perf
perf stat -x, -e raw_syscalls:sys_enter -o /dev/null true 2>/dev/null ||
    { echo "$NAME: perf cannot count syscall tracepoints here (root or perf_event_paranoid)" >&2; exit 2; }
tmp=$WORK
bench_pin
port=$(free_port)
origin_nginx_start "$port http2"
url="http://127.0.0.1:$port/"

# client_cmd LABEL N: the command line of one client run of N requests
client_cmd() {
    case "$1" in
    h2load) echo "h2load -t1 -c16 -m16 -n $2 $url" ;;
    gatesim) echo "$gatesim load -q -p h2c -c 16 -m 16 -n $2 -o json $url" ;;
    base) echo "$base load -q -p h2c -c 16 -m 16 -n $2 -o json $url" ;;
    esac
}
# responses LABEL FILE: the successful requests a client's output reports
responses() {
    case "$1" in
    h2load) awk '/^requests:/ {print $8}' "$2" ;;
    *) /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["responses"])' "$2" ;;
    esac
}
clients=(gatesim h2load)
[ -z "$base" ] || clients+=(base)

# ---- user-space instructions per request (callgrind) -----------------------------------------
instructions() { # LABEL N: "instructions responses"
    local cmd
    read -r -a cmd <<<"$(client_cmd "$1" "$2")"
    valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" "${cmd[@]}" >"$tmp/out" 2>"$tmp/err" || true
    echo "$(awk '/^summary:/ {print $2}' "$tmp/cg.out") $(responses "$1" "$tmp/out")"
}
declare -A ir
for cl in "${clients[@]}"; do
    read -r i1 r1 <<<"$(instructions "$cl" 5000)"
    read -r i2 r2 <<<"$(instructions "$cl" 25000)"
    [ "$r1" = 5000 ] && [ "$r2" = 25000 ] ||
        { echo "bench/load_cost.sh: $cl under callgrind answered $r1/5000, $r2/25000" >&2; cat "$tmp/out" "$tmp/err" >&2; exit 1; }
    ir[$cl]=$(echo "$i1 $i2" | awk '{printf "%.0f", ($2 - $1) / 20000}')
done

# ---- kernel counts per request (perf stat on the client and on the nginx worker) -------------
ev=task-clock,context-switches,raw_syscalls:sys_enter
ev=$ev,syscalls:sys_enter_write,syscalls:sys_enter_writev,syscalls:sys_enter_sendto,syscalls:sys_enter_sendmsg
ev=$ev,syscalls:sys_enter_read,syscalls:sys_enter_readv,syscalls:sys_enter_recvfrom,syscalls:sys_enter_recvmsg
# stat_sum FILE EVENT...: the sum of those counters in a perf stat -x, file
stat_sum() {
    local f=$1
    shift
    local re
    re=$(IFS='|'; echo "$*")
    awk -F, -v re="^($re)\$" '$3 ~ re && $1 ~ /^[0-9.]+$/ {s += $1} END {printf "%.3f", s}' "$f"
}
measure() { # LABEL: appends a line of per-request figures to $tmp/m-LABEL
    local cl=$1 cmd
    read -r -a cmd <<<"$(client_cmd "$cl" "$nreq")"
    perf stat -x, -e "$ev" -p "$NGINX_WORKER" -o "$tmp/ngx.stat" &
    local sp=$!
    sleep 0.3
    perf stat -x, -e "$ev" -o "$tmp/cl.stat" ${CLIENT_PIN[@]+"${CLIENT_PIN[@]}"} "${cmd[@]}" >"$tmp/out" 2>"$tmp/err" || true
    kill -INT "$sp"
    wait "$sp" || true
    local n
    n=$(responses "$cl" "$tmp/out")
    [ "$n" = "$nreq" ] || { echo "bench/load_cost.sh: $cl answered $n of $nreq" >&2; cat "$tmp/out" "$tmp/err" >&2; exit 1; }
    local wr rd
    wr=$(stat_sum "$tmp/cl.stat" syscalls:sys_enter_write syscalls:sys_enter_writev syscalls:sys_enter_sendto syscalls:sys_enter_sendmsg)
    rd=$(stat_sum "$tmp/cl.stat" syscalls:sys_enter_read syscalls:sys_enter_readv syscalls:sys_enter_recvfrom syscalls:sys_enter_recvmsg)
    # syscalls, writes, reads, requests per write, client CPU us, nginx syscalls, nginx CPU us,
    # client context switches (its sleeps: each one a wake-up nginx pays for), nginx's
    echo "$n $(stat_sum "$tmp/cl.stat" raw_syscalls:sys_enter) $wr $rd $(stat_sum "$tmp/cl.stat" task-clock)" \
        "$(stat_sum "$tmp/ngx.stat" raw_syscalls:sys_enter) $(stat_sum "$tmp/ngx.stat" task-clock)" \
        "$(stat_sum "$tmp/cl.stat" context-switches) $(stat_sum "$tmp/ngx.stat" context-switches)" |
        awk '{printf "%.4f %.4f %.4f %.3f %.3f %.4f %.3f %.4f %.4f\n", $2/$1, $3/$1, $4/$1, $1/$3, $5*1000/$1, $6/$1, $7*1000/$1, $8/$1, $9/$1}' >>"$tmp/m-$cl"
}
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); ${NCPU} CPUs; $nreq requests per run, $rounds rounds"
${CLIENT_PIN[@]+"${CLIENT_PIN[@]}"} h2load -t1 -c16 -m16 -n 20000 "$url" >/dev/null 2>&1 || true # warm nginx
for r in $(seq "$rounds"); do
    if [ $((r % 2)) = 1 ]; then order=("${clients[@]}"); else order=(); for ((k = ${#clients[@]} - 1; k >= 0; k--)); do order+=("${clients[$k]}"); done; fi
    for cl in "${order[@]}"; do measure "$cl"; done
done

# ---- bytes per write (perf record of the write calls' results, one run each) -----------------
bytes_per_write() { # LABEL
    local cmd
    read -r -a cmd <<<"$(client_cmd "$1" "$nreq")"
    perf record -q -o "$tmp/pr.data" -e syscalls:sys_exit_write,syscalls:sys_exit_writev,syscalls:sys_exit_sendto,syscalls:sys_exit_sendmsg \
        ${CLIENT_PIN[@]+"${CLIENT_PIN[@]}"} "${cmd[@]}" >/dev/null 2>&1 || true
    perf script -i "$tmp/pr.data" -F trace 2>/dev/null | /usr/bin/python3 -c '
import sys
n = s = 0
for line in sys.stdin:
    v = int(line.split()[-1], 16)
    if v < 1 << 63:
        n += 1
        s += v
print("%.1f" % (s / n if n else 0))'
}
declare -A bpw
for cl in "${clients[@]}"; do bpw[$cl]=$(bytes_per_write "$cl"); done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

median() { # FILE COLUMN
    awk -v c="$2" '{print $c}' "$1" | sort -g | awk '{v[NR]=$1} END {printf "%.4f", NR % 2 ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'
}
echo
echo "h2c -c16 -m16, per request (medians of $rounds rounds; ratio = h2load / gatesim, above 1.0: gatesim cheaper)"
printf '  %-40s %10s %10s %8s%s\n' "" gatesim h2load ratio "${base:+      base}"
row() { # NAME GS_VALUE H2LOAD_VALUE [BASE_VALUE] [inverse]
    local name=$1 g=$2 h=$3 b=${4:-} inv=${5:-}
    local ratio
    if [ -n "$inv" ]; then ratio=$(echo "$g $h" | awk '{printf "%.2f", $1 / $2}'); else ratio=$(echo "$h $g" | awk '{printf "%.2f", $1 / $2}'); fi
    printf '  %-40s %10s %10s %8s%s\n' "$name" "$g" "$h" "$ratio" "${b:+ $(printf '%9s' "$b")}"
}
col() { [ -f "$tmp/m-$1" ] && median "$tmp/m-$1" "$2" || true; }
row "user-space instructions (callgrind)" "${ir[gatesim]}" "${ir[h2load]}" "${ir[base]:-}"
row "client system calls" "$(col gatesim 1)" "$(col h2load 1)" "$(col base 1)"
row "client writes" "$(col gatesim 2)" "$(col h2load 2)" "$(col base 2)"
row "client reads" "$(col gatesim 3)" "$(col h2load 3)" "$(col base 3)"
row "client CPU (us, task-clock)" "$(col gatesim 5)" "$(col h2load 5)" "$(col base 5)"
row "client context switches" "$(col gatesim 8)" "$(col h2load 8)" "$(col base 8)"
row "nginx system calls" "$(col gatesim 6)" "$(col h2load 6)" "$(col base 6)"
row "nginx context switches" "$(col gatesim 9)" "$(col h2load 9)" "$(col base 9)"
row "nginx CPU (us, task-clock)" "$(col gatesim 7)" "$(col h2load 7)" "$(col base 7)"
echo "per write (ratio = gatesim / h2load, above 1.0: gatesim batches more)"
row "requests per write" "$(col gatesim 4)" "$(col h2load 4)" "$(col base 4)" inverse
row "bytes per write (one perf record run)" "${bpw[gatesim]}" "${bpw[h2load]}" "${bpw[base]:-}" inverse
