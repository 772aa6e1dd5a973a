#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Backpressure to an HTTP/2 upstream: nghttpd (h2c, appProtocol kubernetes.io/h2c) serves a
# 40 MiB file through `gatesim gateway` to curl clients limited to 16 MB/s, over HTTP/1.1 and
# over h2c. The gateway's limit on what it queues for a client is 16 MiB, so without flow
# control the download would be cut; with it, the whole file arrives (size and checksum) and
# the gateway's peak memory grows by far less than the file.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

command -v nghttpd > /dev/null || { echo "nghttpd not installed"; exit 1; }

mkdir -p "$WORK/www"
"$PY" -c "
import hashlib, sys
blk = hashlib.sha256(b'gatesim').digest() * 2048  # 64 KiB
with open(sys.argv[1], 'wb') as f:
    for i in range(640):
        f.write(bytes([i & 0xff]) + blk[1:])
" "$WORK/www/big.bin"
WANT_SIZE=$(stat -c %s "$WORK/www/big.bin")
WANT_SUM=$(sha256sum "$WORK/www/big.bin" | cut -d' ' -f1)

# nghttpd cannot report a port it picked: take a free one, retry when it was taken meanwhile.
NG_PORT=
for attempt in 1 2 3 4 5; do
    P=$("$PY" -c "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])")
    nghttpd --no-tls -a 127.0.0.1 -d "$WORK/www" "$P" > "$WORK/nghttpd.out" 2>&1 &
    NG_PID=$!
    for _ in $(seq 1 100); do
        if curl -s -o /dev/null --http2-prior-knowledge "http://127.0.0.1:$P/"; then
            NG_PORT=$P
            break
        fi
        kill -0 "$NG_PID" 2>/dev/null || break
        sleep 0.05
    done
    if [ -n "$NG_PORT" ]; then PIDS+=("$NG_PID"); break; fi
    kill "$NG_PID" 2>/dev/null || true
    wait "$NG_PID" 2>/dev/null || true
    echo "nghttpd could not listen on $P (attempt $attempt)" >&2
done
[ -n "$NG_PORT" ] || { echo "nghttpd did not start"; exit 1; }

{
    yaml_http_gateway
    cat <<'YAML'
---
apiVersion: v1
kind: Service
metadata: {name: files, namespace: default}
spec: {ports: [{port: 8080, appProtocol: kubernetes.io/h2c}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: files, namespace: default}
spec:
  parentRefs: [{name: gw}]
  rules:
  - backendRefs: [{name: files, port: 8080}]
YAML
} > "$WORK/gw.yaml"
start_gateway "$WORK/gw.yaml" --backend "default/files:8080=127.0.0.1:$NG_PORT"
ADDR=$(gw_addr http)

# Peak memory is only meaningful without AddressSanitizer (its quarantine keeps freed memory).
ASAN=0
grep -q __asan_init "$GATESIM" && ASAN=1

kib() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$GW_PID/status"; }

# download NAME CURL_ARGS...: a rate-limited download; checks size, checksum and status.
download() {
    local name=$1 rss_before peak
    shift
    echo 5 > "/proc/$GW_PID/clear_refs" 2> /dev/null || true # resets VmHWM
    rss_before=$(kib VmRSS)
    local code
    code=$(curl -s -S --max-time 60 --limit-rate 16M -o "$WORK/got-$name" -w '%{http_code}' \
        "$@" "http://$ADDR/big.bin" 2> "$WORK/curl-$name.err" || true)
    check "$name: status 200" eq "$code" "200"
    check "$name: whole file ($WANT_SIZE bytes)" eq "$(stat -c %s "$WORK/got-$name" 2> /dev/null)" \
        "$WANT_SIZE"
    check "$name: checksum" eq "$(sha256sum "$WORK/got-$name" | cut -d' ' -f1)" "$WANT_SUM"
    peak=$(kib VmHWM)
    echo "  $name: gateway VmRSS before ${rss_before} KiB, VmHWM after ${peak} KiB"
    if [ "$ASAN" -eq 0 ]; then
        check "$name: gateway peak memory grew by under 12 MiB" \
            test $((peak - rss_before)) -lt $((12 * 1024))
    fi
}

download http1 --http1.1 -H "Host: files.example.com"
download h2c --http2-prior-knowledge -H "Host: files.example.com"

finish
