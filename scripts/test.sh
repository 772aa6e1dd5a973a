#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The whole test suite, as CI runs it: a -Werror build and ctest, then the same tests under
# AddressSanitizer + UndefinedBehaviorSanitizer. Build trees: build/ and build-asan/.
# Usage: scripts/test.sh [--no-sanitize] [ctest args...]
set -euo pipefail
cd "$(dirname "$0")/.."

sanitize=1
if [ "${1:-}" = "--no-sanitize" ]; then sanitize=0; shift; fi
jobs=$(nproc 2>/dev/null || echo 2)

run_suite() { # build-dir cmake-args...
    local dir=$1; shift
    echo "== configure $dir ($*)"
    cmake -S . -B "$dir" -DGS_WERROR=ON "$@" >"$dir.configure.log" 2>&1 || { cat "$dir.configure.log"; return 1; }
    echo "== build $dir"
    cmake --build "$dir" -j "$jobs" 2>&1 | grep -vE '^\[ *[0-9]+%\]|^(gmake|make)\[' || true
    [ "${PIPESTATUS[0]}" -eq 0 ] || return 1
    echo "== test $dir"
    (cd "$dir" && ctest --output-on-failure -j "$jobs" "${CTEST_ARGS[@]}")
}

CTEST_ARGS=("$@")
mkdir -p build
run_suite build -DCMAKE_BUILD_TYPE=RelWithDebInfo
if [ $sanitize -eq 1 ]; then
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    run_suite build-asan -DCMAKE_BUILD_TYPE=Debug -DGS_SANITIZE=ON
fi
