#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What the zero-window attack costs the gateway itself, as figures the machine's load barely
# moves (CPU time and memory, not latency): for each build in turn, RUNS times interleaved, a
# fresh `gatesim gateway` (tests/integration/hostile/manifests/budgets.yaml, its /big backend
# nghttpd over h2c) under bench/hostile.sh's zero-window attack (10 connections x 128 streams
# announcing a zero window, each asking for 1 MiB, held 8 s, for SECONDS seconds), then its CPU
# time (its threads' time on a CPU, /proc/PID/task/*/schedstat), its peak RSS (VmHWM) and the response data it held at peak
# (responseBytesPeak). Used to compare builds before and after a change (docs/gateway.md).
# Usage: bench/hostile_held_cost.sh [SECONDS] [RUNS] BUILD_DIR...   (defaults 24, 3)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SECS=${1:-24}
RUNS=${2:-3}
shift 2 || true
[ $# -ge 1 ] || set -- "$ROOT/build"
HOSTILE=$ROOT/tests/integration/hostile
PY=/usr/bin/python3
for b in "$@"; do
    [ -x "$b/harness/cli/gatesim" ] || { echo "bench/hostile_held_cost.sh: build $b first" >&2; exit 2; }
done
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gatesim-bench-held.XXXXXX")
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2> /dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
NAME=bench/hostile_held_cost.sh
. "$ROOT/bench/hostile_lib.sh"
hostile_big_backend
printf '%-40s %4s %10s %9s %12s %8s %6s\n' build run "gw CPU s" "VmHWM MB" "held peak MB" streams load
for run in $(seq 1 "$RUNS"); do
    for b in "$@"; do
        "$b/backends/gatesim-echo" --service default/v1 --quiet > "$WORK/echo.json" 2> /dev/null &
        E_PID=$!
        PIDS+=("$E_PID")
        wait_file "$WORK/echo.json"
        EPORT=$(jsonf "$WORK/echo.json" "d['port']")
        hostile_gateway gw "$b/harness/cli/gatesim"
        G_PID=$GW_PID
        GW=$GW_ADDR
        PYTHONPATH="$HOSTILE" "$PY" "$HOSTILE/attack.py" held "$GW" --conns 10 --streams 128 \
            --size 1048576 --hold 8 --source 127.0.0.2 --duration "$SECS" > "$WORK/attack.json" 2> /dev/null || true
        cpu_ns=$(cat /proc/"$G_PID"/task/*/schedstat | awk '{s += $1} END {print s}')
        hwm=$(awk '$1 == "VmHWM:" {print $2}' "/proc/$G_PID/status")
        kill -USR1 "$G_PID"
        for _ in $(seq 1 50); do [ "$(wc -l < "$WORK/gw.out")" -ge 2 ] && break; sleep 0.1; done
        peak=$(tail -n1 "$WORK/gw.out" | "$PY" -c "import json,sys; print(json.load(sys.stdin)['stats']['responseBytesPeak'])")
        streams=$("$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['streams'])" "$WORK/attack.json" 2> /dev/null || echo "?")
        kill "$G_PID" "$E_PID"
        wait "$G_PID" "$E_PID" 2> /dev/null || true
        PIDS=("$NG_PID") # only what still runs: a pid that ended may be another process's soon
        printf '%-40s %4s %10.3f %9.1f %12.2f %8s %6s\n' "$b" "$run" "$(echo "$cpu_ns / 1000000000" | bc -l)" \
            "$(echo "$hwm / 1024" | bc -l)" "$(echo "$peak / 1048576" | bc -l)" "$streams" "$(cut -d' ' -f1 /proc/loadavg)"
    done
done
