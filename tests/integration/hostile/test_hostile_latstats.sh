#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The statistics of bench/hostile.sh (latstats.py): known-answer checks of the HdrHistogram log
# decoding, the pooled percentile and the round bootstrap's intervals, then a real
# `gatesim load --hdr-log` run against gatesim-echo read back: every response's latency is in
# the log, and the log's p99 is the one the run reports.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

check "latstats known answers" env PYTHONPATH="$HERE" "$PY" "$HERE/latstats_test.py"
start_echo default/v1 a
"$GATESIM" load -q -p h2c -c 2 -m 2 -r 200 -d 2s -o json --hdr-log "$WORK/lat.hlog" \
    "http://127.0.0.1:$ECHO_PORT/x" > "$WORK/load.json"
check "the run got responses" test "$(json "$WORK/load.json" "j['responses']")" -ge 300
check "the log agrees with the run" env PYTHONPATH="$HERE" "$PY" "$HERE/latstats_test.py" \
    "$WORK/lat.hlog" "$WORK/load.json"
# bench/hostile.sh's summary on that log as every phase of two rounds: ratio 1, PASS; the same
# with a peak RSS over the bound: FAIL, exit status 1.
mkdir -p "$WORK/bench/lat"
: > "$WORK/bench/results"
for r in 1 2; do
    for ph in unloaded attack control; do
        cp "$WORK/lat.hlog" "$WORK/bench/lat/x.$r.$ph.hlog"
        echo "x $r $ph 1.0 40 0" >> "$WORK/bench/results"
    done
done
summary() { PYTHONPATH="$HERE" "$PY" "$HERE/../../../bench/hostile_summary.py" "$WORK/bench" 256 200 x; }
check "the bench summary passes equal phases" contains "$(summary)" "PASS x: p99 ratio 1.00x [1.00-1.00]"
echo "x 2 attack 1.0 300 0" >> "$WORK/bench/results"
check "the bench summary fails a peak RSS over the bound" contains "$(summary || echo "exit $?")" "exit 1"
check "and says why" contains "$(summary || true)" "peak RSS 300 MB > 256 MB"
finish
