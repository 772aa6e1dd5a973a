#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The gateway under the bounded attacks of issue 20 items 2-4, with its default limits, while a
# normal client measures latency: for each attack, the gateway's peak RSS (VmHWM, reset before
# each attack) against the stated bound of 256 MB, and the normal client's p99 under attack
# divided by its unloaded p99 (goal <= 2x). All on loopback; attackers connect from 127.0.0.2
# (the whole of 127/8 is loopback), the normal client from 127.0.0.1, so the per-address
# reset ban cannot hit the normal client.
#   bodies: 2 connections x 128 HTTP/2 streams sending request bodies they never end (up to
#           4 MiB each), reconnecting for the attack's length
#   held:   10 connections x 128 streams announcing a zero window, each asking for 1 MiB
#           (served by nghttpd over h2c)
#   resets: connections opening and resetting 20 streams each, until GOAWAY, over and over
# The normal client: `gatesim load -p h2c -c 4 -m 4` at a fixed rate (open loop, latency from
# the intended send time) for NORMAL seconds during each attack. The gateway's CPU share during
# each attack is printed too, and the attackers' (one Python process per attack, never one per
# round: interpreter start-ups would cost more CPU than the attack) with the load average.
# The attackers stand for remote clients but run on the gateway's own cores: what they cost the
# machine (their CPU, the kernel's loopback work for their connections) is not the gateway's
# doing. Two things keep the figure about the gateway:
#   - each attack runs twice: once against the measured gateway, once (the "/ctl" row) against a
#     second gateway process with the same manifest and backends while the normal client still
#     measures the first: the control shows what the attack costs the machine alone;
#   - the attackers run at nice ATTACK_NICE (default 19; 0 puts them on a par with the gateway).
# HOSTILE_RT=1 runs the measured path (the gateway, its backends and the normal client) at
# SCHED_FIFO priority 10 (chrt; needs the privilege), so that other work on a busy machine, the
# attackers included, cannot preempt it: what then moves the p99 is the gateway's own work.
# Usage: bench/hostile.sh [BUILD_DIR] [ATTACK_SECONDS] [RATE]   (defaults: build, 20, 400)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
ATTACK_S=${2:-20}
RATE=${3:-400}
NORMAL=$((ATTACK_S - 6))
GATESIM=$BUILD/harness/cli/gatesim
ECHO=$BUILD/backends/gatesim-echo
HOSTILE=$ROOT/tests/integration/hostile
PY=/usr/bin/python3
BOUND_MB=256
ATTACK_NICE=${ATTACK_NICE:-19}
RT=()
if [ "${HOSTILE_RT:-0}" = 1 ]; then
    chrt -f 10 true 2> /dev/null || { echo "bench/hostile.sh: HOSTILE_RT=1 needs chrt -f" >&2; exit 1; }
    RT=(chrt -f 10)
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gatesim-bench-hostile.XXXXXX")
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2> /dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
wait_file() { for _ in $(seq 1 600); do [ -s "$1" ] && return 0; sleep 0.05; done; return 1; }
jsonf() { "$PY" -c "import json,sys; d=json.loads(open(sys.argv[1]).readline()); print($2)" "$1"; }

"${RT[@]}" "$ECHO" --service default/v1 --quiet > "$WORK/echo.json" 2> /dev/null &
PIDS+=($!)
wait_file "$WORK/echo.json"
EPORT=$(jsonf "$WORK/echo.json" "d['port']")
# The large responses come from nghttpd over h2c (a C server: the attack must load the gateway,
# not a Python backend's threads): /big/1048576 is a file of 1 MiB.
mkdir -p "$WORK/www/big"
head -c 1048576 /dev/zero > "$WORK/www/big/1048576"
BIG=
for attempt in 1 2 3 4 5; do # nghttpd cannot report a port it picked: retry when one was taken
    P=$("$PY" -c "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])")
    "${RT[@]}" nghttpd --no-tls -a 127.0.0.1 -d "$WORK/www" "$P" > /dev/null 2>&1 &
    NG_PID=$!
    for _ in $(seq 1 100); do
        if curl -s -o /dev/null --http2-prior-knowledge "http://127.0.0.1:$P/"; then BIG=$P; break; fi
        kill -0 "$NG_PID" 2> /dev/null || break
        sleep 0.05
    done
    if [ -n "$BIG" ]; then PIDS+=("$NG_PID"); break; fi
    kill "$NG_PID" 2> /dev/null || true
done
[ -n "$BIG" ] || { echo "bench/hostile.sh: nghttpd did not start" >&2; exit 1; }
sed '/name: big, namespace/{n;s|{port: 8080}|{port: 8080, appProtocol: kubernetes.io/h2c}|}' \
    "$HOSTILE/manifests/budgets.yaml" > "$WORK/gw.yaml"
grep -q "kubernetes.io/h2c" "$WORK/gw.yaml" || { echo "bench/hostile.sh: manifest edit failed" >&2; exit 1; }
# gateway NAME [PREFIX...]: starts a gateway on the manifest (its output in NAME.out); sets
# GW_PID and GW_ADDR
gateway() {
    local name=$1
    shift
    "$@" "$GATESIM" gateway "$WORK/gw.yaml" --backend "default/v1:8080=127.0.0.1:$EPORT" \
        --backend "default/big:8080=127.0.0.1:$BIG" > "$WORK/$name.out" 2> "$WORK/$name.err" &
    GW_PID=$!
    PIDS+=($GW_PID)
    wait_file "$WORK/$name.out" || { cat "$WORK/$name.err" >&2; exit 1; }
    GW_ADDR=$(jsonf "$WORK/$name.out" "d['listeners'][0]['address']")
}
gateway ctl # the control: attacked while the normal client measures the other one
CTL=$GW_ADDR
CTL_PID=$GW_PID
gateway gw "${RT[@]}"
GW=$GW_ADDR

kib() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$GW_PID/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; } # PID → user + system ticks
HZ=$(getconf CLK_TCK)
loadavg() { cut -d' ' -f1 /proc/loadavg; }
# normal SECONDS → p99 in ms of the normal client (requests that failed are reported too)
normal() {
    "${RT[@]}" "$GATESIM" load -q -p h2c -c 4 -m 4 -r "$RATE" -d "${1}s" -o json --host example.com \
        "http://$GW/normal" > "$WORK/load.json" 2> /dev/null || true
    "$PY" -c "
import json,sys
d=json.load(open(sys.argv[1]))
err=sum(d['errors'].values())
print('%.2f %d %d' % (d['latencyMs']['p99'], d['responses'], err))" "$WORK/load.json"
}

# attack NAME TARGET: runs the attack on TARGET for ATTACK_S seconds in the background, at nice
# ATTACK_NICE (sets ATTACK_PID)
attack() {
    local py="PYTHONPATH=$HOSTILE nice -n $ATTACK_NICE $PY $HOSTILE/attack.py"
    case $1 in
    bodies) cmd="$py bodies $2 --source 127.0.0.2 --conns 2 --streams 128 --bytes 4194304 --hold 2 --duration $ATTACK_S" ;;
    held) cmd="$py held $2 --source 127.0.0.2 --conns 10 --streams 128 --size 1048576 --hold 8 --duration $ATTACK_S" ;;
    resets) cmd="$py resets $2 --source 127.0.0.2 --conns 1000 --per-conn 20 --pause 0.01 --duration $ATTACK_S" ;;
    esac
    # `times` (its second line: the children's user and system time) gives the attackers' CPU.
    bash -c "$cmd; times > $WORK/times-$1" > "$WORK/attack-$1.json" 2> "$WORK/attack-$1.err" &
    ATTACK_PID=$!
    PIDS+=($ATTACK_PID)
}

echo "bench/hostile.sh: gateway $GW (control $CTL), normal client ${RATE} req/s h2c (4 connections x 4 streams), attackers at nice $ATTACK_NICE${RT:+, measured path at SCHED_FIFO 10}"
normal 3 > /dev/null # warm-up
read -r BASE_P99 BASE_N BASE_ERR <<< "$(normal "$NORMAL")"
echo "unloaded: p99 ${BASE_P99} ms ($BASE_N responses, $BASE_ERR errors), RSS $(($(kib VmRSS) / 1024)) MB, load average $(loadavg) ($(nproc) CPUs)"
# attack_cpu NAME WALL_S → the attackers' CPU use in % of one core
attack_cpu() {
    "$PY" -c "
import re,sys
t=[float(m)*60+float(s) for m,s in re.findall(r'(\d+)m([\d.]+)s', open(sys.argv[1]).read().splitlines()[1])]
print('%.0f' % (100 * sum(t) / max(float(sys.argv[2]), 1)))" "$WORK/times-$1" "$2" 2> /dev/null || echo "?"
}
ROW='%-11s %12s %9s %10s %10s %7s %14s %11s %6s\n'
printf "$ROW" attack "peak RSS MB" "bound MB" "p99 ms" "p99 ratio" errors "gateway CPU %" "attack CPU %" load
# row NAME TARGET: one attack on TARGET while the normal client measures the gateway; prints the
# row (the peak RSS and CPU are the measured gateway's). Sets PEAK.
row() {
    echo 5 > "/proc/$GW_PID/clear_refs" 2> /dev/null || true # resets VmHWM
    local t0 w0 p99 n err cpu acpu ratio
    t0=$(cpu_ticks "$GW_PID")
    w0=$SECONDS
    attack "$1" "$2"
    sleep 3
    read -r p99 n err <<< "$(normal "$NORMAL")"
    wait "$ATTACK_PID" 2> /dev/null || true
    cpu=$(awk -v t=$(($(cpu_ticks "$GW_PID") - t0)) -v hz="$HZ" -v w=$((SECONDS - w0)) 'BEGIN {printf "%.0f", 100 * t / hz / (w > 0 ? w : 1)}')
    acpu=$(attack_cpu "$1" $((SECONDS - w0)))
    PEAK=$(($(kib VmHWM) / 1024))
    ratio=$("$PY" -c "import sys; print('%.2f' % (float(sys.argv[1]) / max(float(sys.argv[2]), 0.001)))" "$p99" "$BASE_P99")
    printf "$ROW" "$3" "$PEAK" "$BOUND_MB" "$p99" "${ratio}x" "$err" "$cpu" "$acpu" "$(loadavg)"
    sleep 1
}
FAIL=0
for a in bodies held resets; do
    row "$a" "$GW" "$a"
    [ "$PEAK" -le "$BOUND_MB" ] || FAIL=1
    row "$a" "$CTL" "$a/ctl"
done
echo "(/ctl: the same attack on a second gateway process; the p99 and CPU are still the measured gateway's)"
kill -USR1 "$GW_PID"
sleep 0.3
tail -n1 "$WORK/gw.out" | "$PY" -c "
import json,sys
s=json.load(sys.stdin)['stats']
keys=['bodyBudgetRefused','heldBudgetReset','stalledClosed','h2ResetsRefused','addrResetsRefused',
      'connectionsBanned','cancelledBeforeSend','upstreamConnects','upstreamDrained',
      'requestBodyBytesPeak','responseBytesPeak']
print('counters: ' + ', '.join('%s %d' % (k, s[k]) for k in keys))"
[ "$FAIL" -eq 0 ] || { echo "bench/hostile.sh: peak RSS over the ${BOUND_MB} MB bound" >&2; exit 1; }
