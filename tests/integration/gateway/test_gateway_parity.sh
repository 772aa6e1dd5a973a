#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Parity with the API server (docs/model.md): routes the v1.6.1 CRDs admit validate with exit 0
# (with warnings saying what gatesim does), and `gatesim gateway` serves them with the
# interpretation docs/gateway.md states: replaceFullPath "" is "/", "foo" is "/foo", a rule-level
# URLRewrite plus a backendRef-level RequestRedirect never cuts a path inside an element.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
M="$HERE/manifests"

# validate: exit 0, one warning per interpretation, none an error; --strict refuses them
rc=0
"$GATESIM" validate "$M/base.yaml" "$M/parity.yaml" > "$WORK/v.out" 2> "$WORK/v.err" || rc=$?
V=$(cat "$WORK/v.out")
check "validate admits what the API server admits (exit 0)" eq "$rc" 0
check "validate: no errors" contains "$(cat "$WORK/v.err")" ": 0 errors, 7 warnings"
check "validate warns about replaceFullPath \"\"" contains "$V" \
    'spec.rules[0].filters[0].urlRewrite.path.replaceFullPath: replaceFullPath "" is not an absolute path: the API server admits it; gatesim uses "/"'
check "validate warns about replaceFullPath foo" contains "$V" \
    'spec.rules[1].filters[0].urlRewrite.path.replaceFullPath: replaceFullPath "foo" is not an absolute path: the API server admits it; gatesim uses "/foo"'
check "validate warns about the rewrite + redirect combination" contains "$V" \
    'spec.rules[4].backendRefs[0].filters[0]: RequestRedirect here and URLRewrite in the rule'"'"'s filters[0]'
check "validate warns about the rewrite + rewrite combination" contains "$V" \
    'spec.rules[5].backendRefs[0].filters[0]: URLRewrite here and URLRewrite in the rule'"'"'s filters[0]'
rc=0
"$GATESIM" validate --strict "$M/base.yaml" "$M/parity.yaml" > "$WORK/s.out" 2>&1 || rc=$?
check "validate --strict: the warnings are errors (exit 1)" eq "$rc" 1
check "validate --strict says why" contains "$(cat "$WORK/s.out")" "(a warning; an error under --strict)"

# explain: the same warnings, and the route is accepted
rc=0
"$GATESIM" explain "$M/base.yaml" "$M/parity.yaml" > "$WORK/e.out" 2> "$WORK/e.err" || rc=$?
check "explain exit 0" eq "$rc" 0
check "explain warns about the combination" contains "$(cat "$WORK/e.err")" \
    'spec.rules[4].backendRefs[0].filters[0]: RequestRedirect here and URLRewrite in the rule'"'"'s filters[0]'
E=$(cat "$WORK/e.out")
check "explain's route table states replaceFullPath \"\" as /" contains "$E" \
    'filter URLRewrite path full "" (served as /)'
check "explain's route table states replaceFullPath foo as /foo" contains "$E" \
    'filter URLRewrite path full foo (served as /foo)'
check "explain's route table states the combination's reading" contains "$E" \
    "filter RequestRedirect 302 path prefix /y (of the path as matched, not the rule's rewrite)"
check "explain: the HTTPS listener without tls is not programmed" contains "$(cat "$WORK/e.out")" \
    "Programmed           False   Invalid                      Not programmed: HTTPS listener without tls.certificateRefs"

# gateway --strict refuses the route; the gateway serves it
rc=0
"$GATESIM" gateway --strict "$M/base.yaml" "$M/parity.yaml" > "$WORK/gs.out" 2> "$WORK/gs.err" || rc=$?
check "gateway --strict refuses to start (exit 1)" eq "$rc" 1
check "gateway --strict names the problem" contains "$(cat "$WORK/gs.err")" "an error under --strict"

start_echo default/v1 a; V1=$ECHO_PORT
start_gateway "$M/base.yaml" "$M/parity.yaml" --backend "default/v1:8080=127.0.0.1:$V1"
HTTP=$(gw_addr http)

check "the Gateway with an HTTPS listener without tls is served, that listener is not" \
    eq "$(json "$GW_READY" "sorted((l['gateway'],l['listener']) for l in j['listeners'])")" \
    "[('default/gw', 'http'), ('default/gw', 'http-8080'), ('default/notls', 'plain')]"

# GET PATH: prints the status, then the Location (if any), then the path the echo saw.
get() {
    : > "$WORK/body"
    curl -s -o "$WORK/body" -D "$WORK/head" -H "Host: parity.example.com" "http://$HTTP$1" || true
    printf '%s %s %s\n' "$(awk 'NR==1{print $2}' "$WORK/head")" \
        "$(grep -i '^location:' "$WORK/head" | tr -d '\r' | awk '{print $2}')" \
        "$("$PY" -c 'import json,sys
try: print(json.load(open(sys.argv[1]))["path"])
except Exception: print("-")' "$WORK/body")"
}

check "replaceFullPath \"\" is served as /"        eq "$(get /empty/x)" "200  /"
check "replaceFullPath \"\" keeps the query"       eq "$(get '/empty/x?q=1')" "200  /?q=1"
check "replaceFullPath foo is served as /foo"      eq "$(get /relative/x)" "200  /foo"
check "redirect replaceFullPath foo -> /foo"       eq "$(get /redirect-relative/x)" \
    "302 http://parity.example.com/foo -"
check "replacePrefixMatch y replaces with /y"      eq "$(get /prefix-relative/z)" "200  /y/z"
check "rewrite + redirect: Location from the path as matched" eq "$(get /b/z)" \
    "302 http://parity.example.com/y/z -"
check "rewrite + redirect: never cut inside an element" lacks "$(get /b/z)" "yyzw"
check "rewrite + redirect: exact prefix" eq "$(get '/b?k=v')" "302 http://parity.example.com/y?k=v -"
check "rewrite + rewrite: the backendRef's path wins, from the path as matched" \
    eq "$(get /c/z)" "200  /y/z"
finish
