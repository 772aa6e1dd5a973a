#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Hostile request heads against `gatesim gateway` (raw sockets, HTTP/1.1 and h2c): targets that
# are not paths (CONNECT's authority-form, a bare host:port), paths that try to escape a prefix
# (dot-segments, escaped dots, encoded slashes, backslashes, fragments), bad authorities, a TLS
# ClientHello on a cleartext port. Each must be normalised before matching (the backend then sees
# the normalised path) or refused with 400, and the gateway must keep serving.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/../gateway/lib.sh"

start_echo default/public a;   PUBLIC=$ECHO_PORT; PUBLIC_CTL=$ECHO_CONTROL
start_echo default/internal a; INTERNAL=$ECHO_PORT
start_gateway "$HERE/manifests/parse.yaml" \
    --backend "default/public:8080=127.0.0.1:$PUBLIC" \
    --backend "default/internal:8080=127.0.0.1:$INTERNAL"
GW=$(gw_addr http)
H='Host: parse.example.com'

# h1 BYTES: sends raw bytes; prints "STATUS" then the body.
h1() { "$PY" "$HERE/rawreq.py" h1 "$GW" "$1"; }
# answer OUTPUT: "STATUS PATH-THE-ECHO-SAW" from rawreq.py's output (the path is "-" when no
# backend answered), or "400 reason" for the gateway's own 400.
answer() {
    local status body
    status=$(head -n1 <<< "$1")
    body=$(tail -n +2 <<< "$1")
    if [ "$status" = 400 ]; then printf '400 %s\n' "${body#400 }"; return; fi
    printf '%s %s\n' "$status" "$("$PY" -c 'import json,sys
try: print(json.loads(sys.stdin.read())["path"])
except Exception: print("-")' <<< "$body")"
}
# get TARGET [EXTRA-FIELD-LINES]: one GET with TARGET verbatim, summed up by answer.
get() { answer "$(h1 "GET $1 HTTP/1.1\r\n$H\r\n${2:-}Connection: close\r\n\r\n")"; }
# get2 PATH [NAME:VALUE...]: the same over h2c prior knowledge.
get2() { answer "$("$PY" "$HERE/rawreq.py" h2 "$GW" "$1" parse.example.com "${@:2}")"; }
alive() { kill -0 "$GW_PID" 2>/dev/null && eq "$(get /public/alive)" "200 /public/alive"; }

check "plain request reaches /public" eq "$(get /public/x)" "200 /public/x"

# Item 1: targets that are neither a path nor an absolute URI (an out-of-bounds read before).
check "CONNECT authority-form is 400" \
    eq "$(h1 "CONNECT raw.example.com:443 HTTP/1.1\r\nHost: raw.example.com:443\r\n\r\n" | head -n1)" 400
check "GET host:port target is 400" \
    eq "$(h1 "GET raw.example.com:80 HTTP/1.1\r\n$H\r\n\r\n" | head -n1)" 400
check "GET long scheme-less target is 400" \
    eq "$(h1 "GET abcdefghijklmnopqrstuvwxyz HTTP/1.1\r\n$H\r\n\r\n" | head -n1)" 400
check "the gateway keeps serving after them" alive

# Item 5: every escape attempt is normalised before matching, or refused.
check "dot-segments resolved: no route for /internal without the header" \
    eq "$(get /public/../internal/secret)" "404 -"
check "the guarded rule still needs its header" \
    eq "$(get /public/../internal/secret 'x-admin: yes\r\n')" "200 /internal/secret"
check "%2e%2e is a dot-segment"  eq "$(get /public/%2e%2e/internal/secret)" "404 -"
check ".%2e is a dot-segment"    eq "$(get /public/.%2e/internal/secret)" "404 -"
check "%2E%2E upper case too"    eq "$(get /public/%2E%2E/internal/secret)" "404 -"
check "//../ merges, then resolves" eq "$(get /public//../internal/secret)" "404 -"
check "..%2f is refused"         eq "$(get /public/..%2finternal/secret)" "400 encoded slash (%2F or %5C) in path"
check "%2F.. is refused"         eq "$(get /public/%2F../internal/secret)" "400 encoded slash (%2F or %5C) in path"
check "%5C is refused"           eq "$(get /public/..%5Cinternal)" "400 encoded slash (%2F or %5C) in path"
check "..\\ is refused"          eq "$(get '/public/..\\internal/secret')" "400 backslash in path"
check "#/../ is refused"         eq "$(get '/public/#/../internal/secret')" "400 fragment (#) in request target"
check "# in the query is refused" eq "$(get '/public/x?a=1#/../internal')" "400 fragment (#) in request target"
check "bad escape is refused"    eq "$(get /public/%zz)" "400 bad percent-encoding in path"
check "the backend sees the normalised path" \
    eq "$(get '/public/a/./b//c/../d?q=%2e./x')" "200 /public/a/b/d?q=%2e./x"
check "unreserved escapes decoded, others upper-cased" \
    eq "$(get /public/%7euser/%41%3f)" "200 /public/~user/A%3F"
check "dot-segments above the root stay at the root" \
    eq "$(get /../../public/x)" "200 /public/x"
check "the same over h2c: dot-segments"      eq "$(get2 /public/../internal/secret)" "404 -"
check "h2c: %2e%2e"                          eq "$(get2 /public/%2e%2e/internal/secret)" "404 -"
check "h2c: the guarded rule with its header" \
    eq "$(get2 /public/%2e%2e/internal/secret x-admin:yes)" "200 /internal/secret"
check "h2c: the backend sees the normalised path" eq "$(get2 '/public/a/.//b')" "200 /public/a/b"
check "h2c: # is refused"  eq "$(get2 '/public/#/../internal')" "400 fragment (#) in request target"
check "h2c: %2F is refused" eq "$(get2 /public/..%2Finternal)" "400 encoded slash (%2F or %5C) in path"
check "h2c: bad :authority port is refused" \
    eq "$("$PY" "$HERE/rawreq.py" h2 "$GW" /public/x parse.example.com:99999999999 | head -n1)" 400
# Nothing that escaped /public ever reached the public backend.
SEEN=$(curl -s "http://127.0.0.1:$PUBLIC_CTL/stats" | "$PY" -c \
    'import json,sys; print(" ".join(sorted(json.load(sys.stdin)["paths"])))')
check "the public backend saw only /public paths" \
    eq "$(tr ' ' '\n' <<< "$SEEN" | grep -v '^/public' || true)" ""

# `gatesim explain --request` says what the gateway did, in the same words, for each of them.
explained() { # explained TARGET [NAME:VALUE]: "STATUS PATH" (404 -, 400 reason) from explain
    local hdr=()
    [ -n "${2:-}" ] && hdr=(-H "$2")
    "$GATESIM" explain "$HERE/manifests/parse.yaml" -o json "${hdr[@]}" \
        --request "GET http://parse.example.com$1" | "$PY" -c 'import json,sys
j = json.load(sys.stdin)
if j["status"] == 400: print("400", j["reason"])
elif j["status"]: print(j["status"], "-")
else: print(200, j["path"])'
}
for t in /public/../internal/secret /public/%2e%2e/internal/secret /public/.%2e/x \
    '/public/a/./b//c/../d?q=%2e./x' /public/..%2finternal '/public/..\\internal' \
    '/public/#/../internal' /public/%zz /public/%7euser/%41%3f /../../public/x; do
    check "explain agrees with the gateway on $t" eq "$(explained "$t")" "$(get "$t")"
done
check "explain agrees with the gateway with a header" \
    eq "$(explained /public/../internal/s 'x-admin: yes')" "$(get /public/../internal/s 'x-admin: yes\r\n')"

# Item 9: what a cleartext HTTP/1.1 listener refuses at once.
check "a TLS ClientHello gets 400 (not a 408 after the header timeout)" \
    eq "$(h1 '\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03' | head -n1)" 400
check "Host with a port out of range is 400" \
    eq "$(h1 "GET /public/x HTTP/1.1\r\nHost: x:99999999999\r\n\r\n" | tail -n +2)" "400 port out of range"
check "Host with userinfo is 400" \
    eq "$(h1 "GET /public/x HTTP/1.1\r\nHost: u@parse.example.com\r\n\r\n" | head -n1)" 400
check "https:// absolute-form on a plain listener is 400" \
    eq "$(get https://parse.example.com/public/x)" "400 https:// target on a plain listener"
check "http:// absolute-form is served (its authority wins over Host)" \
    eq "$(h1 "GET http://parse.example.com/public/y HTTP/1.1\r\nHost: other.example\r\nConnection: close\r\n\r\n" | head -n1)" 200
check "absolute-form paths are normalised too" \
    eq "$(get http://parse.example.com/public/../internal/z)" "404 -"
check "userinfo in an absolute-form target is 400" \
    eq "$(get http://user@parse.example.com/public/)" "400 userinfo in authority"
check "unknown schemes are 400" eq "$(get ftp://parse.example.com/public/ | cut -d' ' -f1)" 400
check "* is only for OPTIONS" eq "$(get '*' | cut -d' ' -f1)" 400
check "the gateway is still up and serving" alive
finish
