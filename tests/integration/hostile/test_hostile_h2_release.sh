#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Large buffers a departing client leaves behind are given back a slice per loop turn, not inside
# the callback that closed its connection (gs_gw_release): two HTTP/2 streams that send 4 MiB
# bodies each and never end them (buffered, within the default budgets), then the client goes;
# the bodies go through the slices (buffersReleasedInSlices), every byte is given back
# (releasePendingBytes and requestBodyBytesHeld back to 0, the gateway's RSS back near where it
# was), and a normal client is served meanwhile and after.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

hostile_start
rss_kib() { awk '$1 == "VmRSS:" {print $2}' "/proc/$GW_PID/status"; }
gw_stats
BEFORE_RSS=$(rss_kib)
BEFORE=$(stat buffersReleasedInSlices)

attack bodies "$HTTP" --conns 1 --streams 2 --bytes 4194304 --hold 1
check "the bodies were taken whole (no 413 under the default budgets)" eq "$(res refused413)" 0
check "8 MiB were sent" ge "$(res sent)" 8388608
gw_stats
check "the process held both bodies at once" ge "$(stat requestBodyBytesPeak)" 8388608
WAIT_S=10 wait_stat releasePendingBytes eq 0
check "the bodies went back in slices" ge "$(($(stat buffersReleasedInSlices) - BEFORE))" 2
check "all of their pages were given back" eq "$(stat releasePendingBytes)" 0
check "and the budgets charged nothing any more" eq "$(stat requestBodyBytesHeld)" 0
AFTER_RSS=$(rss_kib)
if ldd "$GATESIM" 2> /dev/null | grep libasan > /dev/null; then
    echo "skip the RSS check: AddressSanitizer keeps freed memory in its quarantine"
else
    check "the gateway's RSS is back within 4 MiB of where it was (it held 8 MiB)" \
        le "$AFTER_RSS" $((BEFORE_RSS + 4096))
fi
CODE=$(curl -s --http2-prior-knowledge -o /dev/null -w '%{http_code}' -H 'Host: example.com' \
    "http://$HTTP/normal")
check "a normal client is served" eq "$CODE" 200
check "the gateway is still running" kill -0 "$GW_PID"
finish
