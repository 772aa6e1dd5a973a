#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# An HTTP/1.1 backend under a BackendTLSPolicy that closes its connections without close_notify
# (tls_noclose_backend.py): the close is an EOF, and the gateway's HTTP/1.1 framing decides. A
# body delimited by the close is complete (200 and the whole body); a Content-Length or chunked
# body cut by it is an error: the gateway has already passed the head on to the client (it
# streams responses), so the client's connection is cut short too, as when a plain TCP backend
# closes early (curl: exit 18, "transfer closed with outstanding read data remaining").
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

make_ca ca
make_leaf backend ca app.example.com
"$PY" "$HERE/tls_noclose_backend.py" "$WORK/backend.crt" "$WORK/backend.key" \
    > "$WORK/backend.out" 2> "$WORK/backend.err" &
PIDS+=($!)
wait_line "$WORK/backend.out"
BACKEND=$(head -n1 "$WORK/backend.out")

{
    yaml_gatewayclass
    yaml_http_gateway
    yaml_service tls
    yaml_route_all gw tls
    yaml_ca_configmap ca ca
    yaml_backend_tls_policy tls tls ca app.example.com
} > "$WORK/gw.yaml"
start_gateway "$WORK/gw.yaml" --backend "default/tls:8080=127.0.0.1:$BACKEND"
ADDR=$(gw_addr http)

get() { # get PATH: prints "CODE BODY" (curl's exit code when it failed)
    local rc=0 code
    code=$(curl -s -o "$WORK/body" -w '%{http_code}' --max-time 60 "http://$ADDR$1") || rc=$?
    if [ "$rc" -ne 0 ]; then echo "curl-exit-$rc"; return; fi
    echo "$code $(cat "$WORK/body")"
}

check "a body delimited by the close is complete" eq "$(get /close)" "200 body-until-close"
check "a Content-Length body cut by the close cuts the client's response" \
    eq "$(get /cut)" "curl-exit-18"
check "a chunked body cut by the close cuts the client's response" \
    eq "$(get /chunk)" "curl-exit-18"
check "the close-delimited body again (fresh connection each time)" \
    eq "$(get /close)" "200 body-until-close"
finish
