#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# HTTP/1.1 `Upgrade: h2c` (RFC 7540 §3.2) on the cleartext port of `gatesim gateway`, with real
# clients: curl --http2 and nghttp -u switch to HTTP/2 and get the response on stream 1 (the
# upstream hop is HTTP/1.1 or h2c independently), the upgraded request goes through the route's
# filters and timeout, the client's preface and a second stream may follow the head in one
# write; upgrades that are not taken (a body, a malformed HTTP2-Settings, TLS) are answered over
# HTTP/1.1 and never reach the backend as Upgrade / HTTP2-Settings.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

make_self_signed tls tls.example.com

start_echo default/v1 a;                   V1=$ECHO_PORT
start_echo default/h2 a;                   H2=$ECHO_PORT
start_echo default/slow a --delay 3s;      SLOW=$ECHO_PORT
{
    yaml_tls_secret cert tls
    yaml_service v1
    yaml_service h2 kubernetes.io/h2c
    yaml_service slow
    cat <<YAML
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  gatewayClassName: any
  listeners:
  - {name: http, port: 80, protocol: HTTP}
  - name: https
    port: 443
    protocol: HTTPS
    hostname: tls.example.com
    tls: {certificateRefs: [{name: cert}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: app, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rules:
  - backendRefs: [{name: v1, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /h2}}]
    backendRefs: [{name: h2, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /filtered}}]
    filters:
    - type: RequestHeaderModifier
      requestHeaderModifier: {set: [{name: X-Filtered, value: "yes"}]}
    - type: ResponseHeaderModifier
      responseHeaderModifier: {set: [{name: X-Resp-Filtered, value: "yes"}]}
    backendRefs: [{name: v1, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /slow}}]
    timeouts: {request: 300ms}
    backendRefs: [{name: slow, port: 8080}]
YAML
} > "$WORK/h2c.yaml"
start_gateway "$WORK/h2c.yaml" --backend "default/v1:8080=127.0.0.1:$V1" \
    --backend "default/h2:8080=127.0.0.1:$H2" --backend "default/slow:8080=127.0.0.1:$SLOW"
ADDR=$(gw_addr http)
TLS=$(gw_addr https)

# c ARGS...: curl -v with the body in $WORK/body, the trace in $WORK/trace; prints
# "HTTP-VERSION STATUS".
c() {
    curl -s -v --max-time 60 -o "$WORK/body" -w '%{http_version} %{http_code}' "$@" \
        2> "$WORK/trace" || true
}
body() { cat "$WORK/body"; }
trace() { cat "$WORK/trace"; }

# curl --http2 over cleartext: Upgrade: h2c, 101, then HTTP/2; the upstream hop is HTTP/1.1.
check "curl --http2: HTTP/2 200 to the client" eq "$(c --http2 -H 'Host: a.example' "http://$ADDR/path?q=1")" "2 200"
check "curl sent Upgrade: h2c"        contains "$(trace)" "> Upgrade: h2c"
check "the gateway answered 101"      contains "$(trace)" "< HTTP/1.1 101 Switching Protocols"
check "curl switched to HTTP/2"       contains "$(trace)" "< HTTP/2 200"
check "the upstream hop is HTTP/1.1"  contains "$(body)" '"proto":"HTTP/1.1"'
check "path and query reach the backend" contains "$(body)" '"path":"/path?q=1"'
check ":authority from Host"          contains "$(body)" '"host":"a.example"'
check "X-Forwarded-Proto http"        contains "$(body)" '"X-Forwarded-Proto":["http"]'
check "no Upgrade at the backend"     lacks "$(body)" 'Upgrade'
check "no HTTP2-Settings at the backend" lacks "$(body)" 'Settings'
check "no Connection at the backend"  lacks "$(body)" 'Connection'

# The same to an h2c Service port: both hops HTTP/2, independently.
check "curl --http2 to an h2c upstream" eq "$(c --http2 "http://$ADDR/h2/x")" "2 200"
check "the upstream hop is HTTP/2"    contains "$(body)" '"proto":"HTTP/2.0"'
check "no Upgrade at the h2 backend"  lacks "$(body)" 'Upgrade'

# HEAD as stream 1: no body, the upstream length kept.
check "HEAD upgraded"                 eq "$(c --http2 -I "http://$ADDR/head")" "2 200"
check "HEAD keeps Content-Length"     contains "$(body)" "content-length:"

# The upgraded request runs the route's filters and timeout like any HTTP/2 stream.
check "filters apply to stream 1"     eq "$(c --http2 "http://$ADDR/filtered")" "2 200"
check "request filter reached the backend" contains "$(body)" '"X-Filtered":["yes"]'
check "response filter reached the client" contains "$(trace)" "< x-resp-filtered: yes"
check "route timeout on stream 1 is 504" eq "$(c --http2 "http://$ADDR/slow")" "2 504"

# nghttp -u: the 101, our SETTINGS, the response on stream 1.
OUT=$(timeout 60 nghttp -u -v "http://$ADDR/nghttp" 2>&1 || true)
check "nghttp: 101"                   contains "$OUT" "HTTP/1.1 101 Switching Protocols"
check "nghttp: upgrade success"       contains "$OUT" "HTTP Upgrade success"
check "nghttp: server SETTINGS"       contains "$OUT" "recv SETTINGS frame"
check "nghttp: :status 200 on stream 1" contains "$OUT" "recv (stream_id=1) :status: 200"
check "nghttp: the echo body"         contains "$OUT" '"path":"/nghttp"'
check "nghttp: no error"              lacks "$OUT" "PROTOCOL_ERROR"

# Head, preface, SETTINGS and a second request (stream 3) in one write: the bytes after the head
# reach nghttp2, and the connection goes on as HTTP/2.
OUT=$("$PY" "$HERE/h2c_client.py" "$ADDR" upgrade /raw raw.example 2>&1 || true)
check "raw: 101"                      contains "$OUT" "HTTP1 HTTP/1.1 101 Switching Protocols"
check "raw: stream 1 is 200"          contains "$OUT" "STATUS 1 200"
check "raw: stream 3 is 200"          contains "$OUT" "STATUS 3 200"
check "raw: stream 1 body"            contains "$OUT" 'BODY 1 {"path":"/raw","host":"raw.example"'
check "raw: stream 3 body"            contains "$OUT" 'BODY 3 {"path":"/raw?second","host":"raw.example"'
check "raw: no GOAWAY"                lacks "$OUT" "GOAWAY"

# A request with a body: the upgrade is ignored (RFC 7540 lets the server), HTTP/1.1 answer.
check "POST --http2 stays HTTP/1.1"   eq "$(c --http2 -d 'a=1' "http://$ADDR/post")" "1.1 200"
check "POST: no 101"                  lacks "$(trace)" "HTTP/1.1 101"
check "POST: body forwarded"          contains "$(body)" '"method":"POST"'
check "POST: no Upgrade at the backend" lacks "$(body)" 'Upgrade'
check "POST: no HTTP2-Settings at the backend" lacks "$(body)" 'Settings'

# Upgrades that are not taken: plain HTTP/1.1, nothing of the upgrade forwarded.
UP=(-H 'Connection: Upgrade, HTTP2-Settings' -H 'Upgrade: h2c')
check "malformed HTTP2-Settings: HTTP/1.1" \
    eq "$(c --http1.1 "${UP[@]}" -H 'HTTP2-Settings: !!not base64!!' "http://$ADDR/bad")" "1.1 200"
check "malformed: no Upgrade at the backend" lacks "$(body)" 'Upgrade'
check "malformed: no HTTP2-Settings at the backend" lacks "$(body)" 'Settings'
check "invalid SETTINGS value (ENABLE_PUSH 2): HTTP/1.1" \
    eq "$(c --http1.1 "${UP[@]}" -H 'HTTP2-Settings: AAIAAAAC' "http://$ADDR/bad")" "1.1 200"
check "invalid SETTINGS: no Upgrade at the backend" lacks "$(body)" 'Upgrade'
check "two HTTP2-Settings: HTTP/1.1" \
    eq "$(c --http1.1 "${UP[@]}" -H 'HTTP2-Settings: AAMAAABkAAQAAP__' \
        -H 'HTTP2-Settings: AAMAAABkAAQAAP__' "http://$ADDR/bad")" "1.1 200"
check "two HTTP2-Settings: none at the backend" lacks "$(body)" 'Settings'
check "Connection without HTTP2-Settings: HTTP/1.1" \
    eq "$(c --http1.1 -H 'Connection: Upgrade' -H 'Upgrade: h2c' \
        -H 'HTTP2-Settings: AAMAAABkAAQAAP__' "http://$ADDR/bad")" "1.1 200"
check "Connection without HTTP2-Settings: no Upgrade at the backend" lacks "$(body)" 'Upgrade'
check "Connection without HTTP2-Settings: no HTTP2-Settings at the backend" lacks "$(body)" 'Settings'
# The connection stays usable after an ignored upgrade (keep-alive): two requests, one socket.
OUT=$(printf 'GET /k1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: %%%%\r\n\r\nGET /k2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' |
    "$PY" "$HERE/h2c_client.py" "$ADDR" raw 2>&1 || true)
check "ignored upgrade keeps the connection: first answer" contains "$OUT" '"path":"/k1"'
check "ignored upgrade keeps the connection: second answer" contains "$OUT" '"path":"/k2"'
check "ignored upgrade: no 101 on the wire" lacks "$OUT" "HTTP/1.1 101"

# TLS: h2c is never taken there (ALPN decides); the request is answered over HTTP/1.1.
TLSPORT=${TLS##*:}
check "h2c over TLS: HTTP/1.1" \
    eq "$(c --http1.1 --cacert "$WORK/tls.crt" --resolve "tls.example.com:$TLSPORT:127.0.0.1" \
        "${UP[@]}" -H 'HTTP2-Settings: AAMAAABkAAQAAP__' "https://tls.example.com:$TLSPORT/tls")" "1.1 200"
check "h2c over TLS: no 101"          lacks "$(trace)" "HTTP/1.1 101"
check "h2c over TLS: reached the backend" contains "$(body)" '"X-Forwarded-Proto":["https"]'
check "h2c over TLS: no Upgrade at the backend" lacks "$(body)" 'Upgrade'
check "h2c over TLS: no HTTP2-Settings at the backend" lacks "$(body)" 'Settings'

finish
