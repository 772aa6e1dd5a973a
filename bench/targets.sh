#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Targets side by side (docs/targets/nginx.md, "Benchmark"): for 10, 1,000 and 10,000 HTTPRoutes
# (over a tenth as many hostnames), how long a new route takes to answer after it is applied
# (the step's convergenceMs: the builtin's SIGHUP reload and ready line; nginx's render, nginx -t,
# SIGHUP, new generation served, old workers gone), and req/s through each target for the same
# route set (HTTP/1.1, keep-alive). Prints one table and the nginx/builtin ratios.
# Usage: bench/targets.sh [SIZES] [REQUESTS]   (default "10 1000 10000" 20000; builds build-bench/)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${GS_BENCH_BUILD:-$root/build-bench}
sizes=${1:-10 1000 10000}
requests=${2:-20000}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DGS_TESTS=OFF >/dev/null
cmake --build "$build" -j2 --target gatesim gatesim-echo >/dev/null
gatesim=$build/harness/cli/gatesim
export GATESIM_ECHO=$build/backends/gatesim-echo
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# scenario N: N routes, then a step that adds one more and sends to it, then a load step.
scenario() {
    python3 - "$1" "$requests" <<'PY'
import sys
n, requests = int(sys.argv[1]), int(sys.argv[2])
hosts = max(1, n // 10)
out = ["apiVersion: gatesim.dev/v1alpha1", "kind: Scenario",
       "metadata: {name: targets-bench-%d}" % n, "spec:", "  manifests:",
       "  - inline: {apiVersion: gateway.networking.k8s.io/v1, kind: GatewayClass,"
       " metadata: {name: gatesim}, spec: {controllerName: gatesim.dev/gateway-controller}}",
       "  - inline: {apiVersion: gateway.networking.k8s.io/v1, kind: Gateway,"
       " metadata: {name: gw, namespace: default}, spec: {gatewayClassName: gatesim,"
       " listeners: [{name: http, port: 80, protocol: HTTP}]}}"]
for i in range(n):
    out.append("  - inline: {apiVersion: gateway.networking.k8s.io/v1, kind: HTTPRoute,"
               " metadata: {name: r%05d, namespace: default}, spec: {parentRefs: [{name: gw}],"
               " hostnames: [h%04d.example.com], rules: [{matches: [{path: {type: PathPrefix,"
               " value: /r%05d}}], backendRefs: [{name: app, port: 80}]}]}}" % (i, i % hosts, i))
out += ["  backends:", "  - {service: default/app}", "  - {service: default/new}", "  steps:",
        "  - name: a new route answers",
        "    apply:",
        "    - inline: {apiVersion: gateway.networking.k8s.io/v1, kind: HTTPRoute,"
        " metadata: {name: added, namespace: default}, spec: {parentRefs: [{name: gw}],"
        " hostnames: [added.example.com], rules: [{backendRefs: [{name: new, port: 80}]}]}}",
        "    send: {host: added.example.com, path: /, requests: 1}",
        "    expect: {status: 200, backend: default/new}",
        "  - name: load",
        "    send: {host: h0000.example.com, path: /r00000/x, requests: %d, connections: 8}"
        % requests,
        "    expect: {status: 200, backend: default/app}"]
print("\n".join(out))
PY
}

# figures DIR: "convergenceMs reqPerSec" of a run's results.json
figures() {
    python3 - "$1/results.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
s = r["scenarios"][0]
if s["result"] != "passed":
    sys.exit("run failed: %s" % json.dumps(s)[:600])
steps = {st["name"]: st for st in s["steps"]}
conv = steps["a new route answers"]["convergenceMs"]
print("%.1f %.0f" % (conv, steps["load"]["traffic"]["rps"]))
PY
}

printf '%-8s %-8s %14s %10s\n' routes target propagation_ms req_per_s
declare -A conv rps
for n in $sizes; do
    scenario "$n" > "$tmp/s$n.yaml"
    for t in builtin nginx; do
        "$gatesim" run "$tmp/s$n.yaml" --target "$t" --timeout 300s --seed 1 --format json \
            --report-dir "$tmp/r-$t-$n" > "$tmp/log-$t-$n" 2>&1 || { cat "$tmp/log-$t-$n"; exit 1; }
        read -r c r < <(figures "$tmp/r-$t-$n")
        conv[$t,$n]=$c
        rps[$t,$n]=$r
        printf '%-8s %-8s %14s %10s\n' "$n" "$t" "$c" "$r"
    done
done
echo
printf '%-8s %22s %18s\n' routes propagation_nginx/builtin req_s_nginx/builtin
for n in $sizes; do
    awk -v n="$n" -v cb="${conv[builtin,$n]}" -v cn="${conv[nginx,$n]}" \
        -v rb="${rps[builtin,$n]}" -v rn="${rps[nginx,$n]}" \
        'BEGIN { printf "%-8s %22.2f %18.2f\n", n, cn / cb, rn / rb }'
done
