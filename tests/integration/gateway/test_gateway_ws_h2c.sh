#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# WebSocket to HTTP/2 backends (a Service port with appProtocol kubernetes.io/h2c) through
# `gatesim gateway`: the gateway sends an RFC 8441 extended CONNECT on a connection of its own
# once the backend's SETTINGS enable it, for an HTTP/2 client's extended CONNECT and an HTTP/1.1
# client's Upgrade alike (the latter gets a 101 with the Sec-WebSocket-Accept its key implies).
# Backends: gatesim-echo over h2c, and over TLS (a BackendTLSPolicy); nghttpx (a real RFC 8441 server) in front of a gatesim-echo
# speaking HTTP/1.1; nghttpd, which does not enable extended CONNECT: a 502 that says so.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

NGHTTPX=/usr/sbin/nghttpx
NGHTTPD=/usr/sbin/nghttpd
check "nghttpx and nghttpd are installed (scripts/install-deps.sh)" test -x "$NGHTTPX" -a -x "$NGHTTPD"
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
    local end=$((SECONDS + WAIT_S))
    until "$PY" -c 'import socket,sys; socket.create_connection(("127.0.0.1",int(sys.argv[1])),1)' \
        "$1" 2> /dev/null; do
        [ "$SECONDS" -le "$end" ] || return 1
        sleep 0.1
    done
}

start_echo default/chat-h2 0; ECHO_H2=$ECHO_PORT
start_echo default/chat-h1 0; ECHO_H1=$ECHO_PORT
# An echo over TLS (ALPN h2) whose certificate, of the CA below, names chat.example.com.
make_ca ca
make_leaf chattls ca chat.example.com
start_echo default/chat-tls 0 --tls-listen 127.0.0.1:0 --cert "$WORK/chattls.crt" --key "$WORK/chattls.key"
ECHO_TLS=$(json "$WORK/echo-default_chat-tls-0.json.1" "j['tlsPort']")
NX=$(free_port)
"$NGHTTPX" --conf=/dev/null --workers=1 "--frontend=127.0.0.1,$NX;no-tls" \
    "--backend=127.0.0.1,$ECHO_H1;;proto=http/1.1" --accesslog-file="$WORK/nghttpx.access" \
    --errorlog-file="$WORK/nghttpx.err" 2> "$WORK/nghttpx.stderr" &
PIDS+=($!)
mkdir -p "$WORK/docroot"; echo "from nghttpd" > "$WORK/docroot/index.html"
ND=$(free_port)
"$NGHTTPD" --no-tls -d "$WORK/docroot" "$ND" > "$WORK/nghttpd.out" 2>&1 &
PIDS+=($!)
wait_port "$NX"; wait_port "$ND"

route() { # NAME HOST: a Service with an h2c port and an HTTPRoute for HOST to it
    cat <<YAML
---
apiVersion: v1
kind: Service
metadata: {name: $1, namespace: default}
spec: {ports: [{port: 80, appProtocol: kubernetes.io/h2c}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: $1, namespace: default}
spec:
  parentRefs: [{name: gw}]
  hostnames: [$2]
  rules:
  - filters:
    - type: ResponseHeaderModifier
      responseHeaderModifier: {add: [{name: x-route, value: $1}]}
    backendRefs: [{name: $1, port: 80}]
YAML
}
{
    yaml_http_gateway
    route echo echo.example.com
    route nx nx.example.com
    route plain plain.example.com
    route tls tls.example.com
    route tlsbad tlsbad.example.com
    yaml_ca_configmap ca ca
    yaml_backend_tls_policy tls tls ca chat.example.com
    yaml_backend_tls_policy tlsbad tlsbad ca wrong.example.com
} > "$WORK/ws.yaml"
start_gateway "$WORK/ws.yaml" --backend "default/echo:80=127.0.0.1:$ECHO_H2" \
    --backend "default/nx:80=127.0.0.1:$NX" --backend "default/plain:80=127.0.0.1:$ND" \
    --backend "default/tls:80=127.0.0.1:$ECHO_TLS" --backend "default/tlsbad:80=127.0.0.1:$ECHO_TLS"
ADDR=$(gw_addr http)
client() { PYTHONPATH="$HERE/../hostile" timeout 120 "$PY" "$HERE/ws_echo_client.py" "$@"; }

# gatesim-echo over h2c: a text frame and 1 MiB of binary frames each way, from an HTTP/2 and an
# HTTP/1.1 client (the windows of both HTTP/2 hops are far smaller: flow control both ways).
client "$ADDR" echo.example.com $((1 << 20)) > "$WORK/echo.json"
R=$(cat "$WORK/echo.json")
check "echo: an HTTP/2 client's extended CONNECT is answered 200" contains "$R" '"h2_status": 200'
check "echo: its frames come back unchanged (1 MiB)" contains "$R" '"h2_echo": true'
check "echo: an HTTP/1.1 client's Upgrade is answered 101" contains "$R" '"h1_status": 101'
check "echo: with the Sec-WebSocket-Accept of its key" \
    contains "$R" '"h1_accept": "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="'
check "echo: and Upgrade: websocket" contains "$R" '"h1_upgrade": "websocket"'
check "echo: the route's response header filter applies to the 101" contains "$R" '"h1_x_route": "echo"'
check "echo: its frames come back unchanged (1 MiB)" contains "$R" '"h1_echo": true'
check "echo: an ordinary request on the route is an ordinary answer" \
    eq "$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: echo.example.com' "http://$ADDR/x" --max-time 60 || true)" 200

# The same to the echo over TLS (a BackendTLSPolicy: ALPN h2, :scheme https, the certificate
# checked against the policy's CA and hostname).
client "$ADDR" tls.example.com 100000 > "$WORK/tls.json"
R=$(cat "$WORK/tls.json")
check "TLS backend: an HTTP/2 client's WebSocket is answered 200" contains "$R" '"h2_status": 200'
check "TLS backend: its frames come back unchanged" contains "$R" '"h2_echo": true'
check "TLS backend: an HTTP/1.1 client's WebSocket is answered 101" contains "$R" '"h1_status": 101'
check "TLS backend: its frames come back unchanged" contains "$R" '"h1_echo": true'
client "$ADDR" tlsbad.example.com 0 h1 > "$WORK/tlsbad.json"
check "TLS backend whose certificate does not name the policy's hostname: 502" \
    eq "$(json "$WORK/tlsbad.json" "j['h1_status']")" 502
check "  saying the TLS check failed" \
    contains "$(json "$WORK/tlsbad.json" "j['h1_body']")" "TLS to the backend failed"

# Frames sent before the answer (with the HTTP/1.1 request; DATA after the HTTP/2 HEADERS) wait
# for the tunnel and are echoed.
client "$ADDR" echo.example.com 0 early > "$WORK/early.json"
R=$(cat "$WORK/early.json")
check "echo: an HTTP/1.1 client's frames sent with its request: 101" contains "$R" '"h1_early_status": "101"'
check "echo: and echoed" contains "$R" '"h1_early_echo": true'
check "echo: an HTTP/2 client's DATA before the 200 is echoed" contains "$R" '"h2_early_echo": true'

# nghttpx, a real RFC 8441 server, in front of gatesim-echo over HTTP/1.1.
client "$ADDR" nx.example.com 300000 > "$WORK/nx.json"
R=$(cat "$WORK/nx.json")
check "nghttpx: an HTTP/2 client's WebSocket is answered 200" contains "$R" '"h2_status": 200'
check "nghttpx: its frames come back unchanged" contains "$R" '"h2_echo": true'
check "nghttpx: an HTTP/1.1 client's WebSocket is answered 101" contains "$R" '"h1_status": 101'
check "nghttpx: with the Sec-WebSocket-Accept of its key" \
    contains "$R" '"h1_accept": "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="'
check "nghttpx: its frames come back unchanged" contains "$R" '"h1_echo": true'
check "nghttpx logged both as extended CONNECTs it tunnelled (101 towards its backend)" \
    eq "$(grep -c '"CONNECT nx.example.com HTTP/2" 101' "$WORK/nghttpx.access")" 2

# An answer other than 2xx goes back as it is: nghttpx takes a CONNECT whose version the echo
# refuses (8) as an Upgrade the echo answers as an ordinary GET of /status/404.
OUT=$(curl -s -i -H 'Host: nx.example.com' -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
    -H 'Sec-WebSocket-Version: 8' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' \
    "http://$ADDR/status/404" --max-time 60 || true)
check "nghttpx: a 404 to the extended CONNECT reaches the client as a 404" contains "$OUT" "HTTP/1.1 404"
check "nghttpx: it is nghttpx's answer" contains "$OUT" "server: nghttpx"

# nghttpd does not enable extended CONNECT: 502 saying so, to either client; before it, nothing
# was sent as an ordinary GET (nghttpd would have answered 404 or 200).
client "$ADDR" plain.example.com > "$WORK/plain.json"
R=$(cat "$WORK/plain.json")
WHY="its SETTINGS do not enable extended CONNECT"
check "nghttpd: an HTTP/2 client's WebSocket is not answered 200" contains "$R" '"h2_status": "other"'
check "nghttpd: its 502 says why" contains "$(json "$WORK/plain.json" "j['h2_body']")" "502 WebSocket to an HTTP/2 backend"
check "nghttpd: an HTTP/1.1 client's WebSocket is a 502" contains "$R" '"h1_status": 502'
check "nghttpd: saying why" contains "$(json "$WORK/plain.json" "j['h1_body']")" "$WHY"
check "nghttpd: an ordinary request still reaches it" \
    eq "$(curl -s -H 'Host: plain.example.com' "http://$ADDR/index.html" --max-time 60 || true)" "from nghttpd"

# An Upgrade: websocket without Sec-WebSocket-Key cannot become an extended CONNECT (no accept
# could be made): 400.
check "no Sec-WebSocket-Key: 400" eq "$(curl -s -o /dev/null -w '%{http_code}' \
    -H 'Host: echo.example.com' -H 'Connection: Upgrade' -H 'Upgrade: websocket' \
    -H 'Sec-WebSocket-Version: 13' "http://$ADDR/chat" --max-time 60 || true)" 400
finish
