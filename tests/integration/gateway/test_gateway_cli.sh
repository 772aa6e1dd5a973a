#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `gatesim gateway` command line: --help and exit codes (0/1/2), file:line:col for invalid
# manifests, --port-map, Services that only --backend names, and --no-hostname-fallthrough.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

set +e
"$GATESIM" gateway --help > "$WORK/help.txt"; RC=$?
set -e
check "--help exits 0" eq "$RC" 0
check "--help names --backend" contains "$(cat "$WORK/help.txt")" "--backend NS/SVC:PORT=HOST:PORT"
set +e
"$GATESIM" gateway --no-such-flag x.yaml 2> /dev/null; RC=$?
"$GATESIM" gateway 2> /dev/null; RC2=$?
"$GATESIM" gateway --backend nonsense "$HERE/manifests/base.yaml" 2> /dev/null; RC3=$?
"$GATESIM" gateway "$WORK/missing.yaml" 2> /dev/null; RC4=$?
set -e
check "unknown flag exits 2" eq "$RC" 2
check "no PATH exits 2" eq "$RC2" 2
check "bad --backend exits 2" eq "$RC3" 2
check "unreadable PATH exits 2" eq "$RC4" 2

cat > "$WORK/bad.yaml" <<'YAML'
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: bad, namespace: default}
spec:
  rules:
  - matches:
    - path: {type: Exact, value: no-leading-slash}
YAML
set +e
"$GATESIM" gateway "$WORK/bad.yaml" > /dev/null 2> "$WORK/bad.err"; RC=$?
set -e
check "invalid objects exit 1" eq "$RC" 1
check "with file:line:col" contains "$(cat "$WORK/bad.err")" "bad.yaml:7:"

# Routes only: the Service exists because --backend names it; hostnames exact and wildcard.
start_echo default/app a; APP=$ECHO_PORT
start_echo default/wild a; WILD=$ECHO_PORT
{
    yaml_http_gateway
    cat <<'YAML'
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: exact, namespace: default}
spec:
  parentRefs: [{name: gw}]
  hostnames: [api.example.com]
  rules: [{matches: [{path: {type: PathPrefix, value: /v1}}], backendRefs: [{name: app, port: 80}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: wildcard, namespace: default}
spec:
  parentRefs: [{name: gw}]
  hostnames: ["*.example.com"]
  rules: [{backendRefs: [{name: wild, port: 80}]}]
YAML
} > "$WORK/routes.yaml"
start_gateway_port_map 80 "$WORK/routes.yaml" \
    --backend "default/app:80=127.0.0.1:$APP" --backend "default/wild:80=127.0.0.1:$WILD"
check "--port-map binds the asked port" eq "$(gw_addr http)" "127.0.0.1:$FREE"
be() { curl -s -o /dev/null -D - -H "Host: $1" "http://127.0.0.1:$FREE$2" | tr -d '\r' |
       awk '/^HTTP/{s=$2} /^x-gatesim-backend/{b=$2} END{print s, b}'; }
check "Service named only by --backend routes" eq "$(be api.example.com /v1/x)" "200 default/app/a"
check "default: falls through to the wildcard route" eq "$(be api.example.com /other)" "200 default/wild/a"
kill "$GW_PID"; wait "$GW_PID" || true

start_gateway "$WORK/routes.yaml" --no-hostname-fallthrough \
    --backend "default/app:80=127.0.0.1:$APP" --backend "default/wild:80=127.0.0.1:$WILD"
FREE=$(gw_addr http); FREE=${FREE##*:}
check "--no-hostname-fallthrough: 404" eq "$(be api.example.com /other)" "404 "
check "--no-hostname-fallthrough: exact still routes" eq "$(be api.example.com /v1)" "200 default/app/a"

finish
