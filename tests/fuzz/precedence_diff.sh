#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs the route precedence differential test (tests/fuzz/precedence/) for longer than CI does:
# random route sets x boundary requests, each answer of the builtin route table checked against
# the oracle written from the Gateway API text. A disagreement is minimised and printed as a
# manifest for `gatesim explain`; it is also kept in precedence-diff-SEED.yaml.
#   tests/fuzz/precedence_diff.sh [--seed S] [--count N] [--per-set M] [--build DIR]
# Without --seed a seed is drawn and printed, so every run can be repeated.
set -u
build=build
args=()
seed=
while [ $# -gt 0 ]; do
    case $1 in
    --build) build=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --count | --per-set) args+=("$1" "$2"); shift 2 ;;
    *) echo "usage: $0 [--seed S] [--count N] [--per-set M] [--build DIR]" >&2; exit 2 ;;
    esac
done
[ -n "$seed" ] || seed=$(( $(od -An -N4 -tu4 /dev/urandom) ))
bin=$build/tests/fuzz/precedence_diff
[ -x "$bin" ] || { echo "$bin not built (cmake --build $build)" >&2; exit 2; }
out=precedence-diff-$seed.yaml
"$bin" --seed "$seed" "${args[@]}" >"$out"
rc=$?
if [ $rc -eq 0 ]; then
    rm -f "$out"
else
    cat "$out"
    echo "kept in $out" >&2
fi
exit $rc
