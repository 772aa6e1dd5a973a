#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The zero-window attack is refused before any upstream work: a client that announces a zero
# stream window opens 40 streams for 300 KiB responses at once. Each stream it gets would hold
# its response, so only as many are dispatched as half the connection's held budget (8 MiB)
# covers at the pause size (1 MiB): 4; the other 36 are refused (REFUSED_STREAM, counted in
# heldBudgetReset) without reaching the upstream, where before all 40 went upstream (none held
# data yet when they were dispatched). And the 4 fetch little: a client that can take nothing
# gets its upstream paused past 4 KiB (the stalled size; this HTTP/1.1 upstream is read 16 KiB at
# a time), so the response data held peaks at 4 x 16 KiB, where it was 4 x 32 KiB with a 16 KiB
# stalled size (two reads) and 4 x 300 KiB before that (the whole responses, under the 1 MiB
# pause size). A normal client is served meanwhile and afterwards.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

hostile_start

attack held "$HTTP" --conns 1 --streams 40 --size 307200 --hold 2
check "36 of the 40 streams refused" eq "$(res reset)" 36
gw_stats
check "only 4 went upstream" eq "$(stat requests)" 4
check "the refusals are counted" eq "$(stat heldBudgetReset)" 36
check "the 4 streams held little upstream data" le "$(stat responseBytesPeak)" $((4 * 16384))
check "a normal client downloads the whole response" eq "$(curl -s --max-time 60 --http2-prior-knowledge \
    -o "$WORK/dl" -w '%{size_download}' -H 'Host: example.com' "http://$HTTP/big/307200")" 307200
finish
