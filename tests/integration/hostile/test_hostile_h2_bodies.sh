#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# HTTP/2 request bodies have a connection and a process budget: streams that send bodies and
# never end them are answered 413 once their connection holds 256 KiB, or once all connections
# hold 640 KiB and theirs holds more than its fair share (small budgets set by flags), counted
# in bodyBudgetRefused; what was held is given back when the clients go, and a normal upload
# still works.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

hostile_start --conn-body-budget 256K --process-body-budget 640K

# One connection, 4 streams of 96 KiB each: the third goes over 256 KiB.
attack bodies "$HTTP" --conns 1 --streams 4 --bytes 98304 --hold 0.5
check "a connection over its body budget gets 413s" ge "$(res refused413)" 1
check "but not every stream: the budget let some through" le "$(res refused413)" 3
gw_stats
check "counted in bodyBudgetRefused" ge "$(stat bodyBudgetRefused)" 1
check "the budget was never passed on one connection" le "$(stat requestBodyBytesPeak)" 262144
REFUSED=$(stat bodyBudgetRefused)
check "the departed client's bytes are given back" eq "$(stat requestBodyBytesHeld)" 0

# Four connections, 2 streams of 96 KiB each (192 KiB, under the connection budget): together
# 768 KiB, over the 640 KiB process budget.
attack bodies "$HTTP" --conns 4 --streams 2 --bytes 98304 --hold 1
check "connections under their budget meet the process budget" ge "$(res refused413)" 1
gw_stats
check "counted too" ge "$(stat bodyBudgetRefused)" $((REFUSED + 1))
check "the process held at most twice its budget (fair shares past it)" \
    le "$(stat requestBodyBytesPeak)" 1310720
check "everything given back" eq "$(stat requestBodyBytesHeld)" 0

# A normal client is served: a 200 KiB upload over HTTP/2 gets the echo's answer.
head -c 204800 /dev/zero > "$WORK/up.bin"
CODE=$(curl -s --http2-prior-knowledge -o /dev/null -w '%{http_code}' -H 'Host: example.com' \
    --data-binary @"$WORK/up.bin" "http://$HTTP/upload")
check "an upload under the budgets is served" eq "$CODE" 200
check "the gateway is still running" kill -0 "$GW_PID"
finish
