#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A reload does not stop the event loop: with 3,000 HTTPRoutes a load takes long enough (tens of
# ms at least) for a closed-loop `gatesim load` to have requests answered meanwhile, and the
# gateway counts them (`requestsDuringReload` on SIGUSR1; a load on the loop thread makes it 0 by
# construction, whatever the machine's speed). Also: every SIGHUP gets its ready line, the
# reloaded table serves, and no request fails across the reloads.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

start_echo default/v1 a; V1=$ECHO_PORT; V1_CTL=$ECHO_CONTROL

routes() { # routes N: the base objects and N HTTPRoutes r0 .. r<N-1> (PathPrefix /r<i>/)
    "$PY" - "$1" "$HERE/manifests/base.yaml" > "$WORK/objects.yaml.tmp" <<'PY'
import sys
n, base = int(sys.argv[1]), open(sys.argv[2]).read()
out = [base.rstrip("\n")]
for i in range(n):
    out.append("---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n"
               "metadata: {name: r%d, namespace: default}\n"
               "spec: {parentRefs: [{name: gw, sectionName: http}], rules: [{matches: "
               "[{path: {type: PathPrefix, value: /r%d/}}], backendRefs: [{name: v1, port: 8080}]}]}"
               % (i, i))
print("\n".join(out))
PY
    mv "$WORK/objects.yaml.tmp" "$WORK/objects.yaml"
}

routes 3000
start_gateway "$WORK/objects.yaml" --backend "default/v1:8080=127.0.0.1:$V1"
HTTP=$(gw_addr http)

"$GATESIM" load "http://$HTTP/r0/x" --host app.example.com --connections 4 --duration 120s \
    --output json --quiet > "$WORK/load.json" 2> "$WORK/load.err" &
LOAD=$!
PIDS+=($LOAD)
echo_served "$V1_CTL" /r0/x 20

LINES=1
stats() { # SIGUSR1; the new last line of stdout into $WORK/stats.json
    kill -USR1 "$GW_PID"
    LINES=$((LINES + 1))
    wait_line "$GW_OUT" "$LINES"
    sed -n "${LINES}p" "$GW_OUT" > "$WORK/stats.json"
}
# Reload until requests were served during a load (at most 20 times: each load of 3,000 routes
# leaves the loop many chances; a blocking load never does). The last one adds route r3000.
during=0
for n in $(seq 20); do
    [ "$n" -eq 20 ] && routes 3001
    kill -HUP "$GW_PID"
    LINES=$((LINES + 1))
    wait_line "$GW_OUT" "$LINES"
    stats
    during=$(json "$WORK/stats.json" "j['stats']['requestsDuringReload']")
    [ "$during" -gt 0 ] && [ "$n" -ge 3 ] && break
done
if [ "$n" -lt 20 ]; then routes 3001; kill -HUP "$GW_PID"; LINES=$((LINES + 1)); wait_line "$GW_OUT" "$LINES"; fi
check "requests were answered while a reload was loading ($during in $n reloads)" test "$during" -gt 0
stats
check "every reload counted" eq "$(json "$WORK/stats.json" "j['stats']['reloads']")" "$((n + 1))"
check "every reload succeeded" eq "$(json "$WORK/stats.json" "j['stats']['generation']")" "$((n + 2))"
check "the reloaded table serves the new route" \
    eq "$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: x' "http://$HTTP/r3000/y")" 200
check "ready lines carry no reload error" eq "$(grep -c reloadError "$GW_OUT" || true)" 0

kill -INT "$LOAD"
wait "$LOAD" || true
check "load ran" test -s "$WORK/load.json"
check "no request failed across the reloads" \
    eq "$(json "$WORK/load.json" "sum(j.get('errors', {}).values())")" 0
check "every response was 200" eq "$(json "$WORK/load.json" "sorted(j['statuses'].keys())")" "['200']"
finish
