# SPDX-License-Identifier: MIT
# Shared helpers of the hostile-traffic tests (sourced, after HERE is set): the gateway tests'
# helpers (processes started here are stopped on exit), a Gateway whose /big routes go to a
# Python backend answering N bytes and everything else to a gatesim-echo (manifests/budgets.yaml),
# and the stats line.
. "$HERE/../gateway/lib.sh"

# hostile_start [GATEWAY FLAGS...]: starts the backends and the gateway; sets HTTP (the plain
# listener's address). HOSTILE_MANIFEST, when set, replaces manifests/budgets.yaml.
hostile_start() {
    start_echo default/v1 a
    V1=$ECHO_PORT
    "$PY" "$HERE/big_backend.py" > "$WORK/big.out" 2> "$WORK/big.err" &
    PIDS+=($!)
    wait_line "$WORK/big.out"
    BIG=$(head -n1 "$WORK/big.out")
    start_gateway "${HOSTILE_MANIFEST:-$HERE/manifests/budgets.yaml}" \
        --backend "default/v1:8080=127.0.0.1:$V1" \
        --backend "default/big:8080=127.0.0.1:$BIG" "$@"
    HTTP=$(gw_addr http)
    STATS_LINES=1
}

# gw_stats: SIGUSR1, then the new stats line into $WORK/stats.json.
gw_stats() {
    kill -USR1 "$GW_PID"
    STATS_LINES=$((STATS_LINES + 1))
    wait_line "$GW_OUT" "$STATS_LINES"
    sed -n "${STATS_LINES}p" "$GW_OUT" > "$WORK/stats.json"
}
stat() { json "$WORK/stats.json" "j['stats']['$1']"; }
# wait_stat NAME TEST VALUE: takes stats lines until `[ <NAME> -TEST VALUE ]` holds (WAIT_S at
# most; the last line stays in $WORK/stats.json for the checks).
wait_stat() {
    local end=$((SECONDS + WAIT_S))
    while [ "$SECONDS" -le "$end" ]; do
        gw_stats
        [ "$(stat "$1")" "-$2" "$3" ] && return 0
        sleep 0.1
    done
    return 0
}

# ge A B / le A B: numeric comparisons that say what they saw.
ge() { [ "$1" -ge "$2" ] || { echo "  expected >= $2, got $1" >&2; return 1; }; }
le() { [ "$1" -le "$2" ] || { echo "  expected <= $2, got $1" >&2; return 1; }; }

# attack ARGS...: runs attack.py (next to this file) with the h2raw module on its path; its
# JSON result goes to $WORK/attack.json.
attack() {
    PYTHONPATH="$HERE" timeout 60 "$PY" "$HERE/attack.py" "$@" > "$WORK/attack.json"
}
res() { json "$WORK/attack.json" "j['$1']"; }
