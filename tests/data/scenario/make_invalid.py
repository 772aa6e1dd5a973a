#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Regenerates tests/data/scenario/invalid/: one broken scenario per file. The expected position is
# found here from the text (the first occurrence of an anchor, or its n-th), independently of the
# loader under test, and written on the first line:  # expect LINE:COL TEXT
import os

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "invalid")

HEAD = """apiVersion: gatesim.dev/v1alpha1
kind: Scenario
metadata:
  name: broken
"""
MANIFESTS = """  manifests:
  - inline:
      apiVersion: gateway.networking.k8s.io/v1
      kind: HTTPRoute
      metadata: {name: r, namespace: default}
      spec: {parentRefs: [{name: gw}]}
"""
BACKENDS = """  backends:
  - {service: default/app}
  - {service: default/canary}
"""
STEP = """  steps:
  - name: one
    send: {host: app.example.com, path: /, requests: 10}
    expect: {status: 200, backend: default/app}
"""


def spec(manifests=MANIFESTS, backends=BACKENDS, steps=STEP, extra=""):
    return HEAD + "spec:\n" + manifests + backends + extra + steps


def steps(body):
    return "  steps:\n" + body


# (file name, scenario text, anchor, occurrence, expected text)
CASES = [
    ("unknown-top-field", HEAD + "specs:\n" + MANIFESTS + STEP, "specs", 1,
     'unknown field "specs"; did you mean "spec"?'),
    ("wrong-api-version", spec().replace("gatesim.dev/v1alpha1", "gatesim.dev/v1"), "gatesim.dev/v1", 1,
     'unsupported apiVersion "gatesim.dev/v1"'),
    ("wrong-kind", spec().replace("kind: Scenario", "kind: Senario"), "Senario", 1,
     'expected kind Scenario, got "Senario"'),
    ("missing-metadata-name", spec().replace("  name: broken\n", "  description: no name\n"),
     "description", 1, "metadata.name: Required value"),
    ("bad-scenario-name", spec().replace("name: broken", "name: Broken_1"), "Broken_1", 1,
     "must be lowercase letters"),
    ("unknown-metadata-field", spec().replace("  name: broken\n", "  name: broken\n  labls: {a: b}\n"),
     "labls", 1, 'unknown field "labls"; did you mean "labels"?'),
    ("unknown-spec-field", spec(extra="  backend: [{service: default/x}]\n"), "backend:", 1,
     'unknown field "backend"; did you mean "backends"?'),
    ("missing-steps", spec(steps=""), "manifests:", 1, "spec.steps: Required value"),
    ("empty-steps", spec(steps="  steps: []\n"), "[]", 1, "at least one step is required"),
    ("manifest-path-and-inline", spec(manifests="  manifests:\n  - {path: a.yaml, inline: {kind: X}}\n"),
     "{path", 1, "exactly one of \"path\" or \"inline\" is required"),
    ("manifest-missing-file", spec(manifests="  manifests:\n  - path: nothere/gateway.yaml\n"),
     "nothere", 1, "nothere/gateway.yaml: no such file or directory"),
    ("manifest-unknown-field", spec(manifests="  manifests:\n  - pat: gw.yaml\n"), "pat:", 1,
     'unknown field "pat"; did you mean "path"?'),
    ("inline-missing-kind", spec(manifests=MANIFESTS.replace("      kind: HTTPRoute\n", "")),
     "apiVersion: gateway", 1, "spec.manifests[0].inline.kind: Required value"),
    ("inline-not-object", spec(manifests="  manifests:\n  - inline: just-text\n"), "just-text", 1,
     "must be of type object, got string"),
    ("namespace-bad-name", spec(extra="  namespaces:\n  - {name: Team_A}\n"), "Team_A", 1,
     '"Team_A" must be a DNS label'),
    ("namespace-duplicate", spec(extra="  namespaces:\n  - {name: team-a}\n  - {name: team-a}\n"),
     "team-a", 2, 'namespace "team-a" is listed twice'),
    ("namespace-label-not-string", spec(extra="  namespaces:\n  - {name: a, labels: {tier: 3}}\n"),
     "3}", 1, "must be of type string, got integer"),
    ("backend-no-namespace", spec(backends="  backends:\n  - {service: app}\n"), "app}", 1,
     'must be "namespace/name", got "app"'),
    ("backend-missing-service", spec(backends="  backends:\n  - {service: default/app}\n  - {port: 80}\n"),
     "{port", 1, "spec.backends[1].service: Required value"),
    ("backend-port-range", spec(backends="  backends:\n  - {service: default/app, port: 70000}\n"),
     "70000", 1, "must be between 1 and 65535, got 70000"),
    ("backend-replicas-zero", spec(backends="  backends:\n  - {service: default/app, replicas: 0}\n"),
     "0}", 1, "spec.backends[0].replicas: must be between 1 and 64, got 0"),
    ("backend-duplicate", spec(backends="  backends:\n  - {service: default/app}\n  - {service: default/app}\n"),
     "default/app", 2, "backend default/app is declared twice"),
    ("backend-behaviour-unknown",
     spec(backends="  backends:\n  - {service: default/app, behaviour: {delays: 5ms}}\n"), "delays", 1,
     'unknown field "delays"; did you mean "delay"?'),
    ("backend-bad-delay",
     spec(backends="  backends:\n  - {service: default/app, behaviour: {delay: 5parsecs}}\n"),
     "5parsecs", 1, 'invalid duration "5parsecs"'),
    ("backend-error-rate",
     spec(backends="  backends:\n  - {service: default/app, behaviour: {errorRate: 1.5}}\n"), "1.5", 1,
     "errorRate: must be between 0 and 1"),
    ("backend-ports-duplicate", spec(backends="  backends:\n  - {service: default/app, ports: [80, 80]}\n"),
     "80]", 1, "port 80 is listed twice"),
    ("backend-status-range",
     spec(backends="  backends:\n  - {service: default/app, behaviour: {status: 42}}\n"), "42", 1,
     "status: must be between 100 and 599"),
    ("tls-bad-secret", spec(extra="  tls:\n  - {secret: wildcard, hosts: [a.example.com]}\n"),
     "wildcard", 1, 'must be "namespace/name", got "wildcard"'),
    ("tls-missing-hosts", spec(extra="  tls:\n  - {secret: infra/wildcard}\n"), "{secret: infra", 1,
     "spec.tls[0].hosts: Required value"),
    ("tls-empty-hosts", spec(extra="  tls:\n  - {secret: infra/wildcard, hosts: []}\n"), "[]", 1,
     "at least one host name is required"),
    ("statistics-alpha-range", spec(extra="  statistics: {alpha: 0.9}\n"), "0.9", 1,
     "spec.statistics.alpha: must be between"),
    ("statistics-unknown", spec(extra="  statistics: {minEfect: 0.01}\n"), "minEfect", 1,
     'unknown field "minEfect"; did you mean "minEffect"?'),
    ("controller-names-type", spec(extra="  controllerNames: gatesim.dev/x\n"), "gatesim.dev/x", 1,
     "must be of type array, got string"),
    ("step-missing-name", spec(steps=steps("  - send: {path: /}\n")), "send: {path", 1,
     "spec.steps[0].name: Required value"),
    ("step-duplicate-name", spec(steps=STEP + "  - name: one\n    send: {path: /}\n"), "one\n    send: {path", 1,
     'step name "one" is used twice'),
    ("step-does-nothing", spec(steps=steps("  - name: idle\n")), "name: idle", 1,
     "the step does nothing"),
    ("step-unknown-field", spec(steps=STEP.replace("    expect:", "    expct:")), "expct", 1,
     'unknown field "expct"; did you mean "expect"?'),
    ("expect-without-send", spec(steps=steps("  - name: lonely\n    expect: {status: 200}\n")), "{status", 1,
     "this step sends nothing"),
    ("send-unknown-field", spec(steps=steps("  - name: s\n    send: {protocl: h2c}\n")), "protocl", 1,
     'unknown field "protocl"; did you mean "protocol"?'),
    ("bad-protocol", spec(steps=steps("  - name: s\n    send: {protocol: http3}\n")), "http3", 1,
     'Unsupported value: "http3": supported values: "http1", "h2c", "http2", "grpc"'),
    ("send-path-no-slash", spec(steps=steps("  - name: s\n    send: {path: api/v1}\n")), "api/v1", 1,
     "spec.steps[0].send.path: must start with '/'"),
    ("send-requests-word", spec(steps=steps("  - name: s\n    send: {requests: many}\n")), "many", 1,
     'must be a number of requests or "auto", got "many"'),
    ("send-requests-zero", spec(steps=steps("  - name: s\n    send: {requests: 0}\n")), "0}", 1,
     "send.requests: must be between 1 and"),
    ("send-streams-http1", spec(steps=steps("  - name: s\n    send: {streams: 8}\n")), "8}", 1,
     "concurrent streams need HTTP/2"),
    ("send-connections-range", spec(steps=steps("  - name: s\n    send: {connections: 0}\n")), "0}", 1,
     "send.connections: must be between 1 and 10000"),
    ("send-gateway-malformed", spec(steps=steps("  - name: s\n    send: {gateway: a/b/c}\n")), "a/b/c", 1,
     'must be "namespace/name", got "a/b/c"'),
    ("grpc-without-protocol",
     spec(steps=steps("  - name: s\n    send: {grpc: {service: a.B, method: C}}\n")), "{service: a.B", 1,
     "send.grpc: only valid with protocol: grpc"),
    ("grpc-missing-method",
     spec(steps=steps("  - name: s\n    send: {protocol: grpc, grpc: {service: a.B}}\n")), "{service: a.B", 1,
     "send.grpc.method: Required value"),
    ("grpc-status-not-grpc",
     spec(steps=steps("  - name: s\n    send: {path: /}\n    expect: {grpcStatus: 0}\n")), "0}", 1,
     "only valid when the step sends with protocol: grpc"),
    ("expect-status-range", spec(steps=STEP.replace("status: 200", "status: 999")), "999", 1,
     "must be an HTTP status between 100 and 599"),
    ("expect-status-string", spec(steps=STEP.replace("status: 200", "status: \"200\"")), "\"200\"", 1,
     'expect.status: must be of type integer, got string "200"'),
    ("expect-backend-undeclared", spec(steps=STEP.replace("backend: default/app", "backend: default/nothere")),
     "default/nothere", 1, "backend default/nothere is not declared in spec.backends"),
    ("split-undeclared-backend",
     spec(steps=steps("  - name: s\n    send: {requests: 100}\n    expect: {split: {default/app: 90, default/other: 10}}\n")),
     "default/other", 1, "backend default/other is not declared"),
    ("split-negative-weight",
     spec(steps=steps("  - name: s\n    send: {requests: 100}\n    expect: {split: {default/app: 90, default/canary: -5}}\n")),
     "-5", 1, "weight must not be negative"),
    ("split-all-zero",
     spec(steps=steps("  - name: s\n    send: {requests: 100}\n    expect: {split: {default/app: 0, default/canary: 0}}\n")),
     "{default/app", 1, "the weights must not all be zero"),
    ("split-no-namespace",
     spec(steps=steps("  - name: s\n    send: {requests: 100}\n    expect: {split: {app: 50, default/canary: 50}}\n")),
     "app: 50", 1, 'must be "namespace/name", got "app"'),
    ("requests-auto-without-split",
     spec(steps=steps("  - name: s\n    send: {requests: auto}\n    expect: {backend: default/app}\n")),
     "auto", 1, "requests: auto is sized from a split or a mirror fraction"),
    ("headers-list-of-strings", spec(steps=steps("  - name: s\n    send: {headers: [X-A]}\n")), "X-A", 1,
     "send.headers[0]: must be of type object, got string"),
    ("header-invalid-name", spec(steps=steps("  - name: s\n    send: {headers: {\"Bad Header\": x}}\n")),
     "\"Bad Header\"", 1, "invalid header name"),
    ("header-absent-and-present",
     spec(steps=steps("  - name: s\n    send: {path: /}\n    expect: {request: {headers: {X-A: b}, absentHeaders: [x-a]}}\n")),
     "{headers: {X-A", 1, "header x-a is expected both present and absent"),
    ("request-unknown-field",
     spec(steps=steps("  - name: s\n    send: {path: /}\n    expect: {request: {pth: /}}\n")), "pth", 1,
     'unknown field "pth"; did you mean "path"?'),
    ("response-has-no-path",
     spec(steps=steps("  - name: s\n    send: {path: /}\n    expect: {response: {path: /}}\n")), "path: /}}", 1,
     'unknown field "path"'),
    ("request-with-backend-none",
     spec(steps=steps("  - name: s\n    send: {path: /}\n    expect: {backend: none, request: {path: /}}\n")),
     "{path: /}}", 1, "no backend sees the request when backend is none"),
    ("redirect-status-range",
     spec(steps=steps("  - name: s\n    send: {path: /}\n    expect: {redirect: {status: 200}}\n")), "200}", 1,
     "redirect.status: must be between 300 and 399"),
    ("mirror-fraction-range",
     spec(steps=steps("  - name: s\n    send: {path: /}\n    expect: {mirror: [{backend: default/canary, fraction: 2}]}\n")),
     "2}", 1, "fraction: must be between 0 and 1"),
    ("mirror-undeclared",
     spec(steps=steps("  - name: s\n    send: {path: /}\n    expect: {mirror: [{backend: default/shadow}]}\n")),
     "default/shadow", 1, "backend default/shadow is not declared"),
    ("latency-unknown-percentile",
     spec(steps=steps("  - name: s\n    send: {path: /}\n    expect: {latency: {p95: 5ms}}\n")), "p95", 1,
     'unknown field "p95"'),
    ("latency-bad-duration",
     spec(steps=steps("  - name: s\n    send: {path: /}\n    expect: {latency: {p99: fast}}\n")), "fast", 1,
     'invalid duration "fast"'),
    ("status-kind-typo",
     spec(steps=steps("  - name: s\n    expectStatus:\n    - {kind: HTTPRoutes, name: default/r, conditions: {Accepted: {status: \"True\"}}}\n")),
     "HTTPRoutes", 1, 'Unsupported value: "HTTPRoutes"'),
    ("status-condition-value",
     spec(steps=steps("  - name: s\n    expectStatus:\n    - {kind: HTTPRoute, name: default/r, conditions: {Accepted: {status: Maybe}}}\n")),
     "Maybe", 1, 'Unsupported value: "Maybe": supported values: "True", "False", "Unknown"'),
    ("status-listeners-on-route",
     spec(steps=steps("  - name: s\n    expectStatus:\n    - {kind: HTTPRoute, name: default/r, listeners: {http: {attachedRoutes: 1}}}\n")),
     "{http:", 1, "only a Gateway or a ListenerSet has listeners"),
    ("status-parent-malformed",
     spec(steps=steps("  - name: s\n    expectStatus:\n    - {kind: HTTPRoute, name: default/r, parent: a/b/c/d, conditions: {Accepted: {status: \"True\"}}}\n")),
     "a/b/c/d", 1, 'must be "namespace/gateway" or "namespace/gateway/sectionName"'),
    ("status-gatewayclass-namespaced",
     spec(steps=steps("  - name: s\n    expectStatus:\n    - {kind: GatewayClass, name: infra/gatesim, conditions: {Accepted: {status: \"True\"}}}\n")),
     "infra/gatesim", 1, "a GatewayClass is cluster-scoped"),
    ("status-nothing-to-check",
     spec(steps=steps("  - name: s\n    expectStatus:\n    - {kind: Gateway, name: infra/gw}\n")),
     "{kind: Gateway", 1, "nothing to check: give conditions or listeners, or status: none"),
    ("status-none-with-conditions",
     spec(steps=steps("  - name: s\n    expectStatus:\n    - {kind: GatewayClass, name: other, status: none, conditions: {Accepted: {status: \"True\"}}}\n")),
     "{Accepted", 1,
     "spec.steps[0].expectStatus[0].conditions: contradicts status: none"),
    ("status-none-with-listeners",
     spec(steps=steps("  - name: s\n    expectStatus:\n    - kind: Gateway\n      name: infra/theirs\n      status: none\n      listeners: {http: {attachedRoutes: 0}}\n")),
     "{http", 1,
     "spec.steps[0].expectStatus[0].listeners: contradicts status: none"),
    ("status-none-route-with-conditions",
     spec(steps=steps("  - name: s\n    expectStatus:\n    - {kind: HTTPRoute, name: default/r, parent: infra/theirs, status: none,\n       conditions: {Accepted: {status: \"False\"}}}\n")),
     "{Accepted", 1,
     "spec.steps[0].expectStatus[0].conditions: contradicts status: none"),
    ("status-value-unknown",
     spec(steps=steps("  - name: s\n    expectStatus:\n    - {kind: Gateway, name: infra/theirs, status: absent}\n")),
     "absent", 1, 'spec.steps[0].expectStatus[0].status: Unsupported value: "absent"'),
    ("status-parent-on-gateway",
     spec(steps=steps("  - name: s\n    expectStatus:\n    - {kind: Gateway, name: infra/gw, parent: infra/x, conditions: {Accepted: {status: \"True\"}}}\n")),
     "infra/x", 1, "only routes have parents"),
    ("status-attached-routes-negative",
     spec(steps=steps("  - name: s\n    expectStatus:\n    - {kind: Gateway, name: infra/gw, listeners: {http: {attachedRoutes: -1}}}\n")),
     "-1", 1, "attachedRoutes: must be between 0 and"),
    ("delete-missing-kind", spec(steps=steps("  - name: s\n    delete: [{name: default/r}]\n")), "{name: default/r", 1,
     "spec.steps[0].delete[0].kind: Required value"),
    ("delete-namespace-twice",
     spec(steps=steps("  - name: s\n    delete: [{kind: HTTPRoute, namespace: a, name: b/c}]\n")), "b/c", 1,
     "give the namespace in name or namespace, not both"),
    ("duplicate-key", spec().replace("  name: broken\n", "  name: broken\n  name: again\n"), "name: again", 1,
     'duplicate key "name" in mapping'),
]


# spec.conformance, the upstream test label (docs/scenario.md)
def conf(body):
    return spec(extra="  conformance:\n" + body)


CONF_OK = ("    shortName: HTTPRouteWeight\n    profiles: [GATEWAY-HTTP]\n    level: core\n"
           "    features: [SupportGateway, SupportHTTPRoute]\n")

CONF_CASES = [
    ("conformance-missing-short-name", conf(CONF_OK.replace("    shortName: HTTPRouteWeight\n", "")),
     "profiles", 1, "spec.conformance.shortName: Required value"),
    ("conformance-bad-short-name", conf(CONF_OK.replace("HTTPRouteWeight", "httproute-weight")),
     "httproute-weight", 1, "is not an upstream ShortName"),
    ("conformance-unknown-field", conf(CONF_OK + "    provisonal: true\n"), "provisonal", 1,
     'unknown field "provisonal"; did you mean "provisional"?'),
    ("conformance-unknown-profile", conf(CONF_OK.replace("[GATEWAY-HTTP]", "[GATEWAY-HTPP]")),
     "GATEWAY-HTPP", 1, 'spec.conformance.profiles[0]: unknown profile "GATEWAY-HTPP"; did you mean "GATEWAY-HTTP"?'),
    ("conformance-profile-twice", conf(CONF_OK.replace("[GATEWAY-HTTP]", "[GATEWAY-HTTP, GATEWAY-HTTP]")),
     "GATEWAY-HTTP", 2, 'profile "GATEWAY-HTTP" is listed twice'),
    ("conformance-bad-level", conf(CONF_OK.replace("level: core", "level: extnded")), "extnded", 1,
     'Unsupported value: "extnded"'),
    ("conformance-unknown-feature", conf(CONF_OK.replace("SupportHTTPRoute]", "SupportHTTPRoutes]")),
     "SupportHTTPRoutes", 1, 'spec.conformance.features[1]: unknown feature "SupportHTTPRoutes"; did you mean "SupportHTTPRoute"?'),
    ("conformance-feature-name-form", conf(CONF_OK.replace("SupportHTTPRoute]", "HTTPRoute]")),
     "HTTPRoute]", 1, 'unknown feature "HTTPRoute"; did you mean "SupportHTTPRoute"?'),
    ("conformance-feature-twice", conf(CONF_OK.replace("SupportHTTPRoute]", "SupportGateway]")),
     "SupportGateway", 2, 'feature "SupportGateway" is listed twice'),
    ("conformance-no-features", conf(CONF_OK.replace("[SupportGateway, SupportHTTPRoute]", "[]")),
     "[]", 1, "at least one feature is required"),
    ("conformance-wrong-profiles", conf(CONF_OK.replace("[GATEWAY-HTTP]", "[GATEWAY-HTTP, GATEWAY-GRPC]")),
     "[GATEWAY-HTTP, GATEWAY-GRPC]", 1,
     "spec.conformance.profiles: upstream reports a test with these features under [GATEWAY-HTTP]"),
    ("conformance-level-must-be-extended",
     conf(CONF_OK.replace("SupportHTTPRoute]", "SupportHTTPRoute, SupportHTTPRouteQueryParamMatching]")),
     "core", 1, "spec.conformance.level: must be extended: SupportHTTPRouteQueryParamMatching is not a core feature"),
    ("conformance-level-must-be-core", conf(CONF_OK.replace("level: core", "level: extended")),
     "extended", 1, "spec.conformance.level: must be core"),
    ("conformance-provisional-not-bool", conf(CONF_OK + "    provisional: maybe\n"), "maybe", 1,
     "spec.conformance.provisional"),
    ("conformance-unless-unknown-feature",
     conf(CONF_OK + "    unlessFeatures: [SupportTLSRouteModeTerminat]\n"),
     "SupportTLSRouteModeTerminat]", 1,
     'spec.conformance.unlessFeatures[0]: unknown feature "SupportTLSRouteModeTerminat"; did you '
     'mean "SupportTLSRouteModeTerminate"?'),
    ("conformance-unless-also-needed", conf(CONF_OK + "    unlessFeatures: [SupportHTTPRoute]\n"),
     "[SupportHTTPRoute]", 1,
     "spec.conformance.unlessFeatures: SupportHTTPRoute is also in features"),
]


def position(text, anchor, occurrence):
    idx = -1
    for _ in range(occurrence):
        idx = text.index(anchor, idx + 1)
    line = text.count("\n", 0, idx) + 1
    col = idx - (text.rfind("\n", 0, idx) + 1) + 1
    return line, col


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, text, anchor, occ, want in CASES + CONF_CASES:
        body = text
        line, col = position(body, anchor, occ)
        line += 1  # the expect comment comes first
        with open(os.path.join(OUT, name + ".yaml"), "w") as f:
            f.write("# expect %d:%d %s\n" % (line, col, want))
            f.write(body)
    print("wrote %d files" % (len(CASES) + len(CONF_CASES)))


if __name__ == "__main__":
    main()
