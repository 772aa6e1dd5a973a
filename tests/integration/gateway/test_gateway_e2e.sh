#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `gatesim gateway` end to end with gatesim-echo backends and real clients (curl, Python
# http.client and grpcio): routing precedence, every filter, redirect Locations, weights and
# invalid shares, 503/504, mirror accounting through the echo request log, gRPC statuses.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

start_echo default/v1 a;     V1=$ECHO_PORT
start_echo default/v2 a;     V2=$ECHO_PORT
start_echo default/shadow a; SHADOW=$ECHO_PORT; SHADOW_CTL=$ECHO_CONTROL
start_echo default/grpc a;   GRPC=$ECHO_PORT
start_echo default/slow-shadow a --delay 2s; SLOW=$ECHO_PORT; SLOW_CTL=$ECHO_CONTROL
start_echo default/slow-body a --slow-body 40ms; SLOWBODY=$ECHO_PORT

start_gateway "$HERE/manifests/base.yaml" "$HERE/manifests/routes.yaml" --seed 7 \
    --backend "default/v1:8080=127.0.0.1:$V1" --backend "default/v2:8080=127.0.0.1:$V2" \
    --backend "default/shadow:8080=127.0.0.1:$SHADOW" --backend "default/grpc:8080=127.0.0.1:$GRPC" \
    --backend "default/slow-shadow:8080=127.0.0.1:$SLOW" \
    --backend "default/slow-body:8080=127.0.0.1:$SLOWBODY"
HTTP=$(gw_addr http)
HTTP8080=$(gw_addr http-8080)

check "ready line names the Gateway, listener and declared port" \
    eq "$(json "$GW_READY" "[(l['gateway'],l['listener'],l['port']) for l in j['listeners']]")" \
    "[('default/gw', 'http', 80), ('default/gw', 'http-8080', 8080)]"

# GET PATH HOST [curl args]: prints "STATUS BACKEND" then the body on the next line.
get() {
    curl -s -o "$WORK/body" -D "$WORK/head" -H "Host: $2" "${@:3}" "http://$HTTP$1" || true
    printf '%s %s\n' "$(awk 'NR==1{print $2}' "$WORK/head")" \
        "$(grep -i '^x-gatesim-backend:' "$WORK/head" | tr -d '\r' | awk '{print $2}')"
}

header() { grep -i "^$1:" "$WORK/head" | head -1 | cut -d' ' -f2- | tr -d '\r'; }

# Precedence (docs/semantics.md, conformance HTTPRouteMatching).
check "/ goes to v1"                     eq "$(get / example.com)" "200 default/v1/a"
check "/v2 prefix goes to v2"            eq "$(get /v2/example example.com)" "200 default/v2/a"
check "/v2example is not under /v2"      eq "$(get /v2example example.com)" "200 default/v1/a"
check "header version: two beats path /" eq "$(get / example.com -H 'version: two')" "200 default/v2/a"
check "exact POST /exact goes to v2"     eq "$(get /exact example.com -X POST)" "200 default/v2/a"
check "GET /exact is not the POST rule"  eq "$(get /exact example.com)" "200 default/v1/a"
check "query animal=whale goes to v2"    eq "$(get '/q?animal=whale' example.com)" "200 default/v2/a"
check "query ANIMAL=whale does not"      eq "$(get '/q?ANIMAL=whale' example.com)" "200 default/v1/a"
check "unknown host is 404"              eq "$(get / nowhere.example.net)" "404 "
curl -s -I -o /dev/null -D "$WORK/head" -H 'Host: example.com' "http://$HTTP/" || true
check "HEAD keeps the upstream Content-Length" test "$(header content-length)" -gt 0

# Header modifiers (conformance HTTPRouteRequestHeaderModifier / ResponseHeaderModifier).
get /headers filters.example.com -H 'x-header-set: some-other-value' \
    -H 'x-header-add: header-val-1' -H 'x-header-remove: bye' > /dev/null
B=$(cat "$WORK/body")
check "set overwrites"      contains "$B" '"X-Header-Set":["set-overwrites-values"]'
check "add appends"         contains "$B" 'add-appends-values'
check "add keeps the old"   contains "$B" 'header-val-1'
check "remove removes"      lacks "$B" 'bye'
check "X-Forwarded-For set" contains "$B" '"X-Forwarded-For":["127.0.0.1"]'
check "X-Forwarded-Proto"   contains "$B" '"X-Forwarded-Proto":["http"]'
check "response set"        eq "$(header x-resp-set)" "overwritten"
check "response add"        eq "$(header x-resp-add)" "added"

# URLRewrite (conformance HTTPRouteRewritePath / RewriteHost).
get /strip-prefix/three filters.example.com > /dev/null
check "ReplacePrefixMatch / keeps the rest"  contains "$(cat "$WORK/body")" '"path":"/three"'
check "rewrite hostname"                     contains "$(cat "$WORK/body")" '"host":"rewritten.example.com"'
get /strip-prefix filters.example.com > /dev/null
check "ReplacePrefixMatch / of the prefix"   contains "$(cat "$WORK/body")" '"path":"/"'
get '/full/one/two?x=1' filters.example.com > /dev/null
check "ReplaceFullPath keeps the query"      contains "$(cat "$WORK/body")" '"path":"/one?x=1"'

# Redirects (conformance HTTPRouteRedirect*): status and Location.
get /redirect-scheme/x filters.example.com > /dev/null
check "scheme redirect is 302"       eq "$(awk 'NR==1{print $2}' "$WORK/head")" 302
check "scheme https drops port 443"  eq "$(header location)" "https://filters.example.com/redirect-scheme/x"
get /redirect-host filters.example.com:3333 > /dev/null
check "hostname redirect 301"        eq "$(awk 'NR==1{print $2}' "$WORK/head")" 301
check "hostname redirect Location"   eq "$(header location)" "http://example.org/redirect-host"
get '/original-prefix/lemon?a=b' filters.example.com > /dev/null
check "prefix redirect Location"     eq "$(header location)" "http://filters.example.com/replacement-prefix/lemon?a=b"
curl -s -o /dev/null -D "$WORK/head" -H "Host: example.com" "http://$HTTP8080/p" || true
check "listener port 8080 is kept"   eq "$(header location)" "http://example.org:8080/p"

# CORS.
curl -s -o /dev/null -D "$WORK/head" -X OPTIONS -H 'Host: filters.example.com' \
    -H 'Origin: https://a.bar.com' -H 'Access-Control-Request-Method: GET' "http://$HTTP/cors" || true
check "preflight answered"   eq "$(awk 'NR==1{print $2}' "$WORK/head")" 200
check "preflight origin"     eq "$(header access-control-allow-origin)" "https://a.bar.com"
check "preflight methods"    eq "$(header access-control-allow-methods)" "GET, OPTIONS"
check "preflight max-age"    eq "$(header access-control-max-age)" "3600"
get /cors filters.example.com -H 'Origin: https://evil.com' > /dev/null
check "disallowed origin gets no CORS" eq "$(header access-control-allow-origin)" ""

# Weights and failures.
C=$("$PY" "$HERE/count.py" "$HTTP" weights.example.com /split 1000)
echo "$C" > "$WORK/split.json"
V2N=$(json "$WORK/split.json" "j.get('backend:default/v2/a', 0)")
# 1000 draws at 20%: sd 12.6; 6 sd either side.
check "80/20 split within 6 sd (v2=$V2N)" test "$V2N" -gt 124 -a "$V2N" -lt 276
C=$("$PY" "$HERE/count.py" "$HTTP" weights.example.com /half-invalid 400)
echo "$C" > "$WORK/half.json"
N500=$(json "$WORK/half.json" "j.get('status:500', 0)")
N200=$(json "$WORK/half.json" "j.get('status:200', 0)")
check "invalid backend share answers 500 (500=$N500, 200=$N200)" \
    test "$N500" -gt 140 -a "$N500" -lt 260 -a $((N500 + N200)) -eq 400
# backendRef filters run only for the backend chosen (conformance RequestHeaderModifierBackend).
bf_ok=0
for i in $(seq 1 20); do
    get /backend-filters weights.example.com > "$WORK/bf.txt"
    be=$(cut -d' ' -f2 "$WORK/bf.txt" | cut -d/ -f2)
    B=$(cat "$WORK/body")
    case "$B" in *"\"X-Backend\":[\"$be\"]"*) ;; *) continue ;; esac
    case "$B" in *'"X-Rule":["rule"]'*) ;; *) continue ;; esac
    [ "$(header x-chosen)" = "$be" ] && bf_ok=$((bf_ok + 1))
done
check "backendRef filters follow the chosen backend ($bf_ok/20)" eq "$bf_ok" 20
# A slowly sent body is streamed: the first bytes reach the client long before the last.
for proto in --http1.1 --http2-prior-knowledge; do
    T=$(curl -s $proto -o "$WORK/body" -w '%{time_starttransfer} %{time_total}' \
        -H 'Host: weights.example.com' "http://$HTTP/slow-body" || true)
    check "streamed $proto (first byte / total: $T)" \
        "$PY" -c "import sys; a, b = map(float, '$T'.split()); sys.exit(0 if b - a >= 0.1 else 1)"
    check "streamed $proto body complete" contains "$(cat "$WORK/body")" '"path":"/slow-body"'
done
check "Service without endpoints is 503" eq "$(get /no-endpoints weights.example.com)" "503 "
check "request timeout is 504"           eq "$(get '/timeout?delay=2s' weights.example.com)" "504 "
check "within the timeout is 200"        eq "$(get '/timeout?delay=10ms' weights.example.com)" "200 default/v1/a"

# Mirror accounting through the shadow echo's request log.
"$PY" "$HERE/count.py" "$HTTP" filters.example.com /mirror 50 "x-gatesim-request-id=mirror-{i}" \
    > "$WORK/mirror.json"
check "primary answered every mirrored request" \
    eq "$(json "$WORK/mirror.json" "j.get('backend:default/v1/a', 0)")" 50
seen=0
for _ in $(seq 1 50); do
    curl -s "http://127.0.0.1:$SHADOW_CTL/requests?since=0" > "$WORK/log.json"
    seen=$(json "$WORK/log.json" "len({r['id'] for r in j['requests'] if r['id'].startswith('mirror-')})")
    [ "$seen" -ge 50 ] && break
    sleep 0.05
done
check "every request id reached the mirror (saw $seen)" eq "$seen" 50
"$PY" "$HERE/count.py" "$HTTP" filters.example.com /mirror-half 400 "x-gatesim-request-id=half-{i}" \
    > /dev/null
# Mirror copies are asynchronous and how many to expect is random: count them once none arrived
# for 1.5 s (at most 15 s), as `gatesim run` does, rather than after a fixed 0.3 s.
half=$("$PY" - "$SHADOW_CTL" <<'PYEOF'
import json, sys, time, urllib.request
url = "http://127.0.0.1:%s/requests?since=0" % sys.argv[1]
def count():
    with urllib.request.urlopen(url, timeout=10) as f:
        j = json.load(f)
    return len({r['id'] for r in j['requests'] if r['id'].startswith('half-')})
n = count()
start = last = time.time()
while time.time() - last < 1.5 and time.time() - start < 15:
    time.sleep(0.1)
    m = count()
    if m != n:
        n, last = m, time.time()
print(n)
PYEOF
)
# Binomial(400, 0.5): sd 10; 6 sd either side.
check "percent 50 mirrors about half (saw $half of 400)" test "$half" -gt 140 -a "$half" -lt 260

# A slow mirror (2 s) never slows the primary, and its answer never reaches the client.
T=$(curl -s -o "$WORK/body" -w '%{time_total}' -H 'Host: filters.example.com' \
    -H 'x-gatesim-request-id: slow-1' "http://$HTTP/mirror-slow/x" || true)
# Any answer well before the mirror's 2 s shows the primary did not wait for it.
check "primary answered fast despite a 2 s mirror (${T}s)" "$PY" -c "import sys; sys.exit(0 if $T < 1.5 else 1)"
check "the client got the primary's answer" contains "$(cat "$WORK/body")" '"service":"v1"'
seen=0
for _ in $(seq 1 60); do
    curl -s "http://127.0.0.1:$SLOW_CTL/requests?since=0" > "$WORK/log.json"
    seen=$(json "$WORK/log.json" "len([r for r in j['requests'] if r['id'] == 'slow-1'])")
    [ "$seen" -ge 1 ] && break
    sleep 0.1
done
check "the slow mirror still got the request" eq "$seen" 1

# Cookies split over HTTP/2 fields reach an HTTP/1.1 upstream as one list.
curl -s --http2-prior-knowledge -o "$WORK/body" -H 'Host: example.com' -H 'cookie: a=1' \
    -H 'cookie: b=2' "http://$HTTP/" || true
check "HTTP/2 cookies joined for HTTP/1.1" contains "$(cat "$WORK/body")" '"Cookie":["a=1; b=2"]'

# gRPC with grpcio: method match, UNAVAILABLE for an invalid backend, UNIMPLEMENTED otherwise.
cat > "$WORK/grpc_client.py" <<'PYEOF'
import grpc, sys
ch = grpc.insecure_channel(sys.argv[1], options=[('grpc.default_authority', 'grpc.example.com')])
for path in sys.argv[2:]:
    f = ch.unary_unary(path, request_serializer=lambda x: x, response_deserializer=lambda x: x)
    try:
        f(b'', timeout=5)
        print(path, 'OK')
    except grpc.RpcError as e:
        print(path, e.code().name)
PYEOF
G=$("$PY" "$WORK/grpc_client.py" "$HTTP" /foo.v1.Shop/Get /bad.v1.Svc/Get /foo.v1.Shop/Put 2>&1 || true)
check "gRPC exact method routes"     contains "$G" "/foo.v1.Shop/Get OK"
check "gRPC invalid backend"         contains "$G" "/bad.v1.Svc/Get UNAVAILABLE"
check "gRPC no route"                contains "$G" "/foo.v1.Shop/Put UNIMPLEMENTED"

# h2c downstream with nghttp.
if command -v nghttp > /dev/null; then
    O=$(nghttp -v -H ':authority: example.com' "http://$HTTP/v2/x" 2>&1 || true)
    check "nghttp h2c prior knowledge" contains "$O" ':status: 200'
fi

finish
