#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Schema parity: gatesim validate against an independent OpenAPI-schema validator
# (python3-jsonschema) over the committed v1.6.1 CRDs (tests/data/crds) of one release channel
# (experimental, gatesim's default, or standard with `--channel standard`). A valid seed object
# of every kind whose CRD is in the folder is mutated (deterministically, schema-guided: wrong
# types, values outside enums, lengths and ranges, patterns, missing required fields, unknown
# fields, added optional fields, duplicated list items); every object is judged by both, and
# every disagreement fails the test unless gatesim's errors for that object are all rules the
# schema validator cannot see: the CRD's CEL rules (matched by their exact messages) and the
# API-server rules listed in API_SERVER.
# usage: check_schema_parity.py GATESIM CRD_DIR [COUNT_PER_SEED] [SEED] [CHANNEL]
import copy, json, os, random, re, subprocess, sys, tempfile

import jsonschema
import yaml

gatesim, crd_dir = sys.argv[1], sys.argv[2]
per_seed = int(sys.argv[3]) if len(sys.argv) > 3 else 60
rng = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 20260611)
channel = sys.argv[5] if len(sys.argv) > 5 else "experimental"

GROUP = "gateway.networking.k8s.io"
CRDS = {  # kind -> (file, version)
    "GatewayClass": ("gateway.networking.k8s.io_gatewayclasses.yaml", "v1"),
    "Gateway": ("gateway.networking.k8s.io_gateways.yaml", "v1"),
    "HTTPRoute": ("gateway.networking.k8s.io_httproutes.yaml", "v1"),
    "GRPCRoute": ("gateway.networking.k8s.io_grpcroutes.yaml", "v1"),
    "ReferenceGrant": ("gateway.networking.k8s.io_referencegrants.yaml", "v1beta1"),
    # validated (schema and CEL) but not modelled as typed objects: their CRDs are committed
    # for the experimental channel only
    "TLSRoute": ("gateway.networking.k8s.io_tlsroutes.yaml", "v1"),
    "TCPRoute": ("gateway.networking.k8s.io_tcproutes.yaml", "v1"),
    "UDPRoute": ("gateway.networking.k8s.io_udproutes.yaml", "v1"),
    "BackendTLSPolicy": ("gateway.networking.k8s.io_backendtlspolicies.yaml", "v1"),
}

# Rules the API server enforces that a JSON-schema validator does not see (besides CEL): the
# structural schema's list types (x-kubernetes-list-type map/set: unique keys and items).
API_SERVER = [
    (re.compile(r"^Duplicate value: "), "x-kubernetes-list-type map/set uniqueness"),
]


def to_json_schema(s):
    """A Kubernetes structural schema as JSON Schema: objects with properties reject unknown
    fields (the API server's strict field validation, as `kubectl apply` uses it), and
    x-kubernetes-int-or-string means an integer or a string. CEL rules and list types are
    left out: the validator does not know them."""
    if not isinstance(s, dict):
        return s
    out = {}
    for k, v in s.items():
        if k == "properties":
            out[k] = {n: to_json_schema(p) for n, p in v.items()}
        elif k in ("items", "additionalProperties", "not") and isinstance(v, dict):
            out[k] = to_json_schema(v)
        elif k in ("oneOf", "anyOf", "allOf"):
            out[k] = [to_json_schema(x) for x in v]
        elif k == "description" or k.startswith("x-kubernetes-"):
            continue
        else:
            out[k] = v
    if s.get("type") == "object" and "properties" in s and "additionalProperties" not in s:
        out["additionalProperties"] = False
    if s.get("x-kubernetes-int-or-string"):
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    return out


def cel_messages(s, acc):
    if isinstance(s, dict):
        for r in s.get("x-kubernetes-validations", []):
            acc.add(" ".join(r["message"].split()))
        for v in s.values():
            cel_messages(v, acc)
    elif isinstance(s, list):
        for v in s:
            cel_messages(v, acc)
    return acc


def apply_defaults(obj, s):
    """The API server's defaulting, before validation: absent properties with a default get it,
    inside every object and list item present."""
    if not isinstance(s, dict):
        return
    if isinstance(obj, dict):
        for name, ps in s.get("properties", {}).items():
            if name not in obj and "default" in ps:
                obj[name] = copy.deepcopy(ps["default"])
            if name in obj:
                apply_defaults(obj[name], ps)
        ap = s.get("additionalProperties")
        if isinstance(ap, dict) and "properties" not in s:
            for v in obj.values():
                apply_defaults(v, ap)
    elif isinstance(obj, list) and isinstance(s.get("items"), dict):
        for v in obj:
            apply_defaults(v, s["items"])


# The formats the API server checks in these CRDs (Gateway addresses: ipv4 / ipv6); int32 and
# int64 only name the integer width.
FORMATS = jsonschema.FormatChecker(formats=["ipv4", "ipv6"])

schemas, cel = {}, {}
for kind, (fname, version) in list(CRDS.items()):
    if not os.path.exists(os.path.join(crd_dir, fname)):
        del CRDS[kind]
        continue
    crd = yaml.safe_load(open(os.path.join(crd_dir, fname)))
    v = [x for x in crd["spec"]["versions"] if x["name"] == version][0]
    raw = v["schema"]["openAPIV3Schema"]["properties"]["spec"]
    schemas[kind] = (raw, jsonschema.Draft7Validator(to_json_schema(raw),
                                                     format_checker=FORMATS))
    cel[kind] = cel_messages(raw, set())

# ---- seeds: one rich valid object per kind (spec only) ----
SEEDS = {
    "GatewayClass": {"controllerName": "example.com/gateway-controller",
                     "description": "a class",
                     "parametersRef": {"group": "example.com", "kind": "Config", "name": "cfg",
                                       "namespace": "ns"}},
    "Gateway": {
        "gatewayClassName": "cls",
        "listeners": [
            {"name": "http", "port": 80, "protocol": "HTTP", "hostname": "*.example.com",
             "allowedRoutes": {"namespaces": {"from": "Selector", "selector": {
                 "matchLabels": {"team": "a"},
                 "matchExpressions": [{"key": "env", "operator": "In", "values": ["prod"]}]}},
                 "kinds": [{"group": GROUP, "kind": "HTTPRoute"}]}},
            {"name": "https", "port": 443, "protocol": "HTTPS", "hostname": "www.example.com",
             "tls": {"mode": "Terminate",
                     "certificateRefs": [{"kind": "Secret", "group": "", "name": "cert"}]}},
            {"name": "tls", "port": 8443, "protocol": "TLS", "tls": {"mode": "Passthrough"}},
        ],
        "addresses": [{"type": "IPAddress", "value": "10.0.0.1"},
                      {"type": "Hostname", "value": "lb.example.com"}],
        "infrastructure": {"labels": {"app": "gw"}, "annotations": {"example.com/a": "b"}},
    },
    "HTTPRoute": {
        "parentRefs": [{"name": "gw", "sectionName": "http"},
                       {"name": "gw", "sectionName": "https", "namespace": "infra"}],
        "hostnames": ["www.example.com", "*.example.org"],
        "rules": [
            {"name": "main",
             "matches": [{"path": {"type": "PathPrefix", "value": "/api"},
                          "headers": [{"name": "x-version", "value": "2"}],
                          "queryParams": [{"type": "Exact", "name": "q", "value": "1"}],
                          "method": "GET"},
                         {"path": {"type": "Exact", "value": "/exact"}}],
             "filters": [
                 {"type": "RequestHeaderModifier", "requestHeaderModifier": {
                     "set": [{"name": "x-a", "value": "1"}], "add": [{"name": "x-b", "value": "2"}],
                     "remove": ["x-c"]}},
                 {"type": "URLRewrite", "urlRewrite": {"hostname": "internal.example.com", "path": {
                     "type": "ReplacePrefixMatch", "replacePrefixMatch": "/v2"}}},
                 {"type": "RequestMirror", "requestMirror": {
                     "backendRef": {"name": "shadow", "port": 8080}, "percent": 10}}],
             "backendRefs": [
                 {"name": "v1", "port": 8080, "weight": 90},
                 {"name": "v2", "port": 8080, "weight": 10, "filters": [
                     {"type": "ResponseHeaderModifier", "responseHeaderModifier": {
                         "set": [{"name": "x-served-by", "value": "v2"}]}}]}],
             "timeouts": {"request": "10s", "backendRequest": "2s"}},
            {"matches": [{"path": {"type": "PathPrefix", "value": "/old"}}],
             "filters": [{"type": "RequestRedirect", "requestRedirect": {
                 "scheme": "https", "hostname": "new.example.com", "port": 443, "statusCode": 301,
                 "path": {"type": "ReplaceFullPath", "replaceFullPath": "/new"}}}]},
        ],
    },
    "GRPCRoute": {
        "parentRefs": [{"name": "gw"}],
        "hostnames": ["grpc.example.com"],
        "rules": [{"matches": [{"method": {"type": "Exact", "service": "pkg.Svc", "method": "Get"},
                                "headers": [{"name": "x-tenant", "value": "a"}]}],
                   "filters": [{"type": "RequestHeaderModifier", "requestHeaderModifier": {
                       "add": [{"name": "x-a", "value": "1"}]}}],
                   "backendRefs": [{"name": "grpc", "port": 9000, "weight": 1}]}],
    },
    "ReferenceGrant": {
        "from": [{"group": GROUP, "kind": "HTTPRoute", "namespace": "apps"}],
        "to": [{"group": "", "kind": "Service", "name": "db"}, {"group": "", "kind": "Secret"}],
    },
    "TLSRoute": {
        "parentRefs": [{"name": "gw", "sectionName": "tls"}],
        "hostnames": ["tls.example.com"],
        "rules": [{"name": "r", "backendRefs": [{"name": "db", "port": 5432, "weight": 1}]}],
    },
    "TCPRoute": {
        "parentRefs": [{"name": "gw", "port": 5432}],
        "rules": [{"backendRefs": [{"name": "db", "port": 5432}]}],
    },
    "UDPRoute": {
        "parentRefs": [{"name": "gw"}],
        "rules": [{"backendRefs": [{"name": "dns", "port": 53, "weight": 2}]}],
    },
    "BackendTLSPolicy": {
        "targetRefs": [{"group": "", "kind": "Service", "name": "db", "sectionName": "tls"}],
        "validation": {"caCertificateRefs": [{"group": "", "kind": "ConfigMap", "name": "ca"}],
                       "hostname": "db.example.com",
                       "subjectAltNames": [{"type": "Hostname", "hostname": "db.example.com"},
                                           {"type": "URI", "uri": "spiffe://example.com/db"}]},
    },
}

STRINGS = ["a", "abc", "/", "/path", "example.com", "*.example.com", "X-Header", "1s", "http",
           "Exact", "", "Upper Case", "x" * 300, "a/b", "10.0.0.1", "-bad-", "prefix/name",
           "::1", "fe80::1", "::ffff:10.1.2.3", "1:2", "1::2::3", "010.0.0.1", "256.0.0.1",
           "fe80::1%eth0", "1.2.3"]


def gen(s, depth=0):
    """A plausible value for schema |s| (not necessarily valid: both validators judge it)."""
    if "enum" in s:
        return rng.choice(s["enum"])
    t = s.get("type")
    if t == "string" or s.get("x-kubernetes-int-or-string"):
        return rng.choice(STRINGS)
    if t == "integer":
        lo, hi = s.get("minimum", 0), s.get("maximum", lo_default(s))
        return rng.randint(lo, max(lo, hi))
    if t == "boolean":
        return rng.choice([True, False])
    if t == "array":
        return [gen(s.get("items", {}), depth + 1)] if depth < 6 else []
    if t == "object":
        if depth >= 6:
            return {}
        props = s.get("properties", {})
        if not props:
            return {"k": "v"} if s.get("additionalProperties") else {}
        return {n: gen(props[n], depth + 1) for n in s.get("required", []) if n in props}
    return "x"


def lo_default(s):
    return 65535 if s.get("format") == "int32" else 1000


def nodes(obj, s, path=()):
    """Every (path, value, schema) in |obj| that the schema describes."""
    yield path, obj, s
    if isinstance(obj, dict):
        props = s.get("properties")
        ap = s.get("additionalProperties")
        for k, v in obj.items():
            if props is not None and k in props:
                yield from nodes(v, props[k], path + (k,))
            elif props is None and isinstance(ap, dict):
                yield from nodes(v, ap, path + (k,))
    elif isinstance(obj, list) and isinstance(s.get("items"), dict):
        for i, v in enumerate(obj):
            yield from nodes(v, s["items"], path + (i,))


def set_at(obj, path, value):
    for p in path[:-1]:
        obj = obj[p]
    obj[path[-1]] = value


def mutations(v, s):
    """The mutations that make sense at a node with value |v| and schema |s|."""
    out = []
    t = s.get("type")
    wrong = {"string": 7, "integer": "seven", "boolean": "yes", "array": {"a": 1},
             "object": ["a"]}.get(t)
    if wrong is not None:
        out.append(("wrong type", lambda: wrong))
    if "enum" in s:
        out.append(("not in enum", lambda: "NotInTheEnum"))
    if t == "string":
        if "maxLength" in s:
            out.append(("too long", lambda: "a" * (s["maxLength"] + 1)))
        if s.get("minLength", 0) > 0:
            out.append(("too short", lambda: ""))
        if "pattern" in s:
            out.append(("pattern", lambda: rng.choice(["Bad Value!", "UPPER", "a..b", "-x",
                                                        "/a//b", "a b", "*"])))
        out.append(("other string", lambda: rng.choice(STRINGS)))
    if t == "integer":
        if "minimum" in s:
            out.append(("below minimum", lambda: s["minimum"] - 1))
        if "maximum" in s:
            out.append(("above maximum", lambda: s["maximum"] + 1))
    if t == "array" and isinstance(v, list):
        if v:
            out.append(("duplicate item", lambda: v + [copy.deepcopy(v[0])]))
        if "maxItems" in s and v:
            out.append(("too many items", lambda: (v * (s["maxItems"] + 1))[:s["maxItems"] + 1]))
        if s.get("minItems", 0) > 0:
            out.append(("too few items", lambda: []))
        if isinstance(s.get("items"), dict):
            out.append(("added item", lambda: v + [gen(s["items"])]))
    if t == "object" and isinstance(v, dict):
        props = s.get("properties", {})
        for r in s.get("required", []):
            if r in v:
                out.append(("missing " + r, lambda r=r: {k: x for k, x in v.items() if k != r}))
        absent = [n for n in props if n not in v]
        if absent:
            out.append(("added field", lambda: dict(v, **{(n := rng.choice(absent)): gen(props[n])})))
        if props:
            out.append(("unknown field", lambda: dict(v, bogusField="x")))
    return out


def mutate(spec, raw):
    m = copy.deepcopy(spec)
    for _ in range(rng.choice([1, 1, 1, 2])):
        candidates = [(p, v, s) for p, v, s in nodes(m, raw) if p]
        p, v, s = rng.choice(candidates)
        muts = mutations(v, s)
        if not muts:
            continue
        what, f = rng.choice(muts)
        set_at(m, p, f())
    return m


# ---- build the corpus ----
objects = []  # (name, kind, spec)
for kind, spec in SEEDS.items():
    if kind not in CRDS:
        continue
    objects.append(("%s-seed" % kind.lower(), kind, spec))
    for i in range(per_seed):
        objects.append(("%s-%d" % (kind.lower(), i), kind, mutate(spec, schemas[kind][0])))

failures = []
tmp = tempfile.mkdtemp()
path = os.path.join(tmp, "corpus.yaml")
with open(path, "w") as f:
    for name, kind, spec in objects:
        api = "%s/%s" % (GROUP, CRDS[kind][1])
        f.write("---\n" + json.dumps({"apiVersion": api, "kind": kind,
                                      "metadata": {"name": name, "namespace": "ns"},
                                      "spec": spec}) + "\n")
r = subprocess.run([gatesim, "validate", "--channel", channel, "--output", "json", path],
                   capture_output=True, text=True, timeout=120)
os.unlink(path)
os.rmdir(tmp)
try:
    report = json.loads(r.stdout)
except ValueError:
    print("gatesim validate did not print JSON (exit %d):\n%s%s" % (r.returncode, r.stdout,
                                                                     r.stderr[-2000:]))
    sys.exit(1)
errors = {}
for p in report["problems"]:
    if p["severity"] == "error":
        errors.setdefault(p["name"], []).append(p)

def explained(kind, problem):
    """A gatesim error the schema validator cannot see: a CEL rule or a listed API-server rule."""
    return (" ".join(problem["message"].split()) in cel[kind] or
            any(rx.search(problem["message"]) for rx, _ in API_SERVER))


def related(a, b):
    """True when field paths |a| and |b| are the same field or one contains the other."""
    def within(x, y):
        return x == y or x.startswith(y + ".") or x.startswith(y + "[")
    return within(a, b) or within(b, a)


def field_path(path):
    """jsonschema's path inside spec as gatesim writes fields: spec.rules[0].matches"""
    out = "spec"
    for p in path:
        out += "[%d]" % p if isinstance(p, int) else "." + p
    return out


stats = {"both valid": 0, "both invalid": 0, "cel/api-server only": 0}
for name, kind, spec in objects:
    defaulted = copy.deepcopy(spec)
    apply_defaults(defaulted, schemas[kind][0])
    schema_errs = sorted(schemas[kind][1].iter_errors(defaulted), key=lambda e: list(e.path))
    ours = errors.get(name, [])
    if not schema_errs and not ours:
        stats["both valid"] += 1
    elif schema_errs and ours:
        stats["both invalid"] += 1
        # and for the same fields: each schema error is at, above or below a gatesim error of
        # the schema kind (a CEL error elsewhere does not excuse a missed schema rule)
        fields = [re.sub(r"\[([^\]0-9][^\]]*)\]", r".\1", p["field"]) for p in ours]
        schema_fields = [f for f, p in zip(fields, ours) if not explained(kind, p)]
        missed = [e for e in schema_errs
                  if not any(related(f, field_path(e.path)) for f in schema_fields)]
        if missed:
            failures.append("%s %s: both reject, but gatesim says nothing at:\n  %s\n  gatesim: "
                            "%s\n  spec: %s" % (
                                kind, name, "\n  ".join("%s: %s" % (field_path(e.path),
                                                                     e.message[:300])
                                                         for e in missed[:5]),
                                "; ".join("%s: %s" % (p["field"], p["message"]) for p in ours),
                                json.dumps(spec)[:1500]))
        paths = [field_path(e.path) for e in schema_errs]
        extra = [p for p, f in zip(ours, fields)
                 if not explained(kind, p) and not any(related(f, q) for q in paths)]
        if extra:
            failures.append("%s %s: both reject, but gatesim also rejects, not by a CEL or "
                            "listed API-server rule:\n  %s\n  schema: %s\n  spec: %s" % (
                                kind, name, "\n  ".join("%s: %s" % (p["field"], p["message"])
                                                         for p in extra),
                                "; ".join(paths), json.dumps(spec)[:1500]))
    elif ours:
        unexplained = [p for p in ours if not explained(kind, p)]
        if unexplained:
            failures.append("%s %s: gatesim rejects what the schema admits, not by a CEL or "
                            "listed API-server rule:\n  %s\n  spec: %s" % (
                                kind, name, "\n  ".join("%s: %s" % (p["field"], p["message"])
                                                        for p in unexplained),
                                json.dumps(spec)[:1500]))
        else:
            stats["cel/api-server only"] += 1
    else:
        failures.append("%s %s: gatesim admits what the schema rejects:\n  %s\n  spec: %s" % (
            kind, name, "\n  ".join("%s: %s" % ("/".join(map(str, e.path)), e.message[:300])
                                    for e in schema_errs[:5]),
            json.dumps(spec)[:1500]))

# the corpus must exercise both sides, or the comparison proves nothing
if stats["both valid"] < len(CRDS) or stats["both invalid"] < len(objects) // 3:
    failures.append("corpus too one-sided: %r" % stats)
if failures:
    print("\n\n".join(failures[:40]))
    print("\n%d disagreements of %d objects (%r)" % (len(failures), len(objects), stats))
    sys.exit(1)
print("schema parity (%s): %d objects, %r" % (channel, len(objects), stats))
