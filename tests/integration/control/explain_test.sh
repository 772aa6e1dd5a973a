#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Runs the built `gatesim explain` on the team manifests under tests/data/control and checks
# what it prints and how it exits. Usage: explain_test.sh GATESIM DATA_DIR
set -u
gatesim=$1
data=$2
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# 1. Without namespace labels the team routes are NotAllowedByListeners, in words.
"$gatesim" explain "$data/teams/gateways.yaml" "$data/teams/routes.yaml" >"$tmp/text" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] || fail "text: exit $rc"
grep -q "NotAllowedByListeners" "$tmp/text" || fail "text: no NotAllowedByListeners"
grep -q "namespace team-b has no label environment=production required by listener https of infra/prod" "$tmp/text" ||
    fail "text: no actionable reason for team-b"
grep -q "certificateRef Secret infra/prod-cert does not exist" "$tmp/text" || fail "text: missing TLS secret not shown"
grep -q "Note:.*GatewayClass shared is not among the objects" "$tmp/text" || fail "text: no note on the missing class"

# 2. JSON has the shape of docs/cli.md; labelled namespaces attach the routes.
"$gatesim" explain --output json "$data/teams" >"$tmp/json" 2>/dev/null
rc=$?
[ $rc -eq 0 ] || fail "json: exit $rc"
"$py" - "$tmp/json" <<'PY' || fail "json: shape or values"
import json, sys
doc = json.load(open(sys.argv[1]))
objs = {(o["kind"], o.get("namespace"), o["name"]): o for o in doc["objects"]}
gw = objs[("Gateway", "infra", "prod")]["status"]
l = gw["listeners"][0]
assert l["name"] == "https" and l["attachedRoutes"] == 2, l
conds = {c["type"]: c for c in l["conditions"]}
assert conds["ResolvedRefs"]["status"] == "False" and conds["ResolvedRefs"]["reason"] == "InvalidCertificateRef", conds
assert [k["kind"] for k in l["supportedKinds"]] == ["HTTPRoute", "GRPCRoute"]
for ns, name in (("team-a", "orders"), ("team-b", "dashboard")):
    p = objs[("HTTPRoute", ns, name)]["status"]["parents"][0]
    assert p["parentRef"]["name"] == "prod" and p["parentRef"]["namespace"] == "infra", p
    c = {c["type"]: c for c in p["conditions"]}
    assert c["Accepted"]["status"] == "True", c
    assert c["ResolvedRefs"]["reason"] == "BackendNotFound", c
    assert p["controllerName"] == "gatesim.dev/gateway-controller"
PY

# 3. YAML says the same thing.
"$gatesim" explain -o yaml "$data/teams/gateways.yaml" "$data/teams/routes.yaml" >"$tmp/yaml" 2>/dev/null
grep -q "reason: NotAllowedByListeners" "$tmp/yaml" || fail "yaml: no NotAllowedByListeners"
grep -q "attachedRoutes: 0" "$tmp/yaml" || fail "yaml: no attachedRoutes"

# 4. A scenario: its namespaces, backends and generated certificate count as objects.
"$gatesim" explain -o json "$data/scenario/teams.yaml" >"$tmp/sc" 2>"$tmp/scerr"
rc=$?
[ $rc -eq 0 ] || { fail "scenario: exit $rc"; cat "$tmp/scerr"; }
"$py" - "$tmp/sc" <<'PY' || fail "scenario: values"
import json, sys
doc = json.load(open(sys.argv[1]))
objs = {(o["kind"], o.get("namespace"), o["name"]): o for o in doc["objects"]}
l = objs[("Gateway", "infra", "prod")]["status"]["listeners"][0]
conds = {c["type"]: c["status"] for c in l["conditions"]}
assert conds["Programmed"] == "True" and conds["ResolvedRefs"] == "True", conds
assert l["attachedRoutes"] == 2
for ns, name in (("team-a", "orders"), ("team-b", "dashboard")):
    c = {c["type"]: c for c in objs[("HTTPRoute", ns, name)]["status"]["parents"][0]["conditions"]}
    assert c["Accepted"]["status"] == "True" and c["ResolvedRefs"]["status"] == "True", c
PY
"$gatesim" explain "$data/scenario/teams.yaml" >"$tmp/sctext" 2>/dev/null
grep -q "orders.shop.example.com" "$tmp/sctext" || fail "scenario text: no route table hostname"
grep -q "PathPrefix /orders" "$tmp/sctext" || fail "scenario text: no route table match"
grep -q -- "-> team-a/orders:8080 weight 1" "$tmp/sctext" || fail "scenario text: no backend line"

# 4b. Same age, both PathPrefix /, r2 first in the file: a-b ranks first, and explain says why.
"$gatesim" explain "$data/precedence/same-age.yaml" >"$tmp/tie" 2>/dev/null
"$py" - "$tmp/tie" <<'PY' || fail "same-age: a-b not first or no reason given"
import sys
text = open(sys.argv[1]).read()
table = text[text.index("Route table:"):]
ab = table.index("1. PathPrefix /  (HTTPRoute default/a-b rule 0)")
r2 = table.index("2. PathPrefix /  (HTTPRoute default/r2 rule 0)")
why = table.index("after 1: same match keys, same age, alphabetical {namespace}/{name}")
assert ab < r2 < why, (ab, r2, why)
PY

# 5. Exit codes: --help 0, unknown option 2, unreadable path 2, invalid object 1.
"$gatesim" explain --help >/dev/null || fail "--help did not exit 0"
"$gatesim" explain --bogus "$data/teams" >/dev/null 2>&1
[ $? -eq 2 ] || fail "unknown option did not exit 2"
"$gatesim" explain "$tmp/nonexistent.yaml" >/dev/null 2>&1
[ $? -eq 2 ] || fail "unreadable path did not exit 2"
printf 'apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: g, namespace: x}\nspec:\n  gatewayClassName: c\n  listeners: [{name: a, protocol: HTTP, port: 0}]\n' >"$tmp/bad.yaml"
"$gatesim" explain "$tmp/bad.yaml" >/dev/null 2>"$tmp/baderr"
[ $? -eq 1 ] || fail "invalid object did not exit 1"
grep -q "bad.yaml:6" "$tmp/baderr" || fail "invalid object: no file:line in the message"
printf 'a: [\n' >"$tmp/malformed.yaml"
"$gatesim" explain "$tmp/malformed.yaml" >/dev/null 2>&1
[ $? -eq 2 ] || fail "malformed YAML did not exit 2"

# 6. --controller-name: a class of another controller gets no status.
printf 'apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: shared}\nspec: {controllerName: example.com/other}\n' >"$tmp/class.yaml"
"$gatesim" explain -o json --controller-name example.com/mine "$tmp/class.yaml" "$data/teams" >"$tmp/ctl" 2>/dev/null
"$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["objects"] and all(not o["status"].get("parents") for o in d["objects"]) and not any(o["kind"] in ("Gateway","GatewayClass") for o in d["objects"]), d' "$tmp/ctl" ||
    fail "--controller-name: objects of another controller got status"

[ $fails -eq 0 ] && echo "explain: all checks passed"
exit $fails
