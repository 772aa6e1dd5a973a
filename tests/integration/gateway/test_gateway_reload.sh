#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SIGHUP reload of `gatesim gateway` under load: `gatesim load` runs while the manifests switch
# the route from v1 to v2 and back; every request must succeed, both backends must answer, and
# each SIGHUP gets a new ready line. Then SIGTERM stops the gateway with status 0.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

start_echo default/v1 a; V1=$ECHO_PORT; V1_CTL=$ECHO_CONTROL
start_echo default/v2 a; V2=$ECHO_PORT; V2_CTL=$ECHO_CONTROL

route() { # route BACKEND: writes the objects with "/" going to BACKEND
    cat "$HERE/manifests/base.yaml" > "$WORK/objects.yaml.tmp"
    cat >> "$WORK/objects.yaml.tmp" <<YAML
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: app, namespace: default}
spec:
  parentRefs: [{name: gw, sectionName: http}]
  rules:
  - backendRefs: [{name: $1, port: 8080}]
YAML
    mv "$WORK/objects.yaml.tmp" "$WORK/objects.yaml"
}

route v1
start_gateway "$WORK/objects.yaml" --backend "default/v1:8080=127.0.0.1:$V1" \
    --backend "default/v2:8080=127.0.0.1:$V2"
HTTP=$(gw_addr http)

"$GATESIM" load "http://$HTTP/" --host app.example.com --connections 8 --duration 3s \
    --output json --quiet > "$WORK/load.json" 2> "$WORK/load.err" &
LOAD=$!
PIDS+=($LOAD)
# Each switch waits until the load really reached the backend it switches away from (not a
# fixed sleep: a loaded machine may start `gatesim load` late); the 3 s load outlasts both.
echo_served "$V1_CTL" / 20
route v2
kill -HUP "$GW_PID"
wait_line "$GW_OUT" 2
echo_served "$V2_CTL" / 20
route v1
kill -HUP "$GW_PID"
wait_line "$GW_OUT" 3
wait "$LOAD" || true

check "load ran" test -s "$WORK/load.json"
REQ=$(json "$WORK/load.json" "j['requests']")
check "requests were sent ($REQ)" test "$REQ" -gt 100
check "every response was 200" \
    eq "$(json "$WORK/load.json" "sorted(j['statuses'].keys())")" "['200']"
check "no errors" eq "$(json "$WORK/load.json" "sum(j.get('errors', {}).values())")" 0
check "statuses add up" eq "$(json "$WORK/load.json" "sum(j['statuses'].values())")" "$REQ"
check "v1 and v2 both answered" \
    eq "$(json "$WORK/load.json" "sorted(j['backends'].keys())")" "['default/v1', 'default/v2']"
check "three ready lines (start + 2 reloads)" eq "$(wc -l < "$GW_OUT")" 3

# A reload with broken manifests keeps serving and says why.
echo "kind: HTTPRoute
apiVersion: gateway.networking.k8s.io/v1
metadata: {name: broken, namespace: default}
spec: {rules: [{matches: [{path: {type: Exact, value: no-slash}}]}]}" >> "$WORK/objects.yaml"
kill -HUP "$GW_PID"
wait_line "$GW_OUT" 4
check "failed reload is reported" contains "$(tail -n1 "$GW_OUT")" '"reloadError"'
check "and the old table still serves" \
    eq "$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: x' "http://$HTTP/")" 200

# A request in flight during a reload finishes on the table it started with (v1 here), and one in
# flight at SIGTERM still gets its answer before the gateway exits.
curl -s -o "$WORK/slow1" -w '%{http_code}' -H 'Host: x' "http://$HTTP/slow?delay=800ms" \
    > "$WORK/slow1.code" &
SLOW=$!
echo_served "$V1_CTL" /slow 1 # in flight: v1 has it and answers in 800 ms
route v2
kill -HUP "$GW_PID"
wait_line "$GW_OUT" 5
wait "$SLOW" || true
check "in-flight request finished across the reload" eq "$(cat "$WORK/slow1.code")" 200
check "... on the table it started with" contains "$(cat "$WORK/slow1")" '"service":"v1"'
curl -s -o "$WORK/slow2" -w '%{http_code}' -H 'Host: x' "http://$HTTP/slow?delay=800ms" \
    > "$WORK/slow2.code" &
SLOW=$!
echo_served "$V2_CTL" /slow 1 # in flight: the table now sends / to v2
kill -TERM "$GW_PID"
wait "$SLOW" || true
check "in-flight request answered at SIGTERM" eq "$(cat "$WORK/slow2.code")" 200
set +e
wait "$GW_PID"
RC=$?
set -e
check "SIGTERM exits 0" eq "$RC" 0

finish
