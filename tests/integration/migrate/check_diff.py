#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""gatesim diff, end to end (docs/ingress.md, "gatesim diff").

  check_diff.py GATESIM DATA_DIR MIGRATION_DIR STEP_DATA_DIR

Each case runs `gatesim diff` on Ingresses of DATA_DIR (the Ingress side on a real nginx, the
Gateway API side on the builtin gateway) and checks the exit code and the probes it reports:
use-regex making a host's other paths case-insensitive, a capture-group rewrite-target,
a canary by header, a trailing-slash Prefix, a ResponseHeaderModifier one side lacks (response
headers), upstream-vhost, canary-by-cookie and app-root lost by a migration, an annotation not
modelled warned of at its file:line:col, an Ingress ingress-nginx rejects for an annotation
value (its host 404 there), and no difference
for exact conversions. The scenario
`diff` step: the walkthrough's rewrite-target migration (MIGRATION_DIR) passes, a step expecting
what is not found fails with the differing probes as evidence, an unknown cause and an invalid
Ingress inside a diff step are reported at file:line:col. No nginx or echo process may outlive a
run.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from migrate_lib import ENV, WORK_ROOT, done, expect, fail, left_behind, run_diff  # noqa: E402

GATESIM, DATA, MIGRATION, STEP_DATA = sys.argv[1:5]


def diff(*args):
    return run_diff(GATESIM, DATA, *args)


def in_group(proc, title, fix, probes):
    """The report has the cause |title| with |fix|, holding exactly the DIFF probes |probes|."""
    out = proc.stdout
    head = f"\n== cause: {title}\n"
    if head not in out:
        fail(f"no cause {title!r}", proc)
    group = out.split(head, 1)[1].split("\n== cause: ", 1)[0].split("\ngatesim diff: ", 1)[0]
    if fix not in group.split("\nDIFF ", 1)[0]:
        fail(f"cause {title!r} without the fix {fix!r}", proc)
    got = sorted(line[len("DIFF GET "):] for line in group.split("\n")
                 if line.startswith("DIFF GET "))
    want = sorted(p.rstrip("\n") for p in probes)
    if [g for g in got if not any(g.startswith(w) for w in want)] or len(got) != len(want):
        fail(f"cause {title!r} holds {got}, want {want}", proc)


def known_group(proc, n, probes):
    """The known differences of the implementations: exactly the KNOWN probes |probes|, not
    counted in the summary's differences."""
    out = proc.stdout
    head = (f"\n== known difference of the implementations: path normalization ({n} probes, "
            "not counted)\n")
    if head not in out:
        fail(f"no known-difference group of {n} probes", proc)
    group = out.split(head, 1)[1].split("\ngatesim diff: ", 1)[0]
    if "not a conversion defect" not in group.split("\nKNOWN ", 1)[0]:
        fail("the known-difference group does not say it is not a conversion defect", proc)
    got = sorted(line[len("KNOWN GET "):] for line in group.split("\n")
                 if line.startswith("KNOWN GET "))
    want = sorted(p.rstrip("\n") for p in probes)
    if [g for g in got if not any(g.startswith(w) for w in want)] or len(got) != len(want):
        fail(f"known group holds {got}, want {want}", proc)
    if f"; {n} more by path normalization alone, a known difference" not in out:
        fail("the summary does not count the known differences apart", proc)


def expected_entries(proc, head, end, why, name, probes):
    """The EXPECTED entries of the group under |head| (up to the next group or |end|), failing
    unless the group is there, says |why| before its entries and holds exactly the probes
    |probes|; |name| names the group in the failures."""
    out = proc.stdout
    if head not in out:
        fail(f"no {name} group of {len(probes)} probes", proc)
    group = out.split(head, 1)[1].split("\n== ", 1)[0].split(end, 1)[0]
    if why not in group.split("\nEXPECTED ", 1)[0]:
        fail(f"the {name} group does not say why", proc)
    entries = group.split("\nEXPECTED GET ")[1:]
    got = sorted(e.split("\n", 1)[0] for e in entries)
    if got != sorted(probes):
        fail(f"{name} group holds {got}, want {sorted(probes)}", proc)
    return entries


def expected_group(proc, probes):
    """The expected differences: exactly the EXPECTED probes |probes| (HTTPS answered by
    ingress-nginx under its fake certificate), each with a fix, not counted in the summary."""
    out, n = proc.stdout, len(probes)
    head = (f"\n== expected difference: ingress-nginx's fake certificate ({n} probe"
            f"{'' if n == 1 else 's'}, not counted)\n")
    entries = expected_entries(proc, head, "\ngatesim diff: ",
                               "no client that verifies certificates", "expected-difference",
                               probes)
    for e in entries:
        if "Kubernetes Ingress Controller Fake Certificate]" not in e.split("\n")[1] or \
                "\n    fix: " not in e:
            fail(f"an expected difference without the fake certificate or a fix: {e}", proc)
    if f"; {n} more over HTTPS only under ingress-nginx's fake certificate, an expected " \
            "difference (not counted)" not in out:
        fail("the summary does not count the expected differences apart", proc)


HSTS = "max-age=31536000; includeSubDomains"


def hsts_group(proc, probes):
    """The expected differences by Strict-Transport-Security alone: exactly the EXPECTED probes
    |probes|, ingress-nginx's answer with its default HSTS and the other's without, each with
    the fix, not counted in the summary."""
    out, n = proc.stdout, len(probes)
    head = (f"\n== expected difference: Strict-Transport-Security added by one implementation "
            f"({n} probe{'' if n == 1 else 's'}, not counted)\n")
    entries = expected_entries(proc, head, "\nnote: ", "hsts in its ConfigMap", "HSTS", probes)
    for e in entries:
        lines = e.split("\n")
        if not lines[1].endswith(f" [strict-transport-security: {HSTS}]") or \
                not lines[2].endswith(" [no strict-transport-security]") or \
                lines[3] != "    differs in: strict-transport-security" or \
                not lines[4].startswith("    fix: ingress-nginx adds HSTS by default (hsts in its "
                                        "ConfigMap); on ") or \
                f"that sets Strict-Transport-Security: {HSTS}" not in lines[4]:
            fail(f"an HSTS difference without both answers or the fix: {e}", proc)
    if f"; {n} more by Strict-Transport-Security alone, an expected difference (not counted)" \
            not in out:
        fail("the summary does not count the HSTS differences apart", proc)


def run_scenario(path, name, *extra):
    report = os.path.join(WORK_ROOT, name)
    proc = subprocess.run([GATESIM, "run", path, "--report-dir", report, "--seed", "7", *extra],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600,
                          env=ENV)
    left = left_behind()
    if left:
        fail(f"processes left behind: {left}", proc)
    try:
        with open(os.path.join(report, "results.json")) as f:
            return proc, json.load(f)
    except OSError:
        return proc, None


def scenario_steps():
    """The scenario diff step (docs/scenario.md, "diff")."""
    # the walkthrough: convert + diff; a hand migration; an exact conversion
    proc, res = run_scenario(os.path.join(MIGRATION, "rewrite-target-diff.yaml"), "walkthrough")
    if proc.returncode != 0 or res is None:
        fail(f"the rewrite-target migration scenario: exit {proc.returncode}", proc)
    steps = res["scenarios"][0]["steps"]
    kinds = [[c["kind"] for c in st["checks"]] for st in steps]
    if kinds != [["diff", "diff"], ["diff"] * 4, ["diff"]]:
        fail(f"checks per step {kinds}", proc)
    if "case-insensitive-regex (3 probes)" not in steps[0]["checks"][0]["observed"]:
        fail(f"step 1 observed {steps[0]['checks'][0]['observed']}", proc)
    if not steps[2]["checks"][0]["observed"].startswith("none; "):
        fail(f"the exact conversion observed {steps[2]['checks'][0]['observed']}", proc)
    # wrong expectations fail, with the differing probes as the evidence
    proc, res = run_scenario(os.path.join(STEP_DATA, "wrong.yaml"), "wrong")
    if proc.returncode != 1 or res is None:
        fail(f"wrong diff expectations: exit {proc.returncode}, want 1", proc)
    first, second = res["scenarios"][0]["steps"]
    c = first["checks"][0]
    if c["result"] != "failed" or c["message"] != "3 probes answered differently" or \
            "DIFF GET http://api.example.com/V1\n" not in c.get("evidence", {}).get("response", "") or \
            c["observed"] != "case-insensitive-regex (2 probes), character-prefix (1 probe); 4 " \
            "expected differences under ingress-nginx's fake certificate (not counted)":
        fail(f"step expecting no difference: {c}", proc)
    verdicts = [(x["result"], x["message"]) for x in second["checks"]]
    if verdicts != [("failed", "0 probes under canary-header"),
                    ("passed", "0 probes under other causes")]:
        fail(f"step expecting a missing cause: {verdicts}", proc)
    # ingress-nginx's default HSTS: expected, so no difference; with strict, counted under hsts
    proc, res = run_scenario(os.path.join(STEP_DATA, "hsts.yaml"), "hsts")
    if proc.returncode != 0 or res is None:
        fail(f"the HSTS diff steps: exit {proc.returncode}", proc)
    plain, strict = res["scenarios"][0]["steps"]
    if plain["checks"][0]["observed"] != "none; 1 expected difference under ingress-nginx's " \
            "fake certificate (not counted); 4 expected differences by " \
            "Strict-Transport-Security alone (not counted)":
        fail(f"HSTS step observed {plain['checks'][0]}", proc)
    if [c["message"] for c in strict["checks"]] != [
            "4 probes under hsts", "1 probe under fake-certificate", "0 probes under other causes"]:
        fail(f"strict HSTS step: {strict['checks']}", proc)
    # invalid: an unknown cause, an Ingress without pathType, at their positions
    bad = os.path.join(STEP_DATA, "invalid-cause.yaml")
    proc = subprocess.run([GATESIM, "validate", bad], capture_output=True, text=True,
                          timeout=120, env=ENV)
    for t in ("invalid-cause.yaml:20:16: Scenario diff-step-invalid: "
              "spec.steps[0].expect.causes[case-insensitive]: Unsupported value",
              "invalid-cause.yaml:18:19: Ingress default/api: spec.rules[0].http.paths[0]."
              "pathType: Required value"):
        if proc.returncode == 0 or t not in proc.stdout + proc.stderr:
            fail(f"validate: no {t!r}", proc)
    proc, _ = run_scenario(bad, "invalid")
    if proc.returncode != 2 or "causes[case-insensitive]" not in proc.stdout + proc.stderr:
        fail(f"run of an invalid diff step: exit {proc.returncode}", proc)


def main():
    scenario_steps()
    # use-regex on one Ingress of the host: ingress-nginx matches the other Ingress's /cart
    # case-insensitively and as a character prefix; a per-Ingress conversion does not.
    p = diff("-q", "--no-normalization", "use-regex.yaml", "--after", "use-regex-after.yaml")
    expect(p, 1, "DIFF GET http://shop.example.com/CART\n"
                 "    ingress-nginx: 200 from shop/cart (saw shop.example.com/CART)\n"
                 "    builtin: 404\n    differs in: status backend",
           "DIFF GET http://shop.example.com/cartx\n",
           "4 answered differently by ingress-nginx and builtin, 2 causes",
           # each probe's own fix, in its host's and path's words
           "    differs in: status backend\n    fix: on shop.example.com, match \"/cart\" with "
           "type RegularExpression \"(?i)/cart.*\"\n",
           "    fix: if /cartx must keep reaching shop/cart, match \"/cart\" on "
           "shop.example.com with type RegularExpression \"/cart.*\"\n")
    # grouped by cause, each with its suggested fix and its own probes only
    # the api Ingress's own regex, by its example in upper case: the hand migration's
    # "/api/v[0-9]+.*" is case-sensitive
    in_group(p, "case-insensitive regex matching (3 probes)",
             "suggested fix: match the host's paths with type RegularExpression and (?i)",
             ["http://shop.example.com/CART\n", "http://shop.example.com/CART/gs-probe\n",
              "http://shop.example.com/API/V0\n"])
    expect(p, 1, "DIFF GET http://shop.example.com/API/V0\n"
                 "    ingress-nginx: 200 from shop/api (saw shop.example.com/API/V0)\n"
                 "    builtin: 404\n    differs in: status backend\n"
                 "    fix: on shop.example.com, match \"/api/v[0-9]+\" with type RegularExpression "
                 "\"(?i)/api/v[0-9]+.*\"\n")
    in_group(p, "character-prefix matching (1 probe)",
             "suggested fix: if such paths must keep working, match them with type "
             "RegularExpression", ["http://shop.example.com/cartx\n"])
    if "DIFF GET http://shop.example.com/cart\n" in p.stdout:
        fail("/cart itself is answered alike and must not be reported", p)
    # gatesim convert writes (?i) regular expressions for that host: no difference
    expect(diff("-q", "--no-normalization", "use-regex.yaml"), 0, "0 answered differently")

    # a capture group in the middle of rewrite-target: the backend sees another path
    expect(diff("-q", "capture-rewrite.yaml"), 1,
           "DIFF GET http://rewrite.bar.com/something/gs-probe\n"
           "    ingress-nginx: 200 from default/http-svc (saw rewrite.bar.com/gs-probe/index)\n"
           "    builtin: 200 from default/http-svc (saw rewrite.bar.com/something/gs-probe)\n"
           "    differs in: path-seen")
    # (/SOMETHING/: the expression's example, /something/, in upper case)
    # (/something?gs-probe=1: the query probe, the query kept by both after their rewrites)
    in_group(diff("-q", "capture-rewrite.yaml"), "capture-group rewrite (7 probes)",
             "(PathPrefix P with ReplacePrefixMatch T)",
             ["http://rewrite.bar.com/something\n", "http://rewrite.bar.com/something/\n",
              "http://rewrite.bar.com/something/gs-probe\n", "http://rewrite.bar.com/SOMETHING\n",
              "http://rewrite.bar.com/SOMETHING/gs-probe\n", "http://rewrite.bar.com/SOMETHING/\n",
              "http://rewrite.bar.com/something?gs-probe=1\n"])

    # with a query: ingress-nginx's permanent-redirect (return 301 URL) drops it, the
    # conversion's RequestRedirect keeps it; without a query both redirect alike. And every
    # other path of the host: ingress-nginx's root location carries the host's first Ingress's
    # redirect (locationApplyAnnotations), which the conversion writes as a PathPrefix "/" rule
    p = diff("--no-normalization", "redirect.yaml")
    expect(p, 1, "1 answered differently by ingress-nginx and builtin, 1 cause",
           "DIFF GET http://old.example.com/docs?gs-probe=1\n"
           "    ingress-nginx: 301 Location http://new.example.com/docs\n"
           "    builtin: 301 Location http://new.example.com/docs?gs-probe=1\n"
           "    differs in: location\n"
           "    fix: ingress-nginx's redirect (return 301 URL) drops the query string",
           "same GET http://old.example.com/docs/gs-probe\n"
           "    ingress-nginx: 301 Location http://new.example.com/docs\n",
           *[f"same GET http://old.example.com{x}\n"
             "    ingress-nginx: 301 Location http://new.example.com/docs\n"
             "    builtin: 301 Location http://new.example.com/docs\n"
             for x in ("/", "/docsx", "/DOCS", "/DOCS/gs-probe")])
    in_group(p, "redirect (1 probe)", "a RequestRedirect filter",
             ["http://old.example.com/docs?gs-probe=1\n"])
    # the root location takes the redirect of the host's first Ingress only: here the first
    # has none, so / is ingress-nginx's default backend (404) and the conversion writes no rule
    p = diff("--no-normalization", "redirect-first.yaml")
    expect(p, 1, "1 answered differently by ingress-nginx and builtin, 1 cause",
           "DIFF GET http://first.example.com/old?gs-probe=1\n",
           *[f"same GET http://first.example.com{x}\n"
             "    ingress-nginx: 404\n    builtin: 404\n" for x in ("/", "/oldx", "/appx")])
    in_group(p, "redirect (1 probe)", "a RequestRedirect filter",
             ["http://first.example.com/old?gs-probe=1\n"])

    # permanent-redirect on a TLS host: ingress-nginx's return runs before its Lua redirect to
    # HTTPS, so plain HTTP gets the 301 (the path, its neighbours and, by the root location,
    # the rest of the host); the conversion writes the rules for both listeners, no -to-https
    # route: only the query probe differs
    p = diff("--no-normalization", "redirect-tls.yaml")
    expect(p, 1, "1 answered differently by ingress-nginx and builtin, 1 cause",
           *[f"same GET http://old.example.com{x}\n"
             "    ingress-nginx: 301 Location https://new.example.com/\n"
             "    builtin: 301 Location https://new.example.com/\n"
             for x in ("/docs", "/docs/", "/docs/gs-probe", "/", "/docsx", "/DOCS")])
    in_group(p, "redirect (1 probe)", "a RequestRedirect filter",
             ["http://old.example.com/docs?gs-probe=1\n"])

    # spec.defaultBackend beside rules: the Ingress's own host's unmatched paths reach it, not
    # another Ingress's host nor unknown hosts; the conversion (a "/" rule on its host's route)
    # answers alike. A route without hostnames for it (the conversion before) takes both: the
    # cause names it, with its fix
    p = diff("--no-normalization", "default-backend-rules.yaml")
    expect(p, 0, "0 answered differently by ingress-nginx and builtin",
           "same GET http://shop.example.com/\n"
           "    ingress-nginx: 200 from default/fallback (saw shop.example.com/)\n",
           "same GET http://api.example.com/\n    ingress-nginx: 404\n    builtin: 404\n",
           "same GET http://gs-unknown.invalid/\n    ingress-nginx: 404\n    builtin: 404\n")
    p = diff("--no-normalization", "default-backend-rules.yaml", "--after",
             "default-backend-rules-after.yaml")
    expect(p, 1, "5 answered differently by ingress-nginx and builtin, 1 cause",
           "DIFF GET http://gs-unknown.invalid/\n    ingress-nginx: 404\n"
           "    builtin: 200 from default/fallback (saw gs-unknown.invalid/)\n")
    in_group(p, "a request no rule of its host takes (5 probes)",
             "an Ingress's defaultBackend beside rules as a PathPrefix \"/\" rule on the routes",
             ["http://gs-unknown.invalid/\n", "http://api.example.com/\n",
              "http://api.example.com/v1x\n", "http://api.example.com/V1\n",
              "http://api.example.com/V1/gs-probe\n"])

    # the request fields the backend saw: ingress-nginx's X-Forwarded-Prefix (x-forwarded-prefix
    # with a rewrite); the conversion sets it (only the letter-case probes differ), a migration
    # without the RequestHeaderModifier differs on exactly the four probes the rewrite serves
    p = diff("--no-normalization", "xfp.yaml")
    expect(p, 1, "3 answered differently by ingress-nginx and builtin, 1 cause",
           "same GET http://shop.example.com/shop/gs-probe\n")
    if "request-headers" in p.stdout:
        fail("xfp.yaml: the conversion's X-Forwarded-Prefix differs", p)
    p = diff("--no-normalization", "xfp.yaml", "--after", "xfp-after.yaml")
    expect(p, 1, "7 answered differently by ingress-nginx and builtin, 2 causes",
           "DIFF GET http://shop.example.com/shop/gs-probe\n"
           "    ingress-nginx: 200 from default/main (saw internal.example.com/gs-probe) "
           "[the backend got x-forwarded-prefix: /shop]\n"
           "    builtin: 200 from default/main (saw internal.example.com/gs-probe) "
           "[the backend got no compared request fields]\n"
           "    differs in: request-headers\n"
           "    fix: on shop.example.com, a RequestHeaderModifier on the rule of \"/shop\" that "
           "sets x-forwarded-prefix: /shop\n")
    in_group(p, "request headers the backend saw differ (4 probes)",
             "a RequestHeaderModifier that sets (or removes) the fields",
             ["http://shop.example.com/shop\n", "http://shop.example.com/shop/\n",
              "http://shop.example.com/shop/gs-probe\n",
              "http://shop.example.com/shop?gs-probe=1\n"])

    # a canary by header the Gateway API side dropped; gatesim convert keeps it
    p = diff("-q", "canary-header.yaml", "--after", "canary-header-after.yaml")
    expect(p, 1, "DIFF GET http://echo.example.com/ with X-Canary: always\n"
                 "    ingress-nginx: 200 from default/canary (saw echo.example.com/)\n"
                 "    builtin: 200 from default/production (saw echo.example.com/)\n"
                 "    differs in: backend\n"
                 "    fix: on echo.example.com, a rule matching path \"/\" and header X-Canary: "
                 "\"always\" with its backendRef to default/canary\n")
    if "DIFF GET http://echo.example.com/\n" in p.stdout:
        fail("requests without the header go to production on both sides", p)
    in_group(p, "canary header route missing (3 probes)",
             "add a rule with a headers match on that header",
             ["http://echo.example.com/ with X-Canary: always\n",
              "http://echo.example.com/gs-probe with X-Canary: always\n",
              "http://echo.example.com/x with X-Canary: always\n"])
    expect(diff("-q", "--no-normalization", "canary-header.yaml"), 0, "0 answered differently")

    # an annotation neither side models: the ingress-nginx side's warning at its line:col, once,
    # on stderr; both sides serve the Ingress as if it were absent
    p = diff("-q", "--no-normalization", "snippet.yaml")
    want = ("snippet.yaml:10:5: warning: Ingress default/snippet: annotation "
            "nginx.ingress.kubernetes.io/configuration-snippet is not modelled: the ingress-nginx "
            "target serves the Ingress as if it were absent\n")
    expect(p, 0, "0 answered differently")
    if p.stderr.count(want) != 1:
        fail(f"snippet.yaml: want once on stderr: {want!r}", p)
    if "not modelled" in diff("-q", "--no-normalization", "exact.yaml").stderr:
        fail("exact.yaml: a not-modelled warning without such an annotation", None)

    # an Ingress ingress-nginx rejects (x-forwarded-prefix fails its validation, on by default):
    # the warning at the value's line:col, once; its host answers 404 on the ingress-nginx side,
    # so a migration that routes it differs on exactly its probes, and the conversion (which
    # writes nothing for it) does not
    want = ("rejected.yaml:11:53: warning: Ingress default/shop: "
            "metadata.annotations[nginx.ingress.kubernetes.io/x-forwarded-prefix]: ingress-nginx "
            "rejects this Ingress: annotation nginx.ingress.kubernetes.io/x-forwarded-prefix value "
            "\"/a%20b\" fails its validation (ValidateRegex(RegexPathWithCapture): letters, digits "
            "and -._~/:$ only); fix the value\n")
    p = diff("-q", "--no-normalization", "rejected.yaml", "--after", "rejected-after.yaml")
    expect(p, 1, "4 answered differently")
    in_group(p, "a request no rule of its host takes (4 probes)",
             "check which side's rules are too wide",
             [f"http://shop.example.com{x}\n" for x in ("/shop", "/shop/gs-probe", "/shop/",
                                                         "/shop?gs-probe=1")])
    expect(p, 1, "    ingress-nginx: 404\n    builtin: 200 from default/main (saw "
                 "shop.example.com/shop)\n")
    if p.stderr.count(want) != 1:
        fail(f"rejected.yaml: want once on stderr: {want!r}", p)
    p = diff("-q", "--no-normalization", "rejected.yaml")
    expect(p, 0, "0 answered differently")
    if p.stderr.count(want) != 1:
        fail(f"rejected.yaml, converted: want once on stderr: {want!r}", p)

    # upstream-vhost, canary-by-cookie and app-root: a migration that lost each is found by
    # exactly the probes that show it, under its cause with its fix; the conversion itself
    # differs only where ingress-nginx's app-root redirect drops the query and its
    # RequestRedirect keeps it
    p = diff("-q", "--no-normalization", "annotations.yaml", "--after", "annotations-after.yaml")
    expect(p, 1, "gatesim diff: ")
    in_group(p, "canary cookie route missing (3 probes)",
             "add a rule with a headers match on Cookie",
             [f"http://canary.example.com{x} with Cookie: canary_user=always\n"
              for x in ("/c", "/c/gs-probe", "/c/")])
    in_group(p, "Host seen by the backend (4 probes)", "a URLRewrite filter with hostname",
             [f"http://shop.example.com{x}\n" for x in ("/shop", "/shop/gs-probe", "/shop/",
                                                         "/shop?gs-probe=1")])
    in_group(p, "redirect (2 probes)", "a RequestRedirect filter",
             ["http://approot.example.com/\n", "http://approot.example.com/?gs-probe=1\n"])
    expect(p, 1, "    ingress-nginx: 200 from default/canary (saw canary.example.com/c)\n"
                 "    builtin: 200 from default/main (saw canary.example.com/c)\n",
           "    ingress-nginx: 200 from default/main (saw internal.example.com/shop)\n"
           "    builtin: 200 from default/main (saw shop.example.com/shop)\n",
           "    ingress-nginx: 302 Location http://approot.example.com/app1\n")
    if p.stdout.count("\n== cause: ") != 3:
        fail("annotations: a cause beyond cookie, Host seen and redirect", p)
    p = diff("-q", "--no-normalization", "annotations.yaml")
    expect(p, 1, "gatesim diff: ")
    in_group(p, "redirect (1 probe)", "a RequestRedirect filter",
             ["http://approot.example.com/?gs-probe=1\n"])
    if p.stdout.count("\n== cause: ") != 1:
        fail("annotations: the conversion differs beyond the app-root query probe", p)

    # a weighted canary (20 of 100): each probe of its path is sent 400 times to each side and
    # the shares compared (Fisher's exact test). At alpha 1e-6 a correct side is reported with
    # probability below 1e-5 over the run; 20% against 50% of 400 has p below 1e-15.
    p = diff("-q", "--requests=400", "--alpha=1e-6", "canary-weight.yaml",
             "--after", "canary-weight-after.yaml")
    expect(p, 1, "DIFF GET http://echo.example.com/ (400 requests a side)\n    ingress-nginx: ",
           "differs in: shares (p = ", "alpha 1e-06, Fisher's exact test)")
    lines = p.stdout.split("\n")
    head = lines.index("DIFF GET http://echo.example.com/ (400 requests a side)")
    for line, lo, hi in ((lines[head + 1], 12, 28), (lines[head + 2], 40, 60)):
        share = line.split("% 200 from default/canary")[0].split(" ")[-1]
        if not lo <= float(share) <= hi:
            fail(f"canary share {share}% outside [{lo}, {hi}]: {line}", p)
    in_group(p, "weighted split differs (4 probes)",
             "the main Service canary-weight-total - canary-weight",
             ["http://echo.example.com/ (400", "http://echo.example.com/gs-probe (400",
              "http://echo.example.com/x (400", "http://echo.example.com/?gs-probe=1 (400"])
    p = diff("--requests=400", "--alpha=1e-6", "canary-weight.yaml")
    expect(p, 0, "same GET http://echo.example.com/ (400 requests a side)\n",
           "alike in: shares (p = ", "0 answered differently")
    if p.stdout.count("default/canary") < 2:
        fail("the converted side must reach the canary too", p)
    expect(diff("--requests=5", "canary-weight.yaml"), 2, "--requests 5:")
    expect(diff("--alpha=0.9", "canary-weight.yaml"), 2, "--alpha 0.9:")

    # nginx's 301 for a Prefix path written with its slash
    p = diff("-q", "trailing-slash.yaml")
    expect(p, 1, "DIFF GET http://www.example.com/docs\n"
                 "    ingress-nginx: 301 Location http://www.example.com/docs/\n"
                 "    builtin: 200 from default/docs (saw www.example.com/docs)")
    in_group(p, "nginx's trailing-slash redirect (1 probe)",
             "add an Exact match of PATH with a RequestRedirect (statusCode 301) to PATH/",
             ["http://www.example.com/docs\n"])

    # percent-encoded and double-slash probes: the builtin gateway normalises the path it
    # forwards and refuses an encoded slash, ingress-nginx forwards the path as received. Their
    # normalised paths are answered alike, so by default they are a known difference of the
    # implementations, reported apart and not counted: an exact conversion has no difference.
    # With --strict they count. An unreserved character percent-encoded is the same URI
    # (RFC 3986): not a difference at all.
    norm_probes = [f"http://{h}{path}\n" for h, paths in (
        ("app.example.com", ("/api", "/healthz")), ("www.example.com", ("/docs",)))
        for x in paths for path in (f"/{x}", f"{x}//gs-probe", f"{x}%2Fgs-probe")]
    p = diff("-q", "exact.yaml")
    expect(p, 0, "KNOWN GET http://app.example.com//api\n"
                 "    ingress-nginx: 200 from default/api (saw app.example.com//api)\n"
                 "    builtin: 200 from default/api (saw app.example.com/api)\n"
                 "    differs in: path-seen",
           "KNOWN GET http://app.example.com/healthz%2Fgs-probe\n"
           "    ingress-nginx: 200 from default/frontend (saw app.example.com/healthz%2Fgs-probe)\n"
           "    builtin: 400\n", "0 answered differently by ingress-nginx and builtin; 9 more",
           "the builtin gateway merges slashes")
    known_group(p, 9, norm_probes)
    if "\nDIFF " in p.stdout or "== cause:" in p.stdout:
        fail("an exact conversion must report no counted difference by default", p)
    # HTTPS to hosts without TLS and to an unknown host: ingress-nginx answers every one under
    # its fake certificate (its routes, or its default server's 404), the conversion has no
    # HTTPS listener. No verifying client got those answers: expected, listed, not counted.
    fake_probes = [f"https://{x}" for x in (
        "app.example.com/api", "app.example.com/api/gs-probe", "app.example.com/healthz",
        "app.example.com/healthz/gs-probe", "app.example.com/", "app.example.com/gs-probe",
        "www.example.com/docs", "www.example.com/docs/gs-probe", "www.example.com/",
        "gs-unknown.invalid/")]
    expected_group(p, fake_probes)
    expect(p, 0, "EXPECTED GET https://app.example.com/api\n"
                 "    ingress-nginx: 200 [certificate Kubernetes Ingress Controller Fake "
                 "Certificate] from default/api (saw app.example.com/api)\n"
                 "    builtin: no answer\n",
           "EXPECTED GET https://gs-unknown.invalid/\n"
           "    ingress-nginx: 404 [certificate Kubernetes Ingress Controller Fake Certificate]\n"
           "    builtin: no answer\n    differs in: status certificate\n"
           "    fix: nothing: ingress-nginx's default server answers an unknown host (404)",
           "fix: if clients call https://www.example.com, list www.example.com with a Secret")
    p = diff("-q", "--strict", "exact.yaml")
    expect(p, 1, "19 answered differently by ingress-nginx and builtin, 2 causes")
    in_group(p, "path normalization (9 probes)", "--no-normalization leaves these probes out",
             norm_probes)
    in_group(p, "ingress-nginx's fake certificate (10 probes)",
             "give it a real certificate", [x + "\n" for x in fake_probes])
    if "KNOWN GET" in p.stdout or "EXPECTED GET" in p.stdout:
        fail("--strict counts the known and the expected differences", p)
    if "GET http://app.example.com/%61pi" in p.stdout:
        fail("/%61pi and /api are one URI: not a difference", p)

    # an exact conversion: every probe answered alike, and really answered
    p = diff("--no-normalization", "exact.yaml")
    expect(p, 0, "0 answered differently",
           "same GET http://app.example.com/healthz\n"
           "    ingress-nginx: 200 from default/health (saw app.example.com/healthz)\n"
           "    builtin: 200 from default/health (saw app.example.com/healthz)",
           "same GET http://app.example.com/HEALTHZ\n"
           "    ingress-nginx: 200 from default/frontend (saw app.example.com/HEALTHZ)",
           "same GET http://gs-unknown.invalid/\n    ingress-nginx: 404\n    builtin: 404")

    # HTTPS on both sides: ingress-nginx serves the Ingress's TLS Secret and redirects HTTP with
    # 308; the conversion's HTTPS listener serves the same certificate. One difference: the
    # redirect of ingress-nginx drops a final "/" (https://shop.example.com for / is the same
    # URI as .../, RFC 3986, so not a difference)
    p = diff("--no-normalization", "tls.yaml")
    expect(p, 1, "1 answered differently by ingress-nginx and builtin, 1 cause",
           "same GET http://shop.example.com/\n"
           "    ingress-nginx: 308 Location https://shop.example.com\n"
           "    builtin: 308 Location https://shop.example.com/\n",
           "DIFF GET http://shop.example.com/cart/\n"
           "    ingress-nginx: 308 Location https://shop.example.com/cart\n"
           "    builtin: 308 Location https://shop.example.com/cart/\n    differs in: location\n"
           "    fix: on shop.example.com, an Exact match of \"/cart/\" on the HTTP listener with a "
           "RequestRedirect (scheme https, path ReplaceFullPath \"/cart\", statusCode 308)")
    in_group(p, "ingress-nginx's HTTPS redirect drops the trailing slash (1 probe)",
             "or set preserve-trailing-slash: \"true\" on the Ingress",
             ["http://shop.example.com/cart/\n"])
    # with preserve-trailing-slash ingress-nginx keeps it: no counted difference. Its HTTPS
    # answers carry its default HSTS, the conversion's do not: expected, listed, not counted;
    # the server field (each implementation's own name) is a note
    p = diff("--no-normalization", "tls-preserve.yaml")
    https_probes = [f"https://shop.example.com{x}" for x in ("/cart", "/cart/gs-probe", "/",
                                                             "/gs-probe")]
    expect(p, 0, "0 answered differently",
           "same GET http://shop.example.com/cart/\n"
           "    ingress-nginx: 308 Location https://shop.example.com/cart/\n",
           "EXPECTED GET https://shop.example.com/cart\n"
           "    ingress-nginx: 200 [certificate *.example.com] from default/cart "
           f"(saw shop.example.com/cart) [strict-transport-security: {HSTS}]\n"
           "    builtin: 200 [certificate *.example.com] from default/cart "
           "(saw shop.example.com/cart) [no strict-transport-security]\n",
           "same GET http://shop.example.com/cart\n"
           "    ingress-nginx: 308 Location https://shop.example.com/cart\n"
           "    builtin: 308 Location https://shop.example.com/cart\n",
           "note: response field server differs on 17 probes (ingress-nginx: \"nginx\", "
           "builtin: none): each implementation names itself, not compared\n")
    hsts_group(p, https_probes)
    # --strict counts them, under their cause
    ps = diff("-q", "--strict", "--no-normalization", "tls-preserve.yaml")
    expect(ps, 1, "5 answered differently by ingress-nginx and builtin, 2 causes")
    in_group(ps, "Strict-Transport-Security added by one implementation (4 probes)",
             "a ResponseHeaderModifier adding Strict-Transport-Security",
             [x + "\n" for x in https_probes])
    # HSTS off in ingress-nginx's ConfigMap, or the same field added by the Gateway API side's
    # ResponseHeaderModifier: no HSTS difference at all
    for args in (("tls-nohsts.yaml",), ("tls-preserve.yaml", "--after", "tls-hsts-after.yaml")):
        q = diff("-q", "--strict", "--no-normalization", *args)
        expect(q, 1, "1 answered differently by ingress-nginx and builtin, 1 cause")
        if "strict-transport-security" in q.stdout.lower():
            fail(f"{args}: an HSTS difference where both sides agree", q)
    # the unknown host over HTTPS: the converted Gateway's HTTPS listener answers it under the
    # Secret's certificate, ingress-nginx under its fake one: still only expected
    expected_group(p, ["https://gs-unknown.invalid/"])
    expect(p, 0, "EXPECTED GET https://gs-unknown.invalid/\n"
                 "    ingress-nginx: 404 [certificate Kubernetes Ingress Controller Fake "
                 "Certificate]\n    builtin: 404 [certificate *.example.com]\n"
                 "    differs in: certificate\n")
    # a migration that forgot TLS: HTTPS answers nothing, HTTP does not redirect
    p = diff("-q", "--no-normalization", "tls.yaml", "--after", "tls-after.yaml")
    expect(p, 1, "DIFF GET https://shop.example.com/cart\n"
                 "    ingress-nginx: 200 [certificate *.example.com] from default/cart "
                 "(saw shop.example.com/cart)\n    builtin: no answer\n")
    in_group(p, "HTTPS listener or certificate (4 probes)",
             "a Gateway listener with protocol HTTPS, port 443",
             [f"https://shop.example.com{x}\n" for x in ("/cart", "/cart/gs-probe", "/",
                                                          "/gs-probe")])
    in_group(p, "redirect (11 probes)", "a RequestRedirect filter",
             [f"http://shop.example.com{x}\n" for x in (
                 "/cart", "/cart/gs-probe", "/cart/", "/cartx", "/CART/gs-probe", "/CART", "/",
                 "/gs-probe", "/x", "/cart?gs-probe=1", "/?gs-probe=1")])

    # a wildcard host: ingress-nginx's covers one label, Gateway API's any number
    p = diff("-q", "--no-normalization", "wildcard.yaml")
    expect(p, 1, "1 answered differently by ingress-nginx and builtin, 1 cause",
           "DIFF GET http://gs-probe.gs-probe.example.com/app\n    ingress-nginx: 404\n"
           "    builtin: 200 from default/app (saw gs-probe.gs-probe.example.com/app)\n"
           "    differs in: status backend\n"
           "    fix: gs-probe.gs-probe.example.com is two labels under the wildcard: "
           "ingress-nginx answers /app 404 (its default server)")
    in_group(p, "wildcard host depth (1 probe)", "a wildcard cannot be limited to one label",
             ["http://gs-probe.gs-probe.example.com/app\n"])
    p = diff("--no-normalization", "wildcard.yaml")
    expect(p, 1, "same GET http://example.com/\n    ingress-nginx: 404\n    builtin: 404\n",
           "same GET http://gs-probe.example.com/app\n"
           "    ingress-nginx: 200 from default/app (saw gs-probe.example.com/app)\n",
           "same GET http://gs-probe.gs-probe.example.com/\n    ingress-nginx: 404\n")

    # a tls entry without hosts: ingress-nginx serves blog.example.com, which only a rule names,
    # with the Secret whose certificate covers it (a SAN), and redirects its HTTP; gatesim
    # convert writes the same HTTPS listener and redirect: only the trailing slash differs
    p = diff("--no-normalization", "tls-san.yaml")
    expect(p, 1, "1 answered differently",
           "EXPECTED GET https://blog.example.com/posts\n"
           "    ingress-nginx: 200 [certificate *.example.com] from default/posts "
           f"(saw blog.example.com/posts) [strict-transport-security: {HSTS}]\n"
           "    builtin: 200 [certificate *.example.com] from default/posts",
           "same GET http://blog.example.com/posts\n"
           "    ingress-nginx: 308 Location https://blog.example.com/posts\n")
    in_group(p, "ingress-nginx's HTTPS redirect drops the trailing slash (1 probe)",
             "preserve-trailing-slash", ["http://blog.example.com/posts/\n"])
    expected_group(p, ["https://gs-unknown.invalid/"])
    # a migration serving the host on HTTP only: there ingress-nginx served real routes under a
    # real certificate, so the HTTPS probes are counted differences, not expected ones
    p = diff("-q", "--no-normalization", "tls-san.yaml", "--after", "tls-san-after.yaml")
    expect(p, 1, "11 answered differently by ingress-nginx and builtin, 2 causes",
           "DIFF GET https://blog.example.com/posts\n"
           "    ingress-nginx: 200 [certificate *.example.com] from default/posts "
           "(saw blog.example.com/posts)\n    builtin: no answer\n")
    in_group(p, "HTTPS listener or certificate (3 probes)",
             "a Gateway listener with protocol HTTPS, port 443",
             [f"https://blog.example.com{x}\n" for x in ("/posts", "/posts/gs-probe", "/")])
    in_group(p, "redirect (8 probes)", "a RequestRedirect filter",
             [f"http://blog.example.com{x}\n" for x in (
                 "/posts", "/posts/gs-probe", "/posts/", "/postsx", "/POSTS/gs-probe", "/POSTS",
                 "/", "/posts?gs-probe=1")])
    expected_group(p, ["https://gs-unknown.invalid/"])

    # Gateway API against Gateway API on two targets: the same routes on the builtin gateway and
    # on nginx. They route alike; the stated difference (docs/targets/nginx.md, docs/gateway.md):
    # the builtin merges slashes and refuses %2F, nginx matches //api as written
    gw_norm = [f"http://app.example.com{x}" for x in (
        "/api%2Fgs-probe\n", "//api\n", "/api//gs-probe\n", "/healthz%2Fgs-probe\n",
        "//healthz\n", "/healthz//gs-probe\n", "/beta%2Fgs-probe\n", "//beta\n",
        "/beta//gs-probe\n", "/beta%2Fgs-probe with X-Beta: on",
        "//beta with X-Beta: on", "/beta//gs-probe with X-Beta: on")]
    p = diff("-q", "--before-target=builtin", "--target=nginx", "gateway.yaml")
    expect(p, 0, "KNOWN GET http://app.example.com//api\n"
                 "    builtin: 200 from default/api (saw app.example.com/api)\n"
                 "    nginx: 200 from default/frontend (saw app.example.com//api)\n"
                 "    differs in: backend",
           "0 answered differently by builtin and nginx; 12 more",
           "the nginx target does not merge slashes")
    known_group(p, 12, gw_norm)
    p = diff("-q", "--strict", "--before-target=builtin", "--target=nginx", "gateway.yaml")
    expect(p, 1, "DIFF GET http://app.example.com/api%2Fgs-probe\n    builtin: 400\n"
                 "    nginx: 200 from default/api (saw app.example.com/api%2Fgs-probe)",
           "12 answered differently by builtin and nginx, 1 cause")
    in_group(p, "path normalization (12 probes)", "nothing in the routes expresses it", gw_norm)
    p = diff("--no-normalization", "--before-target=builtin", "--after-target=nginx",
             "gateway.yaml")
    expect(p, 0, "0 answered differently by builtin and nginx",
           "same GET http://app.example.com/beta with X-Beta: on\n"
           "    builtin: 200 from default/beta (saw app.example.com/beta)\n"
           "    nginx: 200 from default/beta (saw app.example.com/beta)",
           "same GET http://app.example.com/beta\n"
           "    builtin: 200 from default/frontend (saw app.example.com/beta)\n"
           "    nginx: 200 from default/frontend",
           "same GET http://app.example.com/healthz/\n    builtin: 200 from default/frontend")
    # a header-matched rule one side lacks: grouped as a header match
    p = diff("-q", "--no-normalization", "gateway.yaml", "--after", "gateway-no-header.yaml")
    expect(p, 1, "3 answered differently by builtin and builtin, 1 cause",
           "DIFF GET http://app.example.com/beta with X-Beta: on\n"
           "    builtin: 200 from default/beta (saw app.example.com/beta)\n"
           "    builtin: 200 from default/frontend (saw app.example.com/beta)")
    in_group(p, "header match (3 probes)", "check the rule's headers match",
             [f"http://app.example.com/beta{x} with X-Beta: on\n" for x in ("", "/gs-probe", "/")])
    # a ResponseHeaderModifier (a field set, a canary's Set-Cookie added, the backend's
    # Content-Type replaced) one side lacks: the same status and backend, grouped under the
    # response headers with the fields to set (or remove) named; fields that vary per request
    # (date, content-length, the echo's request id) are not compared
    p = diff("-q", "--no-normalization", "gateway.yaml", "--after", "gateway-resp-header.yaml")
    expect(p, 1, "1 answered differently by builtin and builtin, 1 cause",
           "DIFF GET http://app.example.com/healthz\n"
           "    builtin: 200 from default/health (saw app.example.com/healthz) "
           "[content-type: application/json | x-content-type-options: nosniff]\n"
           "    builtin: 200 from default/health (saw app.example.com/healthz) "
           "[content-type: text/plain; charset=utf-8 | set-cookie: gs-canary=always; Path=/ | "
           "x-content-type-options: nosniff | x-env: canary]\n"
           "    differs in: response-headers\n"
           "    fix: on app.example.com, a ResponseHeaderModifier on the rule of \"/healthz\" "
           "that sets content-type: application/json and removes set-cookie, x-env\n")
    in_group(p, "response headers differ (1 probe)", "a ResponseHeaderModifier filter",
             ["http://app.example.com/healthz\n"])
    p = diff("-q", "--no-normalization", "gateway-resp-header.yaml", "--after", "gateway.yaml")
    expect(p, 1, "fix: on app.example.com, a ResponseHeaderModifier on the rule of \"/healthz\" "
                 "that sets content-type: text/plain; charset=utf-8 | set-cookie: "
                 "gs-canary=always; Path=/ | x-env: canary\n")
    in_group(p, "response headers differ (1 probe)", "a ResponseHeaderModifier filter",
             ["http://app.example.com/healthz\n"])
    # the same headers on both targets, the replaced Content-Type too; nginx's own server field
    # is not compared, only counted in a note
    expect(diff("-q", "--no-normalization", "--before-target=builtin", "--target=nginx",
                "gateway-resp-header.yaml"), 0, "0 answered differently by builtin and nginx",
           "note: response field server differs on 28 probes (builtin: none, nginx: \"nginx\"): "
           "each implementation names itself, not compared\n")
    expect(diff("--before-target=builtin", "exact.yaml"), 2,
           "Ingresses run on --before-target ingress-nginx only")
    expect(diff("--before-target=nope", "gateway.yaml"), 2, "--before-target:")

    # usage and input errors
    expect(diff(), 2, "no INGRESS_FILE")
    expect(diff("exact.yaml", "--target", "nope"), 2, "unknown target")
    bad = os.path.join(WORK_ROOT, "bad.yaml")
    with open(bad, "w") as f:
        f.write("apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: x}\n"
                "spec:\n  rules:\n  - http:\n      paths:\n"
                "      - {path: /a, backend: {service: {name: a, port: {number: 80}}}}\n")
    expect(diff(bad), 2, "bad.yaml:8:9:", "pathType must be specified")
    done("ok: use-regex, capture rewrite, canary header and trailing slash found; exact "
         "conversions answered alike")


main()
