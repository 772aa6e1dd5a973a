#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Total deadlines, not only inactivity: with --header-timeout 1s, a TLS ClientHello, an
# HTTP/1.1 head and an HTTP/2 header block sent one byte every 0.3 s (so an inactivity timeout
# never fires) are cut by the gateway before the whole head arrived (deadlineClosed), and an
# HTTP/1.1 head and a TLS ClientHello trickled to gatesim-echo --header-timeout 1s are cut too
# (its --idle-timeout of 30 s restarts on every byte).
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

cd "$WORK"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj /CN=a.example.com -addext subjectAltName=DNS:a.example.com \
    -keyout a.key -out a.crt 2> /dev/null
cd - > /dev/null
start_echo default/v1 a
V1=$ECHO_PORT
cat > "$WORK/gw.yaml" <<YAML
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
    tls: {certificateRefs: [{name: a-cert}]}
---
apiVersion: v1
kind: Secret
metadata: {name: a-cert, namespace: default}
type: kubernetes.io/tls
data:
  tls.crt: $(base64 -w0 < "$WORK/a.crt")
  tls.key: $(base64 -w0 < "$WORK/a.key")
---
apiVersion: v1
kind: Service
metadata: {name: v1, namespace: default}
spec: {ports: [{port: 8080}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: app, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rules:
  - backendRefs: [{name: v1, port: 8080}]
YAML
start_gateway "$WORK/gw.yaml" --backend "default/v1:8080=127.0.0.1:$V1" --header-timeout 1s
HTTP=$(gw_addr http)
HTTPS=$(gw_addr https)
STATS_LINES=1

# cut_soon: the last trickle was closed by the server while its bytes were still coming (one
# every 0.3 s, so an inactivity timeout never fires): what cuts it is a total deadline. The
# trickler polls for the close for up to 30 s (--max), a bound, not a timing assertion: the
# whole head would take 70-150 s at this pace, and the deadline is 1 s (five trickles that all
# fail still end within the test's time limit, with a message).
cut_soon() {
    local after
    after=$(res closed_after)
    [ "$after" != None ] || { echo "  never closed ($(res sent) of $(res length) bytes sent)" >&2; return 1; }
    [ "$(res sent)" -lt "$(res length)" ] ||
        { echo "  closed only after the whole head was sent ($after s)" >&2; return 1; }
}

attack trickle "$HTTPS" --kind tls --interval 0.3 --max 30
check "a trickled TLS ClientHello is cut by the total deadline" cut_soon
attack trickle "$HTTP" --kind h1 --interval 0.3 --max 30
check "a trickled HTTP/1.1 head is cut" cut_soon
attack trickle "$HTTP" --kind h2 --interval 0.3 --max 30
check "a trickled HTTP/2 header block is cut" cut_soon
gw_stats
check "the TLS and HTTP/2 cuts are counted in deadlineClosed" ge "$(stat deadlineClosed)" 2
CODE=$(curl -s -k --http2 -o /dev/null -w '%{http_code}' --resolve "a.example.com:${HTTPS##*:}:127.0.0.1" \
    "https://a.example.com:${HTTPS##*:}/ok")
check "a normal TLS client is served" eq "$CODE" 200

RC=0
"$GATESIM" gateway --header-timeout 0 "$WORK/gw.yaml" 2> "$WORK/bad.err" || RC=$?
check "a header timeout of 0 is a usage error" eq "$RC" 2
check "which names the flag" contains "$(cat "$WORK/bad.err")" '--header-timeout "0"'
RC=0
"$GATESIM" gateway --conn-body-budget 12Q "$WORK/gw.yaml" 2> "$WORK/bad.err" || RC=$?
check "a malformed size is a usage error" eq "$RC" 2

start_echo default/slow b --header-timeout 1s --idle-timeout 30s --tls-listen 127.0.0.1:0 \
    --cert "$WORK/a.crt" --key "$WORK/a.key"
ECHO_TLS=$(json "$WORK/echo-default_slow-b.json.1" "j['tlsPort']")
attack trickle "127.0.0.1:$ECHO_PORT" --kind h1 --interval 0.3 --max 30
check "gatesim-echo cuts a trickled head by its header timeout" cut_soon
attack trickle "127.0.0.1:$ECHO_TLS" --kind tls --interval 0.3 --max 30
check "gatesim-echo cuts a trickled TLS ClientHello by the same total deadline" cut_soon
check "and still serves" eq "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$ECHO_PORT/")" 200
check "TLS too" eq "$(curl -s -k -o /dev/null -w '%{http_code}' "https://127.0.0.1:$ECHO_TLS/")" 200
finish
