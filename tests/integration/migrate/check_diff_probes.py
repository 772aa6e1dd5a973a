#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""gatesim diff's probes of GRPCRoutes and of RegularExpression paths (docs/ingress.md, "The
probe corpus"), between two implementations and between two configurations.

  check_diff_probes.py GATESIM DATA_DIR

GRPCRoutes: real gRPC calls over h2c to the builtin gateway and to nginx (grpc_pass), each
answered by an echo backend that says which Service answered and which :path it saw; the same
routes answer alike, a migration that dropped a header match, narrowed a service-only rule and
turned a split around is caught call by call (the split by Fisher's exact test).
RegularExpression paths: a string each expression matches, a miss, the match with more text
after and before it and in upper case; a migration that made an expression a case-insensitive
search is found by exactly those probes, which the literal start alone does not catch.
Ingresses with backend-protocol GRPC: gRPC calls instead of HTTP/1.1 probes, over TLS to
ingress-nginx (HTTP/2 by ALPN), h2c or TLS to the Gateway API side as its listeners say; the
conversion and a GRPCRoute migration answer every call alike, a wrong Service for one method path,
a lost HTTPS listener (for a host the Ingress lists in tls, or one label under a wildcard it lists)
and use-regex's letter case are each found by the calls that show them; an Ingress with only a
defaultBackend gets calls on an unknown host, which a migration naming a hostname loses; a GRPCS
Ingress's backend serves gRPC over TLS only, which the conversion loses (no BackendTLSPolicy)
and a migration with the policy keeps. No
nginx or echo process may outlive a run.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from migrate_lib import ENV, WORK_ROOT, done, expect, fail, left_behind, run_diff  # noqa: E402

GATESIM, DATA = sys.argv[1:3]


def diff(*args):
    return run_diff(GATESIM, DATA, *args)


def in_group(proc, title, probes):
    """The report has the cause |title| holding exactly the DIFF probes |probes| (prefixes)."""
    out = proc.stdout
    head = f"\n== cause: {title}\n"
    if head not in out:
        fail(f"no cause {title!r}", proc)
    group = out.split(head, 1)[1].split("\n== cause: ", 1)[0].split("\ngatesim diff: ", 1)[0]
    got = sorted(line[len("DIFF "):] for line in group.split("\n") if line.startswith("DIFF "))

    def fits(g, w):  # a probe ending in a newline is the whole line, others its start
        return g == w[:-1] if w.endswith("\n") else g.startswith(w)
    if len(got) != len(probes) or [g for g in got if not any(fits(g, w) for w in probes)]:
        fail(f"cause {title!r} holds {got}, want {sorted(probes)}", proc)


def grpc():
    h = "grpc.example.com"
    # the same GRPCRoutes on the builtin gateway and on nginx: every call answered alike, and
    # really answered by the Service each rule names
    p = diff("--requests=200", "--alpha=1e-6", "--before-target=builtin", "--target=nginx",
             "grpc.yaml")
    expect(p, 0, "33 probes, 0 answered differently by builtin and nginx",
           f"same gRPC h2c://{h}/shop.v1.Cart/Get\n"
           f"    builtin: grpc-status 0 OK from default/cart (saw {h}/shop.v1.Cart/Get)\n"
           f"    nginx: grpc-status 0 OK from default/cart (saw {h}/shop.v1.Cart/Get)\n",
           # a neighbour method, another service, a longer service name, other letter case
           f"same gRPC h2c://{h}/shop.v1.Cart/GetGsProbe\n"
           f"    builtin: grpc-status 0 OK from default/fallback",
           f"same gRPC h2c://{h}/gs.probe.Other/Get\n    builtin: grpc-status 0 OK from "
           "default/fallback",
           f"same gRPC h2c://{h}/shop.v1.CartGsProbe/Get\n", f"same gRPC h2c://{h}/shop.v1.Cart/GET\n",
           # a service alone takes any method
           f"same gRPC h2c://{h}/shop.v1.Orders/GsProbe\n"
           f"    builtin: grpc-status 0 OK from default/orders",
           # RegularExpression service and method: an example of each, and misses
           f"same gRPC h2c://{h}/shop.v0.Search/FindA\n"
           f"    builtin: grpc-status 0 OK from default/search (saw {h}/shop.v0.Search/FindA)\n"
           f"    nginx: grpc-status 0 OK from default/search",
           f"same gRPC h2c://{h}/shop.v0.Search/Findx\n    builtin: grpc-status 0 OK from "
           "default/fallback",
           f"same gRPC h2c://{h}/shop.vx.Search/FindA\n    builtin: grpc-status 0 OK from "
           "default/fallback",
           # a method expression whose shortest example is empty (".*"): called as GsProbe
           f"same gRPC h2c://{h}/shop.v1.Admin/GsProbe\n"
           f"    builtin: grpc-status 0 OK from default/admin (saw {h}/shop.v1.Admin/GsProbe)\n"
           f"    nginx: grpc-status 0 OK from default/admin",
           # the header match: a value it takes and one it does not
           f"same gRPC h2c://{h}/shop.v1.Cart/Put with x-tier: gold\n"
           f"    builtin: grpc-status 0 OK from default/gold",
           f"same gRPC h2c://{h}/shop.v1.Cart/Put with x-tier: gs-probe-miss\n"
           f"    builtin: grpc-status 0 OK from default/fallback",
           # the weighted rule, sampled
           f"same gRPC h2c://{h}/shop.v1.Stock/Check (200 requests a side)\n",
           "alike in: shares (p = ",
           "same gRPC h2c://gs-unknown.invalid/gs.probe.Any/GsProbe\n"
           "    builtin: grpc-status 12 UNIMPLEMENTED\n    nginx: grpc-status 12 UNIMPLEMENTED\n")
    for line in p.stdout.split("\n"):
        if "Stock/Check (200" in line:
            continue
        if line.startswith("    ") and "% grpc-status" in line and "stock-canary" not in line:
            fail(f"both backends of the split must answer: {line}", p)
    # a migration that dropped the header match, narrowed Orders to one method and turned the
    # split of Stock/Check around: each found by the call that shows it
    p = diff("-q", "--requests=200", "--alpha=1e-6", "grpc.yaml", "--after", "grpc-after.yaml")
    expect(p, 1, "6 answered differently by builtin and builtin, 3 causes",
           f"DIFF gRPC h2c://{h}/shop.v1.Orders/GsProbe\n"
           f"    builtin: grpc-status 0 OK from default/orders (saw {h}/shop.v1.Orders/GsProbe)\n"
           f"    builtin: grpc-status 0 OK from default/fallback (saw {h}/shop.v1.Orders/GsProbe)\n"
           "    differs in: backend\n",
           f"    fix: on {h}, /shop.v1.Orders/GsProbe must reach default/orders",
           f"DIFF gRPC h2c://{h}/shop.v1.Stock/Check (200 requests a side)\n",
           f"    fix: on {h}, /shop.v1.Cart/Put with x-tier: \"gs-probe-miss\" (a value the "
           "header match does not take) must reach default/fallback")
    in_group(p, "gRPC method matching (4 probes)",
             [f"gRPC h2c://{h}/shop.v1.Orders/{m}\n" for m in ("GsProbe", "GsProbeB", "GSPROBE")] +
             [f"gRPC h2c://{h}/shop.v1.Cart/Put\n"])
    in_group(p, "header match (1 probe)", [f"gRPC h2c://{h}/shop.v1.Cart/Put with x-tier: "
                                           "gs-probe-miss"])
    in_group(p, "weighted split differs (1 probe)", [f"gRPC h2c://{h}/shop.v1.Stock/Check (200"])
    if "DIFF gRPC h2c://grpc.example.com/shop.v1.Cart/Put with x-tier: gold" in p.stdout:
        fail("the header-matched call reaches gold on both sides", p)


def grpc_tls():
    h = "grpc.example.com"
    # an HTTPS listener: the matched method is called over TLS too (ALPN h2, SNI), alike on both
    p = diff("--before-target=builtin", "--target=nginx", "grpc-tls.yaml")
    expect(p, 0, "7 probes, 0 answered differently by builtin and nginx",
           f"same gRPC https://{h}/shop.v1.Cart/Get\n"
           f"    builtin: grpc-status 0 OK from default/cart (saw {h}/shop.v1.Cart/Get)\n"
           f"    nginx: grpc-status 0 OK from default/cart (saw {h}/shop.v1.Cart/Get)\n")
    # a migration that attached the route to the HTTP listener only: the TLS call shows it
    p = diff("-q", "grpc-tls.yaml", "--after", "grpc-tls-after.yaml")
    expect(p, 1, "1 answered differently by builtin and builtin, 1 cause",
           f"DIFF gRPC https://{h}/shop.v1.Cart/Get\n"
           f"    builtin: grpc-status 0 OK from default/cart (saw {h}/shop.v1.Cart/Get)\n"
           "    builtin: grpc-status 12 UNIMPLEMENTED\n",
           "check that the GRPCRoute attaches to the HTTPS listener")
    in_group(p, "gRPC method matching (1 probe)", [f"gRPC https://{h}/shop.v1.Cart/Get\n"])


def ingress_grpc():
    g, r = "grpc.example.com", "rpc.example.com"
    # the conversion: every call answered alike, each by the Service its path names; calls to
    # grpc.example.com go h2c to the HTTPRoute side (no HTTPS listener takes it), rpc.example.com's
    # over TLS to both (the Ingress lists it in tls); web.example.com keeps its HTTP probes
    p = diff("ingress-grpc.yaml")
    expect(p, 0, "31 probes, 0 answered differently by ingress-nginx and builtin",
           f"same gRPC https://{g}/shop.v1.Cart/GsProbe (h2c to the after side)\n"
           f"    ingress-nginx: grpc-status 0 OK from default/cart (saw {g}/shop.v1.Cart/GsProbe)\n"
           f"    builtin: grpc-status 0 OK from default/cart (saw {g}/shop.v1.Cart/GsProbe)\n",
           f"same gRPC https://{g}/shop.v1.CartGsProbe/GsProbe (h2c to the after side)\n"
           "    ingress-nginx: grpc-status 0 OK from default/fallback",
           f"same gRPC https://{g}/SHOP.V1.CART/GSPROBE (h2c to the after side)\n"
           "    ingress-nginx: grpc-status 0 OK from default/fallback",
           f"same gRPC https://{g}/shop.v1.Catalog/List (h2c to the after side)\n"
           "    ingress-nginx: grpc-status 0 OK from default/catalog",
           f"same gRPC https://{g}/shop.v1.Catalog/ListGsProbe (h2c to the after side)\n"
           "    ingress-nginx: grpc-status 0 OK from default/fallback",
           f"same gRPC https://{g}/gs.probe.Other/GsProbe (h2c to the after side)\n"
           "    ingress-nginx: grpc-status 0 OK from default/fallback",
           f"same gRPC https://{g}/shop.v1.Cart/GsProbe with x-canary: always (h2c to the after "
           "side)\n    ingress-nginx: grpc-status 0 OK from default/cart-canary",
           f"same gRPC https://{r}/billing.v2.Invoices/GsProbe\n"
           f"    ingress-nginx: grpc-status 0 OK from default/invoices (saw {r}/billing.v2."
           "Invoices/GsProbe)\n    builtin: grpc-status 0 OK from default/invoices",
           f"same gRPC https://{r}/billing.v2.InvoicesGsProbe/GsProbe\n"
           "    ingress-nginx: grpc-status 12 UNIMPLEMENTED\n",
           "same gRPC https://gs-unknown.invalid/gs.probe.Any/GsProbe (h2c to the after side)\n"
           "    ingress-nginx: grpc-status 12 UNIMPLEMENTED\n",
           "same GET http://web.example.com/app\n")
    # no HTTP/1.1 probe of a host only gRPC Ingresses route
    for host in (g, r):
        if f"GET http://{host}" in p.stdout or f"GET https://{host}" in p.stdout:
            fail(f"HTTP/1.1 probes of the gRPC host {host}", p)
    # a GRPCRoute migration (method matches) answers alike too
    p = diff("-q", "ingress-grpc.yaml", "--after", "ingress-grpc-grpcroute.yaml")
    expect(p, 0, "31 probes, 0 answered differently by ingress-nginx and builtin")
    # a wrong Service for one method path: exactly that call
    p = diff("-q", "ingress-grpc.yaml", "--after", "ingress-grpc-after.yaml")
    expect(p, 1, "31 probes, 1 answered differently by ingress-nginx and builtin, 1 cause",
           f"DIFF gRPC https://{g}/shop.v1.Catalog/List (h2c to the after side)\n"
           f"    ingress-nginx: grpc-status 0 OK from default/catalog (saw {g}/shop.v1.Catalog/List)\n"
           f"    builtin: grpc-status 0 OK from default/cart (saw {g}/shop.v1.Catalog/List)\n"
           "    differs in: backend\n"
           f"    fix: on {g}, /shop.v1.Catalog/List must reach default/catalog (grpc-status 0) as "
           "on the before side: check the rule matching the Ingress path \"/shop.v1.Catalog/List\"")
    in_group(p, "gRPC method matching (1 probe)", [f"gRPC https://{g}/shop.v1.Catalog/List "])
    # the GRPCRoute migration without the HTTPS listener of rpc.example.com: its clients call it
    # over TLS (the Ingress lists it in tls): every call to it has no answer
    with open(os.path.join(DATA, "ingress-grpc-grpcroute.yaml")) as f:
        text = f.read()
    listener = ("  - name: rpc\n    protocol: HTTPS\n    port: 443\n    hostname: rpc.example.com\n"
                "    tls: {mode: Terminate, certificateRefs: [{name: cert}]}\n")
    if listener not in text or "sectionName: rpc}" not in text:
        fail("ingress-grpc-grpcroute.yaml has no rpc listener to remove")
    no_tls = os.path.join(WORK_ROOT, "ingress-grpc-no-tls.yaml")
    with open(no_tls, "w") as f:
        f.write(text.replace(listener, "").replace("sectionName: rpc}", "sectionName: http}"))
    p = diff("-q", "ingress-grpc.yaml", "--after", no_tls)
    expect(p, 1, "4 answered differently by ingress-nginx and builtin, 1 cause",
           f"DIFF gRPC https://{r}/billing.v2.Invoices/GsProbe\n"
           f"    ingress-nginx: grpc-status 0 OK from default/invoices (saw {r}/billing.v2."
           "Invoices/GsProbe)\n    builtin: no answer\n",
           "    fix: ingress-nginx answers gRPC on its HTTPS listener (HTTP/2 by ALPN), and so must "
           "the after side's HTTPS listener for the host: the after side gave no answer")
    in_group(p, "HTTPS listener or certificate (4 probes)",
             [f"gRPC https://{r}/{m}\n" for m in ("billing.v2.Invoices/GsProbe",
                                                  "billing.v2.InvoicesGsProbe/GsProbe",
                                                  "BILLING.V2.INVOICES/GSPROBE",
                                                  "gs.probe.Other/GsProbe")])
    # a weighted canary instead of the header: the call of its path is sampled on both sides and
    # the conversion's split matches; the GRPCRoute migration sends it all to cart: found by
    # Fisher's exact test, the neighbours are single calls
    with open(os.path.join(DATA, "ingress-grpc.yaml")) as f:
        text = f.read()
    old = "    nginx.ingress.kubernetes.io/canary-by-header: x-canary\n"
    if old not in text:
        fail("ingress-grpc.yaml has no canary-by-header to turn into a weight")
    weight = os.path.join(WORK_ROOT, "ingress-grpc-weight.yaml")
    with open(weight, "w") as f:
        f.write(text.replace(old, "    nginx.ingress.kubernetes.io/canary-weight: \"50\"\n"))
    p = diff("--requests=200", "--alpha=1e-6", weight)
    expect(p, 0, "30 probes, 0 answered differently by ingress-nginx and builtin",
           f"same gRPC https://{g}/shop.v1.Cart/GsProbe (h2c to the after side) (200 requests a "
           "side)\n    ingress-nginx: ", "% grpc-status 0 OK from default/cart-canary (saw "
           f"{g}/shop.v1.Cart/GsProbe)\n    builtin: ", "alike in: shares (p = ")
    if p.stdout.count("requests a side") != 1:
        fail("only the canary's path call is sampled", p)
    p = diff("-q", "--requests=200", "--alpha=1e-6", weight, "--after",
             "ingress-grpc-grpcroute.yaml")
    expect(p, 1, "1 answered differently by ingress-nginx and builtin, 1 cause",
           "builtin: 100.0% grpc-status 0 OK from default/cart (saw")
    in_group(p, "weighted split differs (1 probe)",
             [f"gRPC https://{g}/shop.v1.Cart/GsProbe (h2c to the after side) (200"])
    # a wildcard host: the conversion differs on exactly the call two labels under it
    w = "gs-probe.gs-probe.svc.example.com"
    p = diff("-q", "ingress-grpc-wildcard.yaml")
    expect(p, 1, "9 probes, 1 answered differently by ingress-nginx and builtin, 1 cause",
           f"DIFF gRPC https://{w}/shop.v1.Cart/GsProbe (h2c to the after side)\n"
           "    ingress-nginx: grpc-status 12 UNIMPLEMENTED\n"
           f"    builtin: grpc-status 0 OK from default/cart (saw {w}/shop.v1.Cart/GsProbe)\n",
           f"    fix: {w} is two labels under the wildcard: ingress-nginx answers "
           "/shop.v1.Cart/GsProbe with grpc-status 12 UNIMPLEMENTED (its default server)")
    in_group(p, "wildcard host depth (1 probe)", [f"gRPC https://{w}/shop.v1.Cart/GsProbe "])
    # the wildcard listed in the Ingress's tls: its clients call one label under it over TLS (as a
    # certificate for *.svc.example.com names it), so a migration without an HTTPS listener loses
    # exactly those calls; two labels under it the certificate does not name: still h2c
    with open(os.path.join(DATA, "ingress-grpc-wildcard.yaml")) as f:
        wtext = f.read()
    if "  ingressClassName: nginx\n" not in wtext:
        fail("ingress-grpc-wildcard.yaml has no ingressClassName to put tls under")
    wtls = os.path.join(WORK_ROOT, "ingress-grpc-wildcard-tls.yaml")
    with open(wtls, "w") as f:
        f.write(wtext.replace("  ingressClassName: nginx\n", "  ingressClassName: nginx\n"
                             "  tls: [{hosts: [\"*.svc.example.com\"]}]\n"))
    one = "gs-probe.svc.example.com"
    p = diff("-q", wtls, "--after", "ingress-grpc-wildcard-grpcroute.yaml")
    expect(p, 1, "9 probes, 5 answered differently by ingress-nginx and builtin, 2 causes",
           f"DIFF gRPC https://{one}/shop.v1.Cart/GsProbe\n"
           f"    ingress-nginx: grpc-status 0 OK from default/cart (saw {one}/shop.v1.Cart/"
           "GsProbe)\n    builtin: no answer\n")
    in_group(p, "HTTPS listener or certificate (4 probes)",
             [f"gRPC https://{one}/{m}\n" for m in ("shop.v1.Cart/GsProbe",
                                                    "shop.v1.CartGsProbe/GsProbe",
                                                    "SHOP.V1.CART/GSPROBE",
                                                    "gs.probe.Other/GsProbe")])
    in_group(p, "wildcard host depth (1 probe)",
             [f"gRPC https://{w}/shop.v1.Cart/GsProbe (h2c to the after side)"])
    # a gRPC Ingress with only a defaultBackend: ingress-nginx's catch-all takes any host's call
    # (grpc_pass, its annotations applied); the conversion answers alike, a GRPCRoute migration
    # that names a hostname loses exactly those calls (and the HTTP probe of the unknown host)
    u = "gs-unknown.invalid"
    p = diff("ingress-grpc-default.yaml")
    expect(p, 0, "4 probes, 0 answered differently by ingress-nginx and builtin",
           *[f"same gRPC https://{u}/{m} (h2c to the after side)\n"
             f"    ingress-nginx: grpc-status 0 OK from default/fallback (saw {u}/{m})\n"
             f"    builtin: grpc-status 0 OK from default/fallback (saw {u}/{m})\n"
             for m in ("gs.probe.Any/GsProbe", "shop.v1.Cart/Get")])
    p = diff("-q", "ingress-grpc-default.yaml", "--after", "ingress-grpc-default-host.yaml")
    expect(p, 1, "4 probes, 3 answered differently by ingress-nginx and builtin, 2 causes",
           f"DIFF gRPC https://{u}/shop.v1.Cart/Get (h2c to the after side)\n"
           f"    ingress-nginx: grpc-status 0 OK from default/fallback (saw {u}/shop.v1.Cart/Get)\n"
           "    builtin: grpc-status 12 UNIMPLEMENTED\n",
           "ingress-nginx's catch-all server sends any host's call to the defaultBackend of the "
           "Ingress without rules; give the Gateway API side a route without hostnames to "
           "default/fallback")
    in_group(p, "gRPC method matching (2 probes)",
             [f"gRPC https://{u}/{m} " for m in ("gs.probe.Any/GsProbe", "shop.v1.Cart/Get")])
    # backend-protocol GRPCS: the echo of vault serves gRPC over TLS only; the conversion (no
    # BackendTLSPolicy) loses exactly the call to vault, with the policy as the fix; the policy
    # (its CA ConfigMap written by the diff with the backends' CA) answers alike; a policy whose
    # hostname the certificate does not carry fails closed: found again
    s = "grpcs.example.com"
    p = diff("-q", "ingress-grpcs.yaml")
    expect(p, 1, "7 probes, 1 answered differently by ingress-nginx and builtin, 1 cause",
           f"DIFF gRPC https://{s}/vault.v1.Secrets/GsProbe (h2c to the after side)\n"
           f"    ingress-nginx: grpc-status 0 OK from default/vault (saw {s}/vault.v1.Secrets/"
           "GsProbe)\n",
           "    fix: add a BackendTLSPolicy for default/vault with the backend's CA and hostname: "
           "ingress-nginx reaches it over TLS (grpc-status 0), the after side does not "
           "(grpc-status 14")
    in_group(p, "TLS to the backend (1 probe)", [f"gRPC https://{s}/vault.v1.Secrets/GsProbe "])
    if "not probed" in p.stdout:
        fail("the GRPCS Ingress is still said not to be probed", p)
    p = diff("ingress-grpcs.yaml", "--after", "ingress-grpcs-after.yaml")
    expect(p, 0, "7 probes, 0 answered differently by ingress-nginx and builtin",
           f"same gRPC https://{s}/vault.v1.Secrets/GsProbe (h2c to the after side)\n"
           f"    ingress-nginx: grpc-status 0 OK from default/vault (saw {s}/vault.v1.Secrets/"
           "GsProbe)\n"
           f"    builtin: grpc-status 0 OK from default/vault (saw {s}/vault.v1.Secrets/GsProbe)\n")
    with open(os.path.join(DATA, "ingress-grpcs-after.yaml")) as f:
        ptext = f.read()
    if "hostname: vault.default.svc" not in ptext:
        fail("ingress-grpcs-after.yaml has no policy hostname to change")
    wrong = os.path.join(WORK_ROOT, "ingress-grpcs-wrong-host.yaml")
    with open(wrong, "w") as f:
        f.write(ptext.replace("hostname: vault.default.svc", "hostname: wrong.default.svc"))
    p = diff("-q", "ingress-grpcs.yaml", "--after", wrong)
    expect(p, 1, "7 probes, 1 answered differently by ingress-nginx and builtin, 1 cause")
    in_group(p, "TLS to the backend (1 probe)", [f"gRPC https://{s}/vault.v1.Secrets/GsProbe "])
    # without the tls the same migration differs on the deep call only
    p = diff("-q", "ingress-grpc-wildcard.yaml", "--after", "ingress-grpc-wildcard-grpcroute.yaml")
    expect(p, 1, "9 probes, 1 answered differently by ingress-nginx and builtin, 1 cause")
    in_group(p, "wildcard host depth (1 probe)", [f"gRPC https://{w}/shop.v1.Cart/GsProbe "])
    # the conversion on the nginx target: its HTTP port speaks HTTP/1.1 only without a GRPCRoute
    # (docs/targets/nginx.md), so the h2c calls get no answer there, and the fix says so
    p = diff("-q", "ingress-grpc.yaml", "--target=nginx")
    expect(p, 1, f"DIFF gRPC https://{g}/shop.v1.Catalog/List (h2c to the after side)\n"
           f"    ingress-nginx: grpc-status 0 OK from default/catalog (saw {g}/shop.v1.Catalog/"
           "List)\n    nginx: no answer\n",
           f"    fix: on {g}, /shop.v1.Catalog/List must reach default/catalog (grpc-status 0) as "
           "on the before side: the after side gave no answer over h2c: its HTTP listener must "
           "take HTTP/2 with prior knowledge, or give the host an HTTPS listener on port 443\n")
    # use-regex on the gRPC Ingress: nginx's ~* "^PATH" locations take the upper-case calls and
    # the Exact method's longer neighbour, which the case-sensitive hand migration does not
    annot = "annotations: {nginx.ingress.kubernetes.io/backend-protocol: GRPC}\nspec:\n" \
            "  ingressClassName: nginx\n  rules:\n  - host: grpc.example.com"
    if annot not in text:
        fail("ingress-grpc.yaml has no shop Ingress to annotate")
    regex = os.path.join(WORK_ROOT, "ingress-grpc-regex.yaml")
    with open(regex, "w") as f:
        f.write(text.replace(annot, annot.replace("GRPC}", "GRPC, nginx.ingress.kubernetes.io/"
                                                           "use-regex: \"true\"}")))
    p = diff("-q", regex, "--after", "ingress-grpc-grpcroute.yaml")
    expect(p, 1, "3 answered differently by ingress-nginx and builtin, 2 causes",
           f"DIFF gRPC https://{g}/SHOP.V1.CART/GSPROBE (h2c to the after side)\n"
           "    ingress-nginx: grpc-status 0 OK from default/cart ",
           f"    fix: on {g}, match \"/shop.v1.Cart/\" with type RegularExpression")
    in_group(p, "case-insensitive regex matching (2 probes)",
             [f"gRPC https://{g}/SHOP.V1.CART/GSPROBE ", f"gRPC https://{g}/SHOP.V1.CATALOG/LIST "])
    expect(p, 1, f"    fix: if /shop.v1.Catalog/ListGsProbe must keep reaching default/catalog, match "
           f"\"/shop.v1.Catalog/List\" on {g} with type RegularExpression "
           "\"/shop.v1.Catalog/List.*\"")
    in_group(p, "character-prefix matching (1 probe)",
             [f"gRPC https://{g}/shop.v1.Catalog/ListGsProbe "])


def regex():
    a = "app.example.com"
    regex_probes = ("/api/v0", "/api/vx", "/api/v0/gs-probe", "/gs-probe/api/v0", "/API/V0",
                    "/users/00/profile", "/users/x0/profile", "/USERS/00/PROFILE")
    # builtin and nginx both match in full: alike, and the examples reach their rules
    p = diff("--no-normalization", "--before-target=builtin", "--target=nginx", "regex.yaml")
    expect(p, 0, "0 answered differently by builtin and nginx",
           f"same GET http://{a}/api/v0\n    builtin: 200 from default/api (saw {a}/api/v0)\n"
           f"    nginx: 200 from default/api",
           f"same GET http://{a}/users/00/profile\n    builtin: 200 from default/users",
           f"same GET http://{a}/api/v0/gs-probe\n    builtin: 200 from default/frontend",
           # the lookahead: its literal start, and a note saying so
           f"same GET http://{a}/legacy/\n",
           f"note: path \"/legacy/(?!v2).*\" on {a}: probed by its literal start only "
           "(the group (?! is not generated")
    for path in regex_probes:
        if f"same GET http://{a}{path}\n" not in p.stdout:
            fail(f"no probe {path}", p)
    # a migration that made /api/v[0-9]+ a case-insensitive search: found by the longer path and
    # the upper-case match, which the expression's literal start (/api/v) does not show
    p = diff("-q", "--no-normalization", "regex.yaml", "--after", "regex-after.yaml")
    expect(p, 1, "2 answered differently by builtin and builtin, 1 cause",
           f"DIFF GET http://{a}/api/v0/gs-probe\n"
           f"    builtin: 200 from default/frontend (saw {a}/api/v0/gs-probe)\n"
           f"    builtin: 200 from default/api (saw {a}/api/v0/gs-probe)\n",
           "    fix: letter case: \"(?i)/api/v[0-9]+\" where any case must match")
    in_group(p, "regular-expression path matching (2 probes)",
             [f"GET http://{a}/api/v0/gs-probe\n", f"GET http://{a}/API/V0\n"])


def grpc_step():
    """The same in a scenario's diff step: alike on builtin and nginx; the migration's causes;
    the gRPC Ingresses' conversion alike, the wrong Service found."""
    report = os.path.join(WORK_ROOT, "grpc-step")
    proc = subprocess.run([GATESIM, "run", os.path.join(DATA, "grpc-step.yaml"), "--report-dir",
                           report, "--seed", "7"], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=600, env=ENV)
    left = left_behind()
    if left:
        fail(f"processes left behind: {left}", proc)
    try:
        with open(os.path.join(report, "results.json")) as f:
            res = json.load(f)
    except OSError:
        fail(f"grpc-step.yaml: no results (exit {proc.returncode})", proc)
    steps = res["scenarios"][0]["steps"]
    verdicts = [[(c["result"], c["message"]) for c in st["checks"]] for st in steps]
    want = [[("passed", "0 probes answered differently")],
            [("passed", "4 probes under grpc-method"), ("passed", "1 probe under header-match"),
             ("passed", "1 probe under weighted-split"), ("passed", "0 probes under other causes")],
            [("passed", "0 probes answered differently")],
            [("passed", "1 probe under grpc-method"), ("passed", "0 probes under other causes")]]
    if proc.returncode != 0 or verdicts != want:
        fail(f"grpc-step.yaml: exit {proc.returncode}, checks {verdicts}", proc)


def main():
    grpc()
    grpc_step()
    grpc_tls()
    ingress_grpc()
    regex()
    # input without any route or Ingress
    empty = os.path.join(WORK_ROOT, "empty.yaml")
    with open(empty, "w") as f:
        f.write("apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n")
    expect(diff(empty), 2, "no Ingress, no HTTPRoute and no GRPCRoute in the input")
    done("ok: GRPCRoute calls and RegularExpression path probes answered alike by builtin and "
         "nginx; a dropped header match, a narrowed method match, a turned split and a "
         "search-minded regex found; gRPC Ingresses called over gRPC, their conversion and a "
         "GRPCRoute migration alike, a wrong Service, a lost HTTPS listener and use-regex found")


main()
