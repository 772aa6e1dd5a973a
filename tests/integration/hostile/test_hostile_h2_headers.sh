#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# HPACK abuse costs the client its connection: a header list over the 64 KiB we announce in
# SETTINGS_MAX_HEADER_LIST_SIZE, an HPACK bomb (one 4 KiB table entry referenced a thousand
# times) and a CONTINUATION flood each get GOAWAY (ENHANCE_YOUR_CALM for the first two,
# counted in headerAbuseClosed), and the gateway goes on serving.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

hostile_start
PYTHONPATH="$HERE" timeout 60 "$PY" "$HERE/hpack_bomb.py" "$HTTP" > "$WORK/attack.json"
check "an oversized header list gets GOAWAY(ENHANCE_YOUR_CALM)" eq "$(res big)" 11
check "an HPACK bomb gets GOAWAY(ENHANCE_YOUR_CALM)" eq "$(res bomb)" 11
check "a CONTINUATION flood gets GOAWAY(ENHANCE_YOUR_CALM)" eq "$(res continuations)" 11
gw_stats
check "counted in headerAbuseClosed" eq "$(stat headerAbuseClosed)" 3
CODE=$(curl -s --http2-prior-knowledge -o /dev/null -w '%{http_code}' -H 'Host: example.com' \
    "http://$HTTP/ok")
check "the gateway still serves" eq "$CODE" 200
finish
