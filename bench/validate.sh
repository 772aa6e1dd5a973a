#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Benchmark: `gatesim validate` on N generated HTTPRoutes (default 10,000, each with two rules,
# matches, a filter and weighted backends). Prints objects per second and peak RSS.
# Goal (issue 2): under 2 s and under 200 MB on this machine. Run once; it is not a test.
# usage: bench/validate.sh [BUILD_DIR] [N]
set -euo pipefail
build=${1:-build}
n=${2:-10000}
gatesim=$build/harness/cli/gatesim
[ -x "$gatesim" ] || { echo "validate.sh: build first ($gatesim not found)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "validate.sh: /usr/bin/time missing (scripts/install-deps.sh)" >&2; exit 2; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

/usr/bin/python3 - "$dir/routes.yaml" "$n" <<'PY'
import sys
path, n = sys.argv[1], int(sys.argv[2])
with open(path, "w") as f:
    f.write("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: edge, namespace: infra}\n"
            "spec:\n  gatewayClassName: gatesim\n  listeners:\n  - {name: http, port: 80, protocol: HTTP,"
            " allowedRoutes: {namespaces: {from: All}}}\n")
    for i in range(n):
        f.write(f"""---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: route-{i}
  namespace: team-{i % 50}
  labels: {{app: app-{i}}}
spec:
  parentRefs:
  - name: edge
    namespace: infra
    sectionName: http
  hostnames: ["app-{i}.example.com"]
  rules:
  - matches:
    - path: {{type: PathPrefix, value: /api/v{i % 3}}}
      headers:
      - {{name: X-Canary, value: "true"}}
    filters:
    - type: RequestHeaderModifier
      requestHeaderModifier:
        set: [{{name: X-Route, value: route-{i}}}]
    backendRefs:
    - {{name: app-{i}-stable, port: 8080, weight: 95}}
    - {{name: app-{i}-canary, port: 8080, weight: 5}}
  - backendRefs:
    - {{name: app-{i}-stable, port: 8080}}
""")
PY
size=$(du -h "$dir/routes.yaml" | cut -f1)
/usr/bin/time -v "$gatesim" validate -q "$dir/routes.yaml" >"$dir/out" 2>"$dir/time" || {
    echo "validate.sh: gatesim validate failed:" >&2; head -20 "$dir/out" "$dir/time" >&2; exit 1; }
secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$dir/time")
rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$dir/time")
objects=$((n + 1))
awk -v n="$objects" -v s="$secs" -v rss="$rss" -v size="$size" 'BEGIN {
    ops = s > 0 ? n / s : 0
    printf "validate: %d objects (%s of YAML) in %.2f s = %.0f objects/s, peak RSS %.1f MB\n", n, size, s, ops, rss / 1024
    printf "goal: < 2 s (%s), < 200 MB (%s)\n", s < 2 ? "met" : "NOT met", rss / 1024 < 200 ? "met" : "NOT met"
}'
