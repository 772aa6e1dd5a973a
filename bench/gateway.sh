#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builtin gateway vs nginx as a keep-alive reverse proxy, same route, same gatesim-echo backend:
# wrk -t1 -c64 through each, ROUNDS rounds (default 5) interleaved gateway/nginx after one warm-up
# each, printing per round req/s, p99 and CPU time per request of each proxy process (user + system,
# from /proc), then the medians and the ratios gateway/nginx (goal: req/s ratio >= 1.0, p99 ratio
# <= 1.0). Interleaving and medians keep a shared machine's drift out of the ratio; CPU per request
# is the steadier measure (bench/gateway_cost.sh counts instructions and system calls).
# Then the gateway with 10 vs 10,000 HTTPRoutes (distinct hostnames and paths), the request
# matching the last route: the req/s ratio shows the per-request routing cost (goal within 2x;
# bench/route_table.sh measures the lookup alone).
# Usage: bench/gateway.sh [BUILD_DIR] [DURATION] [ROUNDS]   (defaults: build, 5s, 5)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
DUR=${2:-5s}
ROUNDS=${3:-5}
GATESIM=$BUILD/harness/cli/gatesim
ECHO=$BUILD/backends/gatesim-echo
NAME=bench/gateway.sh
. "$ROOT/bench/proxy_lib.sh"
proxy_setup wrk nginx "$GATESIM" "$ECHO"
proxy_start_echo

proxy_manifests "$WORK/gw.yaml"
"$GATESIM" gateway "$WORK/gw.yaml" --backend "default/app:80=127.0.0.1:$EPORT" \
    > "$WORK/gw.json" 2> "$WORK/gw.err" &
GW_PID=$!
PIDS+=($GW_PID)
wait_file "$WORK/gw.json" || { cat "$WORK/gw.err" >&2; exit 1; }
GW=$(json_field "$WORK/gw.json" "d['listeners'][0]['address']")

NPORT=$(free_port)
mkdir -p "$WORK/nginx"
proxy_nginx_conf "$NPORT" > "$WORK/nginx/nginx.conf"
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" 2> /dev/null &
PIDS+=($!)
for _ in $(seq 1 100); do [ -s "$WORK/nginx/nginx.pid" ] && break; sleep 0.05; done
NGINX_WORKER=$(pgrep -P "$(cat "$WORK/nginx/nginx.pid")" | head -1)
[ -n "$NGINX_WORKER" ] || { echo "$NAME: no nginx worker" >&2; exit 1; }

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # user + system, in clock ticks
HZ=$(getconf CLK_TCK)

# run URL [PID] → "RPS P99_MS CPU_US_PER_REQUEST" (CPU of PID over the run, 0 without PID)
run() {
    local before=0 after=0
    [ -n "${2:-}" ] && before=$(cpu_ticks "$2")
    wrk -t1 -c64 -d"$DUR" --latency "$1" > "$WORK/wrk.txt"
    [ -n "${2:-}" ] && after=$(cpu_ticks "$2")
    if grep -q "Non-2xx" "$WORK/wrk.txt"; then
        echo "bench/gateway.sh: non-2xx answers from $1" >&2
        exit 1
    fi
    local rps p99 n
    rps=$(awk '/Requests\/sec/{print $2}' "$WORK/wrk.txt")
    n=$(awk '/requests in/{print $1}' "$WORK/wrk.txt")
    p99=$(awk '$1=="99%"{v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; print v}' "$WORK/wrk.txt")
    echo "$rps $p99 $(awk -v t=$((after - before)) -v hz="$HZ" -v n="$n" 'BEGIN {printf "%.2f", t * 1e6 / hz / n}')"
}
median() { tr ' ' '\n' | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }

run "http://$GW/" > /dev/null # warm-up
run "http://127.0.0.1:$NPORT/" > /dev/null
G_RPS=() G_P99=() G_CPU=() N_RPS=() N_P99=() N_CPU=() RATIOS=()
printf '%-6s %22s %22s %8s\n' round "gateway req/s p99 cpu" "nginx req/s p99 cpu" ratio
for r in $(seq 1 "$ROUNDS"); do
    # alternate who goes first, so neither always runs on the warmer (or busier) half
    if [ $((r % 2)) -eq 1 ]; then
        read -r g_rps g_p99 g_cpu < <(run "http://$GW/" "$GW_PID")
        read -r n_rps n_p99 n_cpu < <(run "http://127.0.0.1:$NPORT/" "$NGINX_WORKER")
    else
        read -r n_rps n_p99 n_cpu < <(run "http://127.0.0.1:$NPORT/" "$NGINX_WORKER")
        read -r g_rps g_p99 g_cpu < <(run "http://$GW/" "$GW_PID")
    fi
    G_RPS+=("$g_rps") G_P99+=("$g_p99") G_CPU+=("$g_cpu")
    N_RPS+=("$n_rps") N_P99+=("$n_p99") N_CPU+=("$n_cpu")
    ratio=$(awk -v a="$g_rps" -v b="$n_rps" 'BEGIN {printf "%.2f", a / b}')
    RATIOS+=("$ratio")
    printf '%-6s %9.0f %6.2fms %5.2fus %9.0f %6.2fms %5.2fus %8s\n' "$r" "$g_rps" "$g_p99" "$g_cpu" \
        "$n_rps" "$n_p99" "$n_cpu" "$ratio"
done
GR=$(echo "${G_RPS[*]}" | median) NR_=$(echo "${N_RPS[*]}" | median)
GP=$(echo "${G_P99[*]}" | median) NP=$(echo "${N_P99[*]}" | median)
GC=$(echo "${G_CPU[*]}" | median) NC=$(echo "${N_CPU[*]}" | median)
printf 'gatesim gateway (median of %s): %10.0f req/s   p99 %7.2f ms   CPU %5.2f us/request\n' "$ROUNDS" "$GR" "$GP" "$GC"
printf 'nginx proxy     (median of %s): %10.0f req/s   p99 %7.2f ms   CPU %5.2f us/request\n' "$ROUNDS" "$NR_" "$NP" "$NC"
py "print('ratio req/s gateway/nginx: %.2f median, per round %s (goal >= 1.0)' % ($GR / $NR_, '${RATIOS[*]}'))"
py "print('ratio p99   gateway/nginx: %.2f (goal <= 1.0)' % ($GP / max($NP, 1e-9)))"
py "print('ratio CPU per request gateway/nginx: %.2f (lower is better)' % ($GC / max($NC, 1e-9)))"

# ---- 10 vs 10,000 HTTPRoutes ---------------------------------------------------------------
scale() { # scale N → "RPS P99"
    proxy_manifests "$WORK/r$1.yaml" "$1"
    "$GATESIM" gateway "$WORK/r$1.yaml" --backend "default/app:80=127.0.0.1:$EPORT" \
        > "$WORK/r$1.json" 2> "$WORK/r$1.err" &
    local pid=$!
    PIDS+=($pid)
    wait_file "$WORK/r$1.json" || { cat "$WORK/r$1.err" >&2; exit 1; }
    local addr
    addr=$(json_field "$WORK/r$1.json" "d['listeners'][0]['address']")
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
