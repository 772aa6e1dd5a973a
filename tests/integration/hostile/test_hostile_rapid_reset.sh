#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Rapid reset across connections (CVE-2023-44487): a client address that stays under the
# per-connection limit but reconnects is stopped by the per-address budget (GOAWAY
# ENHANCE_YOUR_CALM, then its new connections refused: addrResetsRefused, connectionsBanned),
# while another address is served. Requests reset in the read that brought them cost no
# upstream work (cancelledBeforeSend), and requests reset while the upstream answers leave
# their upstream connection in the pool (upstreamDrained), so the upstream connection count
# stays small.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

hostile_start --addr-max-resets 100 --addr-ban 30s --request-timeout 5s

# 127.0.0.2 (loopback too): 20 connections of 20 resets each, 400 in all, each connection far
# under the per-connection limit (200 per 10 s).
attack resets "$HTTP" --source 127.0.0.2 --conns 20 --per-conn 20
check "the address gets GOAWAY(ENHANCE_YOUR_CALM)" eq "$(res goaway_code)" 11
check "after about 100 resets, not all 400" le "$(res resets)" 140
check "its next connection is refused" eq "$(res refused_after)" True
check "with a TCP reset (no TIME_WAIT left on the gateway per attempt)" eq "$(res refused_with_reset)" True
CODE=$(curl -s --http2-prior-knowledge -o /dev/null -w '%{http_code}' -H 'Host: example.com' \
    "http://$HTTP/normal")
check "another address is served meanwhile" eq "$CODE" 200
gw_stats
check "counted in addrResetsRefused" ge "$(stat addrResetsRefused)" 1
check "the refused connection is counted in connectionsBanned" ge "$(stat connectionsBanned)" 1
check "most reset requests never reached the upstream" ge "$(stat cancelledBeforeSend)" 50
check "so few upstream connections were opened" le "$(stat upstreamConnects)" 10

# 127.0.0.3: 6 requests to a backend that answers in 800 ms, each reset 250 ms after it was
# sent (upstream by then, even on a loaded machine), the next one 800 ms after the reset; the
# reset upstream connection is read to the end and pooled, and the next request reuses it.
BEFORE=$(stat upstreamConnects)
attack cancel "$HTTP" --source 127.0.0.3 --count 6 --path '/slow?delay=800ms' --after 0.25 --wait 0.8
gw_stats
check "the cancelled calls' connections were drained and pooled" ge "$(stat upstreamDrained)" 4
check "not one upstream connection per reset" le "$(($(stat upstreamConnects) - BEFORE))" 3
check "the gateway is still running" kill -0 "$GW_PID"
finish
