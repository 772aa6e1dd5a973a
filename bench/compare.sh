#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The earlier name of bench/false_alarm.sh (false-alarm rate of `gatesim compare` over repeated
# pairs of `gatesim bench quick`, and injected regressions flagged); kept for old instructions.
# usage: bench/compare.sh [path/to/gatesim] [pairs, default 5]
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/false_alarm.sh" "${1:-$here/../build/harness/cli/gatesim}" "${2:-5}" quick
