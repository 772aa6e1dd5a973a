#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# accept() out of descriptors (EMFILE): the gateway, run with `ulimit -n 64`, meets 150 held
# connections. It must pause accepting instead of spinning: a bounded number of "accept:" log
# lines (rate-limited: one per 10 s, saying how many failures it stands for), the failures
# counted in acceptErrors, and once the flood is gone it serves again. gatesim-echo shares the
# same back-off.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

start_echo default/v1 a
V1=$ECHO_PORT
# The gateway under a small descriptor limit (the shell's own limit is left alone).
GATESIM_REAL=$GATESIM
GATESIM="$WORK/gatesim-lowfd"
printf '#!/bin/sh\nulimit -n 64\nexec "%s" "$@"\n' "$GATESIM_REAL" > "$GATESIM"
chmod +x "$GATESIM"
start_gateway "$HERE/manifests/budgets.yaml" --backend "default/v1:8080=127.0.0.1:$V1"
HTTP=$(gw_addr http)
STATS_LINES=1

attack flood "$HTTP" --conns 150 --hold 3
LINES=$(grep -c "accept:" "$GW_ERR" || true)
check "at least one accept failure was logged" ge "$LINES" 1
check "but no flood of log lines (rate-limited)" le "$LINES" 3
gw_stats
check "the failures are counted" ge "$(stat acceptErrors)" 1
check "paused, not spinning: far fewer failures than a busy loop makes" le "$(stat acceptErrors)" 200
CODE=000
END=$((SECONDS + WAIT_S))
while [ "$SECONDS" -le "$END" ]; do # the held sockets are closing: the pause ends within 100 ms
    CODE=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' -H 'Host: example.com' \
        "http://$HTTP/after" || true)
    [ "$CODE" = 200 ] && break
    sleep 0.1
done
check "served again once the flood is gone" eq "$CODE" 200

# gatesim-echo under the same limit: one log line, then it serves again.
printf '#!/bin/sh\nulimit -n 64\nexec "%s" "$@"\n' "$GATESIM_ECHO" > "$WORK/echo-lowfd"
chmod +x "$WORK/echo-lowfd"
"$WORK/echo-lowfd" --service default/low > "$WORK/echo-low.json" 2> "$WORK/echo-low.err" &
PIDS+=($!)
san_watch "$WORK/echo-low.err"
wait_line "$WORK/echo-low.json"
LOW=$(head -n1 "$WORK/echo-low.json" | "$PY" -c "import json,sys; print(json.load(sys.stdin)['port'])")
attack flood "127.0.0.1:$LOW" --conns 150 --hold 3
ELINES=$(grep -c "accept:" "$WORK/echo-low.err" || true)
check "the echo logs its accept failures" ge "$ELINES" 1
check "rate-limited too" le "$ELINES" 3
CODE=000
END=$((SECONDS + WAIT_S))
while [ "$SECONDS" -le "$END" ]; do
    CODE=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$LOW/" || true)
    [ "$CODE" = 200 ] && break
    sleep 0.1
done
check "the echo serves again" eq "$CODE" 200
finish
