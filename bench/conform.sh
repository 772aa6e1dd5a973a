#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Benchmark: the whole conformance library (scenarios/conformance) on the builtin target with
# `gatesim conform`, GATEWAY-HTTP and GATEWAY-GRPC, at --jobs 1 and at --jobs J (default: the
# number of cores). Prints the wall time of each, the tests run, and the speed-up.
# Goal (issue 14): the whole library under 60 s on the 2-core machine; upstream's suite on a
# cluster takes minutes. Run once; it is not a test.
# usage: bench/conform.sh [BUILD_DIR] [J]
set -euo pipefail
build=${1:-build}
jobs=${2:-$(nproc)}
gatesim=$(cd "$(dirname "$build/harness/cli/gatesim")" && pwd)/gatesim
[ -x "$gatesim" ] || { echo "conform.sh: build first ($gatesim not found)" >&2; exit 2; }
export GATESIM_ECHO=${GATESIM_ECHO:-$(cd "$build/backends" && pwd)/gatesim-echo}
src=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

run() { # run JOBS: prints the wall seconds; the run must pass
    local start end
    start=$(date +%s.%N)
    (cd "$src" && "$gatesim" conform --conformance-profiles GATEWAY-HTTP,GATEWAY-GRPC -q \
        --seed 1 --jobs "$1" --report-dir "$dir/j$1") ||
        { echo "conform.sh: the library failed on builtin (--jobs $1)" >&2; exit 1; }
    end=$(date +%s.%N)
    echo "$end - $start" | bc
}

tests=$(cd "$src" && "$gatesim" conform --conformance-profiles GATEWAY-HTTP,GATEWAY-GRPC --list |
    grep -c '"outcome":"run"')
t1=$(run 1)
tj=$(run "$jobs")
printf 'library: %s tests run on builtin (GATEWAY-HTTP, GATEWAY-GRPC), %s cores\n' "$tests" "$(nproc)"
printf '  --jobs 1:  %6.1f s\n' "$t1"
printf '  --jobs %s:  %6.1f s  (%.2fx)\n' "$jobs" "$tj" "$(echo "$t1 / $tj" | bc -l)"
printf 'goal: under 60 s: %s\n' "$(echo "$tj < 60" | bc -l | sed 's/1/met/;s/0/NOT met/')"
