# SPDX-License-Identifier: MIT
# Shared helpers of the gateway integration tests (sourced). Starts gatesim-echo backends and
# `gatesim gateway` on 127.0.0.1 free ports, stops everything it started on exit, and offers
# small assertion helpers. Needs: GATESIM, GATESIM_ECHO (paths), curl, /usr/bin/python3.
set -euo pipefail

PY=/usr/bin/python3
WORK=$(mktemp -d "${TMPDIR:-/tmp}/gatesim-gw-it.XXXXXX")
PIDS=()
FAILS=0
CHECKS=0

# The stderr files of the gatesim processes started here (san_watch adds one). A sanitizer
# build writes its reports there, most at exit (LeakSanitizer), so they are read in cleanup once
# every process has been stopped: a report fails the test and is printed.
SAN_FILES=()
san_watch() { SAN_FILES+=("$1"); }

# san_scan: prints each watched file holding an AddressSanitizer, LeakSanitizer or UBSan report
# ("runtime error:"), or a sanitizer's own fatal error (LeakSanitizer under ptrace, say: no leak
# check was done); returns 1 when there was one.
san_scan() {
    local f found=0
    for f in "${SAN_FILES[@]}"; do
        [ -f "$f" ] || continue
        if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|Sanitizer has encountered a fatal error|runtime error:' "$f"; then
            echo "FAIL sanitizer report in $(basename "$f"):"
            sed 's/^/  /' "$f" | head -n 200
            found=1
        fi
    done
    return "$found"
}

cleanup() {
    local rc=$?
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
    san_scan || rc=1
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT

# json FILE EXPR: evaluates a Python expression on the parsed JSON (as `j`) and prints it.
json() { "$PY" -c "import json,sys; j=json.load(open(sys.argv[1])); print($2)" "$1"; }

# WAIT_S: the bound of every wait below. Generous: a sanitizer build on a loaded machine starts
# and answers many times slower than usual, and a wait ends as soon as its condition holds.
WAIT_S=${WAIT_S:-60}

# wait_line FILE [N]: waits (WAIT_S at most) until FILE has N (default 1) complete lines.
wait_line() {
    local end=$((SECONDS + WAIT_S))
    while [ "$SECONDS" -le "$end" ]; do
        if [ -s "$1" ] && [ "$(wc -l < "$1")" -ge "${2:-1}" ]; then return 0; fi
        sleep 0.05
    done
    echo "timed out waiting for a ready line in $1" >&2
    cat "$1" >&2 || true
    return 1
}

# start_py SCRIPT NAME: runs the Python test server SCRIPT (next to this file), which prints its
# port on its first stdout line; its output goes to $WORK/NAME.out (stderr NAME.err). Sets
# PY_PORT and PY_PID.
start_py() {
    "$PY" "$HERE/$1" > "$WORK/$2.out" 2> "$WORK/$2.err" &
    PY_PID=$!
    PIDS+=($PY_PID)
    wait_line "$WORK/$2.out"
    PY_PORT=$(head -n1 "$WORK/$2.out")
}

# start_echo NS/NAME [REPLICA] [more gatesim-echo flags]: sets ECHO_PORT and ECHO_CONTROL.
start_echo() {
    local svc=$1 replica=${2:-0}
    shift 2 || shift $#
    local out="$WORK/echo-${svc//\//_}-$replica.json"
    "$GATESIM_ECHO" --service "$svc" --replica "$replica" --quiet "$@" > "$out" 2> "$out.err" &
    PIDS+=($!)
    san_watch "$out.err"
    wait_line "$out"
    head -n1 "$out" > "$out.1"
    ECHO_PORT=$(json "$out.1" "j['port']")
    ECHO_CONTROL=$(json "$out.1" "j['controlPort']")
}

# echo_served CTL PATH [N]: waits (WAIT_S at most) until the gatesim-echo whose control port is
# CTL has counted at least N (default 1) requests for PATH (its /stats counts a request on
# arrival, so a delayed request counts while it is still in flight).
echo_served() {
    local n end=$((SECONDS + WAIT_S))
    while [ "$SECONDS" -le "$end" ]; do
        n=$(curl -s "http://127.0.0.1:$1/stats" | "$PY" -c \
            "import json,sys; print(json.load(sys.stdin)['paths'].get(sys.argv[1], 0))" "$2" \
            2>/dev/null || echo 0)
        if [ "$n" -ge "${3:-1}" ]; then return 0; fi
        sleep 0.05
    done
    echo "the echo at control port $1 counted $n requests for $2, wanted ${3:-1}" >&2
    return 1
}

# wait_ready FILE PID: waits (WAIT_S at most) until FILE has a complete first line; returns 1 on
# the timeout and 2 as soon as process PID has exited without writing one.
wait_ready() {
    local end=$((SECONDS + WAIT_S))
    while [ "$SECONDS" -le "$end" ]; do
        if [ -s "$1" ] && [ "$(wc -l < "$1")" -ge 1 ]; then return 0; fi
        if ! kill -0 "$2" 2>/dev/null; then
            [ -s "$1" ] && [ "$(wc -l < "$1")" -ge 1 ] && return 0
            return 2
        fi
        sleep 0.05
    done
    echo "timed out waiting for a ready line in $1" >&2
    return 1
}

# start_gateway ARGS...: runs gatesim gateway; sets GW_PID, GW_OUT (its stdout), GW_ERR (its
# stderr) and GW_READY (the first ready line as a file). Returns 2 when the gateway exited
# before it was ready (its stderr then says why), 1 on a timeout.
GW_STARTS=0
start_gateway() {
    # A fresh file per start: the background job's redirect truncates its file only once it
    # runs, so reusing one name could let wait_ready see the previous gateway's ready line.
    GW_STARTS=$((GW_STARTS + 1))
    GW_OUT="$WORK/gateway-$GW_STARTS.out"
    GW_ERR="$WORK/gateway-$GW_STARTS.err"
    : > "$GW_OUT"
    "$GATESIM" gateway "$@" > "$GW_OUT" 2> "$GW_ERR" &
    GW_PID=$!
    PIDS+=($GW_PID)
    san_watch "$GW_ERR"
    local rc=0
    wait_ready "$GW_OUT" "$GW_PID" || rc=$?
    if [ "$rc" -ne 0 ]; then cat "$GW_ERR" >&2; return "$rc"; fi
    GW_READY="$WORK/ready.json"
    head -n1 "$GW_OUT" > "$GW_READY"
}

# start_gateway_port_map PORT ARGS...: start_gateway with --port-map PORT=<a free port>, the port
# in FREE. A port found free can be taken by another process before the gateway binds it, so
# when the gateway exits reporting exactly that (EADDRINUSE on its bind), the whole start is
# retried with a new port, up to 5 times.
start_gateway_port_map() {
    local listener_port=$1 attempt rc
    shift
    for attempt in 1 2 3 4 5; do
        FREE=$("$PY" -c "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])")
        rc=0
        start_gateway "$@" --port-map "$listener_port=$FREE" 2>/dev/null || rc=$?
        [ "$rc" -eq 0 ] && return 0
        if [ "$rc" -eq 2 ] && grep -q "cannot bind 127.0.0.1:$FREE: Address already in use" "$GW_ERR"; then
            echo "port $FREE was taken before the gateway bound it (attempt $attempt), retrying" >&2
            continue
        fi
        cat "$GW_ERR" >&2
        return "$rc"
    done
    echo "no free port stayed free for the gateway in 5 attempts" >&2
    return 1
}

# gw_addr LISTENER: the bound address of listener LISTENER (first Gateway that has it).
gw_addr() {
    json "$GW_READY" "[l['address'] for l in j['listeners'] if l['listener']=='$1'][0]"
}

# Certificates, made with the openssl CLI (EC P-256, valid two days), as $WORK/NAME.crt and
# $WORK/NAME.key.
# make_ca NAME [CN]: a self-signed CA (subject CN: CN, default NAME).
make_ca() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -subj "/CN=${2:-$1}" -keyout "$WORK/$1.key" -out "$WORK/$1.crt" 2> /dev/null
}
# make_self_signed NAME HOST: a self-signed certificate for HOST (CN and DNS subjectAltName).
make_self_signed() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -subj "/CN=$2" -addext "subjectAltName=DNS:$2" \
        -keyout "$WORK/$1.key" -out "$WORK/$1.crt" 2> /dev/null
}
# make_leaf NAME CA HOST [USAGE]: a certificate for HOST (CN and DNS subjectAltName; HOST may be
# a wildcard) signed by the CA $WORK/CA.crt, with extendedKeyUsage USAGE when given
# (serverAuth, clientAuth).
make_leaf() {
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$3" \
        -keyout "$WORK/$1.key" -out "$WORK/$1.csr" 2> /dev/null
    printf 'subjectAltName=DNS:%s\n' "$3" > "$WORK/$1.ext"
    if [ -n "${4:-}" ]; then printf 'extendedKeyUsage=%s\n' "$4" >> "$WORK/$1.ext"; fi
    openssl x509 -req -in "$WORK/$1.csr" -CA "$WORK/$2.crt" -CAkey "$WORK/$2.key" \
        -CAcreateserial -days 2 -extfile "$WORK/$1.ext" -out "$WORK/$1.crt" 2> /dev/null
}

# Manifest documents, each printed with its leading ---.
# yaml_gatewayclass: the GatewayClass "gatesim" of gatesim's controller.
yaml_gatewayclass() {
    printf -- '---\napiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\n'
    printf 'metadata: {name: gatesim}\nspec: {controllerName: gatesim.dev/gateway-controller}\n'
}
# yaml_http_gateway: the Gateway default/gw (class "any") with one listener, http on port 80.
yaml_http_gateway() {
    printf -- '---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\n'
    printf 'metadata: {name: gw, namespace: default}\nspec:\n  gatewayClassName: any\n'
    printf '  listeners: [{name: http, port: 80, protocol: HTTP}]\n'
}
# yaml_tls_secret NAME FILE: the kubernetes.io/tls Secret default/NAME of $WORK/FILE.crt and
# $WORK/FILE.key.
yaml_tls_secret() {
    cat <<YAML
---
apiVersion: v1
kind: Secret
metadata: {name: $1, namespace: default}
type: kubernetes.io/tls
data:
  tls.crt: $(base64 -w0 < "$WORK/$2.crt")
  tls.key: $(base64 -w0 < "$WORK/$2.key")
YAML
}

# yaml_service NAME [APPPROTOCOL]: the Service default/NAME with port 8080 (of APPPROTOCOL).
yaml_service() {
    printf -- '---\napiVersion: v1\nkind: Service\nmetadata: {name: %s, namespace: default}\n' "$1"
    printf 'spec: {ports: [{port: 8080%s}]}\n' "${2:+, appProtocol: $2}"
}
# yaml_route_all GATEWAY SERVICE: the HTTPRoute default/app sending every request of the
# Gateway default/GATEWAY to SERVICE:8080.
yaml_route_all() {
    printf -- '---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\n'
    printf 'metadata: {name: app, namespace: default}\nspec:\n  parentRefs: [{name: %s}]\n' "$1"
    printf '  rules:\n  - backendRefs: [{name: %s, port: 8080}]\n' "$2"
}

# yaml_ca_configmap NAME FILE: the ConfigMap default/NAME whose ca.crt is $WORK/FILE.crt.
yaml_ca_configmap() {
    printf -- '---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s, namespace: default}\n' "$1"
    printf 'data:\n  ca.crt: |\n'
    sed 's/^/    /' "$WORK/$2.crt"
}
# yaml_backend_tls_policy NAME SERVICE CONFIGMAP HOSTNAME: the BackendTLSPolicy default/NAME on
# the Service default/SERVICE, validating with the CA of ConfigMap CONFIGMAP for HOSTNAME.
yaml_backend_tls_policy() {
    printf -- '---\napiVersion: gateway.networking.k8s.io/v1\nkind: BackendTLSPolicy\n'
    printf 'metadata: {name: %s, namespace: default}\nspec:\n' "$1"
    printf '  targetRefs: [{group: "", kind: Service, name: %s}]\n' "$2"
    printf '  validation: {caCertificateRefs: [{group: "", kind: ConfigMap, name: %s}], hostname: %s}\n' \
        "$3" "$4"
}

# wait_text FILE TEXT [FROM]: waits (WAIT_S at most) until FILE, from its line FROM on (default
# 1), holds TEXT; on the timeout prints those lines.
wait_text() {
    local end=$((SECONDS + WAIT_S)) part="$1.from-${3:-1}"
    while [ "$SECONDS" -le "$end" ]; do
        tail -n +"${3:-1}" "$1" > "$part"
        grep -qF "$2" "$part" && return 0
        sleep 0.05
    done
    echo "  [$2] not in $1 from line ${3:-1}:" >&2
    cat "$part" >&2
    return 1
}

check() { # check DESCRIPTION COMMAND...
    CHECKS=$((CHECKS + 1))
    if "${@:2}"; then echo "ok   $1"; else echo "FAIL $1"; FAILS=$((FAILS + 1)); fi
}

eq() { [ "$1" = "$2" ] || { echo "  expected [$2], got [$1]" >&2; return 1; }; }
contains() { case "$1" in *"$2"*) return 0 ;; esac; echo "  [$2] not in: ${1:0:300}" >&2; return 1; }
lacks() { case "$1" in *"$2"*) echo "  [$2] unexpectedly in: ${1:0:300}" >&2; return 1 ;; esac; return 0; }

finish() {
    echo "$((CHECKS - FAILS)) passed, $FAILS failed"
    [ "$FAILS" -eq 0 ]
}
