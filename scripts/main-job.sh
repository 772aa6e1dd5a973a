#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# gatesim's main job on its builtin gateway: build, then check the bundled seed scenarios.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$jobs" >/dev/null
./build/harness/cli/gatesim validate scenarios/seed
