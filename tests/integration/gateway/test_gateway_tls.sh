#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# HTTPS listeners of `gatesim gateway`: certificates from kubernetes.io/tls Secrets chosen by SNI,
# ALPN h2 and http/1.1 with curl, X-Forwarded-Proto https, and 421 when the Host belongs to
# another listener than the SNI.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

# A CA and one leaf per listener.
make_ca ca test-ca
make_leaf a ca a.example.com
make_leaf b ca '*.b.example.com'

start_echo default/v1 a; V1=$ECHO_PORT
{
    yaml_gatewayclass
    cat <<YAML
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: tls, namespace: default}
spec:
  gatewayClassName: gatesim
  listeners:
  - name: https-a
    port: 443
    protocol: HTTPS
    hostname: a.example.com
    tls: {certificateRefs: [{name: a-cert}]}
  - name: https-b
    port: 443
    protocol: HTTPS
    hostname: "*.b.example.com"
    tls: {certificateRefs: [{name: b-cert}]}
YAML
    yaml_service v1
    yaml_route_all tls v1
    yaml_tls_secret a-cert a
    yaml_tls_secret b-cert b
} > "$WORK/tls.yaml"

start_gateway "$WORK/tls.yaml" --backend "default/v1:8080=127.0.0.1:$V1"
ADDR=$(gw_addr https-a)
PORT=${ADDR##*:}
check "one socket for both listeners of port 443" eq "$(gw_addr https-b)" "$ADDR"

c() { curl -s -S --max-time 60 --cacert "$WORK/ca.crt" -o "$WORK/body" -D "$WORK/head" "$@" 2>&1 || true; }
c --resolve "a.example.com:$PORT:127.0.0.1" "https://a.example.com:$PORT/x"
check "h2 over TLS with a's certificate" contains "$(head -1 "$WORK/head")" "HTTP/2 200"
check "X-Forwarded-Proto https" contains "$(cat "$WORK/body")" '"X-Forwarded-Proto":["https"]'
c --http1.1 --resolve "x.b.example.com:$PORT:127.0.0.1" "https://x.b.example.com:$PORT/y"
check "http/1.1 over TLS with the wildcard certificate" contains "$(head -1 "$WORK/head")" "HTTP/1.1 200"
c --resolve "a.example.com:$PORT:127.0.0.1" -H "Host: x.b.example.com" "https://a.example.com:$PORT/"
check "Host of another listener than the SNI is 421" contains "$(head -1 "$WORK/head")" " 421"
# Absolute-form targets must name the connection's scheme (docs/gateway.md, Request targets).
c --http1.1 --resolve "a.example.com:$PORT:127.0.0.1" \
    --request-target "https://a.example.com/p/../q" "https://a.example.com:$PORT/"
check "https:// absolute-form over TLS is served, its path normalised" \
    contains "$(head -1 "$WORK/head") $(cat "$WORK/body")" '"path":"/q"'
c --http1.1 --resolve "a.example.com:$PORT:127.0.0.1" \
    --request-target "http://a.example.com/q" "https://a.example.com:$PORT/"
check "http:// absolute-form over TLS is 400" \
    eq "$(head -1 "$WORK/head" | tr -d '\r') $(cat "$WORK/body")" \
    "HTTP/1.1 400 Bad Request 400 http:// target on a TLS listener"

finish
