#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# gatesim's main job on its builtin gateway: build, then run the bundled seed scenarios and write
# the reports (results.json, junit.xml, report.html, summary.md) to gatesim-results/.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$jobs" >/dev/null
exec ./build/harness/cli/gatesim run scenarios/seed --report-dir gatesim-results "$@"
