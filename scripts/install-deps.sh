#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Installs, on Debian 12, every package gatesim's build, tests and benchmarks need.
# Idempotent: when everything is present it prints nothing and exits 0.
set -euo pipefail

packages=(
    # build
    build-essential cmake pkg-config clang libclang-rt-14-dev
    libevent-dev libssl-dev libnghttp2-dev libyaml-dev libpcre2-dev check libsubunit-dev
    # real peers used by the tests and benchmarks
    curl nghttp2-client nghttp2-server nginx-light wrk python3 python3-grpcio python3-scipy
    openssl procps psmisc iproute2 chromium
    # the schema parity test's independent OpenAPI-schema validator
    python3-jsonschema
    # benchmarks: peak memory with /usr/bin/time -v
    time
    # profiling: instructions and system calls per request (bench/echo_callgrind.sh,
    # bench/gateway_cost.sh)
    valgrind strace
)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts nginx on install; the tests run their own instances on free ports.
if command -v systemctl >/dev/null 2>&1; then $SUDO systemctl disable --now nginx >/dev/null 2>&1 || true; fi
$SUDO pkill -x nginx 2>/dev/null || true
echo "install-deps: done" >&2
