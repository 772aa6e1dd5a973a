#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# How often `gatesim compare` cries wolf, and whether it catches a real regression (docs/ci.md):
#   1. false alarms: PAIRS pairs of `gatesim bench quick --target builtin` runs of the same build,
#      each pair compared; every exit 1 is a false alarm (the rate is printed per pair and per
#      metric compared);
#   2. an injected regression: a profile benchmarked against a gatesim-echo, then against one
#      answering 1 ms later (`--delay 1ms`): compare must exit 1.
# usage: bench/compare.sh [path/to/gatesim] [pairs, default 5]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
gatesim=${1:-$here/build/harness/cli/gatesim}
pairs=${2:-5}
echo_bin=$(dirname "$gatesim")/../../backends/gatesim-echo
[ -x "$gatesim" ] && [ -x "$echo_bin" ] || { echo "bench/compare.sh: build gatesim and gatesim-echo first" >&2; exit 2; }
tmp=$(mktemp -d /tmp/gs-bench-compare.XXXXXX)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT
echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"

alarms=0
rows=0
for i in $(seq "$pairs"); do
    "$gatesim" bench quick -q --target builtin --output-file "$tmp/a.json"
    "$gatesim" bench quick -q --target builtin --output-file "$tmp/b.json"
    if "$gatesim" compare -o json "$tmp/a.json" "$tmp/b.json" >"$tmp/c.json"; then verdict=ok; else verdict=ALARM; alarms=$((alarms + 1)); fi
    n=$(/usr/bin/python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["comparisons"]))' "$tmp/c.json")
    r=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["regressions"])' "$tmp/c.json")
    rows=$((rows + n))
    echo "pair $i/$pairs: $verdict ($r of $n metric comparisons flagged)"
    regressed=$((${regressed:-0} + r))
done
echo "false alarms: $alarms of $pairs pairs; ${regressed:-0} of $rows metric comparisons"

# a backend 1 ms slower: the same profile against each
start_echo() { # delay -> prints the address
    "$echo_bin" --service bench/echo --replica x --listen 127.0.0.1:0 $1 >"$tmp/echo$2.out" 2>/dev/null &
    pids+=($!)
    for _ in $(seq 200); do
        addr=$(/usr/bin/python3 -c 'import json,sys
for l in open(sys.argv[1]):
    try: print(json.loads(l)["listen"]); break
    except Exception: pass' "$tmp/echo$2.out" 2>/dev/null || true)
        [ -n "$addr" ] && { echo "$addr"; return; }
        sleep 0.05
    done
    echo "bench/compare.sh: gatesim-echo did not start" >&2
    exit 2
}
fast=$(start_echo "" 1)
slow=$(start_echo "--delay 1ms" 2)
cat >"$tmp/p.json" <<'JSON'
{"name": "delay", "rounds": 5, "warmup": "300ms", "cases": [
  {"name": "http1-c16", "connections": 16, "duration": "1s"},
  {"name": "http1-r500", "connections": 16, "rate": 500, "duration": "1s"}]}
JSON
"$gatesim" bench "$tmp/p.json" -q --url "http://$fast/" --output-file "$tmp/fast.json"
"$gatesim" bench "$tmp/p.json" -q --url "http://$slow/" --output-file "$tmp/slow.json"
if "$gatesim" compare "$tmp/fast.json" "$tmp/slow.json" >"$tmp/delay.md"; then
    echo "injected 1 ms delay: NOT flagged"
    cat "$tmp/delay.md"
    exit 1
fi
echo "injected 1 ms delay: flagged (exit 1)"
grep -F "REGRESSION" "$tmp/delay.md" || true
