#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs, on Debian 12, every package gatesim's build, tests and benchmarks need.
# Idempotent: when everything is present it prints nothing and exits 0.
set -euo pipefail

packages=(
    # build
    build-essential cmake pkg-config clang libclang-rt-14-dev
    libevent-dev libssl-dev libnghttp2-dev libyaml-dev libpcre2-dev check libsubunit-dev zlib1g-dev
    # real peers used by the tests and benchmarks
    curl nghttp2-client nghttp2-server nginx-light wrk python3 python3-grpcio python3-scipy
    # nghttpx: the RFC 8441 (WebSocket over HTTP/2) peer of the echo, traffic and gateway tests
    nghttp2-proxy
    # --target nginx: njs for matches nginx locations cannot express, headers-more for response
    # headers nginx sets itself (Server, Date)
    libnginx-mod-http-js libnginx-mod-http-headers-more-filter
    # bench/l4.sh: nginx's stream module, the TCP/UDP proxy gatesim's layer 4 is compared with
    libnginx-mod-stream
    openssl procps psmisc iproute2 chromium
    # the schema parity test's independent OpenAPI-schema validator
    python3-jsonschema
    # benchmarks: peak memory with /usr/bin/time -v
    time
    # profiling: instructions and system calls per request (bench/echo_callgrind.sh,
    # bench/gateway_cost.sh; bench/load_cost.sh counts syscall tracepoints with perf)
    valgrind strace linux-perf
)

# the HdrHistogram log test's independent reader runs on Node.js (Debian's, unless a node and
# an npm are already there)
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    packages+=(nodejs npm)
fi

# npm packages, into the repository's .deps/npm (git-ignored): HdrHistogram's JavaScript port,
# the independent reader of `gatesim load --hdr-log` (tests/integration/traffic/hdr_read.js)
install_npm() {
    local root
    root=$(cd "$(dirname "$0")/.." && pwd)
    [ -f "$root/.deps/npm/node_modules/hdr-histogram-js/package.json" ] && return 0
    echo "install-deps: npm install hdr-histogram-js" >&2
    mkdir -p "$root/.deps/npm"
    npm install --prefix "$root/.deps/npm" --no-audit --no-fund --no-save --loglevel=error \
        hdr-histogram-js@3.0.1 >/dev/null
}

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    install_npm
    exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts nginx on install; the tests run their own instances on free ports.
if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl disable --now nginx >/dev/null 2>&1 || true; fi
# nghttpx's package installs a service too; the tests start their own nghttpx.
if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl disable --now nghttpx >/dev/null 2>&1 || true; fi
$SUDO pkill -x nginx 2>/dev/null || true
install_npm
echo "install-deps: done" >&2
