#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Response data held for slow HTTP/1.1 readers is charged to the process's held-response budget
# (shared with HTTP/2): four clients that ask for 64 MiB each and never read make the gateway
# hold up to the pause size (1 MiB) each; over --process-held-budget 1M, those past their fair
# share are cut (heldBudgetReset) and the total stays under twice the budget. A normal client
# downloads meanwhile, and once the readers are gone nothing is held.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

hostile_start --process-held-budget 1M

size() { curl -s --max-time 60 -o "$WORK/dl" -w '%{size_download}' -H 'Host: example.com' \
    "http://$HTTP/big/307200"; }

PYTHONPATH="$HERE" timeout 120 "$PY" "$HERE/attack.py" h1held "$HTTP" --conns 4 \
    > "$WORK/attack.json" &
ATTACK=$!
PIDS+=($ATTACK)
wait_stat heldBudgetReset ge 1 # the readers hold 60 s at most
check "readers past their share of the process budget are cut" ge "$(stat heldBudgetReset)" 1
check "HTTP/1.1 held data is counted" ge "$(stat responseBytesPeak)" 1
check "the held total stayed under twice the process budget" le "$(stat responseBytesPeak)" 2097152
GOT=$(size || true)
[ "$GOT" = 307200 ] || GOT=$(size || true) # a reset may meet the spent budget once
check "a normal client downloads the whole response meanwhile" eq "$GOT" 307200
kill "$ATTACK" 2>/dev/null || true
wait "$ATTACK" 2>/dev/null || true
wait_stat responseBytesHeld eq 0
check "nothing held once the readers are gone" eq "$(stat responseBytesHeld)" 0
finish
