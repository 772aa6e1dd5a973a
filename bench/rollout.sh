#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Rollout rehearsal cost (docs/rollout.md): a plan of STEPS setWeight steps (10, 20, ... each
# followed by an analysis) against the builtin gateway with open-loop traffic at RATE req/s,
# run by `gatesim rehearse`. Prints the wall time (goal: 10 steps at 1,000 req/s in under 30 s),
# the requests sent, and gatesim's peak RSS (GNU time %M) for a 2-step and a STEPS-step plan
# with their ratio (goal ~1.0: the rehearsal keeps counts and one histogram per window, never
# per-request state, so memory does not grow with the steps).
# Usage: bench/rollout.sh [STEPS] [RATE] [BUILD_DIR]   (defaults 10, 1000, build)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
STEPS=${1:-10}
RATE=${2:-1000}
BUILD=${3:-$ROOT/build}
GATESIM=$BUILD/harness/cli/gatesim
export GATESIM_ECHO=${GATESIM_ECHO:-$BUILD/backends/gatesim-echo}
[ -x "$GATESIM" ] || { echo "bench/rollout.sh: $GATESIM not built (cmake --build build)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench/rollout.sh: /usr/bin/time not installed (scripts/install-deps.sh)" >&2; exit 2; }

WORK=$(mktemp -d /tmp/gs-bench-rollout.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# scenario N: a plan of N weights, written to $WORK/rollout-N.yaml
scenario() {
    local n=$1 steps="" w
    for ((i = 1; i <= n; i++)); do
        w=$((i * 100 / (n + 1)))
        steps+="        - setWeight: $w"$'\n'"        - analysis: {}"$'\n'
    done
    cat >"$WORK/rollout-$n.yaml" <<YAML
apiVersion: gatesim.dev/v1alpha1
kind: Scenario
metadata: {name: rollout-bench-$n}
spec:
  statistics: {alpha: 0.001, power: 0.99, minEffect: 0.1}
  manifests:
  - inline:
      apiVersion: gateway.networking.k8s.io/v1
      kind: GatewayClass
      metadata: {name: gatesim}
      spec: {controllerName: gatesim.dev/builtin-controller}
  - inline:
      apiVersion: gateway.networking.k8s.io/v1
      kind: Gateway
      metadata: {name: gw, namespace: infra}
      spec:
        gatewayClassName: gatesim
        listeners: [{name: http, protocol: HTTP, port: 80, allowedRoutes: {namespaces: {from: All}}}]
  - inline:
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: {name: app, namespace: default}
      spec:
        parentRefs: [{name: gw, namespace: infra}]
        hostnames: [app.example.com]
        rules: [{backendRefs: [{name: stable, port: 80}, {name: canary, port: 80, weight: 0}]}]
  backends: [{service: default/stable}, {service: default/canary}]
  steps:
  - name: rehearsal
    rollout:
      interval: 1s
      traffic: {host: app.example.com, rate: $RATE, connections: 16}
      plan:
        route: default/app
        stable: default/stable
        canary: default/canary
        analysis: {successRate: 99, p99: 1s}
        steps:
$steps    expect: {outcome: promoted, failedRequests: 0}
YAML
}

# run N: prints "seconds requests peak_kib exit"
run() {
    local n=$1 start end rc=0
    scenario "$n"
    start=$(date +%s.%N)
    /usr/bin/time -f %M -o "$WORK/rss-$n" "$GATESIM" rehearse --quiet --seed 1 \
        --report-dir "$WORK/report-$n" "$WORK/rollout-$n.yaml" || rc=$?
    end=$(date +%s.%N)
    local requests
    requests=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['scenarios'][0]['steps'][0]['traffic']['requests'])" \
        "$WORK/report-$n/results.json" 2>/dev/null || echo "?")
    echo "$(echo "$end - $start" | bc) $requests $(tail -1 "$WORK/rss-$n") $rc"
}

read -r s2 r2 m2 e2 < <(run 2)
read -r sn rn mn en < <(run "$STEPS")
printf 'rollout rehearsal at %s req/s (builtin gateway, 2 echo backends)\n' "$RATE"
printf '  %2d steps: %6.1f s, %s requests, gatesim peak RSS %s KiB, exit %s\n' 2 "$s2" "$r2" "$m2" "$e2"
printf '  %2d steps: %6.1f s, %s requests, gatesim peak RSS %s KiB, exit %s\n' "$STEPS" "$sn" "$rn" "$mn" "$en"
printf '  peak RSS ratio %d/2 steps: %.2f (goal ~1.0); %d steps under 30 s: %s\n' "$STEPS" \
    "$(echo "$mn / $m2" | bc -l)" "$STEPS" "$([ "$(echo "$sn < 30" | bc)" = 1 ] && echo yes || echo NO)"
[ "$e2" = 0 ] && [ "$en" = 0 ]
