#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# How often `gatesim compare` cries wolf, and whether it catches real regressions (docs/ci.md):
#   1. false alarms: PAIRS pairs of `gatesim bench PROFILE --target builtin` runs of the same
#      build, each pair compared; every exit 1 is a false alarm. Prints the count, the rate and
#      its 95% Wilson interval (per pair and per metric comparison), and the load average;
#   2. injected regressions, each benchmarked side by side in interleaved rounds: a gatesim-echo
#      against one answering 1 ms later (`--delay 1ms`); and a 20% throughput loss: echoes
#      answering after 8 ms and after 10 ms, so that the closed loop of 16 connections is held
#      by the backend at 16/8ms = 2,000 and 16/10ms = 1,600 req/s (Little's law; a client on a
#      loaded machine keeps up with that, so the loss is the backend's, not the noise). compare
#      must exit 1 for both, and the throughput loss must be flagged on rps.
# PROFILE is a named profile (quick, ...) or `small` (the default: two HTTP/1.1 cases, closed
# loop x16 and open loop 500 req/s, 5 rounds of 1 s: about 15 s a run), so that enough pairs
# fit in a session to bound the rate.
# usage: bench/false_alarm.sh [path/to/gatesim] [pairs, default 10] [profile, default small]
# exit: 0 when both injected regressions were flagged, 1 otherwise, 2 on setup errors.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
gatesim=${1:-$here/build/harness/cli/gatesim}
pairs=${2:-10}
profile=${3:-small}
echo_bin=$(dirname "$gatesim")/../../backends/gatesim-echo
[ -x "$gatesim" ] && [ -x "$echo_bin" ] || { echo "bench/false_alarm.sh: build gatesim and gatesim-echo first" >&2; exit 2; }
tmp=$(mktemp -d /tmp/gs-bench-false-alarm.XXXXXX)
pids=()       # echo backends
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

cat >"$tmp/small.json" <<'JSON'
{"name": "small", "rounds": 5, "warmup": "300ms", "cases": [
  {"name": "http1-c16", "connections": 16, "duration": "1s"},
  {"name": "http1-r500", "connections": 16, "rate": 500, "duration": "1s"}]}
JSON
[ "$profile" = small ] && profile=$tmp/small.json

# k of n with its 95% Wilson score interval, in percent
wilson() {
    /usr/bin/python3 - "$1" "$2" <<'PY'
import math, sys
k, n = int(sys.argv[1]), int(sys.argv[2])
z = 1.959964
p = k / n
d = 1 + z * z / n
c = (p + z * z / (2 * n)) / d
h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
print(f"{k} of {n} = {100 * p:.1f}% (95% interval {100 * max(0, c - h):.1f}%-{100 * min(1, c + h):.1f}%)")
PY
}

# the number of comparisons and of regressions in a `compare -o json` report
count() { /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["comparisons"]) if sys.argv[2] == "n" else d["regressions"])' "$1" "$2"; }

echo "load average at the start: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores"
alarms=0 rows=0 flagged=0
for i in $(seq "$pairs"); do
    "$gatesim" bench "$profile" -q --target builtin --output-file "$tmp/a.json"
    "$gatesim" bench "$profile" -q --target builtin --output-file "$tmp/b.json"
    if "$gatesim" compare -o json "$tmp/a.json" "$tmp/b.json" >"$tmp/c.json"; then verdict=ok; else verdict=ALARM; alarms=$((alarms + 1)); fi
    n=$(count "$tmp/c.json" n)
    r=$(count "$tmp/c.json" r)
    rows=$((rows + n))
    flagged=$((flagged + r))
    echo "pair $i/$pairs: $verdict ($r of $n metric comparisons flagged; load $(cut -d' ' -f1 /proc/loadavg))"
done
if [ "$pairs" -gt 0 ]; then
    echo "false alarms (pairs flagged): $(wilson "$alarms" "$pairs")"
    echo "false alarms (metric comparisons flagged): $(wilson "$flagged" "$rows")"
fi
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"

# Starts a gatesim-echo with extra args $1 (output file index $2); sets echo_addr and echo_pid.
# Not in a $(...) subshell: the pid must reach pids[] for the cleanup.
start_echo() {
    "$echo_bin" --service bench/echo --replica x --listen 127.0.0.1:0 $1 >"$tmp/echo$2.out" 2>/dev/null &
    echo_pid=$!
    pids+=("$echo_pid")
    for _ in $(seq 400); do
        echo_addr=$(/usr/bin/python3 -c 'import json,sys
for l in open(sys.argv[1]):
    try: print(json.loads(l)["listen"]); break
    except Exception: pass' "$tmp/echo$2.out" 2>/dev/null || true)
        [ -n "$echo_addr" ] && return
        sleep 0.05
    done
    echo "bench/false_alarm.sh: gatesim-echo did not start" >&2
    exit 2
}

# Benches the small profile on each address ($2...) in $1 interleaved rounds (round r of every
# address before round r+1 of any), so drift of a shared machine hits every side alike; the
# rounds of address k go into $tmp/side$k.json as one result document.
bench_interleaved() {
    local rounds=$1
    shift
    for r in $(seq "$rounds"); do
        local k=0
        for addr in "$@"; do
            "$gatesim" bench "$tmp/small.json" -q --rounds 1 --url "http://$addr/" --output-file "$tmp/side$k.r$r.json"
            k=$((k + 1))
        done
    done
    /usr/bin/python3 - "$tmp" "$rounds" "$#" <<'PY'
import json, sys
tmp, rounds, sides = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
for k in range(sides):
    doc = None
    for r in range(1, rounds + 1):
        d = json.load(open(f"{tmp}/side{k}.r{r}.json"))
        if doc is None:
            doc = d
            continue
        for case, more in zip(doc["cases"], d["cases"]):
            case["rounds"] += more["rounds"]
    doc["rounds"] = rounds
    json.dump(doc, open(f"{tmp}/side{k}.json", "w"))
PY
}

# compare $1 (base) with $2; $3 names the injection
expect_flagged() {
    if "$gatesim" compare "$1" "$2" >"$tmp/report.md"; then
        echo "injected $3: NOT flagged"
        cat "$tmp/report.md"
        return 1
    fi
    echo "injected $3: flagged (exit 1)"
    grep -F "REGRESSION" "$tmp/report.md" || true
}

start_echo "" 1
fast=$echo_addr
start_echo "--delay 1ms" 2
slow=$echo_addr
start_echo "--delay 8ms" 3
full=$echo_addr
start_echo "--delay 10ms" 4
lossy=$echo_addr
bench_interleaved 7 "$fast" "$slow" "$full" "$lossy"
missed=0
expect_flagged "$tmp/side0.json" "$tmp/side1.json" "1 ms delay" || missed=1
expect_flagged "$tmp/side2.json" "$tmp/side3.json" "20% throughput loss" || missed=1
if ! grep -Eq '^\| http1-c16 \| rps \|.*REGRESSION' "$tmp/report.md"; then
    echo "the 20% throughput loss was not flagged on rps"
    missed=1
fi
exit "$missed"
