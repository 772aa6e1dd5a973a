#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Response data held for slow HTTP/2 readers has a connection and a process budget: clients
# that announce a zero window and ask for 300 KiB responses get the streams over 512 KiB per
# connection (64 KiB for all) reset (heldBudgetReset), and a connection holding data its client
# never takes is closed after --hold-timeout (stalledClosed). Meanwhile, and afterwards, a
# normal client downloads the same response whole. (A stream whose client can take nothing
# holds about 32 KiB: its upstream is paused past 16 KiB, two reads of 16 KiB; so the process
# budget here is small enough for five of them to meet it.)
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

hostile_start --conn-held-budget 512K --process-held-budget 64K --hold-timeout 2s

size() { curl -s --http2-prior-knowledge -o "$WORK/dl" -w '%{size_download}' \
    -H 'Host: example.com' "http://$HTTP/big/307200"; }

attack held "$HTTP" --conns 1 --streams 4 --size 307200 --hold 8
check "streams over the connection's budget are reset" ge "$(res reset)" 2
check "the stalled connection is closed" eq "$(res closed)" 1
gw_stats
check "counted in heldBudgetReset" ge "$(stat heldBudgetReset)" 2
check "counted in stalledClosed" ge "$(stat stalledClosed)" 1
check "one connection never held more than its budget" le "$(stat responseBytesPeak)" 524288
check "nothing held once it is gone" eq "$(stat responseBytesHeld)" 0
RESETS=$(stat heldBudgetReset)

# Five connections with one stream each, under their own budget: about 160 KiB together is
# over the process's 64 KiB. A normal download meanwhile is tried (a reset is retried once: it
# may meet the spent budget).
PYTHONPATH="$HERE" timeout 60 "$PY" "$HERE/attack.py" held "$HTTP" --conns 5 --streams 1 \
    --size 307200 --hold 4 > "$WORK/attack.json" &
ATTACK=$!
PIDS+=($ATTACK)
sleep 1
GOT=$(size || true)
[ "$GOT" = 307200 ] || GOT=$(size || true)
wait "$ATTACK"
check "connections under their budget meet the process budget" ge "$(res reset)" 1
gw_stats
check "counted" ge "$(stat heldBudgetReset)" $((RESETS + 1))
check "the process held at most twice its budget (fair shares past it)" \
    le "$(stat responseBytesPeak)" 131072
check "a normal client downloads the whole response" eq "$(size)" 307200
gw_stats
check "nothing held at the end" eq "$(stat responseBytesHeld)" 0
finish
