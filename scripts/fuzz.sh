#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the libFuzzer targets with clang (every library instrumented, ASan+UBSan) into
# build-fuzz/ and runs each for SECONDS (default 60) on a copy of its corpus in tests/fuzz/corpus.
# New interesting inputs stay in build-fuzz/corpus/<name>; crashes are written to build-fuzz/.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
CC=clang cmake -S . -B build-fuzz -DGS_FUZZ=ON -DGS_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j "$(nproc)" >/dev/null
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for d in tests/fuzz/corpus/*/; do targets+=("$(basename "$d")"); done
fi
status=0
for t in "${targets[@]}"; do
    mkdir -p "build-fuzz/corpus/$t"
    cp -n tests/fuzz/corpus/"$t"/* "build-fuzz/corpus/$t/" 2>/dev/null || true
    echo "== fuzz $t for ${seconds}s"
    (cd build-fuzz && ./tests/fuzz/fuzz_"$t" -max_total_time="$seconds" -print_final_stats=0 \
        "corpus/$t" 2>&1 | grep -E 'DONE|ERROR|SUMMARY' ) || status=1
done
exit $status
