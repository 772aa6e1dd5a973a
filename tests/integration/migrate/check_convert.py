#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# Runs the built `gatesim convert` on the public ingress-nginx examples (tests/data/ingress/
# examples, Apache-2.0, each file says where it comes from) and on crafted annotation sets, and
# checks exit codes, what the Gateway API output says, that `gatesim validate` accepts the output
# on its own, and the notes and warnings with their positions.
# usage: check_convert.py GATESIM DATA_DIR   (DATA_DIR = tests/data/ingress)
import os, subprocess, sys, tempfile

gatesim, data = sys.argv[1], sys.argv[2]
failures = []
tmp = tempfile.mkdtemp(prefix="gs-convert-")


def check(cond, what):
    if not cond:
        failures.append(what)


def convert(*args):
    r = subprocess.run([gatesim, "convert", *args], capture_output=True, text=True, cwd=data,
                       timeout=60)
    return r.returncode, r.stdout, r.stderr


def validated(name, yaml, strict=True):
    """The output, written to a file, passes `gatesim validate`; with |strict| without a warning
    either (RegularExpression matches are warned about: implementation-specific)."""
    path = os.path.join(tmp, name + ".yaml")
    with open(path, "w") as f:
        f.write(yaml)
    r = subprocess.run([gatesim, "validate", *(["--strict"] if strict else []), path],
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, "%s: gatesim validate refuses the output (%d):\n%s%s\n%s" %
          (name, r.returncode, r.stdout, r.stderr, yaml))


def has(text, needle, what):
    check(needle in text, "%s: missing %r in:\n%s" % (what, needle, text))


# ---- the public examples: every one converts, and its output validates ----
examples = sorted(f for f in os.listdir(os.path.join(data, "examples")) if f.endswith(".yaml"))
check(len(examples) >= 6, "examples: only %d files" % len(examples))
out_of = {}
for f in examples:
    rc, out, err = convert("examples/" + f)
    check(rc == 0, "examples/%s: exit %d\n%s" % (f, rc, err))
    check(out.count("kind: Gateway\n") == 1, "examples/%s: want one Gateway:\n%s" % (f, out))
    validated(f, out)
    out_of[f] = (out, err)

out, err = out_of["multi-tls.yaml"]
has(out, 'hostname: "foo.bar.com"\n    tls: {mode: Terminate, certificateRefs: [{name: "foobar"}]}',
    "multi-tls listener")
has(out, 'hostname: "bar.baz.com"\n    tls: {mode: Terminate, certificateRefs: [{name: "barbaz"}]}',
    "multi-tls listener")
# ssl-redirect defaults to true with TLS: HTTP answers 308 to https, the rules sit on HTTPS
has(out, 'parentRefs: [{name: "nginx", sectionName: http}]\n  hostnames: ["foo.bar.com"]',
    "multi-tls redirect route")
has(out, 'requestRedirect: {scheme: "https", statusCode: 308}', "multi-tls redirect")
has(out, 'parentRefs: [{name: "nginx", sectionName: https-1}]\n  hostnames: ["bar.baz.com"]',
    "multi-tls https route")

out, err = out_of["rewrite.yaml"]
has(out, '- path: {type: PathPrefix, value: "/something"}\n    filters:\n    - type: URLRewrite\n'
    '      urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: "/"}}',
    "rewrite capture form")
has(err, "rewrite.yaml:18:15: note: Ingress default/rewrite: rewrite-target /$2 on "
    "/something(/|$)(.*): written as PathPrefix /something with ReplacePrefixMatch /",
    "rewrite note")
has(out, '- path: {type: Exact, value: "/"}\n    filters:\n    - type: RequestRedirect\n'
    '      requestRedirect: {path: {type: ReplaceFullPath, replaceFullPath: "/app1"}, '
    'statusCode: 302}', "app-root")

out, err = out_of["canary.yaml"]
has(out, 'backendRefs: [{name: "production", port: 80, weight: 50}, {name: "canary", port: 80, '
    'weight: 50}]', "canary weight")
check("canary-echo" not in out, "canary: the canary Ingress became its own route:\n" + out)

out, err = out_of["configuration-snippet.yaml"]
has(err, "configuration-snippet.yaml:8:5: warning: Ingress default/nginx-configuration-snippet: "
    "annotation nginx.ingress.kubernetes.io/configuration-snippet is not modelled", "snippet")
out, err = out_of["affinity-cookie.yaml"]
for a in ("affinity", "session-cookie-name", "session-cookie-expires", "session-cookie-max-age"):
    has(err, "annotation nginx.ingress.kubernetes.io/%s is not modelled" % a, "affinity")
has(err, "1 Ingress converted: 4 warnings, 0 notes", "affinity summary")

# ---- use-regex on one Ingress makes the host's other paths case-insensitive regexes ----
rc, out, err = convert("convert/regex-host.yaml")
check(rc == 0, "regex-host: exit %d\n%s" % (rc, err))
validated("regex-host", out, strict=False)
has(out, '- path: {type: RegularExpression, value: "(?i)/cart.*"}', "regex-host other path")
has(out, '- path: {type: RegularExpression, value: "(?i)/checkout.*"}',
    "regex-host: Exact becomes a regex prefix too (buildLocation in ingress-nginx's template)")
has(out, 'backendRefs: [{name: "cart", port: 8080}]', "named port resolved by the Service")
has(err, "regex-host.yaml:26:16: note: Ingress shop/cart: /cart: use-regex or rewrite-target on "
    "an Ingress of this host", "regex-host note")
has(err, "regex-host.yaml:27:89: warning: Ingress shop/cart: port \"admin\" of Service cart is "
    "given by name and the Service has no port of that name", "unresolved port")

# ---- the other annotations ----
rc, out, err = convert("--gateway-namespace", "gateways", "--gateway-class", "eg",
                       "convert/annotations.yaml")
check(rc == 0, "annotations: exit %d\n%s" % (rc, err))
validated("annotations", out, strict=False)
has(out, 'metadata: {name: "nginx", namespace: "gateways"}\nspec:\n  gatewayClassName: "eg"',
    "gateway options")
has(out, "allowedRoutes: {namespaces: {from: All}}", "routes from another namespace")
has(out, 'parentRefs: [{name: "nginx", namespace: "gateways"}]', "parentRef namespace")
has(err, "annotations.yaml:14:16: warning: Ingress web/captures: rewrite-target /$1/x/$2 uses "
    "capture groups of /(a|b)/(.*) that no Gateway API path modifier can express", "captures")
has(out, 'urlRewrite: {path: {type: ReplaceFullPath, replaceFullPath: "/index.html"}}',
    "constant rewrite-target")
has(out, 'requestRedirect: {scheme: "https", hostname: "new.example.com", port: 8443, path: '
    '{type: ReplaceFullPath, replaceFullPath: "/landing"}, statusCode: 308}', "permanent-redirect")
has(out, 'urlRewrite: {hostname: "internal.web.svc"}', "upstream-vhost")
has(out, 'requestHeaderModifier: {set: [{name: X-Forwarded-Prefix, value: "/home"}]}',
    "x-forwarded-prefix with rewrite-target")
check('value: "/shop"' not in out, "x-forwarded-prefix without rewrite-target written:\n" + out)
has(err, "note: Ingress web/main: x-forwarded-prefix without rewrite-target: ingress-nginx sends "
    "no such header", "x-forwarded-prefix without rewrite-target")
has(out, 'backendRefs: [{name: "stable", port: 80, weight: 90}, {name: "beta", port: 80, '
    'weight: 10}]', "canary weight with header")
has(out, 'headers: [{type: Exact, name: "X-Beta", value: "yes"}]\n', "canary-by-header-value")
# a defaultBackend beside rules serves the root location of the Ingress's hosts only, and
# app.example.com has a path "/" of its own: nothing is written (the catch-all is not its)
check("main-default-backend" not in out and '"fallback"' not in out,
      "defaultBackend beside rules written:\n" + out)
has(err, 'annotations.yaml:60:19: note: Ingress web/main: spec.defaultBackend: no request '
    'reaches it on ingress-nginx', "unused defaultBackend")
has(err, "annotations.yaml:56:51: warning: Ingress web/main: backend-protocol GRPC", "backend-protocol")
has(err, "annotations.yaml:57:5: warning: Ingress web/main: annotation "
    "nginx.ingress.kubernetes.io/auth-url is not modelled", "auth-url")
has(err, "annotations.yaml:93:48: warning: Ingress web/orphan: annotation "
    "nginx.ingress.kubernetes.io/canary-weight: \"many\" is not a number", "bad weight")
has(err, "warning: Ingress web/orphan: canary for nowhere.example.com/ has no main Ingress",
    "orphan canary")
check("nowhere.example.com" not in out, "orphan canary converted:\n" + out)

# ---- canary-by-header-pattern, force-ssl-redirect with and without TLS, server-snippet ----
rc, out, err = convert("convert/more-annotations.yaml")
check(rc == 0, "more-annotations: exit %d\n%s" % (rc, err))
validated("more-annotations", out, strict=False)
has(out, '      headers: [{type: RegularExpression, name: "X-Version", value: "^v[0-9]+$"}]\n'
    '    backendRefs: [{name: "beta", port: 80}]', "canary-by-header-pattern")
# the Lua balancer searches the value (ngx.re.match): an unanchored pattern gets a note, an
# anchored one none
has(err, 'more-annotations.yaml:95:16: note: Ingress web/tools-beta: canary-by-header-pattern '
    '"beta" is not anchored: ingress-nginx searches the X-Version value for it', "unanchored")
has(out, '{type: RegularExpression, name: "X-Version", value: "beta"}', "unanchored pattern")
check('"^v[0-9]+$" is not anchored' not in err, "anchored pattern noted:\n" + err)
has(out, 'metadata: {name: "secure-secure.example.com-to-https", namespace: "web"}\nspec:\n'
    '  parentRefs: [{name: "nginx", sectionName: http}]\n  hostnames: ["secure.example.com"]\n'
    '  rules:\n  - matches:\n    - path: {type: PathPrefix, value: "/"}\n    filters:\n'
    '    - type: RequestRedirect\n      requestRedirect: {scheme: "https", statusCode: 308}',
    "force-ssl-redirect with TLS")
has(err, "more-annotations.yaml:63:5: warning: Ingress web/forced: force-ssl-redirect without TLS "
    "for forced.example.com", "force-ssl-redirect without TLS")
check("forced.example.com-to-https" not in out, "force-ssl-redirect without TLS: a redirect "
      "route to a listener that does not exist:\n" + out)
has(err, "more-annotations.yaml:11:5: warning: Ingress web/main: annotation "
    "nginx.ingress.kubernetes.io/server-snippet is not modelled", "server-snippet")

# ---- certificates in other namespaces get ReferenceGrants; ssl-redirect "false" ----
rc, out, err = convert("--gateway-namespace", "gateways", "convert/cross-namespace.yaml")
check(rc == 0, "cross-namespace: exit %d\n%s" % (rc, err))
validated("cross-namespace", out)
has(out, 'kind: ReferenceGrant\nmetadata: {name: "nginx-gateways-a-cert", namespace: "team-a"}\n'
    'spec:\n  from: [{group: gateway.networking.k8s.io, kind: Gateway, namespace: "gateways"}]\n'
    '  to: [{group: "", kind: Secret, name: "a-cert"}]', "ReferenceGrant")
has(out, 'certificateRefs: [{name: "b-cert", namespace: "team-b"}]', "cross-namespace cert")
check("b-b.example.com-to-https" not in out, "ssl-redirect false still redirects:\n" + out)
has(out, 'metadata: {name: "b-b.example.com", namespace: "team-b"}\nspec:\n  parentRefs: '
    '[{name: "nginx", namespace: "gateways"}]', "no redirect: every listener")
has(err, 'cross-namespace.yaml:2:1: note: Ingress team-a/a: spec.ingressClassName: no class: '
    'converted with the ingress-nginx default class "nginx"', "no class note")
rc, out2, err2 = convert("-q", "--gateway-namespace", "gateways", "convert/cross-namespace.yaml")
check(rc == 0 and out2 == out and "note:" not in err2, "-q: exit %d\n%s" % (rc, err2))

# a tls entry without hosts covers the hosts its certificate names (as ingress-nginx reads it)
rc, out, err = convert("convert/tls-cover.yaml")
check(rc == 0, "tls-cover: exit %d\n%s" % (rc, err))
validated("tls-cover", out)
has(out, 'hostname: "blog.example.com"\n    tls: {mode: Terminate, certificateRefs: [{name: '
    '"cert"}]}', "tls-cover listener")
has(out, 'parentRefs: [{name: "nginx", sectionName: http}]\n  hostnames: ["blog.example.com"]',
    "tls-cover redirect route")
check('hostname: "www.other.org"' not in out, "tls-cover: no listener for an uncovered host")
has(err, "tls-cover.yaml:11:5: note: Ingress default/blog: a TLS section without hosts: "
    "ingress-nginx serves its Secret for the Ingress's hosts its certificate covers",
    "tls-cover hostless note")
has(err, "tls-cover.yaml:17:5: note: Ingress default/blog: no tls entry of the Ingress lists "
    "www.other.org or has a certificate covering it: ingress-nginx serves it over HTTPS with "
    "its self-signed fake certificate", "tls-cover uncovered host note")

# the redirect to HTTPS: ingress-nginx drops a final "/", the RequestRedirect keeps it
rc, out, err = convert("diff/tls.yaml")
check(rc == 0, "diff/tls.yaml: exit %d\n%s" % (rc, err))
has(err, "tls.yaml:5:1: note: Ingress default/shop: ingress-nginx's redirect to HTTPS drops a "
    "final \"/\" of the URI", "trailing slash note")
rc, out, err = convert("diff/tls-preserve.yaml")
check(rc == 0 and "drops a final" not in err and "not modelled" not in err,
      "preserve-trailing-slash: exit %d\n%s" % (rc, err))

# a host without "/": ingress-nginx's root location redirects as the host's first Ingress
rc, out, err = convert("diff/redirect.yaml")
check(rc == 0, "diff/redirect.yaml: exit %d\n%s" % (rc, err))
validated("redirect", out)
has(out, '  # no path "/" on this host: ingress-nginx redirects the rest as its first Ingress '
    'does\n  - matches:\n    - path: {type: PathPrefix, value: "/"}\n    filters:\n'
    '    - type: RequestRedirect\n      requestRedirect: {scheme: "http", hostname: '
    '"new.example.com", path: {type: ReplaceFullPath, replaceFullPath: "/docs"}, '
    'statusCode: 301}\n', "root redirect rule")
has(err, 'redirect.yaml:12:11: note: Ingress default/moved: old.example.com has no path "/": '
    "ingress-nginx adds a root location for it that takes the permanent-redirect of the host's "
    "first Ingress", "root redirect note")
rc, out, err = convert("diff/redirect-first.yaml")
check(rc == 0 and 'value: "/"}' not in out and "root location" not in err,
      "redirect-first: a root rule from a later Ingress (exit %d)\n%s%s" % (rc, out, err))

# permanent-redirect on a TLS host: HTTP is answered with it, not the redirect to HTTPS
# (ingress-nginx's return runs before its Lua redirect): rules for every listener, no -to-https
rc, out, err = convert("diff/redirect-tls.yaml")
check(rc == 0 and "-to-https" not in out and "sectionName" not in out,
      "redirect-tls: exit %d, a route for one listener only:\n%s%s" % (rc, out, err))
validated("redirect-tls", out)
has(out, 'metadata: {name: "moved-old.example.com", namespace: "default"}\nspec:\n'
    '  parentRefs: [{name: "nginx"}]', "redirect-tls: every listener")

# ---- errors ----
bad = os.path.join(tmp, "bad.yaml")
with open(bad, "w") as f:
    f.write("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: x}\nspec:\n"
            "  rules:\n  - http:\n      paths: [{path: /, backend: {service: {name: a, port: "
            "{number: 80}}}}]\n")
rc, out, err = convert(bad)
check(rc == 1 and out == "", "invalid input: exit %d, stdout %r" % (rc, out))
has(err, "bad.yaml:7:15: Ingress default/x: spec.rules[0].http.paths[0].pathType: Required value",
    "invalid input message")
rc, out, err = convert("examples/../convert/../../ingress/examples/../../model/valid")
check(rc == 1 and "no Ingress in the input" in err, "no Ingress: exit %d\n%s" % (rc, err))
rc, out, err = convert()
check(rc == 2, "no PATH: exit %d" % rc)
rc, out, err = convert(os.path.join(tmp, "missing.yaml"))
check(rc == 2, "missing file: exit %d" % rc)
rc, out, err = convert("--bogus", "x")
check(rc == 2, "unknown option: exit %d" % rc)
# option values the API server would refuse: usage errors naming the option and the rule
for args, needle in ((("--gateway-class", ""), '--gateway-class "": a gatewayClassName must '
                      'be a lowercase RFC 1123 subdomain'),
                     (("--gateway-class", "Nginx"), '--gateway-class "Nginx"'),
                     (("--gateway-namespace", "Bad_NS"), '--gateway-namespace "Bad_NS": a '
                      'namespace must be a lowercase RFC 1123 label'),
                     (("--gateway-namespace", "a.b"), '--gateway-namespace "a.b"'),
                     (("--gateway-namespace", "n" * 64), "at most 63 characters")):
    rc, out, err = convert(*args, "convert/cross-namespace.yaml")
    check(rc == 2 and out == "" and needle in err,
          "%r: exit %d (want 2), stderr:\n%s" % (args, rc, err))
rc, out, err = convert("--gateway-namespace", "n" * 63, "--gateway-class", "a.b-c",
                       "convert/cross-namespace.yaml")
check(rc == 0, "longest namespace, dotted class: exit %d\n%s" % (rc, err))
rc, out, err = convert("--help")
check(rc == 0 and "usage: gatesim convert" in out, "--help: exit %d" % rc)

for f in os.listdir(tmp):
    os.unlink(os.path.join(tmp, f))
os.rmdir(tmp)
if failures:
    print("\n\n".join(failures))
    sys.exit(1)
print("convert: all checks passed")
