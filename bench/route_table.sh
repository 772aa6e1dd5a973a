#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Route-table benchmark (goal: README.md, Benchmarks): compile 10,000 HTTPRoutes across 1,000 hostnames, then
# lookup cost per request at 10 and at 10,000 routes. Goals: compile < 1 s, ratio <= 2.
# Usage: bench/route_table.sh [ROUTES] [LOOKUPS]   (builds into build-bench/, Release)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${GS_BENCH_BUILD:-$root/build-bench}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DGS_TESTS=OFF >/dev/null
cmake --build "$build" -j2 --target route_table_bench >/dev/null
"$build/harness/control/route_table_bench" "${1:-10000}" "${2:-2000000}" | tee /dev/stderr |
    awk '/^lookup_ratio=/ { split($1, r, "="); split($4, c, "=");
         ok = (r[2] <= 2.0 && c[2] < 1.0);
         print (ok ? "route_table: goals met" : "route_table: goal missed (see docs/control.md)") }'
