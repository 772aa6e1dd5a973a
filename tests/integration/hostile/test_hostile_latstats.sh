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
finish
