#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Streamed HTTP/1.1 request bodies: curl uploads 40 MiB (5x max_request_body) through
# `gatesim gateway` to a Python HTTP/1.1 backend that hashes what it reads: with Content-Length
# (to a backend reading slower than curl sends), chunked from a pipe, and chunked over TLS. All
# arrive whole (size, SHA-256, the client's framing) and the gateway's peak memory grows by far
# less than the file; a mirrored route still gives the mirror the whole body; an upstream that
# answers 413 after the head reaches the client, which then sees the connection close; the
# gateway's own early 404 to an upload still being sent reaches the client every time.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

start_py upload_backend.py up; UP=$PY_PORT
start_py upload_backend.py mirror; MIRROR=$PY_PORT

# A self-signed certificate for the HTTPS listener.
make_self_signed up up.example.com

{
    yaml_tls_secret up-cert up
    yaml_service up
    yaml_service shadow
    cat <<YAML
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: default}
spec:
  gatewayClassName: any
  listeners:
  - {name: http, port: 80, protocol: HTTP}
  - {name: https, port: 443, protocol: HTTPS, tls: {certificateRefs: [{name: up-cert}]}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: up, namespace: default}
spec:
  parentRefs: [{name: gw}]
  hostnames: [up.example.com]
  rules:
  - matches: [{path: {type: PathPrefix, value: /mirrored}}]
    filters:
    - type: RequestMirror
      requestMirror: {backendRef: {name: shadow, port: 8080}}
    backendRefs: [{name: up, port: 8080}]
  - backendRefs: [{name: up, port: 8080}]
YAML
} > "$WORK/gw.yaml"
start_gateway "$WORK/gw.yaml" --backend "default/up:8080=127.0.0.1:$UP" \
    --backend "default/shadow:8080=127.0.0.1:$MIRROR"
ADDR=$(gw_addr http)
TLS_PORT=$(gw_addr https)
TLS_PORT=${TLS_PORT##*:}

"$PY" -c "
import hashlib, sys
blk = hashlib.sha256(b'upload').digest() * 2048  # 64 KiB
with open(sys.argv[1], 'wb') as f:
    for i in range(640):
        f.write(bytes([i & 0xff]) + blk[1:])
" "$WORK/big.bin"
SIZE=$(stat -c %s "$WORK/big.bin")
SUM=$(sha256sum "$WORK/big.bin" | cut -d' ' -f1)

# Peak memory is only meaningful without AddressSanitizer (its quarantine keeps freed memory).
ASAN=0
grep -q __asan_init "$GATESIM" && ASAN=1
kib() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$GW_PID/status"; }

# upload NAME FRAMING CURL_ARGS...: PUTs the file; checks what the backend saw.
upload() {
    local name=$1 framing=$2 rss_before peak code
    shift 2
    echo 5 > "/proc/$GW_PID/clear_refs" 2> /dev/null || true # resets VmHWM
    rss_before=$(kib VmRSS)
    code=$(curl -s -S --max-time 60 -o "$WORK/resp-$name" -w '%{http_code}' \
        -H "Host: up.example.com" "$@" 2> "$WORK/curl-$name.err" || true)
    check "$name: status 200" eq "$code" "200"
    check "$name: the backend got $SIZE bytes, intact, $framing" eq \
        "$(cat "$WORK/resp-$name" 2> /dev/null)" "size=$SIZE sha256=$SUM framing=$framing"
    peak=$(kib VmHWM)
    echo "  $name: gateway VmRSS before ${rss_before} KiB, VmHWM after ${peak} KiB"
    if [ "$ASAN" -eq 0 ]; then
        check "$name: gateway peak memory grew by under 12 MiB" \
            test $((peak - rss_before)) -lt $((12 * 1024))
    fi
}

upload length length -T "$WORK/big.bin" "http://$ADDR/slow/length"
upload chunked chunked -H "Transfer-Encoding: chunked" -T - "http://$ADDR/up/chunked" \
    < "$WORK/big.bin"
# Over TLS (the connection's reading pauses through its bufferevent).
upload tls chunked --http1.1 --cacert "$WORK/up.crt" \
    --resolve "up.example.com:$TLS_PORT:127.0.0.1" -H "Transfer-Encoding: chunked" -T - \
    "https://up.example.com:$TLS_PORT/up/tls" < "$WORK/big.bin"

# A mirrored route buffers the body (within max_request_body): both backends get all of it.
head -c $((3 * 1024 * 1024)) "$WORK/big.bin" > "$WORK/small.bin"
SMALL_SUM=$(sha256sum "$WORK/small.bin" | cut -d' ' -f1)
code=$(curl -s -S --max-time 30 -o "$WORK/resp-mirror" -w '%{http_code}' \
    -H "Host: up.example.com" -H "Transfer-Encoding: chunked" -T - "http://$ADDR/mirrored" \
    < "$WORK/small.bin" || true)
check "mirrored: status 200" eq "$code" "200"
check "mirrored: the primary got the whole body" eq "$(cat "$WORK/resp-mirror")" \
    "size=3145728 sha256=$SMALL_SUM framing=length"
for _ in $(seq 1 100); do
    grep -q '^/mirrored ' "$WORK/mirror.out" && break
    sleep 0.05
done
check "mirrored: the mirror got the whole body" eq \
    "$(grep '^/mirrored ' "$WORK/mirror.out" | head -n1)" \
    "/mirrored size=3145728 sha256=$SMALL_SUM framing=length"

# An early answer: the backend sends 413 after the head; the client gets it and the connection
# closes (Connection: close; the rest of the body is not read). 40 MiB, so that the body cannot
# have been forwarded whole before the answer (with 3 MiB it sometimes had: then the connection
# rightly stays open and no Connection: close is due).
code=$(curl -s -S --max-time 30 -D "$WORK/early.head" -o "$WORK/resp-early" -w '%{http_code}' \
    -H "Host: up.example.com" -H "Transfer-Encoding: chunked" -T - "http://$ADDR/early" \
    < "$WORK/big.bin" 2> "$WORK/curl-early.err" || true)
check "early: the backend's 413 reached the client" eq "$code" "413"
check "early: its body too" eq "$(cat "$WORK/resp-early" 2> /dev/null)" "too large"
check "early: Connection: close" grep -qi '^connection: close' "$WORK/early.head"

# The gateway's own early answer (no route for the host) while the client is still sending its
# body: the connection lingers (sending side shut, the rest read and dropped) instead of closing
# with unread input. A close there resets the connection: the client's send fails ("Send failure:
# Connection reset by peer" in curl, about one try in five) and the reset can destroy the 404 it
# has not read yet. A raw client sends a head and 8 MiB in one go, then reads: every byte must
# be taken and the 404 must arrive.
cat > "$WORK/linger.py" << 'PYEOF'
import socket, sys
host, port = sys.argv[1].rsplit(":", 1)
body = b"x" * (8 << 20)
s = socket.create_connection((host, int(port)), timeout=10)
s.sendall(b"PUT /up HTTP/1.1\r\nHost: nowhere.example.com\r\nContent-Length: %d\r\n\r\n" % len(body))
try:
    s.sendall(body)
except OSError as e:
    print("SEND", type(e).__name__)
    sys.exit(0)
s.shutdown(socket.SHUT_WR)
got = b""
while True:
    try:
        chunk = s.recv(65536)
    except OSError as e:
        print("RECV", type(e).__name__)
        sys.exit(0)
    if not chunk:
        break
    got += chunk
print("STATUS", got.split(b"\r\n", 1)[0].decode())
PYEOF
for i in 1 2 3; do
    check "unrouted 8 MiB upload, try $i: the body is taken and the 404 arrives" eq \
        "$("$PY" "$WORK/linger.py" "$ADDR" 2>&1)" "STATUS HTTP/1.1 404 Not Found"
done

# The gateway still serves after all that.
code=$(curl -s -o "$WORK/resp-after" -w '%{http_code}' -H "Host: up.example.com" \
    --data-binary "abc" "http://$ADDR/after" || true)
check "after: a small POST still works" eq "$(cat "$WORK/resp-after")" \
    "size=3 sha256=$(printf abc | sha256sum | cut -d' ' -f1) framing=length"

finish
