#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `gatesim gateway` counters on SIGUSR1: each signal prints one stats line on stdout (valid JSON,
# no "ready" member) whose counters move with the traffic. --max-mirrors-in-flight 2 with a mirror
# backend that answers after 15 s (however slow the machine, the three requests are sent while
# the first two copies are still in flight): the third copy is dropped; a mirror Service without
# endpoints and one whose endpoint refuses connections are counted apart. Ready lines (SIGHUP)
# and stats lines share stdout without being confused; the exit log counts the same.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

start_echo default/v1 a; V1=$ECHO_PORT
start_echo default/slow-shadow a --delay 15s; SLOW=$ECHO_PORT
# A port nobody listens on: bind, note, close.
DEAD=$("$PY" -c "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])")

cat > "$WORK/routes.yaml" <<'YAML'
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: mirrors, namespace: default}
spec:
  parentRefs: [{name: gw, sectionName: http}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /slow}}]
    filters:
    - {type: RequestMirror, requestMirror: {backendRef: {name: slow-shadow, port: 8080}}}
    backendRefs: [{name: v1, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /no-endpoints}}]
    filters:
    - {type: RequestMirror, requestMirror: {backendRef: {name: no-endpoints, port: 8080}}}
    backendRefs: [{name: v1, port: 8080}]
  - matches: [{path: {type: PathPrefix, value: /refused}}]
    filters:
    - {type: RequestMirror, requestMirror: {backendRef: {name: shadow, port: 8080}}}
    backendRefs: [{name: v1, port: 8080}]
YAML

start_gateway "$HERE/manifests/base.yaml" "$WORK/routes.yaml" --max-mirrors-in-flight 2 \
    --backend "default/v1:8080=127.0.0.1:$V1" --backend "default/slow-shadow:8080=127.0.0.1:$SLOW" \
    --backend "default/shadow:8080=127.0.0.1:$DEAD"
HTTP=$(gw_addr http)

LINES=1
# stats: SIGUSR1, then the new last line of stdout into $WORK/stats.json.
stats() {
    kill -USR1 "$GW_PID"
    LINES=$((LINES + 1))
    wait_line "$GW_OUT" "$LINES"
    sed -n "${LINES}p" "$GW_OUT" > "$WORK/stats.json"
}
stat() { json "$WORK/stats.json" "j['stats']['$1']"; }

stats
check "the stats line is one JSON object with a stats member and no ready" \
    eq "$(json "$WORK/stats.json" "sorted(j.keys())")" "['stats']"
check "every stats value is a non-negative integer" \
    eq "$(json "$WORK/stats.json" "all(type(v) is int and v >= 0 for v in j['stats'].values())")" True
check "no requests yet" eq "$(stat requests)" 0
check "the cap is the flag's" eq "$(stat maxMirrorsInFlight)" 2
check "first configuration" eq "$(stat generation)" 1
check "the ready line is still the first line" \
    eq "$(head -n1 "$GW_OUT" | "$PY" -c "import json,sys; print(json.load(sys.stdin)['ready'])")" True

code() { curl -s -o /dev/null -w '%{http_code}' -H 'Host: example.com' "http://$HTTP$1"; }
C1=$(code /slow/1); C2=$(code /slow/2); C3=$(code /slow/3)
check "the primaries are not slowed by the mirror" eq "$C1 $C2 $C3" "200 200 200"
stats
check "3 requests, all 2xx" eq "$(stat requests) $(stat responses2xx)" "3 3"
check "2 copies sent, the third dropped over the cap" \
    eq "$(stat mirrorsSent) $(stat mirrorsDropped)" "2 1"
check "2 copies in flight at the slow backend" eq "$(stat mirrorsInFlight)" 2

# The slow copies finish (15 s): nothing left in flight. Polled, bounded well past that.
END=$((SECONDS + 120))
while [ "$SECONDS" -le "$END" ]; do
    stats
    [ "$(stat mirrorsInFlight)" -eq 0 ] && break
    sleep 0.1
done
check "the slow copies finished" eq "$(stat mirrorsInFlight) $(stat mirrorsTimedOut)" "0 0"

# Below the cap again: copies that cannot be delivered are counted apart from drops.
check "mirror to a Service without endpoints: the primary answers" eq "$(code /no-endpoints)" 200
check "mirror to a refused port: the primary answers" eq "$(code /refused)" 200
# The refused copy fails asynchronously: ask until it is counted (bounded).
END=$((SECONDS + WAIT_S))
while [ "$SECONDS" -le "$END" ]; do
    stats
    [ "$(stat mirrorsFailed)" -ge 1 ] && break
    sleep 0.1
done
check "no-endpoint copies are counted apart" eq "$(stat mirrorsNoEndpoint)" 1
check "the refused copy counts as failed, not dropped" \
    eq "$(stat mirrorsFailed) $(stat mirrorsDropped) $(stat mirrorsSent)" "1 1 3"

# A reload: a ready line, then stats lines still follow it.
kill -HUP "$GW_PID"
LINES=$((LINES + 1))
wait_line "$GW_OUT" "$LINES"
check "SIGHUP still answers with a ready line" \
    eq "$(sed -n "${LINES}p" "$GW_OUT" | "$PY" -c "import json,sys; d=json.load(sys.stdin); print(d['ready'], 'stats' in d)")" "True False"
stats
check "after the reload: generation 2, counters kept" \
    eq "$(stat generation) $(stat requests)" "2 5"

RC=0
"$GATESIM" gateway --max-mirrors-in-flight 0 "$WORK/routes.yaml" 2> "$WORK/bad.err" || RC=$?
check "a cap of 0 is a usage error" eq "$RC" 2
check "and says what it takes" contains "$(cat "$WORK/bad.err")" "--max-mirrors-in-flight \"0\""

kill -TERM "$GW_PID"
RC=0
wait "$GW_PID" || RC=$?
check "SIGTERM stops it cleanly" eq "$RC" 0
check "the exit log counts the same mirrors" \
    contains "$(cat "$GW_ERR")" "stopped after 5 requests: 5 answered 2xx; mirror copies: 3 sent, 1 dropped (2 already in flight), 1 without an endpoint, 1 failed"
finish
